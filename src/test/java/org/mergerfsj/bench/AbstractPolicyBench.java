package org.mergerfsj.bench;

import java.util.List;
import org.mergerfsj.branch.Branch;
import org.mergerfsj.policy.BranchFacts;
import org.mergerfsj.policy.Policies;
import org.mergerfsj.policy.PolicyException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What {@link PolicyBench} and {@link PolicyRankingBench} share: the policy parameter, a {@link BranchTree}
 * made per trial, and the create and search calls as the daemon makes them (the policy looked up by name
 * per call, as {@code Pool.policy} does). A subclass says how many branches (its own {@code @Param}) and
 * where the branch facts come from.
 */
@State(Scope.Benchmark)
public abstract class AbstractPolicyBench extends BenchDefaults {
    @Param({"ff", "epff", "mfs", "epmfs", "lfs", "rand", "all"})
    public String policy;

    BranchTree tree;
    List<Branch> list;
    BranchFacts facts;
    long minFreeSpace;
    String dir = BranchTree.DIR, file = BranchTree.FILE; // fields, not constants the JIT could fold

    /** The branch directories for this trial (the subclass's branch count and options). */
    abstract BranchTree newTree();

    /** The facts the policies ask about the tree's branches. */
    abstract BranchFacts facts(BranchTree tree, List<Branch> branches);

    @Setup(Level.Trial)
    public void setUp() {
        tree = newTree();
        list = tree.config.branches();
        facts = facts(tree, list);
        minFreeSpace = tree.config.minFreeSpace();
        if (Policies.byName(policy) == null) throw new IllegalArgumentException("no policy " + policy);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        tree.close();
    }

    @Benchmark
    public List<Branch> create() throws PolicyException {
        return Policies.byName(policy).create(list, dir, facts, minFreeSpace);
    }

    @Benchmark
    public List<Branch> search() throws PolicyException {
        return Policies.byName(policy).search(list, file, facts);
    }
}
