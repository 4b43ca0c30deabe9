package org.mergerfsj.config;

/** How xattr calls are answered, option {@code xattr} (OPT-34, OP-XA). */
public enum XattrMode {
    PASSTHROUGH,
    NOATTR,
    NOSYS;

    /** The exact spelling used on the command line and in the control file. */
    @Override
    public String toString() {
        return Values.spelling(this);
    }
}
