package org.mergerfsj.union;

import java.util.ArrayList;
import java.util.List;
import org.mergerfsj.branch.Branch;
import org.mergerfsj.config.Config;
import org.mergerfsj.config.Func;
import org.mergerfsj.policy.BranchFacts;
import org.mergerfsj.policy.Policies;
import org.mergerfsj.policy.PolicyException;
import org.mergerfsj.posix.Creds;
import org.mergerfsj.posix.Errno;
import org.mergerfsj.posix.Posix;

/** rename (OP-RN) and link (OP-LN): the path-preserving and create-path algorithms of 2.33.5. */
final class Renames {
    private Renames() {}

    static boolean pathPreserving(Config c) {
        return !c.ignorePpOnRename() && Policies.isPathPreserving(c.policy(Func.CREATE));
    }

    static int rename(Config c, BranchFacts facts, String from, String to) {
        List<Branch> olds;
        try {
            olds = Pool.policy(c, Func.RENAME).action(c.branches(), from, facts);
        } catch (PolicyException e) {
            return -e.errno();
        }
        int r = pathPreserving(c) ? renamePreserve(c, olds, from, to) : renameCreatePath(c, facts, olds, from, to);
        if (r == -Errno.EXDEV) r = RenameExdev.handle(c, facts, from, to, r);
        return r;
    }

    private static boolean contains(List<Branch> list, Branch b) {
        for (Branch x : list) if (x.path().equals(b.path())) return true;
        return false;
    }

    /** OP-RN-02: rename where the source lives; EXDEV if none succeeded; then remove stale copies. */
    private static int renamePreserve(Config c, List<Branch> olds, String from, String to) {
        List<String> toRemove = new ArrayList<>();
        boolean any = false;
        for (Branch b : c.branches()) {
            if (!contains(olds, b)) {
                toRemove.add(b.full(to));
                continue;
            }
            if (Posix.rename(b.full(from), b.full(to)) == 0) any = true;
            else toRemove.add(b.full(from));
        }
        if (!any) return -Errno.EXDEV;
        for (String p : toRemove) remove(p);
        return 0;
    }

    /** OP-RN-03: clone the target's parent where needed and retry once; any success wins. */
    private static int renameCreatePath(Config c, BranchFacts facts, List<Branch> olds, String from, String to) {
        String newParent = Paths.parent(to);
        Branch parentSrc;
        try {
            parentSrc = cloneSource(c, facts, newParent);
        } catch (PolicyException e) {
            return -e.errno();
        }
        int uid = Creds.currentUid(), gid = Creds.currentGid();
        List<String> toRemove = new ArrayList<>();
        Errors.AnySuccessLastError e = new Errors.AnySuccessLastError();
        for (Branch b : c.branches()) {
            if (!contains(olds, b)) {
                toRemove.add(b.full(to));
                continue;
            }
            int r = Posix.rename(b.full(from), b.full(to));
            if (r < 0) {
                if (ClonePath.clone(parentSrc, b, newParent, uid, gid) >= 0) r = Posix.rename(b.full(from), b.full(to));
            }
            if (r < 0) toRemove.add(b.full(from));
            e.add(r);
        }
        int r = e.result();
        if (r == 0) for (String p : toRemove) remove(p);
        return r;
    }

    /** Where the target's parent is copied from in create-path mode: func.getattr on it (OP-RN-03, OP-LN-03). */
    private static Branch cloneSource(Config c, BranchFacts facts, String dir) throws PolicyException {
        return Pool.policy(c, Func.GETATTR).search(c.branches(), dir, facts).get(0);
    }

    /** remove(3): unlink, or rmdir when it is a directory (fails silently when not empty). */
    static void remove(String full) {
        int r = Posix.unlink(full);
        if (r == -Errno.EISDIR || r == -Errno.EPERM) Posix.rmdir(full); // Linux says EISDIR, POSIX allows EPERM
    }

    static int link(Config c, BranchFacts facts, String from, String to, int uid, int gid) {
        List<Branch> olds;
        try {
            olds = Pool.policy(c, Func.LINK).action(c.branches(), from, facts);
        } catch (PolicyException e) {
            return -e.errno();
        }
        Errors.AnySuccessLastError e = new Errors.AnySuccessLastError();
        if (pathPreserving(c)) {
            for (Branch b : olds) {
                int r = Posix.link(b.full(from), b.full(to));
                e.add(r == -Errno.ENOENT ? -Errno.EXDEV : r);
            }
        } else {
            String newParent = Paths.parent(to);
            Branch parentSrc;
            try {
                parentSrc = cloneSource(c, facts, newParent);
            } catch (PolicyException ex) {
                return -ex.errno();
            }
            for (Branch b : olds) {
                int r = Posix.link(b.full(from), b.full(to));
                if (r == -Errno.ENOENT && ClonePath.clone(parentSrc, b, newParent, uid, gid) >= 0) {
                    r = Posix.link(b.full(from), b.full(to));
                }
                e.add(r);
            }
        }
        int r = e.result();
        if (r == -Errno.EXDEV) r = LinkExdev.handle(c, facts, from, to, r, uid, gid);
        return r;
    }
}
