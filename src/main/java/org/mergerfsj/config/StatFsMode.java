package org.mergerfsj.config;

/** Which path statfs measures on each branch, option {@code statfs} (OPT-14, OP-SF-01). */
public enum StatFsMode {
    BASE("base"),
    FULL("full");

    private final String text;

    StatFsMode(String text) {
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
    public static StatFsMode parse(String s) throws BadValueException {
        return Values.parseEnum(values(), s);
    }
}
