package org.mergerfsj.config;

/** A runtime key that can be read but not changed while mounted (control-file EROFS, CTL-05/CTL-07). */
public final class ReadOnlyKeyException extends Exception {
    private static final long serialVersionUID = 1L;
    private final String key;

    public ReadOnlyKeyException(String key) {
        super("read-only option '" + key + "'");
        this.key = key;
    }

    public String key() {
        return key;
    }
}
