package org.mergerfsj.config;

/** A runtime key that can be read but not changed while mounted (control-file EROFS, CTL-05/CTL-07). */
public final class ReadOnlyKeyException extends KeyException {
    private static final long serialVersionUID = 1L;

    public ReadOnlyKeyException(String key) {
        super("read-only option '" + key + "'", key);
    }
}
