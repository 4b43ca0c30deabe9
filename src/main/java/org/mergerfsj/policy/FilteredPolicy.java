package org.mergerfsj.policy;

import java.util.List;
import java.util.random.RandomGenerator;
import org.mergerfsj.branch.Branch;

/**
 * Every policy except erofs: a {@link Filter} per category feeding a {@link Pick}. The families differ
 * only in the create filter (with or without the existence check), whether create walks up to the parent
 * directories (msp*), and the pick; action always requires the entry (so ff acts like epff there).
 */
final class FilteredPolicy implements Policy {
    private final String name;
    private final boolean pathPreserving;
    private final Filter createFilter;
    private final boolean walksUp;
    private final Pick pick;
    private final RandomGenerator random;

    FilteredPolicy(String name, boolean pathPreserving, Filter createFilter, boolean walksUp, Pick pick,
                   RandomGenerator random) {
        this.name = name;
        this.pathPreserving = pathPreserving;
        this.createFilter = createFilter;
        this.walksUp = walksUp;
        this.pick = pick;
        this.random = random;
    }

    @Override public String name() {
        return name;
    }

    @Override public boolean pathPreserving() {
        return pathPreserving;
    }

    @Override
    public List<Branch> create(List<Branch> branches, String fusePath, BranchFacts facts, long globalMinFreeSpace)
            throws PolicyException {
        Selection selection = pick.start(random);
        String path = fusePath;
        while (true) {
            createFilter.scan(branches, path, facts, globalMinFreeSpace, selection);
            if (!walksUp || selection.chosen() != null || isRoot(path)) break;
            path = parent(path);
        }
        return selection.result();
    }

    @Override
    public List<Branch> action(List<Branch> branches, String fusePath, BranchFacts facts) throws PolicyException {
        Selection selection = pick.start(random);
        Filter.ACTION.scan(branches, fusePath, facts, 0, selection);
        return selection.result();
    }

    @Override
    public List<Branch> search(List<Branch> branches, String fusePath, BranchFacts facts) throws PolicyException {
        Selection selection = pick.start(random);
        Filter.search(pick.readsSpace()).scan(branches, fusePath, facts, 0, selection);
        return selection.searchResult();
    }

    @Override public String toString() {
        return name;
    }

    private static boolean isRoot(String path) {
        return path.length() <= 1;
    }

    /** "/a/b" -> "/a", "/a" -> "/". */
    static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash <= 0 ? "/" : path.substring(0, slash);
    }
}
