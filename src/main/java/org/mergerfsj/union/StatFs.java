package org.mergerfsj.union;

import java.util.TreeMap;
import jnr.ffi.Pointer;
import org.mergerfsj.branch.Branch;
import org.mergerfsj.branch.Mode;
import org.mergerfsj.config.Config;
import org.mergerfsj.config.StatFsIgnore;
import org.mergerfsj.config.StatFsMode;
import org.mergerfsj.posix.Posix;
import org.mergerfsj.posix.Stat;

import static org.mergerfsj.union.SpaceCache.*;

/** statfs of the pool (OP-SF): branches deduplicated by device, summed in the smallest fragment unit. */
final class StatFs {
    private StatFs() {}

    private static final class Fs {
        long bsize, frsize, blocks, bfree, bavail, files, ffree, favail, fsid, flag, namemax;
    }

    static int statfs(Config c, String path, Pointer out) {
        TreeMap<Long, Fs> byDev = new TreeMap<>(Long::compareUnsigned);
        Pointer p = Posix.scratch();
        for (Branch b : c.branches()) {
            String full = c.statfs() == StatFsMode.FULL ? b.full(path) : b.path();
            Stat st = Posix.lstat(full);
            if (st == null || byDev.containsKey(st.dev)) continue;
            if (Posix.C.statvfs(Posix.path(full), p) != 0) continue;
            Fs f = new Fs();
            f.bsize = p.getLong(F_BSIZE);
            f.frsize = p.getLong(F_FRSIZE);
            f.blocks = p.getLong(F_BLOCKS);
            f.bfree = p.getLong(F_BFREE);
            f.bavail = p.getLong(F_BAVAIL);
            f.files = p.getLong(F_FILES);
            f.ffree = p.getLong(F_FFREE);
            f.favail = p.getLong(F_FAVAIL);
            f.fsid = p.getLong(F_FSID);
            f.flag = p.getLong(F_FLAG);
            f.namemax = p.getLong(F_NAMEMAX);
            boolean fsRo = (f.flag & ST_RDONLY) != 0;
            boolean tagged = b.mode() == Mode.RO || b.mode() == Mode.NC;
            if (((c.statfsIgnore() == StatFsIgnore.RO || fsRo) && tagged)
                    || (c.statfsIgnore() == StatFsIgnore.NC && b.mode() == Mode.NC)) {
                f.bavail = 0;
                f.favail = 0;
            }
            byDev.put(st.dev, f);
        }
        for (int i = 0; i < 112; i += 8) out.putLong(i, 0);
        if (byDev.isEmpty()) return 0;
        long minB = Long.MAX_VALUE, minFr = Long.MAX_VALUE, minName = Long.MAX_VALUE;
        for (Fs f : byDev.values()) {
            if (f.bsize > 0) minB = Math.min(minB, f.bsize);
            if (f.frsize > 0) minFr = Math.min(minFr, f.frsize);
            if (f.namemax > 0) minName = Math.min(minName, f.namemax);
        }
        if (minFr == Long.MAX_VALUE) minFr = 1;
        Fs sum = new Fs();
        Fs first = byDev.firstEntry().getValue();
        for (Fs f : byDev.values()) {
            long scale = Math.max(1, f.frsize) ;
            sum.blocks += f.blocks * scale / minFr;
            sum.bfree += f.bfree * scale / minFr;
            sum.bavail += f.bavail * scale / minFr;
            sum.files += f.files;
            sum.ffree += f.ffree;
            sum.favail += f.favail;
        }
        out.putLong(F_BSIZE, minB == Long.MAX_VALUE ? 0 : minB);
        out.putLong(F_FRSIZE, minFr);
        out.putLong(F_BLOCKS, sum.blocks);
        out.putLong(F_BFREE, sum.bfree);
        out.putLong(F_BAVAIL, sum.bavail);
        out.putLong(F_FILES, sum.files);
        out.putLong(F_FFREE, sum.ffree);
        out.putLong(F_FAVAIL, sum.favail);
        out.putLong(F_FSID, first.fsid);
        out.putLong(F_FLAG, first.flag);
        out.putLong(F_NAMEMAX, minName == Long.MAX_VALUE ? 0 : minName);
        return 0;
    }
}
