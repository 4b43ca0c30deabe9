package org.mergerfsj.bench;

import java.util.List;
import org.mergerfsj.branch.Branch;
import org.mergerfsj.policy.BranchFacts;
import org.mergerfsj.policy.Space;

/**
 * A FAKE {@link BranchFacts} for the "pure ranking cost" benchmarks: answers from arrays filled once, with
 * no syscalls, so what is left is the policy's own Java work (filter loop, selection, ranking, the result
 * list). It mirrors the {@link BranchTree} layout: {@link BranchTree#DIR} on every second branch and the
 * last, {@link BranchTree#FILE} on the last branch only; free space differs per branch (so mfs and lfs
 * really compare) and is above the default minfreespace everywhere.
 */
final class FixedFacts implements BranchFacts {
    private final Branch[] branches;
    private final Space[] spaces;

    FixedFacts(List<Branch> list) {
        branches = list.toArray(new Branch[0]);
        spaces = new Space[branches.length];
        for (int i = 0; i < branches.length; i++) {
            long avail = (10L + (i * 7L) % 5) << 30; // 10..14 GiB, not sorted by branch
            spaces[i] = new Space(avail, (100L << 30) - avail, false);
        }
    }

    private int index(Branch branch) {
        for (int i = 0; i < branches.length; i++) if (branches[i] == branch) return i;
        return -1;
    }

    @Override
    public boolean exists(Branch branch, String fusePath) {
        int i = index(branch);
        if (i < 0) return false;
        int last = branches.length - 1;
        if (fusePath.equals(BranchTree.FILE)) return i == last;
        if (fusePath.equals(BranchTree.DIR)) return i % 2 == 1 || i == last;
        return fusePath.equals("/");
    }

    @Override
    public Space space(Branch branch) {
        int i = index(branch);
        return i < 0 ? null : spaces[i];
    }

    @Override
    public long mtimeSeconds(Branch branch, String fusePath) {
        return exists(branch, fusePath) ? 1_700_000_000L : Long.MIN_VALUE;
    }
}
