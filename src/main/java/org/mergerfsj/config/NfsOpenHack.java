package org.mergerfsj.config;

/** When open retries an EACCES by adding write bits, option {@code nfsopenhack} (OPT-39, OP-OP-03). */
public enum NfsOpenHack {
    OFF("off"),
    GIT("git"),
    ALL("all");

    private final String text;

    NfsOpenHack(String text) {
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
    public static NfsOpenHack parse(String s) throws BadValueException {
        return Values.parseEnum(values(), s);
    }
}
