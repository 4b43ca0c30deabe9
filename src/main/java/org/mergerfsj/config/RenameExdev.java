package org.mergerfsj.config;

/** What rename does when the result is EXDEV, option {@code rename-exdev} (OPT-37, OP-RN-EX-01). */
public enum RenameExdev {
    PASSTHROUGH("passthrough"),
    REL_SYMLINK("rel-symlink"),
    ABS_SYMLINK("abs-symlink");

    private final String text;

    RenameExdev(String text) {
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
    public static RenameExdev parse(String s) throws BadValueException {
        return Values.parseEnum(values(), s);
    }
}
