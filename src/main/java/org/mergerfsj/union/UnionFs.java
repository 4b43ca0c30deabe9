package org.mergerfsj.union;

import java.util.List;
import jnr.ffi.Pointer;
import org.mergerfsj.branch.Branch;
import org.mergerfsj.config.CacheFiles;
import org.mergerfsj.config.Config;
import org.mergerfsj.config.Func;
import org.mergerfsj.policy.PolicyException;
import org.mergerfsj.posix.Creds;
import org.mergerfsj.posix.Errno;
import org.mergerfsj.posix.Posix;
import org.mergerfsj.posix.Stat;

/**
 * The union semantics of mergerfs 2.33.5 on pool paths, with no FUSE in it. Every method returns 0 (or a
 * non-negative result) or -errno, and runs with the credentials its caller already set on this thread.
 */
public final class UnionFs {
    private final Pool pool;
    private final Handles handles = new Handles();
    private final ControlFile control;

    public UnionFs(Pool pool) {
        this.pool = pool;
        this.control = new ControlFile(pool);
    }

    public Pool pool() {
        return pool;
    }

    public ControlFile control() {
        return control;
    }

    // ------------------------------------------------------------------ search helpers

    private SpaceCache facts() {
        return pool.space();
    }

    private Branch searchOne(Config c, Func f, String path) throws PolicyException {
        return Pool.policy(c, f).search(c.branches(), path, facts()).get(0);
    }

    private List<Branch> action(Config c, Func f, String path) throws PolicyException {
        return Pool.policy(c, f).action(c.branches(), path, facts());
    }

    private long ino(Config c, String path, Pointer st) {
        return Inodes.calc(c.inodeCalc(), path, st.getInt(Stat.OFF_MODE), st.getLong(Stat.OFF_DEV), st.getLong(Stat.OFF_INO));
    }

    // ------------------------------------------------------------------ attributes

    /** lstat of the path on the getattr policy's branch, written into st (a struct stat). */
    public int getattr(String path, Pointer st) {
        if (ControlFile.PATH.equals(path)) return control.stat(st);
        path = LinkExdev.attrPathFor(path);
        Config c = pool.config();
        try {
            if (c.followSymlinks() == org.mergerfsj.config.FollowSymlinks.NEVER && "ff".equals(c.policy(Func.GETATTR))) {
                // the default: ff's "first branch where lstat succeeds" and the getattr's own lstat are one
                // and the same call, so make it once (mergerfs makes it twice)
                if (!firstLstat(c.branches(), path, st)) return -Errno.ENOENT;
            } else {
                Branch b = searchOne(c, Func.GETATTR, path);
                int r = FollowSymlinks.stat(c.followSymlinks(), b.full(path), st);
                if (r < 0) return r;
            }
            Symlinkify.apply(c, st);
            st.putLong(Stat.OFF_INO, ino(c, path, st));
            return 0;
        } catch (PolicyException e) {
            return -e.errno();
        }
    }

    private static boolean firstLstat(List<Branch> branches, String path, Pointer st) {
        for (int i = 0, n = branches.size(); i < n; i++) {
            if (Posix.lstatFast(branches.get(i).full(path), st) == 0) return true;
        }
        return false;
    }

    public int fgetattr(long fh, Pointer st) {
        Handles.OpenFile f = handles.file(fh);
        if (f == null) return -Errno.EBADF;
        int r = Posix.fstat(f.fd, st);
        if (r < 0) return r;
        Config c = pool.config();
        st.putLong(Stat.OFF_INO, ino(c, f.path, st));
        return 0;
    }

    public int access(String path, int mask) {
        if (ControlFile.PATH.equals(path)) return 0;
        Config c = pool.config();
        try {
            return Posix.eaccess(searchOne(c, Func.ACCESS, path).full(path), mask);
        } catch (PolicyException e) {
            return -e.errno();
        }
    }

    /** The symlink target, or null with the errno in err[0]. */
    public String readlink(String path, int[] err) {
        Config c = pool.config();
        try {
            Branch b = searchOne(c, Func.READLINK, path);
            String full = b.full(path);
            if (c.symlinkify()) {
                Stat s = Posix.lstat(full);
                if (s != null && Symlinkify.applies(c, s)) return full;
            }
            String t = Posix.readlink(full);
            if (t == null) err[0] = -Posix.errno();
            return t;
        } catch (PolicyException e) {
            err[0] = -e.errno();
            return null;
        }
    }

