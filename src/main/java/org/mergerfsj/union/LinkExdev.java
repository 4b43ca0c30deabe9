package org.mergerfsj.union;

import org.mergerfsj.branch.Branch;
import org.mergerfsj.config.Config;
import org.mergerfsj.config.Func;
import org.mergerfsj.policy.BranchFacts;
import org.mergerfsj.policy.Policies;
import org.mergerfsj.policy.PolicyException;

/** link-exdev (OP-LN-EX-01): answer a cross-branch hard link with a symlink. */
final class LinkExdev {
    private LinkExdev() {}

    static int handle(Config c, BranchFacts facts, String from, String to, int exdev, int uid, int gid) {
        String target;
        switch (c.linkExdev()) {
            case REL_SYMLINK:
                target = RenameExdev.relative(Paths.parent(to), from);
                break;
            case ABS_BASE_SYMLINK:
                try {
                    Branch b = Policies.byName(c.policy(Func.OPEN)).search(c.branches(), from, facts).get(0);
                    target = b.full(from);
                } catch (PolicyException e) {
                    return -e.errno();
                }
                break;
            case ABS_POOL_SYMLINK:
                target = c.mountpoint() + from;
                break;
            default:
                return exdev;
        }
        return Creates.symlink(c, facts, target, to, uid, gid);
    }
}
