package org.mergerfsj.cli;

import org.mergerfsj.fuse.FuseMount;
import sun.misc.Signal;

/** SIGTERM, SIGINT and SIGHUP unmount cleanly (CLI-16); SIGUSR1 is ignored instead of killing us (QUIRK-15). */
final class Shutdown {
    private Shutdown() {}

    static void install(FuseMount mount) {
        // A shell starts background jobs with SIGINT ignored, and the JVM will not handle a signal that was
        // ignored at start: reset it to the default first so INT unmounts like TERM (CLI-16).
        org.mergerfsj.posix.Posix.C.signal(2, 0L);
        for (String sig : new String[] {"TERM", "INT", "HUP"}) {
            Signal.handle(new Signal(sig), s -> stopAsync(mount));
        }
        Signal.handle(new Signal("USR1"), sun.misc.SignalHandler.SIG_IGN);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(mount), "unmount"));
    }

    private static void stopAsync(FuseMount mount) {
        Thread t = new Thread(() -> stop(mount), "unmount");
        t.setDaemon(false);
        t.start();
    }

    static void stop(FuseMount mount) {
        mount.close();
    }
}