    // ------------------------------------------------------------------ action category

    /** Applies op on every branch the action policy returns and folds per OP-AT-02. */
    private int actOnAll(Config c, Func f, Func related, String path, BranchOp op) {
        List<Branch> bs;
        try {
            bs = action(c, f, path);
        } catch (PolicyException e) {
            return -e.errno();
        }
        if (bs.size() == 1) return op.apply(bs.get(0).full(path));
        int[] rs = new int[bs.size()];
        int failures = 0, firstErr = 0;
        for (int i = 0; i < rs.length; i++) {
            rs[i] = op.apply(bs.get(i).full(path));
            if (rs[i] < 0) {
                failures++;
                if (firstErr == 0) firstErr = rs[i];
            }
        }
        if (failures == 0) return 0;
        if (failures == rs.length) return firstErr;
        try {
            Branch pick = searchOne(c, related, path);
            for (int i = 0; i < rs.length; i++) if (bs.get(i).path().equals(pick.path())) return rs[i];
            return 0;
        } catch (PolicyException e) {
            return firstErr;
        }
    }

    @FunctionalInterface
    interface BranchOp {
        int apply(String fullPath);
    }

    public int chmod(String path, int mode) {
        if (ControlFile.PATH.equals(path)) return -Errno.ENOENT;
        Config c = pool.config();
        return actOnAll(c, Func.CHMOD, Func.GETATTR, path, full -> chmodOne(full, mode));
    }

    /**
     * chmod on one branch. When someone who may write a set-id file but does not own it writes or truncates
     * it, the kernel (libfuse2 has no kill-priv flag) asks us to chmod the set-id bits away as that caller,
     * which the branch refuses. POSIX says the write clears them, so exactly that change (a regular file,
     * only S_ISUID/S_ISGID removed, the caller has it open for writing) is made as root, on a pinned fd.
     */
    static int chmodOne(String full, int mode) {
        int r = Posix.chmod(full, mode);
        if (r != -Errno.EPERM) return r;
        int fd = Posix.open(full, Posix.O_WRONLY | Posix.O_NOFOLLOW | Posix.O_NONBLOCK | Posix.O_NOCTTY, 0);
        if (fd < 0) return r;
        try {
            Stat s = Posix.fstat(fd);
            int have = s == null ? 0 : s.mode & 07777, want = mode & 07777;
            int dropped = have & ~want;
            boolean killPriv = s != null && s.isReg() && (want & ~have) == 0 && dropped != 0
                    && (dropped & ~(Posix.S_ISUID | Posix.S_ISGID)) == 0;
            if (!killPriv) return r;
            int[] out = {r};
            asRoot(() -> out[0] = Posix.check(Posix.C.fchmod(fd, want)), Creds.currentUid(), Creds.currentGid());
            return out[0];
        } finally {
            Posix.close(fd);
        }
    }

    public int chown(String path, int uid, int gid) {
        if (ControlFile.PATH.equals(path)) return -Errno.ENOENT;
        Config c = pool.config();
        return actOnAll(c, Func.CHOWN, Func.GETATTR, path, full -> Posix.lchown(full, uid, gid));
    }

    public int utimens(String path, long[] times) {
        if (ControlFile.PATH.equals(path)) return -Errno.ENOENT;
        Config c = pool.config();
        return actOnAll(c, Func.UTIMENS, Func.GETATTR, path, full -> Posix.lutimens(full, times));
    }

    public int truncate(String path, long size) {
        if (ControlFile.PATH.equals(path)) return -Errno.ENOENT;
        Config c = pool.config();
        return actOnAll(c, Func.TRUNCATE, Func.GETATTR, path, full -> Posix.truncate(full, size));
    }

    public int unlink(String path) {
        if (ControlFile.PATH.equals(path)) return -Errno.ENOENT;
        Config c = pool.config();
        try {
            Errors.FirstError e = new Errors.FirstError();
            for (Branch b : action(c, Func.UNLINK, path)) e.add(Posix.unlink(b.full(path)));
            int r = e.result();
            if (r == 0) handles.orphan(path);
            return r;
        } catch (PolicyException e) {
            return -e.errno();
        }
    }

