package org.mergerfsj.config;

/** How xattr calls are answered, option {@code xattr} (OPT-34, OP-XA). */
public enum XattrMode {
    PASSTHROUGH("passthrough"),
    NOATTR("noattr"),
    NOSYS("nosys");

    private final String text;

    XattrMode(String text) {
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
    public static XattrMode parse(String s) throws BadValueException {
        return Values.parseEnum(values(), s);
    }
}
