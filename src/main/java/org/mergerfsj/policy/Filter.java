package org.mergerfsj.policy;

import java.util.List;
import org.mergerfsj.branch.Branch;
import org.mergerfsj.branch.Mode;
import org.mergerfsj.posix.Errno;

/**
 * The per-branch checks of one policy category, applied in the order of spec 4.1. A branch that fails a
 * check is skipped and its reason folded into the selection's error; a branch that passes every check is
 * offered to the selection. This loop is the only place where policies touch {@link BranchFacts}.
 */
enum Filter {
    /** Create without existence check (ff, mfs, lfs, lus, lup, pfrd, rand, all). */
    CREATE(true, true, false, true, true, true),
    /** Create on branches where the parent already exists (ep*, msp*, newest). */
    CREATE_EXISTING(true, true, true, true, true, true),
    /** Action: the entry must exist on a writable branch of a writable filesystem; space is not checked. */
    ACTION(false, true, true, true, true, false),
    /** Search by existence only (ff, all, rand, newest and their ep forms). */
    SEARCH(false, false, true, false, false, false),
    /** Search for policies that rank by space: a branch whose statvfs fails is skipped as well. */
    SEARCH_SPACE(false, false, true, true, false, false);

    private final boolean skipsNoCreate;
    private final boolean skipsReadOnlyMode;
    private final boolean requiresExisting;
    private final boolean readsSpace;
    private final boolean skipsReadOnlyFs;
    private final boolean enforcesMinFreeSpace;

    Filter(boolean skipsNoCreate, boolean skipsReadOnlyMode, boolean requiresExisting, boolean readsSpace,
           boolean skipsReadOnlyFs, boolean enforcesMinFreeSpace) {
        this.skipsNoCreate = skipsNoCreate;
        this.skipsReadOnlyMode = skipsReadOnlyMode;
        this.requiresExisting = requiresExisting;
        this.readsSpace = readsSpace;
        this.skipsReadOnlyFs = skipsReadOnlyFs;
        this.enforcesMinFreeSpace = enforcesMinFreeSpace;
    }

    /** The search filter for a selection that does or does not rank by space. */
    static Filter search(boolean rankBySpace) {
        return rankBySpace ? SEARCH_SPACE : SEARCH;
    }

    /**
     * Walks {@code branches} in order for {@code fusePath}, offering each qualifying branch to {@code into}
     * until it asks to stop. {@code globalMinFreeSpace} only matters for the create filters.
     */
    void scan(List<Branch> branches, String fusePath, BranchFacts facts, long globalMinFreeSpace, Selection into) {
        for (int i = 0, n = branches.size(); i < n; i++) {
            Branch branch = branches.get(i);
            Mode mode = branch.mode();
            if ((mode == Mode.RO && skipsReadOnlyMode) || (mode == Mode.NC && skipsNoCreate)) {
                into.skip(Errno.EROFS);
                continue;
            }
            long mtime = 0;
            if (requiresExisting) {
                if (into.ranksByMtime()) {
                    // One lstat answers both questions; newest drops older entries before any statvfs.
                    mtime = facts.mtimeSeconds(branch, fusePath);
                    if (mtime == Long.MIN_VALUE) {
                        into.skip(Errno.ENOENT);
                        continue;
                    }
                    if (into.outranks(mtime)) continue;
                } else if (!facts.exists(branch, fusePath)) {
                    into.skip(Errno.ENOENT);
                    continue;
                }
            }
            Space space = null;
            if (readsSpace) {
                space = facts.space(branch);
                if (space == null) {
                    into.skip(Errno.ENOENT);
                    continue;
                }
                if (skipsReadOnlyFs && space.readOnly()) {
                    into.skip(Errno.EROFS);
                    continue;
                }
                if (enforcesMinFreeSpace && space.avail() < branch.minFreeSpace(globalMinFreeSpace)) {
                    into.skip(Errno.ENOSPC);
                    continue;
                }
            }
            if (into.offer(branch, space, mtime)) return;
        }
    }
}
