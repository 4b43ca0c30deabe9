package org.mergerfsj.policy;

/** A policy found no branch; carries the folded errno (EROFS > ENOSPC > ENOENT). No stack trace: it is a value. */
public final class PolicyException extends Exception {
    private final int errno;

    public PolicyException(int errno) {
        super("policy failed: errno " + errno, null, false, false);
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
