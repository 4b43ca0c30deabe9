package org.mergerfsj.config;

/** What link does when the result is EXDEV, option {@code link-exdev} (OPT-36, OP-LN-EX-01). */
public enum LinkExdev {
    PASSTHROUGH("passthrough"),
    REL_SYMLINK("rel-symlink"),
    ABS_BASE_SYMLINK("abs-base-symlink"),
    ABS_POOL_SYMLINK("abs-pool-symlink");

    private final String text;

    LinkExdev(String text) {
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
    public static LinkExdev parse(String s) throws BadValueException {
        return Values.parseEnum(values(), s);
    }
}
