package org.mergerfsj.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** lup's used-share comparison, which must stay exact where a long product would overflow. */
class RankingTest {
    @Test
    void sharesCompareByUsedOverTotal() {
        assertTrue(Ranking.compareShares(new Space(90, 10, false), new Space(50, 50, false)) < 0);
        assertEquals(0, Ranking.compareShares(new Space(3, 1, false), new Space(300, 100, false)));
        assertTrue(Ranking.compareShares(new Space(0, 5, false), new Space(5, 5, false)) > 0, "full beats half");
    }

    @Test
    void anEmptyFilesystemCountsAsZeroPercent() {
        assertEquals(0, Ranking.compareShares(new Space(0, 0, false), new Space(100, 0, false)));
        assertTrue(Ranking.compareShares(new Space(0, 0, false), new Space(100, 1, false)) < 0);
    }

    @Test
    void hugeFiguresDoNotOverflow() {
        long big = Long.MAX_VALUE / 2;
        // (big-1)/(2big-1) is a hair below (big)/(2big): products near 2^124 must be compared exactly.
        assertTrue(Ranking.compareShares(new Space(big, big - 1, false), new Space(big, big, false)) < 0);
        assertTrue(Ranking.compareShares(new Space(big, big, false), new Space(big, big - 1, false)) > 0);
    }
}
