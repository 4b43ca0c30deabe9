package org.mergerfsj.posix;

import java.nio.ByteBuffer;
import java.nio.IntBuffer;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import jnr.ffi.byref.IntByReference;

/**
 * Runs the calling thread as a FUSE caller. On Linux fsuid, fsgid and the supplementary groups belong to
 * the thread: setfsuid/setfsgid and the raw setgroups syscall (glibc's setgroups would change every thread
 * of the daemon). Each thread remembers what it last set, so a run of requests from one caller costs no
 * syscall at all.
 *
 * <p>Supplementary groups are the caller's real ones, read from {@code /proc/<tid>/status} of the
 * requesting thread (the kernel checks the pool's permission bits against those same groups under
 * default_permissions, so the branch sees exactly the identity the kernel already judged). They are cached
 * per (pid, uid, gid) for one second. When the caller cannot be seen (pid 0: a process in a pid namespace
 * the daemon cannot see) or its status no longer matches the request (it changed identity, or the pid was
 * reused), the group database is used instead (getgrouplist, cached per user for a minute), as mergerfs does.
 *
 * <p>Root callers run with the daemon's own groups. A thread never keeps another caller's groups: if
 * setgroups fails, {@link #become} throws and the request fails instead of running as someone else.
 */
public final class Creds {
    private Creds() {}

    private static final long SYS_SETGROUPS = 116, SYS_GETGROUPS = 115; // x86_64
    static final long PROC_TTL_NANOS = 1_000_000_000L;
    static final long DB_TTL_NANOS = 60_000_000_000L;
    private static final int MAX_CACHE = 4096;

    /** Switching is possible only for a root daemon; otherwise everything runs as the daemon user (CRED-03). */
    static final boolean SWITCHING = Posix.C.geteuid() == 0;

    /** Thrown when the thread could not take on the caller's identity; the request must fail. */
    public static final class SwitchFailed extends RuntimeException {
        SwitchFailed(String msg) {
            super(msg);
        }
    }

    private static final class Current {
        // A new thread inherits the identity of the thread that started it, which may be a worker still
        // running as its last caller: start from what the kernel says, never from an assumption.
        // (setfsuid/setfsgid with an invalid id change nothing and return the current value.)
        int fsuid = SWITCHING ? Posix.C.setfsuid(-1) : 0, fsgid = SWITCHING ? Posix.C.setfsgid(-1) : 0;
        int[] groups = null; // what this thread set; null = unknown (inherited), so the first switch sets them
        int callerUid = -1, callerGid = -1;
        int[] callerGroups = null; // the identity of the request being served, for restore after becomeRoot
    }

    private static final ThreadLocal<Current> CURRENT = ThreadLocal.withInitial(Current::new);

    /** A caller as the kernel names it: one thread may act as several users (file servers switch fsuid). */
    private record Caller(int pid, int uid, int gid) {}

    private record ProcEntry(int[] groups, long at) {}

    private record DbEntry(int[] groups, long at) {}

    private static final ConcurrentHashMap<Caller, ProcEntry> BY_PID = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<Long, DbEntry> BY_USER = new ConcurrentHashMap<>();
    /** One array per distinct group set, so threads compare identities instead of contents. */
    private static final ConcurrentHashMap<IntBuffer, int[]> SETS = new ConcurrentHashMap<>();

    /** The daemon's own supplementary groups, used for root callers. */
    static final int[] DAEMON_GROUPS = canonical(daemonGroups());

    /**
     * Becomes the FUSE caller (uid, gid) with the supplementary groups of its thread pid on this thread.
     *
     * @throws SwitchFailed if the groups could not be set (the thread then must not serve the request)
     */
    public static void become(int uid, int gid, int pid) {
        if (!SWITCHING) return;
        Current c = CURRENT.get();
        int[] groups = uid == 0 ? DAEMON_GROUPS : callerGroups(c, uid, gid, pid);
        c.callerUid = uid;
        c.callerGid = gid;
        c.callerGroups = groups;
        apply(c, uid, gid, groups);
    }

