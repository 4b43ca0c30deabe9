package org.mergerfsj.config;

/** A runtime key that does not exist (control-file ENOATTR). */
public final class NoSuchKeyException extends KeyException {
    private static final long serialVersionUID = 1L;

    public NoSuchKeyException(String key) {
        super("unknown option '" + key + "'", key);
    }
}
