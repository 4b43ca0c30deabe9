package org.mergerfsj.union;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import jnr.ffi.Pointer;
import org.mergerfsj.branch.Branch;
import org.mergerfsj.posix.Posix;

/**
 * Directory listings merged across branches (OP-RD): branch order, first branch wins a duplicate name,
 * branches that cannot be opened are skipped silently (QUIRK-13), '.mergerfs' never shows at the root.
 */
public final class Dirs {
    private Dirs() {}

    /** One entry: name (ISO-8859-1 chars = bytes), d_type, d_ino on its branch, and the branch's device. */
    public record Entry(String name, int type, long ino, Branch branch) {}

    static List<Entry> list(List<Branch> branches, String dir) {
        List<Entry> out = new ArrayList<>();
        HashSet<String> seen = new HashSet<>();
        boolean root = dir.equals("/");
        for (Branch b : branches) {
            Pointer d = Posix.C.opendir(Posix.path(b.full(dir)));
            if (d == null) continue;
            try {
                Pointer e;
                while ((e = Posix.C.readdir64(d)) != null) {
                    String name = e.getString(19, 256, java.nio.charset.StandardCharsets.ISO_8859_1);
                    if (root && name.equals(ControlFile.NAME)) continue;
                    if (!seen.add(name)) continue;
                    out.add(new Entry(name, e.getByte(18) & 0xff, e.getLong(0), b));
                }
            } finally {
                Posix.C.closedir(d);
            }
        }
        return out;
    }
}
