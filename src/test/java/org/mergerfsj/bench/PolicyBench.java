package org.mergerfsj.bench;

import java.util.List;
import org.mergerfsj.branch.Branch;
import org.mergerfsj.policy.BranchFacts;
import org.mergerfsj.policy.Policies;
import org.mergerfsj.policy.PolicyException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;

/**
 * Policy selection as the daemon runs it: the policy looked up by name (as {@code Pool.policy} does per
 * operation), the production {@code BranchFacts} ({@link org.mergerfsj.union.SpaceCache} from a
 * {@link org.mergerfsj.union.Pool}, default cache.statfs=0, so every statvfs is a real syscall;
 * {@code -p cacheStatfs=60} shows the cached variant) over real branch directories (layout in
 * {@link BranchTree}).
 *
 * <p>create gets the parent directory {@code /docs/2024} (on every second branch), action and search the
 * file {@code /docs/2024/report.pdf} (on the last branch only). Each call therefore costs a policy- and
 * category-specific number of lstat and statvfs calls; see docs/performance-jmh.md. Setup, create and
 * search are in {@link AbstractPolicyBench}.
 */
public class PolicyBench extends AbstractPolicyBench {
    @Param({"2", "4", "8"})
    public int branches;

    /** Option cache.statfs (seconds): 0, the default, makes every space question a statvfs. */
    @Param({"0"})
    public int cacheStatfs;

    @Override
    BranchTree newTree() {
        return new BranchTree(branches, "cache.statfs=" + cacheStatfs);
    }

    @Override
    BranchFacts facts(BranchTree tree, List<Branch> branches) {
        return tree.pool.space();
    }

    @Benchmark
    public List<Branch> action() throws PolicyException {
        return Policies.byName(policy).action(list, file, facts);
    }
}
