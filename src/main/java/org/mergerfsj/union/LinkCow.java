package org.mergerfsj.union;

import org.mergerfsj.posix.Posix;
import org.mergerfsj.posix.Stat;

/** link_cow (OP-COW-01): opening a hard-linked file for write first gives this name its own copy. */
final class LinkCow {
    private LinkCow() {}

    static void breakLink(String full) {
        Stat s = Posix.lstat(full);
        if (s == null || !s.isReg() || s.nlink <= 1) return;
        String tmp = FileCopy.copyToTemp(full, s, full, new int[1]);
        if (tmp != null && Posix.rename(tmp, full) < 0) Posix.unlink(tmp);
    }
}
