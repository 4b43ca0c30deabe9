package org.mergerfsj.union;

import java.util.List;
import org.mergerfsj.branch.Branch;
import org.mergerfsj.config.Config;
import org.mergerfsj.config.Func;
import org.mergerfsj.policy.BranchFacts;
import org.mergerfsj.policy.PolicyException;
import org.mergerfsj.posix.Creds;
import org.mergerfsj.posix.Posix;

/**
 * rename-exdev (OP-RN-EX-01): instead of EXDEV, move the source into the branch's hidden
 * /.mergerfs_rename_exdev and put a symlink at the destination.
 */
final class RenameExdev {
    private RenameExdev() {}

    static final String DIR = "/.mergerfs_rename_exdev";

    static int handle(Config c, BranchFacts facts, String from, String to, int exdev) {
        switch (c.renameExdev()) {
            case PASSTHROUGH:
                return exdev;
            default:
                break;
        }
        List<Branch> olds;
        try {
            olds = Pool.policy(c, Func.RENAME).action(c.branches(), from, facts);
        } catch (PolicyException e) {
            return -e.errno();
        }
        int uid = Creds.currentUid(), gid = Creds.currentGid();
        String staged = DIR + from;
        for (int i = 0; i < olds.size(); i++) {
            Branch b = olds.get(i);
            Creds.becomeRoot();
            try {
                if (Posix.lstat(b.full(DIR)) == null && Posix.mkdir(b.full(DIR), 01777) == 0) {
                    Posix.chmod(b.full(DIR), 01777);
                }
            } finally {
                Creds.become(uid, gid);
            }
            // as the caller: the staging dir is world-writable, so a symlink planted in it must not let
            // a root mkdir land outside the branch
            mkdirs(b, Paths.parent(staged));
            // an earlier rename may have staged the same name and a symlink still points at it:
            // never replace it (2.33.5 would, losing that file's data); fall back to EXDEV instead
            int r = Posix.lstat(b.full(staged)) != null ? -org.mergerfsj.posix.Errno.EEXIST
                    : Posix.rename(b.full(from), b.full(staged));
            if (r < 0) {
                undo(olds.subList(0, i), from, staged);
                return exdev;
            }
        }
        String target = c.renameExdev() == org.mergerfsj.config.RenameExdev.ABS_SYMLINK
                ? c.mountpoint() + staged
                : relative(Paths.parent(to), staged);
        int r = Creates.symlink(c, facts, target, to, uid, gid);
        if (r < 0) {
            undo(olds, from, staged);
            return r;
        }
        return 0;
    }

    /** Creates the staging parents as the caller (mode 0777 minus nothing: the caller's own dirs). */
    private static void mkdirs(Branch b, String dir) {
        if (dir.equals("/") || Posix.lstat(b.full(dir)) != null) return;
        mkdirs(b, Paths.parent(dir));
        Posix.mkdir(b.full(dir), 0777);
    }

    private static void undo(List<Branch> olds, String from, String staged) {
        for (Branch b : olds) Posix.rename(b.full(staged), b.full(from));
    }

    /** The path of target relative to directory dir (both pool paths). */
    static String relative(String dir, String target) {
        String[] d = dir.equals("/") ? new String[0] : dir.substring(1).split("/");
        String[] t = target.substring(1).split("/");
        int common = 0;
        while (common < d.length && common < t.length - 1 && d[common].equals(t[common])) common++;
        StringBuilder b = new StringBuilder();
        for (int i = common; i < d.length; i++) b.append("../");
        for (int i = common; i < t.length; i++) {
            b.append(t[i]);
            if (i < t.length - 1) b.append('/');
        }
        return b.toString();
    }
}
