package org.mergerfsj.config;

/** When open retries an EACCES by adding write bits, option {@code nfsopenhack} (OPT-39, OP-OP-03). */
public enum NfsOpenHack {
    OFF,
    GIT,
    ALL;

    /** The exact spelling used on the command line and in the control file. */
    @Override
    public String toString() {
        return Values.spelling(this);
    }
}
