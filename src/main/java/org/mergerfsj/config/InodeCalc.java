package org.mergerfsj.config;

/** Inode number algorithm, option {@code inodecalc} (OPT-11, INO-02). */
public enum InodeCalc {
    PASSTHROUGH,
    PATH_HASH,
    PATH_HASH32,
    DEVINO_HASH,
    DEVINO_HASH32,
    HYBRID_HASH,
    HYBRID_HASH32;

    /** The exact spelling used on the command line and in the control file. */
    @Override
    public String toString() {
        return Values.spelling(this);
    }
}
