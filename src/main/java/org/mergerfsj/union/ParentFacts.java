package org.mergerfsj.union;

import org.mergerfsj.branch.Branch;
import org.mergerfsj.policy.BranchFacts;
import org.mergerfsj.policy.Space;

/**
 * Branch facts for one create-type call: remembers whether its parent directory exists on each branch, so
 * the clone-source search (func.getattr) and the create policy, which both ask it of every branch, cost
 * one lstat per branch instead of two (2.33.5 makes both). Anything else goes to the shared facts.
 */
final class ParentFacts implements BranchFacts {
    private final BranchFacts base;
    private final String parent;
    private Branch[] branches = new Branch[4];
    private boolean[] exists = new boolean[4];
    private int n;

    ParentFacts(BranchFacts base, String parent) {
        this.base = base;
        this.parent = parent;
    }

    @Override
    public boolean exists(Branch branch, String fusePath) {
        if (!parent.equals(fusePath)) return base.exists(branch, fusePath);
        for (int i = 0; i < n; i++) if (branches[i] == branch) return exists[i];
        boolean e = base.exists(branch, fusePath);
        if (n == branches.length) {
            branches = java.util.Arrays.copyOf(branches, n * 2);
            exists = java.util.Arrays.copyOf(exists, n * 2);
        }
        branches[n] = branch;
        exists[n++] = e;
        return e;
    }

    @Override
    public Space space(Branch branch) {
        return base.space(branch);
    }

    @Override
    public long mtimeSeconds(Branch branch, String fusePath) {
        return base.mtimeSeconds(branch, fusePath);
    }
}