    public int rmdir(String path) {
        Config c = pool.config();
        try {
            Errors.FirstError e = new Errors.FirstError();
            for (Branch b : action(c, Func.RMDIR, path)) {
                String full = b.full(path);
                int r = Posix.rmdir(full);
                if (r == -Errno.ENOTDIR && c.followSymlinks() != org.mergerfsj.config.FollowSymlinks.NEVER) {
                    r = Posix.unlink(full);
                }
                e.add(r);
            }
            return e.result();
        } catch (PolicyException e) {
            return -e.errno();
        }
    }

    // ------------------------------------------------------------------ create category

    private int createOnAll(Config c, Func f, String path, int uid, int gid, BranchOp op) {
        return Creates.onAll(c, facts(), f, path, uid, gid, op);
    }

    public int mkdir(String path, int mode, int umask, int uid, int gid) {
        if (ControlFile.PATH.equals(path)) return -Errno.EEXIST;
        Config c = pool.config();
        return createOnAll(c, Func.MKDIR, path, uid, gid, full -> Posix.mkdir(full, applyUmask(full, mode, umask)));
    }

    public int mknod(String path, int mode, long dev, int umask, int uid, int gid) {
        if (ControlFile.PATH.equals(path)) return -Errno.EEXIST;
        Config c = pool.config();
        return createOnAll(c, Func.MKNOD, path, uid, gid, full -> Posix.mknod(full, applyUmask(full, mode, umask), dev));
    }

    public int symlink(String target, String path, int uid, int gid) {
        if (ControlFile.PATH.equals(path)) return -Errno.EEXIST;
        return Creates.symlink(pool.config(), facts(), target, path, uid, gid);
    }

    /** The caller's umask applies unless the parent has a default ACL (OP-CR-02). */
    static int applyUmask(String full, int mode, int umask) {
        if (umask == 0) return mode;
        String parent = full.substring(0, Math.max(1, full.lastIndexOf('/')));
        if (Posix.C.lgetxattr(Posix.path(parent), ACL_DEFAULT, (byte[]) null, 0) > 0) return mode;
        return mode & ~umask;
    }

    private static final byte[] ACL_DEFAULT = Posix.path("system.posix_acl_default");

    /** Creates and opens a file (OP-CR-01). Returns the new fh (>0) or -errno. */
    public long create(String path, int mode, int flags, int umask, int uid, int gid) {
        if (ControlFile.PATH.equals(path)) return -Errno.EEXIST;
        Config c = pool.config();
        String parent = Paths.parent(path);
        try {
            Creates.Placement at = Creates.place(c, facts(), Func.CREATE, parent);
            Branch dst = at.dsts().get(0);
            int r = ClonePath.clone(at.src(), dst, parent, uid, gid);
            if (r < 0) return r;
            String full = dst.full(path);
            int fd = Posix.open(full, writebackFlags(c, flags) | Posix.O_CREAT, applyUmask(full, mode, umask));
            if (fd < 0) return fd;
            return handles.add(new Handles.OpenFile(fd, dst, path, writebackFlags(c, flags)));
        } catch (PolicyException e) {
            return -e.errno();
        }
    }

    /**
     * The flags a branch open gets. O_DIRECT is dropped: the kernel already bypasses its page cache for an
     * O_DIRECT open of a FUSE file, and hands us buffers and offsets with no alignment guarantee, which a
     * branch fd opened O_DIRECT rejects with EINVAL (2.33.5 fails O_DIRECT writes that way).
     */
    private static int writebackFlags(Config c, int flags) {
        // O_DIRECT stays between the caller and the kernel (which already bypasses the FUSE page cache for
        // it): passed to the branch it makes every write fail EINVAL, because the data libfuse hands us
        // sits after the request header, never at an aligned address (2.33.5's O_DIRECT bug)
        flags &= ~Posix.O_DIRECT;
        if (!c.cacheWriteback()) return flags;
        if ((flags & Posix.O_ACCMODE) == Posix.O_WRONLY) flags = (flags & ~Posix.O_ACCMODE) | Posix.O_RDWR;
        return flags & ~Posix.O_APPEND;
    }

    // ------------------------------------------------------------------ open files

    /** Opens on the open policy's branch. Returns fh (>0) or -errno. */
    public long open(String path, int flags) {
        if (ControlFile.PATH.equals(path)) return -Errno.ENOENT;
        Config c = pool.config();
        try {
            Branch b = searchOne(c, Func.OPEN, path);
            String full = b.full(path);
            if (c.linkCow() && (flags & Posix.O_ACCMODE) != Posix.O_RDONLY) LinkCow.breakLink(full);
            int fd = Posix.open(full, writebackFlags(c, flags), 0);
            if (fd == -Errno.EACCES) fd = NfsOpenHack.retry(c, path, full, writebackFlags(c, flags), fd);
            if (fd < 0) return fd;
            return handles.add(new Handles.OpenFile(fd, b, path, writebackFlags(c, flags)));
        } catch (PolicyException e) {
            return -e.errno();
        }
    }

