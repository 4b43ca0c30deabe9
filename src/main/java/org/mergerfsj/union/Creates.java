package org.mergerfsj.union;

import java.util.List;
import org.mergerfsj.branch.Branch;
import org.mergerfsj.config.Config;
import org.mergerfsj.config.Func;
import org.mergerfsj.policy.BranchFacts;
import org.mergerfsj.policy.PolicyException;
import org.mergerfsj.posix.Posix;

/** The create-category loop (OP-CR-04) shared by mkdir, mknod, symlink and the exdev fallbacks. */
final class Creates {
    private Creates() {}

    /** Where a new entry under {@code parent} goes: the clone source (func.getattr) and the create policy's branches. */
    record Placement(Branch src, List<Branch> dsts) {}

    /**
     * Both questions ask whether the parent exists on each branch; {@link ParentFacts} answers the second
     * from the first (one lstat per branch, where 2.33.5 makes two).
     */
    static Placement place(Config c, BranchFacts facts, Func f, String parent) throws PolicyException {
        BranchFacts once = new ParentFacts(facts, parent);
        Branch src = Pool.policy(c, Func.GETATTR).search(c.branches(), parent, once).get(0);
        return new Placement(src, Pool.policy(c, f).create(c.branches(), parent, once, c.minFreeSpace()));
    }

    static int onAll(Config c, BranchFacts facts, Func f, String path, int uid, int gid, UnionFs.BranchOp op) {
        String parent = Paths.parent(path);
        try {
            Placement at = place(c, facts, f, parent);
            Errors.AnySuccessLastError e = new Errors.AnySuccessLastError();
            for (Branch dst : at.dsts()) {
                int r = ClonePath.clone(at.src(), dst, parent, uid, gid);
                if (r >= 0) r = op.apply(dst.full(path));
                e.add(r);
            }
            return e.result();
        } catch (PolicyException e) {
            return -e.errno();
        }
    }

    static int symlink(Config c, BranchFacts facts, String target, String path, int uid, int gid) {
        return onAll(c, facts, Func.SYMLINK, path, uid, gid, full -> Posix.symlink(target, full));
    }
}
