package org.mergerfsj.branch;

/** A branch's mode: RW takes part everywhere, NC is left out of creates, RO out of creates and actions. */
public enum Mode {
    RW, RO, NC;

    /** Parses the exact, case-sensitive spelling used in branch strings; null if it is not one. */
    public static Mode parse(String s) {
        switch (s) {
            case "RW": return RW;
            case "RO": return RO;
            case "NC": return NC;
            default: return null;
        }
    }
}
