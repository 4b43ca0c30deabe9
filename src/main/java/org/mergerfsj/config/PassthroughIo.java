package org.mergerfsj.config;

/** Which opens the kernel serves itself from the branch file, option {@code passthrough.io} (OPT-69, newer mergerfs). */
public enum PassthroughIo {
    OFF,
    /** Opens for reading only. */
    RO,
    /** Opens for writing only. */
    WO,
    /** Every open. */
    RW;

    /** The exact spelling used on the command line and in the control file. */
    @Override
    public String toString() {
        return Values.spelling(this);
    }
}
