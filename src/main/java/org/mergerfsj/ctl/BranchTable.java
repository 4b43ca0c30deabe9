package org.mergerfsj.ctl;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import jnr.ffi.Pointer;
import org.mergerfsj.posix.Posix;

/**
 * The branches of a pool as people want to see them: the {@code user.mergerfs.branches} value split into
 * path, mode and per-branch minfreespace, plus the space of each branch's filesystem from statvfs(3).
 */
final class BranchTable {
    private BranchTable() {}

    /** One branch; {@code minFree} is the text after the mode ("" when the global minfreespace applies). */
    record Entry(String path, String mode, String minFree) {}

    /** Filesystem space of a branch, in bytes, or the errno that kept us from reading it. */
    record Space(long total, long used, long avail, int errno) {
        int percentUsed() {
            long denom = used + avail; // what df shows: space root reserves counts as neither
            return denom <= 0 ? 0 : (int) Math.round(100.0 * used / denom);
        }
    }

    /** Splits a branches value: items at ':', each at its last '=' into path and MODE[,MINFREESPACE]. */
    static List<Entry> parse(String value) {
        List<Entry> out = new ArrayList<>();
        for (String item : value.split(":", -1)) {
            if (item.isEmpty()) continue;
            int eq = item.lastIndexOf('=');
            String path = eq < 0 ? item : item.substring(0, eq);
            String opts = eq < 0 ? "RW" : item.substring(eq + 1);
            int comma = opts.indexOf(',');
            out.add(new Entry(path, comma < 0 ? opts : opts.substring(0, comma), comma < 0 ? "" : opts.substring(comma + 1)));
        }
        return out;
    }

    static Space space(String path) {
        Pointer p = Posix.scratch();
        int r = Posix.statvfs(path, p);
        if (r < 0) return new Space(0, 0, 0, -r);
        long frsize = p.getLong(8), blocks = p.getLong(16), bfree = p.getLong(24), bavail = p.getLong(32);
        return new Space(blocks * frsize, (blocks - bfree) * frsize, bavail * frsize, 0);
    }

    /** The table printed by 'info' and 'branches list'. */
    static List<String> render(List<Entry> branches) {
        List<String> lines = new ArrayList<>();
        if (branches.isEmpty()) {
            lines.add("  (no branches: every path in the pool is missing until one is added)");
            return lines;
        }
        int w = "PATH".length();
        for (Entry e : branches) w = Math.max(w, e.path().length());
        String fmt = "  %2s  %-" + w + "s  %-4s  %-7s  %8s  %8s  %8s  %4s  %s";
        lines.add(String.format(Locale.ROOT, fmt, "#", "PATH", "MODE", "MINFREE", "SIZE", "USED", "FREE", "USE%", "").stripTrailing());
        int i = 1;
        for (Entry e : branches) {
            Space s = space(e.path());
            String minFree = e.minFree().isEmpty() ? "-" : e.minFree();
            if (s.errno() != 0) {
                lines.add(String.format(Locale.ROOT, fmt, i++, e.path(), e.mode(), minFree, "-", "-", "-", "-",
                        "unavailable: " + Posix.strerror(s.errno())).stripTrailing());
            } else {
                lines.add(String.format(Locale.ROOT, fmt, i++, e.path(), e.mode(), minFree, human(s.total()),
                        human(s.used()), human(s.avail()), s.percentUsed() + "%", bar(s.percentUsed(), 20)));
            }
        }
        return lines;
    }

    /** A usage bar like {@code [#####...............]}: one '#' per started 1/width of the space used. */
    static String bar(int percent, int width) {
        int p = Math.max(0, Math.min(100, percent));
        int full = (p * width + 99) / 100;
        return "[" + "#".repeat(full) + ".".repeat(width - full) + "]";
    }

    /** 1024-based size with one decimal: 0B, 512B, 1.5K, 931.5G, 3.6T. */
    static String human(long bytes) {
        if (bytes < 1024) return bytes + "B";
        String units = "KMGTPE";
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length() - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f%c", v, units.charAt(u));
    }
}
