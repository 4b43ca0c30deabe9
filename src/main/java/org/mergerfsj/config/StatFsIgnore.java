package org.mergerfsj.config;

/** Which branches' free space statfs ignores, option {@code statfs_ignore} (OPT-15, OP-SF-03). */
public enum StatFsIgnore {
    NONE,
    RO,
    NC;

    /** The exact spelling used on the command line and in the control file. */
    @Override
    public String toString() {
        return Values.spelling(this);
    }
}
