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
 * Policy selection as the daemon runs it: the policy looked up by name (as {@code Pool.policy} does per
 * operation), the production {@code BranchFacts} ({@link org.mergerfsj.union.SpaceCache} from a
 * {@link org.mergerfsj.union.Pool}, default cache.statfs=0, so every statvfs is a real syscall;
 * {@code -p cacheStatfs=60} shows the cached variant) over real branch directories (layout in
 * {@link BranchTree}).
 *
 * <p>create gets the parent directory {@code /docs/2024} (on every second branch), action and search the
 * file {@code /docs/2024/report.pdf} (on the last branch only). Each call therefore costs a policy- and
 * category-specific number of lstat and statvfs calls; see docs/performance-jmh.md.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class PolicyBench {
    @Param({"ff", "epff", "mfs", "epmfs", "lfs", "rand", "all"})
    public String policy;

    @Param({"2", "4", "8"})
    public int branches;

    /** Option cache.statfs (seconds): 0, the default, makes every space question a statvfs. */
    @Param({"0"})
    public int cacheStatfs;

    private BranchTree tree;
    private List<Branch> list;
    private BranchFacts facts;
    private long minFreeSpace;
    private String dir = BranchTree.DIR, file = BranchTree.FILE; // fields, not constants the JIT could fold

    @Setup(Level.Trial)
    public void setUp() {
        tree = new BranchTree(branches, "cache.statfs=" + cacheStatfs);
        list = tree.config.branches();
        facts = tree.pool.space();
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
    public List<Branch> action() throws PolicyException {
        return Policies.byName(policy).action(list, file, facts);
    }

    @Benchmark
    public List<Branch> search() throws PolicyException {
        return Policies.byName(policy).search(list, file, facts);
    }
}
