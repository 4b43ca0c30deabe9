package org.mergerfsj.policy;

/**
 * How the metric policies order branches, including their (deliberately inconsistent, QUIRK-04) tie-breaks:
 * the free-space and newest rankings let the last of equal branches win, the used-space rankings the first.
 */
enum Ranking {
    /** mfs, epmfs, mspmfs: most available bytes; last of equals. */
    MOST_FREE(true) {
        @Override int compare(Space a, long mtimeA, Space b, long mtimeB) {
            return Long.compare(a.avail(), b.avail());
        }
    },
    /** lfs, eplfs, msplfs: fewest available bytes; last of equals. */
    LEAST_FREE(true) {
        @Override int compare(Space a, long mtimeA, Space b, long mtimeB) {
            return Long.compare(b.avail(), a.avail());
        }
    },
    /** lus, eplus, msplus: fewest used bytes; first of equals. */
    LEAST_USED(false) {
        @Override int compare(Space a, long mtimeA, Space b, long mtimeB) {
            return Long.compare(b.used(), a.used());
        }
    },
    /** lup: smallest used / (used + avail); first of equals; an empty filesystem counts as 0 %. */
    LEAST_USED_SHARE(false) {
        @Override int compare(Space a, long mtimeA, Space b, long mtimeB) {
            return compareShares(b, a);
        }
    },
    /** newest: largest whole-second mtime of the entry (QUIRK-12); last of equals. */
    NEWEST(true) {
        @Override int compare(Space a, long mtimeA, Space b, long mtimeB) {
            return Long.compare(mtimeA, mtimeB);
        }
    };

    private final boolean lastOfEqualsWins;

    Ranking(boolean lastOfEqualsWins) {
        this.lastOfEqualsWins = lastOfEqualsWins;
    }

    /** Positive when branch a ranks above branch b, zero when they tie. Space is null for NEWEST searches. */
    abstract int compare(Space a, long mtimeA, Space b, long mtimeB);

    /** Whether a candidate met later in branch order takes the place of the current best. */
    final boolean replaces(Space candidate, long candidateMtime, Space best, long bestMtime) {
        int c = compare(candidate, candidateMtime, best, bestMtime);
        return c > 0 || (c == 0 && lastOfEqualsWins);
    }

    /**
     * Compares used/(used+avail) of a and b without division or overflow. For non-negative figures
     * u1/(u1+a1) &lt; u2/(u2+a2) exactly when u1*a2 &lt; u2*a1; the products need up to 126 bits.
     */
    static int compareShares(Space a, Space b) {
        long usedA = a.used(), availA = a.avail(), usedB = b.used(), availB = b.avail();
        if (usedA == 0 && availA == 0) availA = 1; // total 0 counts as 0/1
        if (usedB == 0 && availB == 0) availB = 1;
        return compareProducts(usedA, availB, usedB, availA);
    }

    /** Compares x1*y1 with x2*y2 for non-negative longs, using the full 128-bit products. */
    private static int compareProducts(long x1, long y1, long x2, long y2) {
        long high1 = Math.multiplyHigh(x1, y1), high2 = Math.multiplyHigh(x2, y2);
        if (high1 != high2) return Long.compare(high1, high2);
        return Long.compareUnsigned(x1 * y1, x2 * y2);
    }
}
