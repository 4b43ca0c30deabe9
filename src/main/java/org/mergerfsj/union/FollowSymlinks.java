package org.mergerfsj.union;

import jnr.ffi.Pointer;
import org.mergerfsj.posix.Posix;
import org.mergerfsj.posix.Stat;

/** getattr under follow-symlinks (OP-FS-01): never / directory / regular / all. */
final class FollowSymlinks {
    private FollowSymlinks() {}

    static int stat(org.mergerfsj.config.FollowSymlinks mode, String full, Pointer st) {
        byte[] p = Posix.path(full);
        switch (mode) {
            case NEVER:
                return Posix.check(Posix.C.lstat(p, st));
            case ALL: {
                if (Posix.C.stat(p, st) == 0) return 0;
                return Posix.check(Posix.C.lstat(p, st));
            }
            default: {
                int r = Posix.check(Posix.C.lstat(p, st));
                if (r < 0 || (st.getInt(Stat.OFF_MODE) & Posix.S_IFMT) != Posix.S_IFLNK) return r;
                Stat target = Posix.stat(full);
                if (target == null) return 0; // dangling links stay links
                boolean follow = mode == org.mergerfsj.config.FollowSymlinks.DIRECTORY ? target.isDir() : target.isReg();
                if (follow) Posix.C.stat(p, st);
                return 0;
            }
        }
    }
}
