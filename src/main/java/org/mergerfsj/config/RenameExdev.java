package org.mergerfsj.config;

/** What rename does when the result is EXDEV, option {@code rename-exdev} (OPT-37, OP-RN-EX-01). */
public enum RenameExdev {
    PASSTHROUGH,
    REL_SYMLINK,
    ABS_SYMLINK;

    /** The exact spelling used on the command line and in the control file. */
    @Override
    public String toString() {
        return Values.spelling(this);
    }
}
