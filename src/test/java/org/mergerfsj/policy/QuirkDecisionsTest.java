package org.mergerfsj.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.mergerfsj.branch.Branch;
import org.mergerfsj.branch.Mode;

/** One test per 2.33.5 quirk this package decides (spec section 10). */
class QuirkDecisionsTest {
    private final Branch b1 = new Branch("/mnt/b1", Mode.RW);
    private final Branch b2 = new Branch("/mnt/b2", Mode.RW);
    private final Branch b3 = new Branch("/mnt/b3", Mode.RW);
    private final List<Branch> three = List.of(b1, b2, b3);

    private static Outcome run(String policy, Outcome.Category category, List<Branch> branches, String path,
                               FakeFacts facts) {
        return Outcome.of(Policies.byName(policy), category, branches, path, facts, 0);
    }

    /** QUIRK-02 fixed: eplus search (and lus/msplus, which use it) finds the least-used branch with the entry. */
    @Test
    void quirk02EplusSearchWorks() {
        FakeFacts facts = new FakeFacts()
                .branch(b1, new Space(10, 500, false))
                .branch(b2, new Space(10, 100, false)).entries(b2, "/f")
                .branch(b3, new Space(10, 300, false)).entries(b3, "/f");
        for (String name : List.of("eplus", "lus", "msplus")) {
            assertEquals(List.of(b2), run(name, Outcome.Category.SEARCH, three, "/f", facts).branches(), name);
            // 2.33.5 made even the pool root unreachable with func.getattr=lus.
            assertEquals(List.of(b2), run(name, Outcome.Category.SEARCH, three, "/", facts).branches(), name);
        }
    }

    /** QUIRK-04 replicated: on equal metrics mfs/lfs/newest families take the last branch, lus/lup the first. */
    @Test
    void quirk04TieBreaksAreReplicated() {
        FakeFacts facts = new FakeFacts();
        for (Branch b : three) facts.branch(b, new Space(1000, 1000, false)).entry(b, "/f", 7);
        for (String name : List.of("mfs", "epmfs", "mspmfs", "lfs", "eplfs", "msplfs", "newest")) {
            for (Outcome.Category category : Outcome.Category.values()) {
                assertEquals(List.of(b3), run(name, category, three, "/f", facts).branches(), name + " " + category);
            }
        }
        for (String name : List.of("lus", "eplus", "msplus", "lup")) {
            for (Outcome.Category category : Outcome.Category.values()) {
                assertEquals(List.of(b1), run(name, category, three, "/f", facts).branches(), name + " " + category);
            }
        }
    }

    /** QUIRK-12 replicated: newest compares whole seconds, so entries written in the same second tie (last wins). */
    @Test
    void quirk12NewestComparesWholeSeconds() {
        // Say b1 was written at 1000.9 s and b2 at 1000.1 s: both report 1000, the tie goes to the later branch.
        FakeFacts sameSecond = new FakeFacts()
                .branch(b1, new Space(10, 0, false)).entry(b1, "/f", 1000)
                .branch(b2, new Space(10, 0, false)).entry(b2, "/f", 1000);
        assertEquals(List.of(b2), run("newest", Outcome.Category.SEARCH, List.of(b1, b2), "/f", sameSecond).branches());

        FakeFacts nextSecond = new FakeFacts()
                .branch(b1, new Space(10, 0, false)).entry(b1, "/f", 1001)
                .branch(b2, new Space(10, 0, false)).entry(b2, "/f", 1000);
        assertEquals(List.of(b1), run("newest", Outcome.Category.SEARCH, List.of(b1, b2), "/f", nextSecond).branches());
    }

    /** QUIRK-01 is fixed by the option layer; this package's part is answering null for unknown names. */
    @Test
    void quirk01UnknownPolicyNamesAreNotPolicies() {
        assertNull(Policies.byName("bogus"));
        assertNull(Policies.byName("EPMFS"));
    }
}
