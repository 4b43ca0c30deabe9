package org.mergerfsj.policy;

import java.util.List;
import org.mergerfsj.branch.Branch;

/** What a policy call returned: the branches, or (branches == null) the errno it failed with. */
record Outcome(List<Branch> branches, int errno) {
    enum Category { CREATE, ACTION, SEARCH }

    static Outcome of(Policy policy, Category category, List<Branch> branches, String fusePath, BranchFacts facts,
                      long globalMinFreeSpace) {
        try {
            switch (category) {
                case CREATE: return new Outcome(policy.create(branches, fusePath, facts, globalMinFreeSpace), 0);
                case ACTION: return new Outcome(policy.action(branches, fusePath, facts), 0);
                default: return new Outcome(policy.search(branches, fusePath, facts), 0);
            }
        } catch (PolicyException e) {
            return new Outcome(null, e.errno());
        }
    }

    static Outcome failed(int errno) {
        return new Outcome(null, errno);
    }

    boolean ok() {
        return branches != null;
    }

    Branch single() {
        if (branches == null || branches.size() != 1) throw new AssertionError("expected one branch: " + this);
        return branches.get(0);
    }
}
