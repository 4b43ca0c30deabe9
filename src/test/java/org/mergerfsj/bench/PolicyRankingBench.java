package org.mergerfsj.bench;

import java.util.List;
import org.mergerfsj.branch.Branch;
import org.mergerfsj.policy.BranchFacts;
import org.openjdk.jmh.annotations.Param;

/**
 * The same calls as {@link PolicyBench}, but over the FAKE {@link FixedFacts} (no lstat, no statvfs):
 * the pure Java cost of policy selection, i.e. what is left once the syscalls are taken out. Branch
 * strings and options still come from the production parser. Eight branches by default
 * ({@code -p branches=2,4,8} for more); create and search only (action's filter is search's plus the
 * writable-branch checks). Setup, create and search are in {@link AbstractPolicyBench}.
 */
public class PolicyRankingBench extends AbstractPolicyBench {
    @Param({"8"})
    public int branches;

    @Override
    BranchTree newTree() {
        return new BranchTree(branches);
    }

    @Override
    BranchFacts facts(BranchTree tree, List<Branch> branches) {
        return new FixedFacts(branches);
    }
}
