package org.mergerfsj.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.mergerfsj.branch.Branch;
import org.mergerfsj.branch.Mode;
import org.mergerfsj.posix.Errno;

/** msp* create walks from the parent up to "/" until some branch qualifies (POL-25..28, POL-40). */
class MostSharedPathTest {
    private final Branch b1 = new Branch("/mnt/b1", Mode.RW);
    private final Branch b2 = new Branch("/mnt/b2", Mode.RW);
    private final Branch b3 = new Branch("/mnt/b3", Mode.RW);
    private final List<Branch> three = List.of(b1, b2, b3);

    private FakeFacts pool() {
        return new FakeFacts()
                .branch(b1, new Space(900, 0, false)).entries(b1, "/a")
                .branch(b2, new Space(100, 0, false)).entries(b2, "/a", "/a/b")
                .branch(b3, new Space(500, 0, false));
    }

    private static Outcome create(String policy, List<Branch> branches, String parent, FakeFacts facts, long minFree) {
        return Outcome.of(Policies.byName(policy, new SplittableRandom(1)), Outcome.Category.CREATE, branches, parent,
                facts, minFree);
    }

    @Test
    void theDeepestExistingAncestorDecides() {
        // Nobody has /a/b/c; only b2 has /a/b, so every msp policy lands there.
        for (String name : List.of("mspmfs", "msplfs", "msplus", "msppfrd")) {
            assertEquals(List.of(b2), create(name, three, "/a/b/c", pool(), 0).branches(), name);
        }
    }

    @Test
    void theMetricDecidesAmongBranchesSharingThatAncestor() {
        FakeFacts facts = pool().remove(b2, "/a/b");
        assertEquals(List.of(b1), create("mspmfs", three, "/a/b/c", facts, 0).branches());
        assertEquals(List.of(b2), create("msplfs", three, "/a/b/c", facts, 0).branches());
    }

    @Test
    void theWalkEndsAtTheRoot() {
        assertEquals(List.of(b1), create("mspmfs", three, "/x/y", pool(), 0).branches());
        assertEquals(List.of(b2), create("msplfs", three, "/x/y", pool(), 0).branches());
    }

    @Test
    void branchesFilteredOutAtOneLevelStayFilteredAboveIt() {
        // b2 has the deepest ancestor but too little space: the walk goes on up to /a, where b1 qualifies.
        assertEquals(List.of(b1), create("mspmfs", three, "/a/b/c", pool(), 200).branches());
    }

    @Test
    void allLevelsShareOneErrorAccumulator() {
        // b1 has /a/b but is short of space (ENOSPC, seen only at that level because its root is gone);
        // b2 exists nowhere (ENOENT at every level). The ENOSPC from the deepest level must survive the walk.
        FakeFacts facts = new FakeFacts()
                .branch(b1, new Space(1, 0, false)).entries(b1, "/a", "/a/b").remove(b1, "/a").remove(b1, "/")
                .branch(b2, new Space(1000, 0, false)).remove(b2, "/");
        for (String name : List.of("mspmfs", "msplfs", "msplus", "msppfrd")) {
            assertEquals(Errno.ENOSPC, create(name, List.of(b1, b2), "/a/b/c", facts, 100).errno(), name);
        }
    }

    @Test
    void actionAndSearchDoNotWalk() {
        for (String name : List.of("mspmfs", "msplfs", "msplus", "msppfrd")) {
            Policy policy = Policies.byName(name);
            assertEquals(Errno.ENOENT, Outcome.of(policy, Outcome.Category.ACTION, three, "/a/b/c", pool(), 0).errno());
            assertEquals(Errno.ENOENT, Outcome.of(policy, Outcome.Category.SEARCH, three, "/a/b/c", pool(), 0).errno());
        }
    }

    @Test
    void parentStripsTheLastComponent() {
        assertEquals("/a", FilteredPolicy.parent("/a/b"));
        assertEquals("/", FilteredPolicy.parent("/a"));
        assertEquals("/", FilteredPolicy.parent("/"));
    }
}
