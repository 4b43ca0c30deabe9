package org.mergerfsj.config;

/** Page-cache mode for opened files, option {@code cache.files} (OPT-17). {@code per-process} is accepted from newer mergerfs. */
public enum CacheFiles {
    LIBFUSE("libfuse"),
    OFF("off"),
    PARTIAL("partial"),
    FULL("full"),
    AUTO_FULL("auto-full"),
    PER_PROCESS("per-process");

    private final String text;

    CacheFiles(String text) {
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
    public static CacheFiles parse(String s) throws BadValueException {
        return Values.parseEnum(values(), s);
    }
}
