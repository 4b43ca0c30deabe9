package org.mergerfsj.policy;

import java.util.ArrayList;
import java.util.List;
import org.mergerfsj.branch.Branch;
import org.mergerfsj.branch.Mode;

/**
 * A generated pool: branches with their mode, filesystem figures, how deep the path /a/b/c exists on them,
 * the mtime of those entries and per-branch minfreespace; plus the global minfreespace and the path asked about.
 */
record Scenario(List<Spec> specs, long globalMinFreeSpace, int pathDepth) {
    static final String[] PATHS = {"/", "/a", "/a/b", "/a/b/c"};

    /**
     * @param space  null when statvfs fails
     * @param depth  -1: not even the branch root exists; d >= 0: PATHS[0..d] exist
     */
    record Spec(Mode mode, Space space, int depth, long mtime, long minFreeSpace) {}

    String path() {
        return PATHS[pathDepth];
    }

    List<Branch> branches() {
        List<Branch> branches = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) branches.add(branch(i));
        return branches;
    }

    Branch branch(int i) {
        Spec s = specs.get(i);
        return new Branch("/mnt/b" + i, s.mode(), s.minFreeSpace());
    }

    FakeFacts facts() {
        FakeFacts facts = new FakeFacts();
        for (int i = 0; i < specs.size(); i++) {
            Spec s = specs.get(i);
            Branch b = branch(i);
            facts.branch(b, s.space());
            facts.remove(b, "/");
            for (int d = 0; d <= s.depth(); d++) facts.entry(b, PATHS[d], s.mtime());
        }
        return facts;
    }

    Outcome run(Policy policy, Outcome.Category category) {
        return Outcome.of(policy, category, branches(), path(), facts(), globalMinFreeSpace);
    }
}
