package org.mergerfsj.config;

/** Which symlinks getattr follows, option {@code follow-symlinks} (OPT-38, OP-FS-01). */
public enum FollowSymlinks {
    NEVER("never"),
    DIRECTORY("directory"),
    REGULAR("regular"),
    ALL("all");

    private final String text;

    FollowSymlinks(String text) {
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
    public static FollowSymlinks parse(String s) throws BadValueException {
        return Values.parseEnum(values(), s);
    }
}
