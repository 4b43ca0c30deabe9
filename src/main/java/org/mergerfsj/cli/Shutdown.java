package org.mergerfsj.cli;

import java.util.concurrent.atomic.AtomicReference;
import org.mergerfsj.fuse.FuseMount;
import sun.misc.Signal;

/**
 * SIGTERM, SIGINT and SIGHUP unmount cleanly (CLI-16); SIGUSR1 is ignored instead of killing us (QUIRK-15).
 * The handlers go in before the mount exists, so a signal that arrives while the pool is coming up still
 * ends in a clean unmount and exit status 0, never in the JVM's default exit 128+N.
 */
final class Shutdown {
    private Shutdown() {}

    private static final AtomicReference<FuseMount> MOUNT = new AtomicReference<>();
    private static volatile boolean requested;

    static void installEarly() {
        // A shell starts background jobs with SIGINT ignored, and the JVM will not handle a signal that was
        // ignored at start: reset it to the default first so INT unmounts like TERM (CLI-16).
        org.mergerfsj.posix.Posix.C.signal(2, 0L);
        for (String sig : new String[] {"TERM", "INT", "HUP"}) {
            Signal.handle(new Signal(sig), s -> {
                requested = true;
                FuseMount m = MOUNT.get();
                if (m != null) stopAsync(m);
            });
        }
        Signal.handle(new Signal("USR1"), sun.misc.SignalHandler.SIG_IGN);
    }

    /** From now on a signal (or a JVM exit) unmounts this mount; one that came earlier does it now. */
    static void attach(FuseMount mount) {
        MOUNT.set(mount);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(mount), "unmount"));
        if (requested) stopAsync(mount);
    }

    static boolean requested() {
        return requested;
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
