package org.mergerfsj.union;

import org.mergerfsj.config.Config;
import org.mergerfsj.posix.Creds;
import org.mergerfsj.posix.Errno;
import org.mergerfsj.posix.Posix;
import org.mergerfsj.posix.Stat;

/**
 * nfsopenhack (OP-OP-03): NFS clients open a just-created read-only file for write; allow it when the
 * file is empty by adding write bits for the open and restoring the mode on the fd.
 */
final class NfsOpenHack {
    private NfsOpenHack() {}

    static int retry(Config c, String path, String full, int flags, int fd) {
        switch (c.nfsOpenHack()) {
            case OFF:
                return fd;
            case GIT:
                if (!path.contains("/.git/")) return fd;
                break;
            default:
                break;
        }
        if ((flags & Posix.O_ACCMODE) == Posix.O_RDONLY) return fd;
        Stat s = Posix.lstat(full);
        if (s == null || !s.isReg() || (s.mode & 0222) != 0 || s.size != 0) return fd;
        int uid = Creds.currentUid(), gid = Creds.currentGid();
        Creds.becomeRoot();
        int r = Posix.chmod(full, (s.mode & 07777) | 0220);
        Creds.become(uid, gid);
        if (r < 0) return -Errno.EACCES;
        int nfd = Posix.open(full, flags, 0);
        Creds.becomeRoot();
        if (nfd >= 0) Posix.C.fchmod(nfd, s.mode & 07777);
        else Posix.chmod(full, s.mode & 07777);
        Creds.become(uid, gid);
        return nfd >= 0 ? nfd : -Errno.EACCES;
    }
}
