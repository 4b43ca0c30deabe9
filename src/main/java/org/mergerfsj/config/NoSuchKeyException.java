package org.mergerfsj.config;

/** A runtime key that does not exist (control-file ENOATTR). */
public final class NoSuchKeyException extends Exception {
    private static final long serialVersionUID = 1L;
    private final String key;

    public NoSuchKeyException(String key) {
        super("unknown option '" + key + "'");
        this.key = key;
    }

    public String key() {
        return key;
    }
}
