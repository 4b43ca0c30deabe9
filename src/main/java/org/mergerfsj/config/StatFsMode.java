package org.mergerfsj.config;

/** Which path statfs measures on each branch, option {@code statfs} (OPT-14, OP-SF-01). */
public enum StatFsMode {
    BASE,
    FULL;

    /** The exact spelling used on the command line and in the control file. */
    @Override
    public String toString() {
        return Values.spelling(this);
    }
}
