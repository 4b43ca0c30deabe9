package org.mergerfsj.union;

import java.util.ArrayList;
import java.util.List;
import org.mergerfsj.branch.Branch;
import org.mergerfsj.config.Config;
import org.mergerfsj.policy.BranchFacts;
import org.mergerfsj.policy.Policies;
import org.mergerfsj.policy.PolicyException;
import org.mergerfsj.policy.Space;
import org.mergerfsj.posix.Creds;
import org.mergerfsj.posix.Errno;
import org.mergerfsj.posix.Posix;
import org.mergerfsj.posix.Stat;

/**
 * moveonenospc (MOVE-02): when a write hits ENOSPC/EDQUOT, move the open file to a branch the configured
 * create policy picks (never the full branch itself, an improvement on 2.33.5, MOVE-04), swap the handle's
 * fd and let the caller retry. Runs as root; on any failure the original file is untouched.
 */
final class MoveOnEnospc {
    private MoveOnEnospc() {}

    static synchronized int move(Config c, BranchFacts facts, Handles.OpenFile f) {
        int uid = Creds.currentUid(), gid = Creds.currentGid();
        Creds.becomeRoot();
        try {
            return moveAsRoot(c, facts, f);
        } finally {
            Creds.become(uid, gid);
        }
    }

    private static int moveAsRoot(Config c, BranchFacts facts, Handles.OpenFile f) {
        Stat s = Posix.fstat(f.fd);
        if (s == null) return -Posix.errno();
        Branch src = f.branch;
        List<Branch> others = new ArrayList<>();
        for (Branch b : c.branches()) if (!b.path().equals(src.path())) others.add(b);
        if (others.isEmpty()) return -Errno.ENOSPC;
        Branch dst;
        try {
            dst = Policies.byName(c.moveOnEnospc()).create(others, Paths.parent(f.path), facts, c.minFreeSpace()).get(0);
        } catch (PolicyException e) {
            return -e.errno();
        }
        Space sp = facts.space(dst);
        if (sp == null || sp.avail() <= s.size) return -Errno.ENOSPC;
        int r = ClonePath.cloneAsRootFrom(src, dst, Paths.parent(f.path));
        if (r < 0) return r;
        String srcFull = src.full(f.path), dstFull = dst.full(f.path);
        int[] err = new int[1];
        String tmp = FileCopy.copyToTemp(srcFull, s, dstFull, err);
        if (tmp == null) return err[0];
        if ((r = Posix.rename(tmp, dstFull)) < 0) {
            Posix.unlink(tmp);
            return r;
        }
        int flags = f.flags & ~(Posix.O_TRUNC | Posix.O_CREAT | Posix.O_EXCL);
        int nfd = Posix.open(dstFull, flags, 0);
        if (nfd < 0) {
            Posix.unlink(dstFull);
            return nfd;
        }
        Posix.unlink(srcFull);
        int old = f.fd;
        f.fd = nfd;
        f.branch = dst;
        Posix.close(old);
        return 0;
    }
}