    /**
     * Becomes (uid, gid) again after a privileged step ({@link #becomeRoot}): the groups of the request
     * being served are restored. For any other identity the group database decides.
     */
    public static void become(int uid, int gid) {
        if (!SWITCHING) return;
        Current c = CURRENT.get();
        int[] groups;
        if (uid == c.callerUid && gid == c.callerGid && c.callerGroups != null) groups = c.callerGroups;
        else if (uid == 0) groups = DAEMON_GROUPS;
        else groups = groupsOf(uid, gid);
        apply(c, uid, gid, groups);
    }

    /**
     * Root for a privileged step (clone path, moveonenospc, rename-exdev staging, nfsopenhack). The groups
     * stay as they are: with fsuid 0 the thread has the daemon's capabilities, and restoring with
     * {@link #become(int, int)} then costs two syscalls instead of four.
     */
    public static void becomeRoot() {
        if (!SWITCHING) return;
        Current c = CURRENT.get();
        if (c.fsuid != 0) {
            Posix.C.setfsuid(0);
            c.fsuid = 0;
        }
        if (c.fsgid != 0) {
            Posix.C.setfsgid(0);
            c.fsgid = 0;
        }
    }

    /** The fsuid this thread runs as now (0 inside a privileged step). */
    public static int currentUid() {
        return CURRENT.get().fsuid;
    }

    public static int currentGid() {
        return CURRENT.get().fsgid;
    }

    /** The supplementary groups this thread set last (null: still the daemon's, untouched). For tests. */
    static int[] currentGroups() {
        return CURRENT.get().groups;
    }

    private static void apply(Current c, int uid, int gid, int[] groups) {
        if (c.groups != groups) {
            long r = Posix.C.syscall(SYS_SETGROUPS, groups.length, groups);
            if (r != 0) {
                int errno = Posix.errno();
                c.groups = null; // unknown now: set again next time
                throw new SwitchFailed("setgroups(" + groups.length + " groups) for uid " + uid + " failed: "
                        + Posix.strerror(errno));
            }
            c.groups = groups;
        }
        if (c.fsgid != gid) {
            Posix.C.setfsgid(gid);
            c.fsgid = gid;
        }
        if (c.fsuid != uid) {
            Posix.C.setfsuid(uid);
            c.fsuid = uid;
        }
    }

    // ------------------------------------------------------------------ the caller's groups

    private static int[] callerGroups(Current c, int uid, int gid, int pid) {
        if (pid <= 0) return groupsOf(uid, gid);
        long now = System.nanoTime();
        Caller key = new Caller(pid, uid, gid);
        ProcEntry e = BY_PID.get(key);
        if (e != null && now - e.at < PROC_TTL_NANOS) return e.groups;
        // /proc may hide other users' processes (hidepid): read it as root
        if (c.fsuid != 0) {
            Posix.C.setfsuid(0);
            c.fsuid = 0;
        }
        int[] groups = ProcStatus.groups(pid, uid, gid);
        // no match (the caller changed identity since, or /proc shows someone else): the database's answer,
        // remembered like a real one so a mismatching caller does not cost a /proc read per request
        groups = groups == null ? groupsOf(uid, gid) : canonical(groups);
        if (BY_PID.size() > MAX_CACHE) BY_PID.clear();
        BY_PID.put(key, new ProcEntry(groups, now));
        return groups;
    }

    /** The supplementary groups of uid from the group database (getgrouplist), cached for a minute. */
    static int[] groupsOf(int uid, int gid) {
        long key = ((long) uid << 32) | (gid & 0xffffffffL);
        DbEntry g = BY_USER.get(key);
        long now = System.nanoTime();
        if (g != null && now - g.at < DB_TTL_NANOS) return g.groups;
        int[] ids = canonical(lookup(uid, gid));
        if (BY_USER.size() > MAX_CACHE) BY_USER.clear();
        BY_USER.put(key, new DbEntry(ids, now));
        return ids;
    }

    private static int[] lookup(int uid, int gid) {
        jnr.posix.Passwd pw = PosixHolder.POSIX.getpwuid(uid);
        if (pw == null) return new int[] {gid};
        byte[] name = Posix.path(pw.getLoginName());
        int[] buf = new int[64];
        IntByReference n = new IntByReference(buf.length);
        if (Posix.C.getgrouplist(name, gid, buf, n) < 0) {
            buf = new int[n.intValue()];
            n = new IntByReference(buf.length);
            if (Posix.C.getgrouplist(name, gid, buf, n) < 0) return new int[] {gid};
        }
        return Arrays.copyOf(buf, n.intValue());
    }

