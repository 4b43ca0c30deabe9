package org.mergerfsj.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.mergerfsj.branch.Branch;
import org.mergerfsj.branch.Mode;
import org.mergerfsj.posix.Errno;

/** Every policy in every category against generated pools: the oracle, the filters, the error rule. */
class PolicyPropertiesTest {
    private static final Outcome.Category[] CATEGORIES = Outcome.Category.values();

    @Provide
    Arbitrary<Scenario> pools() {
        Arbitrary<Mode> modes = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.just(Mode.RW)), Tuple.of(2, Arbitraries.just(Mode.RO)),
                Tuple.of(2, Arbitraries.just(Mode.NC)));
        // Few distinct values so that ties are common; a few huge ones to exercise overflow-free comparisons.
        Arbitrary<Long> avail = Arbitraries.of(0L, 1L, 5L, 10L, 10L, 100L, 1L << 40, Long.MAX_VALUE / 2);
        Arbitrary<Long> used = Arbitraries.of(0L, 5L, 10L, 10L, 100L, 1L << 40, Long.MAX_VALUE / 3);
        Arbitrary<Space> space = Combinators.combine(avail, used, Arbitraries.of(false, false, false, true))
                .as(Space::new);
        Arbitrary<Space> maybeSpace = Arbitraries.frequencyOf(
                Tuple.of(9, space), Tuple.of(1, Arbitraries.just((Space) null)));
        Arbitrary<Long> minFree = Arbitraries.frequencyOf(
                Tuple.of(7, Arbitraries.just(Branch.GLOBAL)), Tuple.of(3, Arbitraries.of(0L, 5L, 10L, 100L)));
        Arbitrary<Scenario.Spec> spec = Combinators.combine(
                modes, maybeSpace, Arbitraries.integers().between(-1, 3), Arbitraries.of(-5L, 0L, 1L, 2L, 3L), minFree)
                .as(Scenario.Spec::new);
        return Combinators.combine(
                spec.list().ofMinSize(0).ofMaxSize(6),
                Arbitraries.of(0L, 5L, 10L, 50L),
                Arbitraries.integers().between(0, 3))
                .as(Scenario::new);
    }

    @Property(tries = 600)
    void everyPolicyAgreesWithTheOracle(@ForAll("pools") Scenario pool, @ForAll long seed) {
        for (String name : Policies.names()) {
            Policy policy = Policies.byName(name, new SplittableRandom(seed));
            for (Outcome.Category category : CATEGORIES) {
                Outcome want = Oracle.expect(name, category, pool);
                Outcome got = pool.run(policy, category);
                String where = name + " " + category + " at " + pool.path();
                if (!want.ok()) {
                    assertEquals(want, got, where);
                } else if (Oracle.isRandom(name)) {
                    assertTrue(got.ok(), where + " failed: " + got);
                    assertTrue(want.branches().contains(got.single()), where + ": " + got + " not in " + want);
                } else {
                    assertEquals(want, got, where);
                }
            }
        }
    }

    @Property(tries = 300)
    void chosenBranchesPassTheirCategoryFilters(@ForAll("pools") Scenario pool, @ForAll long seed) {
        List<Branch> branches = pool.branches();
        for (String name : Policies.names()) {
            Policy policy = Policies.byName(name, new SplittableRandom(seed));
            String base = Oracle.baseOf(name);
            boolean parentMustExist = policy.pathPreserving() || name.equals("newest");
            for (Outcome.Category category : CATEGORIES) {
                Outcome got = pool.run(policy, category);
                if (!got.ok()) continue;
                assertFalse(got.branches().isEmpty(), name);
                int previous = -1;
                for (Branch chosen : got.branches()) {
                    int i = branches.indexOf(chosen);
                    assertTrue(i > previous, name + " " + category + ": not in branch order: " + got);
                    previous = i;
                    // msp* may have qualified the branch at an ancestor; check it at the level where it exists.
                    int depth = name.startsWith("msp") && category == Outcome.Category.CREATE
                            ? Math.min(pool.pathDepth(), pool.specs().get(i).depth()) : pool.pathDepth();
                    assertEquals(0, Oracle.reason(category, parentMustExist, Oracle.spaceBased(base), pool, i,
                            Math.max(depth, 0)), name + " " + category + " chose " + chosen);
                }
            }
        }
    }

    @Property(tries = 300)
    void failuresFollowErofsOverEnospcOverEnoent(@ForAll("pools") Scenario pool, @ForAll long seed) {
        boolean anyNotRw = pool.specs().stream().anyMatch(s -> s.mode() != Mode.RW);
        boolean anyRo = pool.specs().stream().anyMatch(s -> s.mode() == Mode.RO);
        for (String name : Policies.names()) {
            Policy policy = Policies.byName(name, new SplittableRandom(seed));
            Outcome create = pool.run(policy, Outcome.Category.CREATE);
            Outcome action = pool.run(policy, Outcome.Category.ACTION);
            Outcome search = pool.run(policy, Outcome.Category.SEARCH);
            if (name.equals("erofs")) {
                assertEquals(Outcome.failed(Errno.EROFS), create);
                assertEquals(Outcome.failed(Errno.EROFS), action);
                assertEquals(Outcome.failed(Errno.EROFS), search);
                continue;
            }
            if (!create.ok()) {
                assertTrue(List.of(Errno.ENOENT, Errno.ENOSPC, Errno.EROFS).contains(create.errno()), name);
                if (anyNotRw) assertEquals(Errno.EROFS, create.errno(), name + ": an RO/NC branch was skipped");
            }
            if (!action.ok()) {
                assertTrue(action.errno() == Errno.ENOENT || action.errno() == Errno.EROFS, name);
                if (anyRo) assertEquals(Errno.EROFS, action.errno(), name + ": an RO branch was skipped");
            }
            if (!search.ok()) assertEquals(Errno.ENOENT, search.errno(), name);
        }
    }

    @Property(tries = 300)
    void proportionalPoliciesNeverPickAnEmptyBranch(@ForAll("pools") Scenario pool, @ForAll long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        for (String name : List.of("pfrd", "eppfrd", "msppfrd")) {
            Policy policy = Policies.byName(name, random);
            for (Outcome.Category category : CATEGORIES) {
                for (int draw = 0; draw < 5; draw++) {
                    Outcome got = pool.run(policy, category);
                    if (!got.ok()) continue;
                    int i = pool.branches().indexOf(got.single());
                    assertTrue(pool.specs().get(i).space().avail() > 0, name + " " + category + " picked " + i);
                }
            }
        }
    }
}
