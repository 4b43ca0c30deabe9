package org.mergerfsj.cli;

import java.io.PrintWriter;
import java.nio.charset.Charset;
import org.mergerfsj.ctl.CtlCommand;

/** `mergerfs-j ctl MOUNTPOINT ...`: people's front end to the /.mergerfs xattr API (see {@link CtlCommand}). */
final class Ctl {
    private Ctl() {}

    static int run(String[] args) {
        // The launcher runs the JVM with ISO-8859-1 so file names pass byte for byte; print them the same way.
        Charset cs = Charset.defaultCharset();
        PrintWriter out = new PrintWriter(new java.io.OutputStreamWriter(System.out, cs), true);
        PrintWriter err = new PrintWriter(new java.io.OutputStreamWriter(System.err, cs), true);
        return CtlCommand.run(args, out, err);
    }
}
