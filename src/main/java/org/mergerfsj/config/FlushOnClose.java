package org.mergerfsj.config;

/** Whether the kernel sends FLUSH when a file is closed, option {@code flush-on-close} (OPT-65, newer mergerfs). */
public enum FlushOnClose {
    NEVER("never"),
    ALWAYS("always"),
    OPENED_FOR_WRITE("opened-for-write");

    private final String text;

    FlushOnClose(String text) {
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
    public static FlushOnClose parse(String s) throws BadValueException {
        return Values.parseEnum(values(), s);
    }
}
