package org.mergerfsj.union;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import jnr.ffi.Pointer;
import org.mergerfsj.branch.Branch;
import org.mergerfsj.posix.Posix;
import org.mergerfsj.posix.Stat;

/**
 * Directory listings merged across branches (OP-RD): branch order, first branch wins a duplicate name
 * (its d_type and d_ino), '.' and '..' once, branches whose directory cannot be opened are skipped silently
 * (QUIRK-13), '.mergerfs' never shows at the root.
 */
public final class Dirs {
    private Dirs() {}

    /**
     * One entry: name (ISO-8859-1 chars = bytes), d_type, d_ino on its branch, the st_dev of the branch
     * directory it was read from (what 2.33.5 feeds the inode hash, OP-RD-02), and that branch.
     */
    public record Entry(String name, int type, long ino, long dev, Branch branch) {}

    static List<Entry> list(List<Branch> branches, String dir) {
        List<Entry> out = new ArrayList<>();
        HashSet<String> seen = new HashSet<>();
        boolean root = dir.equals("/");
        for (Branch b : branches) {
            int fd = Posix.open(b.full(dir), Posix.O_RDONLY | Posix.O_DIRECTORY, 0);
            if (fd < 0) continue;
            Pointer st = Posix.scratch();
            long dev = Posix.C.fstat(fd, st) == 0 ? st.getLong(Stat.OFF_DEV) : 0;
            Pointer d = Posix.C.fdopendir(fd);
            if (d == null) {
                Posix.close(fd);
                continue;
            }
            try {
                Pointer e;
                while ((e = Posix.C.readdir64(d)) != null) {
                    String name = e.getString(19, 256, java.nio.charset.StandardCharsets.ISO_8859_1);
                    if (root && name.equals(ControlFile.NAME)) continue;
                    if (!seen.add(name)) continue;
                    out.add(new Entry(name, e.getByte(18) & 0xff, e.getLong(0), dev, b));
                }
            } finally {
                Posix.C.closedir(d);
            }
        }
        return out;
    }
}
