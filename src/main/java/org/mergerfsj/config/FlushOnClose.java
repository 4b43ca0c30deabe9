package org.mergerfsj.config;

/** Whether the kernel sends FLUSH when a file is closed, option {@code flush-on-close} (OPT-65, newer mergerfs). */
public enum FlushOnClose {
    NEVER,
    ALWAYS,
    OPENED_FOR_WRITE;

    /** The exact spelling used on the command line and in the control file. */
    @Override
    public String toString() {
        return Values.spelling(this);
    }
}
