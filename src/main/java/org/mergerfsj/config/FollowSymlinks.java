package org.mergerfsj.config;

/** Which symlinks getattr follows, option {@code follow-symlinks} (OPT-38, OP-FS-01). */
public enum FollowSymlinks {
    NEVER,
    DIRECTORY,
    REGULAR,
    ALL;

    /** The exact spelling used on the command line and in the control file. */
    @Override
    public String toString() {
        return Values.spelling(this);
    }
}
