package org.mergerfsj.union;

import jnr.ffi.Pointer;
import org.mergerfsj.config.Config;
import org.mergerfsj.posix.Posix;
import org.mergerfsj.posix.Stat;

/** symlinkify (OP-SYMF-01): old read-only files are reported as symlinks to their branch path. */
final class Symlinkify {
    private Symlinkify() {}

    static void apply(Config c, Pointer st) {
        if (!c.symlinkify()) return;
        int mode = st.getInt(Stat.OFF_MODE);
        if (!qualifies(c, mode, st.getLong(Stat.OFF_MTIME), st.getLong(Stat.OFF_CTIME))) return;
        st.putInt(Stat.OFF_MODE, (mode & ~Posix.S_IFMT) | Posix.S_IFLNK);
    }

    static boolean applies(Config c, Stat s) {
        return qualifies(c, s.mode, s.mtimeSec, s.ctimeSec);
    }

    private static boolean qualifies(Config c, int mode, long mtime, long ctime) {
        if ((mode & Posix.S_IFMT) == Posix.S_IFDIR) return false;
        if ((mode & 0222) != 0) return false;
        long now = System.currentTimeMillis() / 1000;
        long t = c.symlinkifyTimeout();
        return now - mtime > t && now - ctime > t;
    }
}
