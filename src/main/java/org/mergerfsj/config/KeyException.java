package org.mergerfsj.config;

/** A runtime key that cannot be read or changed as asked; {@link #key()} names it. */
public abstract sealed class KeyException extends Exception permits NoSuchKeyException, ReadOnlyKeyException {
    private static final long serialVersionUID = 1L;
    private final String key;

    KeyException(String message, String key) {
        super(message);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
