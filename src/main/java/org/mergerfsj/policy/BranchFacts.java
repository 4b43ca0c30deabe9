package org.mergerfsj.policy;

import org.mergerfsj.branch.Branch;

/**
 * The facts a policy needs about branches. The union layer answers them from the disk (with the
 * statvfs cache); property tests answer them from generated data. Policies do no other I/O.
 */
public interface BranchFacts {
    /** lstat(branch + fusePath) succeeds (a dangling symlink exists). */
    boolean exists(Branch branch, String fusePath);

    /** statvfs of the branch root, or null when it fails. */
    Space space(Branch branch);

    /** Whole-second st_mtime of branch + fusePath (lstat), or Long.MIN_VALUE when it does not exist. */
    long mtimeSeconds(Branch branch, String fusePath);
}
