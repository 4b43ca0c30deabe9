package org.mergerfsj.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.mergerfsj.branch.Branch;
import org.mergerfsj.branch.Mode;
import org.mergerfsj.posix.Errno;

/** rand and pfrd: candidates, distribution (fixed seeds, so never flaky) and the default thread-safe source. */
class RandomPoliciesTest {
    private static final int DRAWS = 20_000;

    private final Branch empty = new Branch("/mnt/empty", Mode.RW);
    private final Branch small = new Branch("/mnt/small", Mode.RW);
    private final Branch medium = new Branch("/mnt/medium", Mode.RW);
    private final Branch large = new Branch("/mnt/large", Mode.RW);
    private final List<Branch> branches = List.of(empty, small, medium, large);
    private final FakeFacts facts = new FakeFacts()
            .branch(empty, new Space(0, 50, false)).entries(empty, "/d")
            .branch(small, new Space(100, 50, false)).entries(small, "/d")
            .branch(medium, new Space(200, 50, false))
            .branch(large, new Space(700, 50, false)).entries(large, "/d");

    private double[] shares(Policy policy, Outcome.Category category, String path) {
        double[] counts = new double[branches.size()];
        for (int i = 0; i < DRAWS; i++) {
            Branch pick = Outcome.of(policy, category, branches, path, facts, 0).single();
            counts[branches.indexOf(pick)]++;
        }
        for (int i = 0; i < counts.length; i++) counts[i] /= DRAWS;
        return counts;
    }

    private static void assertShares(double[] expected, double[] actual) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], expected[i] == 0 ? 0 : 0.02, "branch " + i);
        }
    }

    @Test
    void pfrdIsWeightedByAvailableSpaceAndSkipsEmptyBranches() {
        assertShares(new double[] {0, 0.1, 0.2, 0.7},
                shares(Policies.byName("pfrd", new SplittableRandom(42)), Outcome.Category.CREATE, "/d"));
    }

    @Test
    void eppfrdWeighsOnlyBranchesWithTheParent() {
        // medium lacks /d: the remaining weights are 100 and 700.
        assertShares(new double[] {0, 0.125, 0, 0.875},
                shares(Policies.byName("eppfrd", new SplittableRandom(7)), Outcome.Category.CREATE, "/d"));
        assertShares(new double[] {0, 0.125, 0, 0.875},
                shares(Policies.byName("pfrd", new SplittableRandom(8)), Outcome.Category.SEARCH, "/d"));
    }

    @Test
    void pfrdWithOnlyEmptyBranchesFailsWithTheFoldedError() {
        Outcome onlyEmpty = Outcome.of(Policies.byName("pfrd", new SplittableRandom(1)), Outcome.Category.CREATE,
                List.of(empty), "/", facts, 0);
        assertEquals(Errno.ENOENT, onlyEmpty.errno());
        Branch nc = new Branch("/mnt/nc", Mode.NC);
        FakeFacts withNc = new FakeFacts().branch(empty, new Space(0, 0, false)).branch(nc, new Space(10, 0, false));
        assertEquals(Errno.EROFS, Outcome.of(Policies.byName("pfrd", new SplittableRandom(1)), Outcome.Category.CREATE,
                List.of(empty, nc), "/", withNc, 0).errno());
    }

    @Test
    void randPicksUniformlyAmongQualifyingBranches() {
        assertShares(new double[] {0.25, 0.25, 0.25, 0.25},
                shares(Policies.byName("rand", new SplittableRandom(3)), Outcome.Category.CREATE, "/d"));
        assertShares(new double[] {1 / 3.0, 1 / 3.0, 0, 1 / 3.0},
                shares(Policies.byName("eprand", new SplittableRandom(4)), Outcome.Category.CREATE, "/d"));
    }

    @Test
    void theDefaultRandomSourceWorksFromManyThreads() throws InterruptedException {
        Policy rand = Policies.byName("rand");
        Map<Branch, AtomicInteger> seen = new ConcurrentHashMap<>();
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = new Thread(() -> {
                for (int i = 0; i < 2000; i++) {
                    Branch pick = Outcome.of(rand, Outcome.Category.SEARCH, branches, "/", facts, 0).single();
                    seen.computeIfAbsent(pick, k -> new AtomicInteger()).incrementAndGet();
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) t.join();
        assertEquals(4, seen.size());
        for (AtomicInteger count : seen.values()) assertTrue(count.get() > 1500, seen.toString());
        Branch pfrdPick = Outcome.of(Policies.byName("pfrd"), Outcome.Category.CREATE, branches, "/", facts, 0).single();
        assertTrue(pfrdPick != empty);
    }
}
