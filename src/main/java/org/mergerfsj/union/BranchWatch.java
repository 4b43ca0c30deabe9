package org.mergerfsj.union;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import jnr.ffi.Pointer;
import org.mergerfsj.branch.Branch;
import org.mergerfsj.posix.Posix;
import org.mergerfsj.posix.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs branch health changes once per event instead of once per failed operation: a branch directory that
 * disappears or stops answering stat, a branch whose filesystem changes under it (unmounted, so the pool
 * now sees the empty directory underneath, or a disk mounted over it), and a branch filesystem that turns
 * read-only. Each transition is logged when it happens and again when it is undone. Operations never
 * wait for this: it runs on its own thread, so a branch that hangs stat only stalls the watcher.
 */
public final class BranchWatch {
    private static final Logger LOG = LoggerFactory.getLogger(BranchWatch.class);
    static final long PERIOD_MILLIS = 1000;

    /** What was last seen of one branch root. */
    record State(int errno, long dev, long mountId, boolean readOnly) {
        /** Whether the branch root is now on another mount (its device or, for bind mounts, its mount id). */
        boolean otherMount(State o) {
            return dev != o.dev || (mountId != 0 && o.mountId != 0 && mountId != o.mountId);
        }
    }

    private final Pool pool;
    private final Map<String, State> last = new HashMap<>();

    BranchWatch(Pool pool) {
        this.pool = pool;
    }

    /** Starts the watcher thread (a daemon thread; it dies with the process). */
    public static void start(Pool pool) {
        BranchWatch w = new BranchWatch(pool);
        Thread t = new Thread(w::run, "branch-watch");
        t.setDaemon(true);
        t.start();
    }

    private void run() {
        while (true) {
            try {
                check();
                Thread.sleep(PERIOD_MILLIS);
            } catch (InterruptedException e) {
                return;
            } catch (Throwable t) {
                LOG.warn("branch watch: {}", t.toString());
                try {
                    Thread.sleep(PERIOD_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** One pass over the current branch list; logs what changed since the previous pass. */
    void check() {
        Set<String> seen = new HashSet<>();
        for (Branch b : pool.config().branches()) {
            String path = b.path();
            if (!seen.add(path)) continue;
            State now = probe(path);
            State before = last.put(path, now);
            report(path, before, now);
        }
        last.keySet().retainAll(seen); // branches removed at runtime are forgotten
    }

    static State probe(String path) {
        Stat s = Posix.stat(path);
        if (s == null) return new State(Posix.errno(), 0, 0, false);
        if (!s.isDir()) return new State(org.mergerfsj.posix.Errno.ENOTDIR, s.dev, 0, false);
        Pointer p = Posix.scratch();
        boolean ro = Posix.C.statvfs(Posix.path(path), p) == 0 && (p.getLong(SpaceCache.F_FLAG) & SpaceCache.ST_RDONLY) != 0;
        return new State(0, s.dev, mountId(path), ro);
    }

    private static final int AT_FDCWD = -100, STATX_MNT_ID = 0x1000, STX_MASK = 0, STX_MNT_ID = 144;
    private static final ThreadLocal<Pointer> STATX = ThreadLocal.withInitial(() -> jnr.ffi.Memory.allocateDirect(Posix.RT, 256, true));

    /** The id of the mount the path is on (statx STATX_MNT_ID, Linux 5.8+), or 0 when unknown. */
    static long mountId(String path) {
        try {
            Pointer b = STATX.get();
            b.putInt(STX_MASK, 0);
            if (Sys.LIB.statx(AT_FDCWD, Posix.path(path), 0, STATX_MNT_ID, b) != 0) return 0;
            return (b.getInt(STX_MASK) & STATX_MNT_ID) != 0 ? b.getLong(STX_MNT_ID) : 0;
        } catch (Throwable noStatx) {
            return 0;
        }
    }

    private interface Sys {
        Lib LIB = jnr.ffi.LibraryLoader.create(Lib.class).load("c");

        interface Lib {
            int statx(int dirfd, @jnr.ffi.annotations.In byte[] path, int flags, int mask, Pointer buf);
        }
    }

    static void report(String path, State before, State now) {
        if (before == null) {
            // first look: only problems are worth a line
            if (now.errno != 0) LOG.warn("branch {} is unavailable: {}", path, Posix.strerror(now.errno));
            else if (now.readOnly) LOG.info("branch {} is on a read-only filesystem", path);
            return;
        }
        if (now.errno != 0) {
            if (before.errno != now.errno) {
                LOG.warn("branch {} is unavailable: {} (operations that need it fail until it is back)",
                        path, Posix.strerror(now.errno));
            }
            return;
        }
        if (before.errno != 0) {
            LOG.warn("branch {} is available again (device {})", path, dev(now.dev));
        } else if (now.otherMount(before)) {
            LOG.warn("branch {} changed filesystem (device {} -> {}, mount id {} -> {}): its filesystem was"
                    + " unmounted or another was mounted on it", path, dev(before.dev), dev(now.dev),
                    before.mountId, now.mountId);
        }
        if (before.readOnly != now.readOnly && (before.errno == 0 || now.readOnly)) {
            if (now.readOnly) LOG.warn("branch {} is now on a read-only filesystem", path);
            else LOG.info("branch {} is writable again", path);
        }
    }

    private static String dev(long dev) {
        long major = ((dev >>> 32) & 0xfffff000L) | ((dev >>> 8) & 0xfffL);
        long minor = ((dev >>> 12) & 0xffffff00L) | (dev & 0xffL);
        return major + ":" + minor;
    }
}
