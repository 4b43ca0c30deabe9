package org.mergerfsj.config;

/** Page-cache mode for opened files, option {@code cache.files} (OPT-17). {@code per-process} is accepted from newer mergerfs. */
public enum CacheFiles {
    LIBFUSE,
    OFF,
    PARTIAL,
    FULL,
    AUTO_FULL,
    PER_PROCESS;

    /** The exact spelling used on the command line and in the control file. */
    @Override
    public String toString() {
        return Values.spelling(this);
    }
}
