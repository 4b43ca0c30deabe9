package org.mergerfsj.config;

/** Which opens the kernel serves itself from the branch file, option {@code passthrough.io} (OPT-69, newer mergerfs). */
public enum PassthroughIo {
    OFF("off"),
    /** Opens for reading only. */
    RO("ro"),
    /** Opens for writing only. */
    WO("wo"),
    /** Every open. */
    RW("rw");

    private final String text;

    PassthroughIo(String text) {
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
    public static PassthroughIo parse(String s) throws BadValueException {
        return Values.parseEnum(values(), s);
    }
}
