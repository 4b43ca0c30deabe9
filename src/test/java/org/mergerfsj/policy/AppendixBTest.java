package org.mergerfsj.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.mergerfsj.branch.Branch;
import org.mergerfsj.branch.Mode;
import org.mergerfsj.posix.Errno;

/** The policy outcomes observed on real mergerfs 2.33.5 (spec Appendix B) and the POL rules they illustrate. */
class AppendixBTest {
    private static final long GIB = 1L << 30;
    private static final long DEFAULT_MIN_FREE = 4294967295L;
    private static final Space ONE_FS = new Space(100 * GIB, 20 * GIB, false);

    private final Branch b1 = new Branch("/mnt/b1", Mode.RW);
    private final Branch b2 = new Branch("/mnt/b2", Mode.RW);
    private final Branch b3 = new Branch("/mnt/b3", Mode.RW);

    private static Outcome create(String policy, List<Branch> branches, String parent, FakeFacts facts, long minFree) {
        return Outcome.of(Policies.byName(policy), Outcome.Category.CREATE, branches, parent, facts, minFree);
    }

    private FakeFacts oneFilesystem(Branch... branches) {
        FakeFacts facts = new FakeFacts();
        for (Branch b : branches) facts.branch(b, ONE_FS);
        return facts;
    }

    @Test
    void defaultEpmfsOnThreeBranchesOfOneFilesystemCreatesOnTheLast() {
        Outcome got = create("epmfs", List.of(b1, b2, b3), "/", oneFilesystem(b1, b2, b3), DEFAULT_MIN_FREE);
        assertEquals(List.of(b3), got.branches());
        assertEquals(List.of(b3), create("mfs", List.of(b1, b2, b3), "/", oneFilesystem(b1, b2, b3),
                DEFAULT_MIN_FREE).branches());
    }

    @Test
    void createWithEveryBranchReadOnlyOrNoCreateIsErofsForEveryPolicy() {
        List<Branch> branches = List.of(new Branch("/mnt/b1", Mode.NC), new Branch("/mnt/b2", Mode.RO));
        FakeFacts facts = new FakeFacts();
        for (Branch b : branches) facts.branch(b, ONE_FS);
        for (String name : Policies.names()) {
            assertEquals(Errno.EROFS, create(name, branches, "/", facts, DEFAULT_MIN_FREE).errno(), name);
        }
    }

    @Test
    void minFreeSpaceAboveEveryBranchIsEnospcUnlessARoOrNcBranchWasSkipped() {
        long huge = 100000 * GIB;
        assertEquals(Errno.ENOSPC, create("epmfs", List.of(b1, b2), "/", oneFilesystem(b1, b2), huge).errno());

        Branch ro = new Branch("/mnt/ro", Mode.RO);
        assertEquals(Errno.EROFS, create("epmfs", List.of(b1, ro), "/", oneFilesystem(b1, ro), huge).errno());

        Branch nc = new Branch("/mnt/nc", Mode.NC);
        assertEquals(Errno.EROFS, create("epmfs", List.of(nc, b2), "/", oneFilesystem(nc, b2), huge).errno());
    }

    @Test
    void epffCreatesWhereTheParentExists() {
        FakeFacts facts = oneFilesystem(b1, b2, b3).entries(b2, "/dir");
        assertEquals(List.of(b2), create("epff", List.of(b1, b2, b3), "/dir", facts, DEFAULT_MIN_FREE).branches());
    }

    @Test
    void ffCreatesOnTheFirstBranchEvenWithoutTheParent() {
        FakeFacts facts = oneFilesystem(b1, b2, b3).entries(b2, "/dir");
        assertEquals(List.of(b1), create("ff", List.of(b1, b2, b3), "/dir", facts, DEFAULT_MIN_FREE).branches());
    }

    @Test
    void defaultEpallActionReachesEveryCopy() {
        FakeFacts facts = oneFilesystem(b1, b2, b3).entries(b1, "/f").entries(b2, "/f");
        Outcome got = Outcome.of(Policies.byName("epall"), Outcome.Category.ACTION, List.of(b1, b2, b3), "/f", facts, 0);
        assertEquals(List.of(b1, b2), got.branches());
    }

    @Test
    void defaultFfSearchUsesTheFirstBranchWithTheEntry() {
        FakeFacts facts = oneFilesystem(b1, b2, b3).entries(b2, "/f").entries(b3, "/f");
        Outcome got = Outcome.of(Policies.byName("ff"), Outcome.Category.SEARCH, List.of(b1, b2, b3), "/f", facts, 0);
        assertEquals(List.of(b2), got.branches());
    }

    @Test
    void minFreeSpaceComparisonIsStrict() {
        FakeFacts facts = new FakeFacts().branch(b1, new Space(1000, 0, false)).branch(b2, new Space(999, 0, false));
        assertEquals(List.of(b1), create("epmfs", List.of(b1, b2), "/", facts, 1000).branches());
        assertEquals(Errno.ENOSPC, create("epmfs", List.of(b2), "/", facts, 1000).errno());
    }

    @Test
    void perBranchMinFreeSpaceOverridesTheGlobalValue() {
        Branch small = new Branch("/mnt/small", Mode.RW, 10);
        Branch strict = new Branch("/mnt/strict", Mode.RW, 5000);
        FakeFacts facts = new FakeFacts().branch(small, new Space(100, 0, false)).branch(strict, new Space(1000, 0, false));
        // The global 4 GiB would exclude both; small's own 10 bytes admit it, strict's 5000 exclude it.
        assertEquals(List.of(small), create("mfs", List.of(small, strict), "/", facts, DEFAULT_MIN_FREE).branches());
    }

    @Test
    void actionsIgnoreMinFreeSpaceAndNoCreateMode() {
        Branch nc = new Branch("/mnt/nc", Mode.NC);
        FakeFacts facts = new FakeFacts().branch(nc, new Space(0, 0, false)).entries(nc, "/f");
        Outcome got = Outcome.of(Policies.byName("epall"), Outcome.Category.ACTION, List.of(nc), "/f", facts, 0);
        assertEquals(List.of(nc), got.branches());
    }

    @Test
    void aReadOnlyFilesystemIsSkippedForActionsButNotForSearches() {
        FakeFacts facts = new FakeFacts().branch(b1, new Space(100, 0, true)).entries(b1, "/f")
                .branch(b2, ONE_FS).entries(b2, "/f");
        Outcome action = Outcome.of(Policies.byName("epall"), Outcome.Category.ACTION, List.of(b1, b2), "/f", facts, 0);
        assertEquals(List.of(b2), action.branches());
        Outcome search = Outcome.of(Policies.byName("epall"), Outcome.Category.SEARCH, List.of(b1, b2), "/f", facts, 0);
        assertEquals(List.of(b1, b2), search.branches());
        Outcome onlyRo = Outcome.of(Policies.byName("epall"), Outcome.Category.ACTION, List.of(b1), "/f", facts, 0);
        assertEquals(Errno.EROFS, onlyRo.errno());
    }
}
