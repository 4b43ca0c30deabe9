package org.mergerfsj.union;

import org.mergerfsj.branch.Branch;
import org.mergerfsj.config.Config;
import org.mergerfsj.config.Func;
import org.mergerfsj.policy.BranchFacts;
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
                    Branch b = Pool.policy(c, Func.OPEN).search(c.branches(), from, facts).get(0);
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
        int r = Creates.symlink(c, facts, target, to, uid, gid);
        if (r == 0) ALIAS.set(new String[] {to, from});
        return r;
    }

    /**
     * The kernel requires a hard link's reply to have the old file's type, or it fails the link with EIO.
     * libfuse2 builds that reply with a getattr of the new name on the same thread right after link
     * returns, so the symlink we just made is reported with the attributes of the old path once, as 2.33.5
     * does (OP-LN-EX-01). Every getattr takes the note, so it never outlives that one reply.
     */
    private static final ThreadLocal<String[]> ALIAS = new ThreadLocal<>();

    /** The path whose attributes answer a getattr of path, or path itself. */
    static String attrPathFor(String path) {
        String[] a = ALIAS.get();
        if (a == null) return path;
        ALIAS.remove();
        return a[0].equals(path) ? a[1] : path;
    }
}
