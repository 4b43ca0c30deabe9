package org.mergerfsj.ctl;

/** A failed ctl command: the message for people and the exit status for scripts. */
public final class CtlException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int exitCode;

    public CtlException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
