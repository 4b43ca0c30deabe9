package org.mergerfsj.config;

/** Which branches' free space statfs ignores, option {@code statfs_ignore} (OPT-15, OP-SF-03). */
public enum StatFsIgnore {
    NONE("none"),
    RO("ro"),
    NC("nc");

    private final String text;

    StatFsIgnore(String text) {
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
    public static StatFsIgnore parse(String s) throws BadValueException {
        return Values.parseEnum(values(), s);
    }
}
