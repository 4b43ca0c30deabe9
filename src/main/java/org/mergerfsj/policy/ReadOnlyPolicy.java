package org.mergerfsj.policy;

import java.util.List;
import org.mergerfsj.branch.Branch;
import org.mergerfsj.posix.Errno;

/** The erofs policy: fails every call with EROFS, used to make a function read-only (POL-29). */
final class ReadOnlyPolicy implements Policy {
    static final ReadOnlyPolicy INSTANCE = new ReadOnlyPolicy();

    private ReadOnlyPolicy() {}

    @Override public String name() {
        return "erofs";
    }

    @Override public boolean pathPreserving() {
        return false;
    }

    @Override
    public List<Branch> create(List<Branch> branches, String fusePath, BranchFacts facts, long globalMinFreeSpace)
            throws PolicyException {
        throw ErrorRank.failure(Errno.EROFS);
    }

    @Override
    public List<Branch> action(List<Branch> branches, String fusePath, BranchFacts facts) throws PolicyException {
        throw ErrorRank.failure(Errno.EROFS);
    }

    @Override
    public List<Branch> search(List<Branch> branches, String fusePath, BranchFacts facts) throws PolicyException {
        throw ErrorRank.failure(Errno.EROFS);
    }

    @Override public String toString() {
        return name();
    }
}
