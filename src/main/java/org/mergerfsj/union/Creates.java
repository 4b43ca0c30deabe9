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

    static int onAll(Config c, BranchFacts facts, Func f, String path, int uid, int gid, UnionFs.BranchOp op) {
        String parent = Paths.parent(path);
        facts = new ParentFacts(facts, parent);
        try {
            Branch src = Pool.policy(c, Func.GETATTR).search(c.branches(), parent, facts).get(0);
            List<Branch> dsts = Pool.policy(c, f).create(c.branches(), parent, facts, c.minFreeSpace());
            Errors.AnySuccessLastError e = new Errors.AnySuccessLastError();
            for (Branch dst : dsts) {
                int r = ClonePath.clone(src, dst, parent, uid, gid);
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
