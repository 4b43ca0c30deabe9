package org.mergerfsj.branch;

import org.mergerfsj.config.BadValueException;

/**
 * The byte-count syntax shared by branch strings and every unsigned option: base-10 digits with an optional
 * 1024-based K, M, G or T suffix (either case). mergerfs 2.33.5 parses all of its u64 options this way, so
 * {@code cache.attr=2K} means 2048 seconds (CTL-08).
 */
public final class Sizes {
    private Sizes() {}

    public static final long K = 1024L, M = K * 1024, G = M * 1024, T = G * 1024;

    /**
     * Parses a size. The empty string is 0 (as in 2.33.5); anything but digits and one trailing suffix, a
     * negative number or a value above {@link Long#MAX_VALUE} is rejected.
     */
    public static long parse(String s) throws BadValueException {
        if (s.isEmpty()) return 0;
        int i = 0;
        long n = 0;
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
            int d = s.charAt(i) - '0';
            if (n > (Long.MAX_VALUE - d) / 10) throw tooBig(s);
            n = n * 10 + d;
            i++;
        }
        if (i == 0 || i < s.length() - 1) throw notASize(s);
        if (i == s.length()) return n;
        long unit = unit(s.charAt(i));
        if (unit == 0) throw notASize(s);
        if (n > Long.MAX_VALUE / unit) throw tooBig(s);
        return n * unit;
    }

    /**
     * Renders a byte count the way mergerfs shows per-branch minfreespace (BR-07): the largest of T, G, M, K
     * that divides it exactly, else the plain number; 0 is "0".
     */
    public static String humanize(long bytes) {
        if (bytes == 0) return "0";
        if (bytes % T == 0) return (bytes / T) + "T";
        if (bytes % G == 0) return (bytes / G) + "G";
        if (bytes % M == 0) return (bytes / M) + "M";
        if (bytes % K == 0) return (bytes / K) + "K";
        return Long.toString(bytes);
    }

    private static long unit(char c) {
        switch (c) {
            case 'k': case 'K': return K;
            case 'm': case 'M': return M;
            case 'g': case 'G': return G;
            case 't': case 'T': return T;
            default: return 0;
        }
    }

    private static BadValueException notASize(String s) {
        return new BadValueException("'" + s + "' is not a number (expected digits with an optional K, M, G or T suffix)");
    }

    private static BadValueException tooBig(String s) {
        return new BadValueException("'" + s + "' is too large");
    }
}
