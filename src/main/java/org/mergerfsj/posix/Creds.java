package org.mergerfsj.posix;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import jnr.ffi.byref.IntByReference;

/**
 * Runs the calling thread as a FUSE caller: fsuid, fsgid and supplementary groups are per thread on Linux
 * (setfsuid/setfsgid and the raw setgroups syscall; glibc's setgroups would change every thread).
 * The thread remembers what it last set, so a stream of requests from one user costs no syscall.
 */
public final class Creds {
    private Creds() {}

    private static final long SYS_SETGROUPS = 116; // x86_64
    private static final long GROUPS_TTL_NANOS = 60_000_000_000L;

    private static final class Current {
        int uid = 0, gid = 0;
        int[] groups = null; // null = the daemon's own (root's) groups, as at thread start
    }

    private static final ThreadLocal<Current> CURRENT = ThreadLocal.withInitial(Current::new);

    private record Groups(int[] ids, long at) {}

    private static final ConcurrentHashMap<Long, Groups> GROUPS = new ConcurrentHashMap<>();

    /** Become (uid, gid) with uid's supplementary groups on this thread. */
    public static void become(int uid, int gid) {
        Current c = CURRENT.get();
        if (uid == 0) {
            // root: drop back to the daemon's identity; groups do not matter for root's checks
            if (c.uid != 0) Posix.C.setfsuid(0);
            if (c.gid != gid) Posix.C.setfsgid(gid);
            c.uid = 0;
            c.gid = gid;
            return;
        }
        int[] groups = groupsOf(uid, gid);
        if (c.groups != groups) {
            // switch groups while still privileged (fsuid 0) so the syscall is allowed
            if (c.uid != 0) {
                Posix.C.setfsuid(0);
                c.uid = 0;
            }
            Posix.C.syscall(SYS_SETGROUPS, groups.length, groups);
            c.groups = groups;
        }
        if (c.gid != gid) {
            Posix.C.setfsgid(gid);
            c.gid = gid;
        }
        if (c.uid != uid) {
            Posix.C.setfsuid(uid);
            c.uid = uid;
        }
    }

    /** Back to root for privileged steps (clone path, moveonenospc). Groups are left as they are. */
    public static void becomeRoot() {
        Current c = CURRENT.get();
        if (c.uid != 0) {
            Posix.C.setfsuid(0);
            c.uid = 0;
        }
        if (c.gid != 0) {
            Posix.C.setfsgid(0);
            c.gid = 0;
        }
    }

    public static int currentUid() {
        return CURRENT.get().uid;
    }

    public static int currentGid() {
        return CURRENT.get().gid;
    }

    /** The supplementary groups of uid (from the group database), cached for a minute. */
    static int[] groupsOf(int uid, int gid) {
        long key = ((long) uid << 32) | (gid & 0xffffffffL);
        Groups g = GROUPS.get(key);
        long now = System.nanoTime();
        if (g != null && now - g.at < GROUPS_TTL_NANOS) return g.ids;
        int[] ids = lookup(uid, gid);
        if (g != null && Arrays.equals(g.ids, ids)) ids = g.ids; // keep identity so threads skip setgroups
        if (GROUPS.size() > 4096) GROUPS.clear();
        GROUPS.put(key, new Groups(ids, now));
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
        int[] ids = Arrays.copyOf(buf, n.intValue());
        Arrays.sort(ids);
        return ids;
    }

    private static final class PosixHolder {
        static final jnr.posix.POSIX POSIX = jnr.posix.POSIXFactory.getNativePOSIX();
    }
}
