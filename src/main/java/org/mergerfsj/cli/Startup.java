package org.mergerfsj.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.mergerfsj.branch.Branch;
import org.mergerfsj.config.Config;
import org.mergerfsj.fuse.FuseMount;
import org.mergerfsj.posix.Posix;
import org.mergerfsj.posix.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a boot-time daemon does between parsing its options and mounting: take down whatever is mounted
 * at the mountpoint ({@code lazy-umount-mountpoint}, OPT-62) and wait for the branch disks
 * ({@code branches-mount-timeout}, OPT-61); then, once the pool answers, tell systemd (sd_notify).
 *
 * <p>Order: the old mount goes first, so the mountpoint's device number (which decides whether a branch
 * "is mounted") is the one of the directory underneath, not of the old pool.
 */
final class Startup {
    private static final Logger LOG = LoggerFactory.getLogger(Startup.class);
    private static final int MNT_DETACH = 2;
    private static final long POLL_MS = 200;

    /** Marker names of OPT-61: a branch root with the first is mounted; with the second it is not (yet). */
    static final String MOUNTED_XATTR = "user.mergerfs.branch", MOUNTED_FILE = ".mergerfs.branch";
    static final String EMPTY_XATTR = "user.mergerfs.branch_mounts_here", EMPTY_FILE = ".mergerfs.branch_mounts_here";

    private Startup() {}

    /** Waits between polls; tests pass a fake. */
    interface Sleeper {
        void sleep(long millis) throws InterruptedException;
    }

    /**
     * Runs the start-up steps the options ask for. {@code status} receives {@code "WAIT <seconds>"} before a
     * wait, so the launcher extends its own deadline; {@code echo} receives what the person who ran the
     * command should see (the launcher prints it). Returns null to go on mounting, or why not.
     */
    static String prepare(Config cfg, Consumer<String> status, Consumer<String> echo) {
        if (cfg.lazyUmountMountpoint()) lazyUmount(cfg.mountpoint(), echo);
        if (cfg.branchesMountTimeout() > 0) {
            status.accept("WAIT " + cfg.branchesMountTimeout());
            List<String> paths = new ArrayList<>();
            for (Branch b : cfg.branches()) paths.add(b.path());
            List<String> missing;
            try {
                missing = waitForBranches(paths, cfg.mountpoint(), TimeUnit.SECONDS.toMillis(cfg.branchesMountTimeout()),
                        Thread::sleep);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "interrupted while waiting for branches";
            }
            if (!missing.isEmpty()) {
                String what = "branches not mounted after " + cfg.branchesMountTimeout() + " s: " + String.join(", ", missing);
                if (cfg.branchesMountTimeoutFail()) return what + " (branches-mount-timeout-fail=true)";
                LOG.warn("{}; mounting anyway", what);
                echo.accept("warning: " + what + "; mounting anyway");
            }
        }
        return finalCheck(cfg);
    }

    /** What Main.check leaves open when these options are set: a usable mountpoint and at least one branch. */
    static String finalCheck(Config cfg) {
        if (!Files.isDirectory(Path.of(cfg.mountpoint()))) return "mountpoint is not a directory: " + cfg.mountpoint();
        for (Branch b : cfg.branches()) if (Files.isDirectory(Path.of(b.path()))) return null;
        return "no usable branch: none of the branch directories exists";
    }

    /**
     * Polls until every branch counts as mounted or the timeout passes; returns the branches still not
     * mounted (empty when all are). Rules (OPT-61) in {@link #mounted}.
     */
    static List<String> waitForBranches(List<String> branches, String mountpoint, long timeoutMillis, Sleeper sleeper)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        LOG.info("waiting up to {} s for {} branch(es) to be mounted", timeoutMillis / 1000, branches.size());
        long started = System.nanoTime();
        while (true) {
            long refDev = referenceDevice(mountpoint);
            List<String> missing = new ArrayList<>();
            for (String b : branches) if (!mounted(b, refDev)) missing.add(b);
            if (missing.isEmpty()) {
                LOG.info("all branches mounted after {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
                return missing;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) return missing;
            sleeper.sleep(Math.min(POLL_MS, Math.max(1, TimeUnit.NANOSECONDS.toMillis(left))));
        }
    }

    /**
     * A branch counts as mounted if its root carries the xattr {@code user.mergerfs.branch} or the file
     * {@code .mergerfs.branch}; as not mounted if it does not exist, or carries
     * {@code user.mergerfs.branch_mounts_here} or {@code .mergerfs.branch_mounts_here}; otherwise when
     * it lives on another device than the mountpoint (a disk is mounted on it).
     */
    static boolean mounted(String branch, long refDev) {
        Stat st = Posix.stat(branch);
        if (st == null) return false;
        if (hasXattr(branch, MOUNTED_XATTR) || exists(branch, MOUNTED_FILE)) return true;
        if (hasXattr(branch, EMPTY_XATTR) || exists(branch, EMPTY_FILE)) return false;
        return st.dev != refDev;
    }

    /** The device of the mountpoint, or of its parent when the mountpoint itself cannot be stat'ed. */
    static long referenceDevice(String mountpoint) {
        Stat st = Posix.stat(mountpoint);
        if (st == null) {
            Path parent = Path.of(mountpoint).getParent();
            st = parent == null ? null : Posix.stat(parent.toString());
        }
        return st == null ? -1 : st.dev;
    }

