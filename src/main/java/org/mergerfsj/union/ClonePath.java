package org.mergerfsj.union;

import org.mergerfsj.branch.Branch;
import org.mergerfsj.posix.Creds;
import org.mergerfsj.posix.Errno;
import org.mergerfsj.posix.Posix;
import org.mergerfsj.posix.Stat;

/**
 * Creates the missing parent directories of a pool path on a target branch, copying each from a source
 * branch (OP-CP): mode, owner, times and xattrs, best effort. Runs as root (OP-CP-03) and restores the
 * caller's credentials afterwards.
 */
final class ClonePath {
    private ClonePath() {}

    /** Returns 0 or -errno. */
    static int clone(Branch src, Branch dst, String dir, int uid, int gid) {
        if (src.path().equals(dst.path()) || dir.equals("/") || dir.isEmpty()) return 0;
        Creds.becomeRoot();
        try {
            return cloneAsRoot(src, dst, dir);
        } finally {
            Creds.become(uid, gid);
        }
    }

    /** clonepath for callers already running as root. */
    static int cloneAsRootFrom(Branch src, Branch dst, String dir) {
        if (src.path().equals(dst.path())) return 0;
        return cloneAsRoot(src, dst, dir);
    }

    private static int cloneAsRoot(Branch src, Branch dst, String dir) {
        if (dir.equals("/")) return 0;
        String target = dst.full(dir);
        // fast path: already there
        Stat have = Posix.lstat(target);
        if (have != null) return have.isDir() ? 0 : -Errno.ENOTDIR;
        int r = cloneAsRoot(src, dst, Paths.parent(dir));
        if (r < 0) return r;
        Stat s = Posix.lstat(src.full(dir));
        if (s == null) return -Posix.errno();
        if (!s.isDir()) return -Errno.ENOTDIR;
        r = Posix.mkdir(target, s.mode & 07777);
        if (r == -Errno.EEXIST) return 0;
        if (r < 0) return r;
        copyMetadata(src.full(dir), target, s);
        return 0;
    }

    /** Best effort copy of xattrs, owner, mode and times (failures are ignored, as in 2.33.5). */
    static void copyMetadata(String from, String to, Stat s) {
        Xattrs.copyAll(from, to);
        Posix.lchown(to, s.uid, s.gid);
        if (!s.isLink()) Posix.chmod(to, s.mode & 07777); // chown may clear setgid; mkdir honours no umask here
        Posix.lutimens(to, s.times());
    }
}
