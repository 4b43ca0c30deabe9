package org.mergerfsj.config;

/** What link does when the result is EXDEV, option {@code link-exdev} (OPT-36, OP-LN-EX-01). */
public enum LinkExdev {
    PASSTHROUGH,
    REL_SYMLINK,
    ABS_BASE_SYMLINK,
    ABS_POOL_SYMLINK;

    /** The exact spelling used on the command line and in the control file. */
    @Override
    public String toString() {
        return Values.spelling(this);
    }
}
