package org.mergerfsj.cli;

/** `mergerfs-j ctl MOUNTPOINT ...`: people's front end to the /.mergerfs xattr API. */
final class Ctl {
    private Ctl() {}

    static int run(String[] args) {
        System.err.println("mergerfs-j ctl: not implemented yet");
        return 1;
    }
}
