package org.mergerfsj.config;

/**
 * An option value, branch string or config file that cannot be accepted. The message is the human reason,
 * naming the offending item; several problems found in one pass are joined with newlines.
 * The control-file layer maps it to EINVAL.
 */
public final class BadValueException extends Exception {
    private static final long serialVersionUID = 1L;

    public BadValueException(String message) {
        super(message);
    }
}