    /** Page-cache bits for a new open: bit 0 direct_io, bit 1 keep_cache (OPT-17). */
    public int cacheBits(long fh) {
        Config c = pool.config();
        CacheFiles cf = c.cacheFiles();
        switch (cf) {
            case OFF:
                return 1;
            case PARTIAL:
                return 0;
            case FULL:
                return 2;
            case AUTO_FULL: {
                Handles.OpenFile f = handles.file(fh);
                return f != null && AutoFull.unchanged(f.path, f.fd) ? 2 : 0;
            }
            case LIBFUSE:
            default:
                return (c.directIo() ? 1 : 0) | (c.kernelCache() ? 2 : 0);
        }
    }

    /**
     * The branch fd a read of fh is served from (libfuse reads or splices it itself, see FuseFs.readBuf),
     * or -errno.
     */
    public int readFd(long fh) {
        Handles.OpenFile f = handles.file(fh);
        return f == null ? -Errno.EBADF : f.fd;
    }

    /**
     * Whether fh's close may go without a FLUSH because its branch file's close can neither do nor report
     * anything (flush-on-close=opened-for-write asks, see QuietClose). When it may, the handle is marked
     * so that moveonenospc later moves it only onto a quiet filesystem.
     */
    public boolean spareFlush(long fh) {
        Handles.OpenFile f = handles.file(fh);
        if (f == null || !QuietClose.quiet(f.fd)) return false;
        f.quietClose = true;
        return true;
    }

    public int write(long fh, Pointer buf, long size, long offset) {
        Handles.OpenFile f = handles.file(fh);
        if (f == null) return -Errno.EBADF;
        Config c = pool.config();
        if (c.nullrw()) return (int) size;
        return MoveOnEnospc.write(c, facts(), f, buf, size, offset);
    }

    public int flush(long fh) {
        Handles.OpenFile f = handles.file(fh);
        if (f == null) return -Errno.EBADF;
        int d = Posix.C.dup(f.fd);
        if (d < 0) return -Errno.EIO;
        return Posix.close(d);
    }

    public int fsync(long fh, boolean datasync) {
        Handles.OpenFile f = handles.file(fh);
        if (f == null) return -Errno.EBADF;
        return Posix.check(datasync ? Posix.C.fdatasync(f.fd) : Posix.C.fsync(f.fd));
    }

    public int release(long fh) {
        Handles.OpenFile f = handles.file(fh);
        if (f != null && handles.release(f)) close(f);
        return 0;
    }

    /** Closes a released file; a file borrowed meanwhile (see {@link #pinOrphan}) is closed by its unpin. */
    private void close(Handles.OpenFile f) {
        handles.forget(f);
        Config c = pool.config();
        if (c.dropCacheOnClose()) {
            Posix.C.posix_fadvise(f.fd, 0, 0, Posix.POSIX_FADV_DONTNEED);
            Posix.C.posix_fadvise(f.fd, 0, 0, Posix.POSIX_FADV_DONTNEED);
        }
        if (c.cacheFiles() == CacheFiles.AUTO_FULL) AutoFull.remember(f.path, f.fd);
        Posix.close(f.fd);
    }

    public int ftruncate(long fh, long size) {
        Handles.OpenFile f = handles.file(fh);
        if (f == null) return -Errno.EBADF;
        return Posix.check(Posix.C.ftruncate(f.fd, size));
    }

    public int fallocate(long fh, int mode, long offset, long length) {
        Handles.OpenFile f = handles.file(fh);
        if (f == null) return -Errno.EBADF;
        return Posix.check(Posix.C.fallocate(f.fd, mode, offset, length));
    }

    public int flock(long fh, int op) {
        Handles.OpenFile f = handles.file(fh);
        if (f == null) return -Errno.EBADF;
        return Posix.check(Posix.C.flock(f.fd, op));
    }

