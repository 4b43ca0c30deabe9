package org.mergerfsj.union;

import java.util.concurrent.ConcurrentHashMap;
import jnr.ffi.Pointer;
import org.mergerfsj.posix.Posix;

/**
 * Which branch files a FLUSH cannot matter for. mergerfs answers FLUSH by closing a dup of the branch fd,
 * so that a branch filesystem whose close(2) does work (NFS and CIFS write back and report errors there,
 * FUSE and overlayfs pass it on) gets to do it while the caller waits. On a filesystem without a flush
 * method that close does nothing and can report nothing; flush-on-close=opened-for-write then spares the
 * caller the round trip (see OpenReply).
 *
 * <p>Each write open reads its file's mount id (statx without syncing attributes: no round trip on a
 * network filesystem). Where the kernel gives the never-reused mount id (Linux 6.8+), both answers are
 * remembered per mount: a mount's filesystem never changes, so a write open costs one statx. With only
 * the reusable id, only "not quiet" is remembered and a quiet answer is asked for again (fstatfs) at
 * every open: a reused id can then cost a needless FLUSH, never skip a needed one. A network branch is
 * asked once either way (its statfs is a round trip to the server). A directory mounted inside a branch
 * is looked at on its own.
 */
final class QuietClose {
    /** statfs f_type of filesystems whose files have no flush method in Linux: ext2/3/4, xfs, btrfs, tmpfs. */
    private static final long EXT4 = 0xEF53L, XFS = 0x58465342L, BTRFS = 0x9123683EL, TMPFS = 0x01021994L;
    private static final int AT_EMPTY_PATH = 0x1000, AT_STATX_DONT_SYNC = 0x4000;
    private static final int STATX_MNT_ID = 0x1000, STATX_MNT_ID_UNIQUE = 0x4000;
    private static final int STX_MASK = 0, STX_MNT_ID = 144, MAX_REMEMBERED = 4096;
    private static final byte[] EMPTY = {0};

    /** Mount id -> whether its files' close is quiet (quiet only for never-reused ids). */
    private static final ConcurrentHashMap<Long, Boolean> KNOWN = new ConcurrentHashMap<>();

    private QuietClose() {}

    /** Whether closing a dup of fd can neither do nor report anything; false when unsure. */
    static boolean quiet(int fd) {
        Pointer p = Posix.scratch(); // 256 bytes: a struct statx, then a struct statfs
        if (Posix.C.statx(fd, EMPTY, AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_MNT_ID | STATX_MNT_ID_UNIQUE, p) != 0) {
            return false;
        }
        int mask = p.getInt(STX_MASK);
        if ((mask & (STATX_MNT_ID | STATX_MNT_ID_UNIQUE)) == 0) return false;
        boolean unique = (mask & STATX_MNT_ID_UNIQUE) != 0;
        // unique ids live in a range of their own, so the two kinds never meet in one map
        long mount = p.getLong(STX_MNT_ID);
        Boolean known = KNOWN.get(mount);
        if (known != null) return known;
        if (Posix.C.fstatfs(fd, p) != 0) return false;
        boolean quiet = isQuiet(p.getLong(0)); // struct statfs.f_type comes first
        if ((unique || !quiet) && KNOWN.size() < MAX_REMEMBERED) KNOWN.put(mount, quiet);
        return quiet;
    }

    static boolean isQuiet(long fsType) {
        long t = fsType & 0xFFFFFFFFL;
        return t == EXT4 || t == XFS || t == BTRFS || t == TMPFS;
    }
}
