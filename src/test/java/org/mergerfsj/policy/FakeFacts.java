package org.mergerfsj.policy;

import java.util.HashMap;
import java.util.Map;
import org.mergerfsj.branch.Branch;

/** BranchFacts from plain data, counting calls so tests can see which facts a policy asked for. */
final class FakeFacts implements BranchFacts {
    private final Map<String, Space> spaces = new HashMap<>();
    private final Map<String, Map<String, Long>> entries = new HashMap<>();
    int existsCalls, spaceCalls, mtimeCalls;

    /** Gives a branch a filesystem (null = statvfs fails) and an existing root directory. */
    FakeFacts branch(Branch branch, Space space) {
        spaces.put(branch.path(), space);
        return entry(branch, "/", 0);
    }

    /** Makes one pool path exist on the branch with the given whole-second mtime. */
    FakeFacts entry(Branch branch, String fusePath, long mtimeSeconds) {
        entries.computeIfAbsent(branch.path(), k -> new HashMap<>()).put(fusePath, mtimeSeconds);
        return this;
    }

    FakeFacts entries(Branch branch, String... fusePaths) {
        for (String p : fusePaths) entry(branch, p, 0);
        return this;
    }

    /** Removes a path (also the root) from a branch. */
    FakeFacts remove(Branch branch, String fusePath) {
        Map<String, Long> onBranch = entries.get(branch.path());
        if (onBranch != null) onBranch.remove(fusePath);
        return this;
    }

    @Override public boolean exists(Branch branch, String fusePath) {
        existsCalls++;
        return entries.getOrDefault(branch.path(), Map.of()).containsKey(fusePath);
    }

    @Override public Space space(Branch branch) {
        spaceCalls++;
        return spaces.get(branch.path());
    }

    @Override public long mtimeSeconds(Branch branch, String fusePath) {
        mtimeCalls++;
        Long mtime = entries.getOrDefault(branch.path(), Map.of()).get(fusePath);
        return mtime == null ? Long.MIN_VALUE : mtime;
    }
}