    /**
     * ioctl on an open file or directory handle (FN-19, FN-20, CTL-20). data is libfuse's in/out buffer,
     * sized from the command number. Returns the ioctl result (>= 0) or -errno.
     */
    public int ioctl(long fh, boolean dirHandle, int cmd, Pointer data, int uid) {
        Config c = pool.config();
        String path;
        Handles.OpenFile f = dirHandle ? null : handles.file(fh);
        if (f != null) path = f.path;
        else {
            Handles.OpenDir d = handles.dir(fh);
            if (d == null) return -Errno.EBADF;
            path = d.path;
        }
        if (Ioctls.type(cmd) == Ioctls.TYPE_MERGERFS) return Ioctls.mergerfs(c, facts(), path, cmd, data);
        if (f != null) return Ioctls.forward(f.fd, cmd, data);
        // a directory: 2.33.5 opens it on the func.open branch for the one call
        try {
            String full = searchOne(c, Func.OPEN, path).full(path);
            int fd = Posix.open(full, Posix.O_RDONLY | Posix.O_NOATIME | Posix.O_NONBLOCK, 0);
            if (fd == -Errno.EPERM) fd = Posix.open(full, Posix.O_RDONLY | Posix.O_NONBLOCK, 0);
            if (fd < 0) return fd;
            try {
                return Ioctls.forward(fd, cmd, data);
            } finally {
                Posix.close(fd);
            }
        } catch (PolicyException e) {
            return -e.errno();
        }
    }

    // ------------------------------------------------------------------ directories

    public long opendir(String path) {
        return handles.add(new Handles.OpenDir(path));
    }

    /**
     * Streams the merged listing of pool directory {@code dir} to {@code sink}. libfuse calls readdir once
     * per open handle (and again after a rewind to offset 0) and serves the kernel's reads by offset from
     * what it collected: the snapshot of OP-RD-04.
     */
    public void readdir(String dir, Dirs.Sink sink) {
        Dirs.stream(pool.config().branches(), dir, sink);
    }

    /** The pool path of an open directory (libfuse passes none with nopath). */
    public String dirPath(long fh, String fallback) {
        Handles.OpenDir d = handles.dir(fh);
        return d != null ? d.path : fallback;
    }

    public int releasedir(long fh) {
        handles.remove(fh);
        return 0;
    }

    /** d_ino for a readdir entry (OP-RD-02): {@code name} in pool directory {@code dir}. */
    public long direntIno(String dir, String name, int type, long dev, long ino) {
        return Inodes.calc(pool.config().inodeCalc(), Paths.child(dir, name), type << 12, dev, ino);
    }

    // ------------------------------------------------------------------ rename and link

    public int rename(String from, String to) {
        if (ControlFile.PATH.equals(from) || ControlFile.PATH.equals(to)) return -Errno.ENOENT;
        int r = Renames.rename(pool.config(), facts(), from, to);
        if (r == 0) handles.orphan(to); // a file open under the old target's name lost that name
        return r;
    }

    /** Records the kernel's node id of the open fh (the fuse layer reads it from the OPEN/CREATE reply). */
    public void noteNode(long fh, long nodeid) {
        handles.noteNode(fh, nodeid);
    }

    /**
     * The fh of an open handle on node {@code nodeid}, pinned, when that node's name was unlinked or
     * replaced through the pool while open; else -1. libfuse has no path for such a node, so the fuse layer
     * asks by this handle, and must {@link #unpin} it once that request is answered: until then a RELEASE
     * of the handle leaves its fd open and the handle in the table, so the borrowed fd is never a closed
     * number reused by another open.
     */
    public long pinOrphan(long nodeid) {
        Handles.OpenFile f = handles.pinOrphan(nodeid);
        return f == null ? -1 : f.fh;
    }

    /** Ends the borrow of {@link #pinOrphan}; the pin kept the handle in the table until now. */
    public void unpin(long fh) {
        Handles.OpenFile f = handles.file(fh);
        if (f != null && handles.unpin(f)) close(f);
    }

    public int link(String from, String to, int uid, int gid) {
        if (ControlFile.PATH.equals(from) || ControlFile.PATH.equals(to)) return -Errno.ENOENT;
        return Renames.link(pool.config(), facts(), from, to, uid, gid);
    }

    // ------------------------------------------------------------------ xattrs

    public static final String SECURITY_CAPABILITY = "security.capability";

    /**
     * What the xattr and security_capability options answer before any branch is asked (OP-XA-01..04),
     * or 0 to go on.
     */
    private static int xattrGate(Config c, String name) {
        if (name != null && !c.securityCapability() && SECURITY_CAPABILITY.equals(name)) return -Errno.ENOATTR;
        switch (c.xattr()) {
            case NOATTR: return -Errno.ENOATTR;
            case NOSYS: return -Errno.ENOSYS;
            default: return 0;
        }
    }

