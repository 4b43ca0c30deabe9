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
 * <p>The filesystem's type is asked for (fstatfs) at every write open. Only "not quiet" is remembered,
 * per mount (statx's mount id, the never-reused one where the kernel has it), so that a network branch
 * is not asked again at every open (its statfs is a round trip to the server); a mount id the kernel
 * hands to a new mount later can then only cost a needless FLUSH, never skip a needed one. The mount id
 * is read without syncing attributes, so finding it costs no round trip on a network filesystem. A
 * directory mounted inside a branch is looked at on its own.
 */
final class QuietClose {
    /** statfs f_type of filesystems whose files have no flush method in Linux: ext2/3/4, xfs, btrfs, tmpfs. */
    private static final long EXT4 = 0xEF53L, XFS = 0x58465342L, BTRFS = 0x9123683EL, TMPFS = 0x01021994L;
    private static final int AT_EMPTY_PATH = 0x1000, AT_STATX_DONT_SYNC = 0x4000;
    private static final int STATX_MNT_ID = 0x1000, STATX_MNT_ID_UNIQUE = 0x4000;
    private static final int STX_MASK = 0, STX_MNT_ID = 144, MAX_REMEMBERED = 4096;
    private static final byte[] EMPTY = {0};

    /** Mounts found not quiet. */
    private static final ConcurrentHashMap<Long, Boolean> LOUD = new ConcurrentHashMap<>();

    private QuietClose() {}

    /** Whether closing a dup of fd can neither do nor report anything; false when unsure. */
    static boolean quiet(int fd) {
        Pointer p = Posix.scratch(); // 256 bytes: a struct statx, then a struct statfs
        if (Posix.C.statx(fd, EMPTY, AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_MNT_ID | STATX_MNT_ID_UNIQUE, p) != 0
                || (p.getInt(STX_MASK) & (STATX_MNT_ID | STATX_MNT_ID_UNIQUE)) == 0) {
            return false;
        }
        long mount = p.getLong(STX_MNT_ID);
        if (LOUD.containsKey(mount)) return false;
        if (Posix.C.fstatfs(fd, p) != 0) return false;
        if (isQuiet(p.getLong(0))) return true; // struct statfs.f_type comes first
        if (LOUD.size() < MAX_REMEMBERED) LOUD.put(mount, Boolean.TRUE);
        return false;
    }

    static boolean isQuiet(long fsType) {
        long t = fsType & 0xFFFFFFFFL;
        return t == EXT4 || t == XFS || t == BTRFS || t == TMPFS;
    }
}
