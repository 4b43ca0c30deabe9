package org.mergerfsj.config;

/** Inode number algorithm, option {@code inodecalc} (OPT-11, INO-02). */
public enum InodeCalc {
    PASSTHROUGH("passthrough"),
    PATH_HASH("path-hash"),
    PATH_HASH32("path-hash32"),
    DEVINO_HASH("devino-hash"),
    DEVINO_HASH32("devino-hash32"),
    HYBRID_HASH("hybrid-hash"),
    HYBRID_HASH32("hybrid-hash32");

    private final String text;

    InodeCalc(String text) {
        this.text = text;
    }

    /** The exact spelling used on the command line and in the control file. */
    public String text() {
        return text;
    }

    @Override
    public String toString() {
        return text;
    }

    /** Parses the exact (case-sensitive) spelling. */
    public static InodeCalc parse(String s) throws BadValueException {
        return Values.parseEnum(values(), s);
    }
}