    /** getxattr: the value (size query when out is null), or -errno. */
    public int getxattr(String path, String name, Pointer out, long size) {
        if (ControlFile.PATH.equals(path)) return control.getxattr(name, out, size);
        Config c = pool.config();
        int gate = xattrGate(c, name);
        if (gate != 0) return gate;
        try {
            if (name.startsWith(ControlFile.PREFIX)) return control.fileInfo(c, path, name, out, size);
            if ("ff".equals(c.policy(Func.GETXATTR))) {
                int r = firstGetxattr(c.branches(), path, name, out, size);
                if (r != NOT_DECIDED) return r;
            }
            Branch b = searchOne(c, Func.GETXATTR, path);
            return (int) Posix.check(Posix.C.lgetxattr(Posix.path(b.full(path)), Posix.path(name), out, size));
        } catch (PolicyException e) {
            return -e.errno();
        }
    }

    private static final int NOT_DECIDED = Integer.MIN_VALUE;

    /**
     * ff's getxattr without its lstat (the default; ls -l asks two attributes of every file): lgetxattr on
     * each branch in order. ENOENT and ENOTDIR mean ff's lstat would fail there too, so the next branch is
     * tried; a value or ENODATA/ERANGE/ENOTSUP means the path exists there, so this is ff's branch. Any other error
     * (EACCES on the way, say) is left to the policy, which skips such a branch.
     */
    private static int firstGetxattr(List<Branch> branches, String path, String name, Pointer out, long size) {
        byte[] attr = Posix.path(name);
        for (int i = 0, n = branches.size(); i < n; i++) {
            String full = branches.get(i).full(path);
            Pointer p = Posix.nativePath(full);
            long r = p != null ? Posix.C.lgetxattr(p, attr, out, size) : Posix.C.lgetxattr(Posix.path(full), attr, out, size);
            if (r >= 0) return (int) r;
            int e = Posix.errno();
            if (e == Errno.ENOENT || e == Errno.ENOTDIR) continue;
            if (e == Errno.ENODATA || e == Errno.ERANGE || e == Errno.ENOTSUP) return -e;
            return NOT_DECIDED;
        }
        return -Errno.ENOENT;
    }

    public int listxattr(String path, Pointer out, long size) {
        if (ControlFile.PATH.equals(path)) return control.listxattr(out, size);
        Config c = pool.config();
        if (c.xattr() == org.mergerfsj.config.XattrMode.NOATTR) return 0; // an empty list
        int gate = xattrGate(c, null);
        if (gate != 0) return gate;
        try {
            Branch b = searchOne(c, Func.LISTXATTR, path);
            return (int) Posix.check(Posix.C.llistxattr(Posix.path(b.full(path)), out, size));
        } catch (PolicyException e) {
            return -e.errno();
        }
    }

    public int setxattr(String path, String name, Pointer value, long size, int flags, int uid) {
        if (ControlFile.PATH.equals(path)) return control.setxattr(name, value, size, flags, uid);
        Config c = pool.config();
        int gate = xattrGate(c, name);
        if (gate != 0) return gate;
        byte[] n = Posix.path(name);
        return actOnAll(c, Func.SETXATTR, Func.GETXATTR, path,
                full -> Posix.check(Posix.C.lsetxattr(Posix.path(full), n, value, size, flags)));
    }

    public int removexattr(String path, String name) {
        if (ControlFile.PATH.equals(path)) return -Errno.ENOATTR;
        Config c = pool.config();
        int gate = xattrGate(c, name);
        if (gate != 0) return gate;
        return actOnAll(c, Func.REMOVEXATTR, Func.GETXATTR, path, full -> Posix.lremovexattr(full, name));
    }

    // ------------------------------------------------------------------ statfs

    /** Fills a struct statvfs (OP-SF). */
    public int statfs(String path, Pointer out) {
        return StatFs.statfs(pool.config(), ControlFile.PATH.equals(path) ? "/" : path, out);
    }

    /** The caller-independent identity used by the privileged steps. */
    static void asRoot(Runnable r, int uid, int gid) {
        Creds.becomeRoot();
        try {
            r.run();
        } finally {
            Creds.become(uid, gid);
        }
    }
}
