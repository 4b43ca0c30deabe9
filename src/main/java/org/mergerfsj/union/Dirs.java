package org.mergerfsj.union;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.nio.charset.StandardCharsets;
import jnr.ffi.Memory;
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

    private static final long SYS_GETDENTS64 = 217; // x86_64
    private static final int BUF = 64 * 1024;
    private static final ThreadLocal<Pointer> NATIVE_BUF =
            ThreadLocal.withInitial(() -> Memory.allocateDirect(Posix.RT, BUF));
    private static final ThreadLocal<byte[]> BYTES = ThreadLocal.withInitial(() -> new byte[BUF]);

    /**
     * Reads each branch directory with getdents64 in 64 KiB batches and parses the records in Java: two
     * native calls per batch instead of one per entry (readdir64) plus one per name.
     */
    static List<Entry> list(List<Branch> branches, String dir) {
        List<Entry> out = new ArrayList<>();
        // Names of earlier branches, built only once a second branch has the directory: a directory on one
        // branch (the common case) needs no set, and the set was most of the garbage of a large listing
        // (with the daemon's small heap, a 10k-entry `ls` cost two full GCs).
        HashSet<String> seen = null;
        boolean first = true;
        boolean root = dir.equals("/");
        Pointer nbuf = NATIVE_BUF.get();
        byte[] buf = BYTES.get();
        for (Branch b : branches) {
            int fd = Posix.open(b.full(dir), Posix.O_RDONLY | Posix.O_DIRECTORY, 0);
            if (fd < 0) continue;
            try {
                if (!first && seen == null) {
                    seen = new HashSet<>(Math.max(16, out.size() * 2));
                    for (Entry e : out) seen.add(e.name());
                }
                first = false;
                Pointer st = Posix.scratch();
                long dev = Posix.C.fstat(fd, st) == 0 ? st.getLong(Stat.OFF_DEV) : 0;
                long n;
                while ((n = Posix.C.syscall(SYS_GETDENTS64, fd, nbuf, BUF)) > 0) {
                    nbuf.get(0, buf, 0, (int) n);
                    for (int off = 0; off < n; ) {
                        // struct linux_dirent64: u64 d_ino, s64 d_off, u16 d_reclen, u8 d_type, char d_name[]
                        long ino = le64(buf, off);
                        int reclen = (buf[off + 16] & 0xff) | (buf[off + 17] & 0xff) << 8;
                        int type = buf[off + 18] & 0xff;
                        int start = off + 19, end = start;
                        while (end < off + reclen && buf[end] != 0) end++;
                        off += reclen;
                        String name = new String(buf, start, end - start, StandardCharsets.ISO_8859_1);
                        if (root && name.equals(ControlFile.NAME)) continue;
                        if (seen != null && !seen.add(name)) continue;
                        out.add(new Entry(name, type, ino, dev, b));
                    }
                }
            } finally {
                Posix.close(fd);
            }
        }
        return out;
    }

    private static long le64(byte[] b, int off) {
        long v = 0;
        for (int i = 7; i >= 0; i--) v = (v << 8) | (b[off + i] & 0xff);
        return v;
    }
}