    private static boolean hasXattr(String path, String name) {
        return Posix.C.lgetxattr(Posix.path(path), Posix.path(name), new byte[0], 0) >= 0;
    }

    private static boolean exists(String dir, String name) {
        return Posix.lstat(dir + "/" + name) != null;
    }

    /**
     * Lazily unmounts whatever is mounted at the mountpoint (a previous pool during an upgrade, or a dead one
     * that answers ENOTCONN). Nothing mounted there is fine; a failure is a warning, since mounting on top
     * still works.
     */
    static void lazyUmount(String mountpoint, Consumer<String> echo) {
        if (!isMountpoint(mountpoint)) {
            LOG.debug("lazy-umount-mountpoint: nothing mounted at {}", mountpoint);
            return;
        }
        String how;
        if (Posix.C.geteuid() == 0 && FuseMount.Umount.umount2(mountpoint, MNT_DETACH) == 0) {
            how = "umount2(MNT_DETACH)";
        } else if (fusermountLazy(mountpoint)) {
            how = "fusermount -uz";
        } else {
            LOG.warn("lazy-umount-mountpoint: could not unmount {}; mounting on top of it", mountpoint);
            echo.accept("warning: could not lazily unmount " + mountpoint + "; mounting on top of it");
            return;
        }
        LOG.info("lazily unmounted what was mounted at {} ({})", mountpoint, how);
    }

    private static boolean fusermountLazy(String mountpoint) {
        try {
            Process p = new ProcessBuilder("fusermount", "-u", "-z", mountpoint).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    /** Whether some filesystem is mounted exactly at path (field 5 of /proc/self/mountinfo). */
    static boolean isMountpoint(String path) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.ISO_8859_1)) {
                String[] f = line.split(" ");
                if (f.length > 4 && unescape(f[4]).equals(path)) return true;
            }
        } catch (Exception e) {
            LOG.debug("cannot read /proc/self/mountinfo: {}", e.toString());
        }
        return false;
    }

    /** mountinfo writes space, tab, newline and backslash as \ooo. */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) return s;
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 4 <= s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /**
     * Starts building, on a second thread, the native glue the mount will need (libc and libfuse stubs, the
     * FUSE callback closures): jnr-ffi generates those classes at run time, they are the larger part of
     * start-up, and they do not depend on the options, so they need not wait for argument parsing. The
     * throw-away FuseFs only primes jnr's per-type caches; the real one is built in Daemon.run. A nested
     * class, so that starting it does not first initialise Startup (whose logger sets up logback).
     */
    static final class WarmUp {
        private WarmUp() {}

        static void start() {
            Thread t = new Thread(() -> {
                try {
                    Class.forName("org.mergerfsj.fuse.FuseMount", true, WarmUp.class.getClassLoader());
                    new org.mergerfsj.fuse.FuseFs(null);
                    SyslogAppender.UnixDatagram.load();
                } catch (Throwable e) {
                    LOG.debug("warm-up failed (the mount will do the same work): {}", e.toString());
                }
            }, "warm-up");
            t.setDaemon(true);
            t.start();
        }
    }

    /** Rounds of the pre-ready warm-up: enough calls for C1 to compile each hot method (200 invocations). */
    static final int WARM_UP_ROUNDS = 300;

    /**
     * Runs the hot request paths a few hundred times through the live mount before it is reported ready:
     * one child `ls` lists the pool root and looks up names that do not exist, WARM_UP_ROUNDS times each.
     * Without it the first large listing after mounting ran interpreted while C1 compiled the readdir
     * loops (an `ls -f` of 10k files: 38 ms first, 19-24 ms after; mergerfs 20-27 ms). Reads only, nothing
     * on a branch changes; bounded by budgetMillis (the child is killed after that).
     */
    static void warmUpPaths(String mountpoint, long budgetMillis) {
        List<String> cmd = new ArrayList<>(List.of("ls", "-f", "--"));
        for (int i = 0; i < WARM_UP_ROUNDS; i++) {
            cmd.add(mountpoint);
            cmd.add(mountpoint + "/.mergerfs-j-warm-up-" + i);
        }
        long t0 = System.nanoTime();
        try {
            Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(budgetMillis, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(1, TimeUnit.SECONDS);
            }
            LOG.debug("warm-up took {} ms", (System.nanoTime() - t0) / 1_000_000);
        } catch (java.io.IOException e) {
            LOG.debug("warm-up skipped: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * systemd readiness (Type=notify): READY=1 with our pid to $NOTIFY_SOCKET, if systemd gave us one. Sent
     * only once the pool answers, so units ordered after this one see a live mount.
     */
    static void notifyReady() {
        notify("READY=1\nMAINPID=" + ProcessHandle.current().pid() + "\nSTATUS=mounted\n");
    }

    /** systemd: we are unmounting. */
    static void notifyStopping() {
        notify("STOPPING=1\n");
    }

    private static void notify(String state) {
        String socket = System.getenv("NOTIFY_SOCKET");
        if (socket == null || socket.isEmpty()) return;
        if (!SyslogAppender.UnixDatagram.send(socket, state.getBytes(StandardCharsets.US_ASCII))) {
            LOG.warn("could not notify systemd through {}", socket);
        }
    }
}