    /** The one shared, sorted, duplicate-free array for this group set. */
    static int[] canonical(int[] ids) {
        int[] s = Arrays.stream(ids).sorted().distinct().toArray();
        IntBuffer key = IntBuffer.wrap(s);
        int[] have = SETS.get(key);
        if (have != null) return have;
        if (SETS.size() > MAX_CACHE) SETS.clear();
        have = SETS.putIfAbsent(key, s);
        return have != null ? have : s;
    }

    private static int[] daemonGroups() {
        if (!SWITCHING) return new int[0];
        int[] buf = new int[65536];
        long n = Posix.C.syscall(SYS_GETGROUPS, buf.length, buf);
        return n < 0 ? new int[0] : Arrays.copyOf(buf, (int) n);
    }

    /** Reads the identity of a thread from /proc/&lt;tid&gt;/status. */
    static final class ProcStatus {
        private ProcStatus() {}

        private static final ThreadLocal<jnr.ffi.Pointer> BUF =
                ThreadLocal.withInitial(() -> jnr.ffi.Memory.allocateDirect(Posix.RT, 8192));

        /** The thread's groups if its fsuid/fsgid are (uid, gid), else null. */
        static int[] groups(int pid, int uid, int gid) {
            int fd = Posix.C.open(Posix.path("/proc/" + pid + "/status"), Posix.O_RDONLY | Posix.O_CLOEXEC, 0);
            if (fd < 0) return null;
            try {
                jnr.ffi.Pointer buf = BUF.get();
                long size = buf.size();
                int n = 0;
                while (true) {
                    if (n == size) { // a caller with thousands of groups: grow for this read only
                        jnr.ffi.Pointer bigger = jnr.ffi.Memory.allocateDirect(Posix.RT, size * 2);
                        bigger.transferFrom(0, buf, 0, n);
                        buf = bigger;
                        size = buf.size();
                    }
                    long r = Posix.C.pread(fd, buf.slice(n), size - n, n);
                    if (r < 0) return null;
                    if (r == 0) break;
                    n += (int) r;
                }
                byte[] text = new byte[n];
                buf.get(0, text, 0, n);
                return parse(ByteBuffer.wrap(text), uid, gid);
            } finally {
                Posix.C.close(fd);
            }
        }

        /** Parses status text: the fs ids (4th field of Uid:/Gid:) must match; returns the Groups: line. */
        static int[] parse(ByteBuffer text, int uid, int gid) {
            long fsuid = -1, fsgid = -1;
            int[] groups = null;
            while (text.hasRemaining()) {
                int start = text.position();
                int end = start;
                while (end < text.limit() && text.get(end) != '\n') end++;
                String line = new String(text.array(), text.arrayOffset() + start, end - start,
                        java.nio.charset.StandardCharsets.ISO_8859_1);
                text.position(Math.min(text.limit(), end + 1));
                if (line.startsWith("Uid:")) fsuid = field(line, 3);
                else if (line.startsWith("Gid:")) fsgid = field(line, 3);
                else if (line.startsWith("Groups:")) groups = ints(line.substring(7));
                if (fsuid >= 0 && fsgid >= 0 && groups != null) break;
            }
            if (fsuid != (uid & 0xffffffffL) || fsgid != (gid & 0xffffffffL) || groups == null) return null;
            return groups;
        }

        private static long field(String line, int index) {
            String[] f = line.substring(4).trim().split("\\s+");
            if (f.length <= index) return -1;
            try {
                return Long.parseLong(f[index]);
            } catch (NumberFormatException e) {
                return -1;
            }
        }

        private static int[] ints(String s) {
            String t = s.trim();
            if (t.isEmpty()) return new int[0];
            String[] f = t.split("\\s+");
            int[] out = new int[f.length];
            try {
                for (int i = 0; i < f.length; i++) out[i] = (int) Long.parseLong(f[i]);
            } catch (NumberFormatException e) {
                return null;
            }
            return out;
        }
    }

    private static final class PosixHolder {
        static final jnr.posix.POSIX POSIX = jnr.posix.POSIXFactory.getNativePOSIX();
    }
}
