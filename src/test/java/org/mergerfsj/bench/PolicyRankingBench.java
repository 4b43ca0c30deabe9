package org.mergerfsj.bench;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.mergerfsj.branch.Branch;
import org.mergerfsj.policy.BranchFacts;
import org.mergerfsj.policy.Policies;
import org.mergerfsj.policy.PolicyException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The same calls as {@link PolicyBench}, but over the FAKE {@link FixedFacts} (no lstat, no statvfs):
 * the pure Java cost of policy selection, i.e. what is left once the syscalls are taken out. Branch
 * strings and options still come from the production parser. Eight branches by default
 * ({@code -p branches=2,4,8} for more); create and search only (action's filter is search's plus the
 * writable-branch checks).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class PolicyRankingBench {
    @Param({"ff", "epff", "mfs", "epmfs", "lfs", "rand", "all"})
    public String policy;

    @Param({"8"})
    public int branches;

    private BranchTree tree;
    private List<Branch> list;
    private BranchFacts facts;
    private long minFreeSpace;
    private String dir = BranchTree.DIR, file = BranchTree.FILE; // fields, not constants the JIT could fold

    @Setup(Level.Trial)
    public void setUp() {
        tree = new BranchTree(branches);
        list = tree.config.branches();
        facts = new FixedFacts(list);
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
