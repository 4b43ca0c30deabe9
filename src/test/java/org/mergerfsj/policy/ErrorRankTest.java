package org.mergerfsj.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.mergerfsj.posix.Errno;

/** The POL-03 folding rule on its own. */
class ErrorRankTest {
    @Test
    void strongerReasonsWinAndAreNeverReplaced() {
        assertEquals(Errno.ENOSPC, ErrorRank.fold(Errno.ENOENT, Errno.ENOSPC));
        assertEquals(Errno.EROFS, ErrorRank.fold(Errno.ENOSPC, Errno.EROFS));
        assertEquals(Errno.EROFS, ErrorRank.fold(Errno.EROFS, Errno.ENOSPC));
        assertEquals(Errno.EROFS, ErrorRank.fold(Errno.EROFS, Errno.ENOENT));
        assertEquals(Errno.ENOSPC, ErrorRank.fold(Errno.ENOSPC, Errno.ENOENT));
        assertEquals(Errno.ENOENT, ErrorRank.INITIAL);
    }

    @Provide
    Arbitrary<List<Integer>> reasons() {
        return Arbitraries.of(Errno.ENOENT, Errno.ENOSPC, Errno.EROFS).list().ofMaxSize(8);
    }

    @Property(tries = 200)
    void theFoldIsTheStrongestReasonWhateverTheOrder(@ForAll("reasons") List<Integer> reasons) {
        int folded = ErrorRank.INITIAL;
        for (int reason : reasons) folded = ErrorRank.fold(folded, reason);
        int expected = reasons.contains(Errno.EROFS) ? Errno.EROFS
                : reasons.contains(Errno.ENOSPC) ? Errno.ENOSPC : Errno.ENOENT;
        assertEquals(expected, folded);
    }

    @Test
    void failuresCarryTheirErrnoAndAreSharedValues() {
        for (int errno : List.of(Errno.ENOENT, Errno.ENOSPC, Errno.EROFS)) {
            assertEquals(errno, ErrorRank.failure(errno).errno());
            assertSame(ErrorRank.failure(errno), ErrorRank.failure(errno));
            assertEquals(0, ErrorRank.failure(errno).getStackTrace().length);
        }
        assertEquals(Errno.EIO, ErrorRank.failure(Errno.EIO).errno());
    }
}
