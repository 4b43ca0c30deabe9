package org.mergerfsj.union;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import jnr.ffi.Pointer;
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
 * moveonenospc (MOVE-01..05): when a write hits ENOSPC/EDQUOT, move the open file to a branch the configured
 * create policy picks (never the full branch itself, an improvement on 2.33.5, MOVE-04), swap the handle's
 * file and retry the write once. The move runs as root; on any failure the original file is untouched and
 * the caller gets the original write error (MOVE-03).
 *
 * <p>Writes on a handle are serialized against a move of that handle (MOVE-05): writes share a read lock,
 * the move takes the write lock, so no write can land in the old file after its data was copied. The new
 * file is put in place with dup3 onto the handle's fd number, so the number a concurrent read uses never
 * becomes free (and reusable by an unrelated open) in between.
 */
final class MoveOnEnospc {
    private MoveOnEnospc() {}

    private static final ReadWriteLock[] LOCKS = new ReadWriteLock[64];

    static {
        for (int i = 0; i < LOCKS.length; i++) LOCKS[i] = new ReentrantReadWriteLock();
    }

    /** The lock that serializes a handle's writes against its move (striped by handle identity). */
    static ReadWriteLock lockOf(Handles.OpenFile f) {
        return LOCKS[(System.identityHashCode(f) & 0x7fffffff) % LOCKS.length];
    }

    /** pwrite on an open file, moving it on ENOSPC/EDQUOT when moveonenospc is on. Returns bytes or -errno. */
    static int write(Config c, BranchFacts facts, Handles.OpenFile f, Pointer buf, long size, long offset) {
        ReadWriteLock lock = lockOf(f);
        Branch before;
        int r;
        lock.readLock().lock();
        try {
            before = f.branch;
            r = (int) Posix.check(Posix.C.pwrite(f.fd, buf, size, offset));
        } finally {
            lock.readLock().unlock();
        }
        if ((r != -Errno.ENOSPC && r != -Errno.EDQUOT) || c.moveOnEnospc() == null) return r;
        lock.writeLock().lock();
        try {
            // another write on this handle may have moved it while we waited: then just retry
            if (f.branch == before && move(c, facts, f) != 0) return r;
            return (int) Posix.check(Posix.C.pwrite(f.fd, buf, size, offset));
        } finally {
            lock.writeLock().unlock();
        }
    }

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
        // A file whose close sends no FLUSH because its branch's close was quiet (moveonenospc was off
        // when it was opened) stays where it is unless the new branch's close is quiet too: moved onto
        // NFS, say, its close-time errors would go unreported. Asked of the destination directory before
        // anything is copied or replaced there.
        if (f.quietClose && !quietDir(dst.full(Paths.parent(f.path)))) return -Errno.ENOSPC;
        String srcFull = src.full(f.path), dstFull = dst.full(f.path);
        // the pool path may have been renamed since the open: never copy and unlink some other file
        Stat named = Posix.lstat(srcFull);
        if (named == null || named.dev != s.dev || named.ino != s.ino) return -Errno.ENOSPC;
        int[] err = new int[1];
        String tmp = FileCopy.copyToTemp(srcFull, s, dstFull, err);
        if (tmp == null) return err[0];
        if ((r = Posix.rename(tmp, dstFull)) < 0) {
            Posix.unlink(tmp);
            return r;
        }
        // reopen with the flags the old fd really has (access mode, O_APPEND, O_DIRECT...), as the
        // writeback cache may have changed them from the caller's
        int flags = Sys.LIB.fcntl(f.fd, F_GETFL, 0);
        if (flags < 0) flags = f.flags;
        flags &= ~(Posix.O_TRUNC | Posix.O_CREAT | Posix.O_EXCL);
        int nfd = Posix.open(dstFull, flags, 0);
        if (nfd < 0) {
            Posix.unlink(dstFull);
            return nfd;
        }
        // the fd number stays the same: dup3 swaps the file under it atomically
        if (Sys.LIB.dup3(nfd, f.fd, Posix.O_CLOEXEC) < 0) {
            int e = -Posix.errno();
            Posix.close(nfd);
            Posix.unlink(dstFull);
            return e;
        }
        Posix.close(nfd);
        f.branch = dst;
        Posix.unlink(srcFull);
        return 0;
    }

    private static boolean quietDir(String dir) {
        int dfd = Posix.open(dir, Posix.O_RDONLY | Posix.O_DIRECTORY, 0);
        if (dfd < 0) return false;
        try {
            return QuietClose.quiet(dfd);
        } finally {
            Posix.close(dfd);
        }
    }

    private static final int F_GETFL = 3;

    private interface Sys {
        Lib LIB = jnr.ffi.LibraryLoader.create(Lib.class).load("c");

        interface Lib {
            int fcntl(int fd, int cmd, int arg);

            int dup3(int oldfd, int newfd, int flags);
        }
    }
}
