package org.mergerfsj.fuse;

import java.util.List;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Struct;
import jnr.ffi.annotations.Delegate;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import org.mergerfsj.posix.Creds;
import org.mergerfsj.posix.Errno;
import org.mergerfsj.posix.Posix;
import org.mergerfsj.union.UnionFs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FuseFileInfo;

/**
 * The FUSE edge: each callback takes on the caller's credentials, calls the union layer and returns its
 * errno. Nothing escapes: an unexpected exception is logged and answered with EIO (jnr-fuse would turn a
 * thrown exception into success).
 */
public final class FuseFs extends FuseStubFS {
    private static final Logger LOG = LoggerFactory.getLogger(FuseFs.class);
    private static final int FUSE_CAP_BIG_WRITES = 1 << 5, FUSE_CAP_DONT_MASK = 1 << 6,
            FUSE_CAP_SPLICE_WRITE = 1 << 7, FUSE_CAP_SPLICE_MOVE = 1 << 8;
    static final boolean SPLICE = !Boolean.getBoolean("mergerfsj.noSplice");
    private static final int FI_BITS = 20;

    private final UnionFs fs;
    private volatile boolean rootServed;

    public FuseFs(UnionFs fs) {
        this.fs = fs;
    }

    Pointer operations() {
        return Struct.getMemory(fuseOperations);
    }

    /** cache.readdir, read per OPENDIR: the option can change at runtime. */
    org.mergerfsj.config.Config config() {
        return fs.pool().config();
    }

    boolean cacheReaddir() {
        return config().cacheReaddir();
    }

    /** The branch fd of an open file, or -errno. */
    int branchFd(long fh) {
        return fs.readFd(fh);
    }

    /** Whether fh's close may go without a FLUSH (see UnionFs#spareFlush); marks the handle if so. */
    boolean spareFlush(long fh) {
        return fs.spareFlush(fh);
    }

    /** Records the kernel's node id of the open fh (see UnionFs#noteNode). */
    void noteNode(long fh, long nodeid) {
        fs.noteNode(fh, nodeid);
    }

    /**
     * Lets a GETATTR without a file handle reach an open file whose name was unlinked or replaced through
     * the pool: libfuse has no path for its node any more and would answer ENOENT, where 2.33.5 answers
     * from the open file. The request at {@code req} is given one of the file's open handles
     * (FUSE_GETATTR_FH), and fgetattr answers from the open file, as fstat(2) on a local filesystem does.
     * Returns the borrowed fh, pinned, or -1: the caller must {@link #unpin} it once libfuse has answered
     * the request (see UnionFs#pinOrphan).
     */
    long adoptOrphan(long req) {
        if (Wire.len(req) < Wire.IN_HEADER + GETATTR_IN) return -1;
        long in = req + Wire.IN_HEADER;
        int flags = IO.getInt(in);
        if ((flags & Wire.GETATTR_FH) != 0) return -1;
        long fh = fs.pinOrphan(Wire.nodeid(req));
        if (fh < 0) return -1;
        IO.putLong(in + 8, fh);
        IO.putInt(in, flags | Wire.GETATTR_FH);
        return fh;
    }

    void unpin(long fh) {
        fs.unpin(fh);
    }

    private volatile OpenReply opens;

    /** Releases are reported to {@code o} after the branch file is closed (passthrough bookkeeping). */
    void onRelease(OpenReply o) {
        opens = o;
    }

    boolean rootServed() {
        return rootServed;
    }

    /**
     * Whether the log level is TRACE, kept by Logging.setLevel: a plain field read per request where
     * logback's isTraceEnabled walks its filter chain (0.3 % of a create loop's samples). The logger's
     * own check still follows, so a level set any other way only costs the trace lines.
     */
    static volatile boolean trace = true;

    public static void traceLevel(boolean on) {
        trace = on;
    }

    /** Becomes the caller; returns the context for uid/gid/umask. */
    /** Offsets in libfuse2's struct fuse_context (x86_64). */
    private static final int CTX_UID = 8, CTX_GID = 12, CTX_PID = 16, CTX_UMASK = 32;

    /**
     * Becomes the caller; returns the raw fuse_context for uid/gid/umask (read at fixed offsets: jnr-fuse's
     * getContext() builds a Struct with a field object per member on every request).
     */
    private static Pointer enter() {
        Pointer c = LibFuse2.INSTANCE.fuse_get_context();
        Creds.become(c.getInt(CTX_UID), c.getInt(CTX_GID), c.getInt(CTX_PID));
        return c;
    }

    private static int fail(String op, String path, Throwable t) {
        LOG.error("{} {} failed unexpectedly", op, path, t);
        return -Errno.EIO;
    }

    @Override
    public Pointer init(Pointer conn) {
        // want: kernel sends unmasked modes (we apply the caller's umask ourselves) and large writes
        int want = FUSE_CAP_DONT_MASK | FUSE_CAP_BIG_WRITES | (SPLICE ? FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE : 0);
        conn.putInt(24, conn.getInt(24) | (want & conn.getInt(20)));
        return null;
    }

    @Override
    public int access(String path, int mask) {
        try {
            if (trace && LOG.isTraceEnabled()) LOG.trace("access {} mask={}", path, mask);
            enter();
            return fs.access(path, mask);
        } catch (Throwable t) {
            return fail("access", path, t);
        }
    }

    @Override
    public int readlink(String path, Pointer buf, @size_t long size) {
        try {
            if (trace && LOG.isTraceEnabled()) LOG.trace("readlink {}", path);
            enter();
            int[] err = new int[1];
            String target = fs.readlink(path, err);
            if (target == null) return err[0];
            byte[] b = Posix.path(target);
            int n = (int) Math.min(b.length - 1, size - 1);
            buf.put(0, b, 0, n);
            buf.putByte(n, (byte) 0);
            return 0;
        } catch (Throwable t) {
            return fail("readlink", path, t);
        }
    }

    @Override
    public int mknod(String path, long mode, long rdev) {
        try {
            if (trace && LOG.isTraceEnabled()) LOG.trace("mknod {} mode={} rdev={}", path, Long.toOctalString(mode), rdev);
            Pointer c = enter();
            return fs.mknod(path, (int) mode, rdev, c.getInt(CTX_UMASK), c.getInt(CTX_UID), c.getInt(CTX_GID));
        } catch (Throwable t) {
            return fail("mknod", path, t);
        }
    }

    @Override
    public int fallocate(String path, int mode, @off_t long off, @off_t long length, FuseFileInfo fi) {
        try {
            if (trace && LOG.isTraceEnabled()) {
                LOG.trace("fallocate fh={} mode={} offset={} length={}", fi.fh.get(), mode, off, length);
            }
            enter();
            return fs.fallocate(fi.fh.get(), mode, off, length);
        } catch (Throwable t) {
            return fail("fallocate", path, t);
        }
    }

    @Override
    public int flock(String path, FuseFileInfo fi, int op) {
        try {
            if (trace && LOG.isTraceEnabled()) LOG.trace("flock fh={} op={}", fi.fh.get(), op);
            return fs.flock(fi.fh.get(), op);
        } catch (Throwable t) {
            return fail("flock", path, t);
        }
    }

    @Override
    public int ioctl(String path, int cmd, Pointer arg, FuseFileInfo fi, long flags, Pointer data) {
        try {
            Pointer c = enter();
            boolean dir = (flags & (1 << 4)) != 0; // FUSE_IOCTL_DIR
            return fs.ioctl(fi.fh.get(), dir, cmd, data, c.getInt(CTX_UID));
        } catch (Throwable t) {
            return fail("ioctl", path, t);
        }
    }

    @Override
    public int setxattr(String path, String name, Pointer value, @size_t long size, int flags) {
        try {
            if (trace && LOG.isTraceEnabled()) LOG.trace("setxattr {} {} size={} flags={}", path, name, size, flags);
            Pointer c = enter();
            return fs.setxattr(path, name, value, size, flags, c.getInt(CTX_UID));
        } catch (Throwable t) {
            return fail("setxattr", path, t);
        }
    }

    @Override
    public int listxattr(String path, Pointer list, @size_t long size) {
        try {
            if (trace && LOG.isTraceEnabled()) LOG.trace("listxattr {} size={}", path, size);
            enter();
            return fs.listxattr(path, size == 0 ? null : list, size);
        } catch (Throwable t) {
            return fail("listxattr", path, t);
        }
    }

    @Override
    public int removexattr(String path, String name) {
        try {
            if (trace && LOG.isTraceEnabled()) LOG.trace("removexattr {} {}", path, name);
            enter();
            return fs.removexattr(path, name);
        } catch (Throwable t) {
            return fail("removexattr", path, t);
        }
    }

    @Override
    public int fsyncdir(String path, FuseFileInfo fi) {
        if (trace && LOG.isTraceEnabled()) LOG.trace("fsyncdir {}", path);
        return -Errno.ENOSYS;
    }
    // ---- Hot operations: closures libfuse calls directly, taking raw addresses. jnr-fuse's own closures
    // build a FileStat/FuseFileInfo Struct (an object per field) and run a CharsetDecoder on every call;
    // these read the few fields they need straight from native memory.

    /** Offsets in libfuse2's struct fuse_operations (x86_64). */
    static final int OP_GETATTR = 0, OP_MKDIR = 32, OP_UNLINK = 40, OP_RMDIR = 48, OP_SYMLINK = 56,
            OP_RENAME = 64, OP_LINK = 72, OP_CHMOD = 80, OP_CHOWN = 88, OP_TRUNCATE = 96, OP_OPEN = 112,
            OP_READ = 120, OP_WRITE = 128, OP_STATFS = 136, OP_FLUSH = 144, OP_RELEASE = 152, OP_FSYNC = 160,
            OP_GETXATTR = 176, OP_OPENDIR = 200, OP_READDIR = 208, OP_RELEASEDIR = 216, OP_CREATE = 256, OP_FTRUNCATE = 264,
            OP_FGETATTR = 272, OP_UTIMENS = 288, OP_READ_BUF = 336;
    /** Offsets in struct fuse_file_info. */
    private static final int FI_FLAGS = 0, FI_FH = 24;
    private static final int FUSE_NAME_MAX = 1024;
    /** sizeof(struct fuse_getattr_in): getattr_flags, dummy, fh. */
    private static final int GETATTR_IN = 16;
    private static final int MAX_STR = 65536; // paths are at most PATH_MAX (4096); a bound, not a limit
    private static final com.kenai.jffi.MemoryIO IO = com.kenai.jffi.MemoryIO.getInstance();

    public interface Op1 { @Delegate int call(long a); }
    public interface Op2 { @Delegate int call(long a, long b); }
    public interface Op3 { @Delegate int call(long a, long b, long c); }
    public interface Op4 { @Delegate int call(long a, long b, long c, long d); }
    public interface Op5 { @Delegate int call(long a, long b, long c, long d, long e); }
    public interface OpPI { @Delegate int call(long path, int a); }
    public interface OpPII { @Delegate int call(long path, int a, int b); }
    public interface OpPIP { @Delegate int call(long path, int a, long p); }

    /** A path or name as libfuse passes it (NUL-terminated bytes; names are bytes, read as ISO-8859-1). */
    static String str(long addr) {
        if (addr == 0) return null;
        int n = (int) IO.indexOf(addr, (byte) 0, MAX_STR); // offset of the NUL, -1 if none within MAX_STR
        if (n < 0) n = MAX_STR;
        byte[] b = new byte[n];
        IO.getByteArray(addr, b, 0, n);
        return new String(b, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    private static Pointer ptr(long addr) {
        return addr == 0 ? null : Pointer.wrap(Posix.RT, addr);
    }

    private static long fh(long fi) {
        return IO.getLong(fi + FI_FH);
    }

    private static void opened(long fi, long fh, int cacheBits) {
        IO.putLong(fi + FI_FH, fh);
        IO.putInt(fi + FI_BITS, (IO.getInt(fi + FI_BITS) & ~3) | cacheBits);
    }

    private int getattr(long p, long st) {
        String path = str(p);
        try {
            if (trace && LOG.isTraceEnabled()) LOG.trace("getattr {}", path);
            // A lookup of a name over 1024 bytes (FUSE_NAME_MAX) was answered ENAMETOOLONG by the kernel while
            // we spoke 7.19; with 7.28+ negotiated (InitReply) this kernel passes it on. Keep that answer (the
            // search policy would say ENOENT). py:test_hostile.py
            if (path != null && path.length() - path.lastIndexOf('/') - 1 > FUSE_NAME_MAX) return -Errno.ENAMETOOLONG;
            enter();
            int r = fs.getattr(path, ptr(st));
            if (r == 0 && !rootServed && "/".equals(path)) rootServed = true;
            return r;
        } catch (Throwable t) {
            return fail("getattr", path, t);
        }
    }

    private int fgetattr(long p, long st, long fi) {
        try {
            if (trace && LOG.isTraceEnabled()) LOG.trace("fgetattr fh={}", fh(fi));
            enter();
            return fs.fgetattr(fh(fi), ptr(st));
        } catch (Throwable t) {
            return fail("fgetattr", str(p), t);
        }
    }

    private int unlink(long p) {
        String path = str(p);
        try {
            if (trace && LOG.isTraceEnabled()) LOG.trace("unlink {}", path);
            enter();
            return fs.unlink(path);
        } catch (Throwable t) {
            return fail("unlink", path, t);
        }
    }

    private int open(long p, long fi) {
        String path = str(p);
        try {
            int flags = IO.getInt(fi + FI_FLAGS);
            if (trace && LOG.isTraceEnabled()) LOG.trace("open {} flags={}", path, Integer.toOctalString(flags));
            enter();
            long fh = fs.open(path, flags);
            if (fh < 0) return (int) fh;
            opened(fi, fh, fs.cacheBits(fh));
            return 0;
        } catch (Throwable t) {
            return fail("open", path, t);
        }
    }

    private int create(long p, int mode, long fi) {
        String path = str(p);
        try {
            int flags = IO.getInt(fi + FI_FLAGS);
            if (trace && LOG.isTraceEnabled()) {
                LOG.trace("create {} mode={} flags={}", path, Integer.toOctalString(mode), Integer.toOctalString(flags));
            }
            Pointer c = enter();
            long fh = fs.create(path, mode, flags, c.getInt(CTX_UMASK), c.getInt(CTX_UID), c.getInt(CTX_GID));
            if (fh < 0) return (int) fh;
            opened(fi, fh, fs.cacheBits(fh));
            return 0;
        } catch (Throwable t) {
            return fail("create", path, t);
        }
    }

    /** libc's allocator: libfuse frees the fuse_bufvec (and its mem) that read_buf returns with free(). */
    public interface CAlloc {
        long calloc(long n, long size);

        void free(long p);
    }

    private static final CAlloc C = jnr.ffi.LibraryLoader.create(CAlloc.class).load("c");
    /** struct fuse_bufvec with one struct fuse_buf (libfuse 2.9, x86_64); FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK. */
    private static final int BUFVEC_SIZE = 64, BUF = 24, FUSE_BUF_FD = 2 | 4;

    /**
     * read_buf: answers with the branch fd and offset instead of the data, so libfuse moves the bytes
     * itself: with splice_write from the file's pages through a pipe into the FUSE device (one copy
     * instead of pread into a buffer and writev out of it), and for small reads (under two pages) or
     * without splice with its own pread. nullrw answers zeros from memory.
     */
    private int readBuf(long p, long bufp, long size, long offset, long fi) {
        try {
            long fh = fh(fi);
            if (trace && LOG.isTraceEnabled()) LOG.trace("read fh={} size={} offset={}", fh, size, offset);
            boolean nullrw = fs.pool().config().nullrw();
            int fd = nullrw ? -1 : fs.readFd(fh);
            if (!nullrw && fd < 0) return fd;
            long v = C.calloc(1, BUFVEC_SIZE);
            if (v == 0) return -Errno.ENOMEM;
            IO.putLong(v, 1);                                   // count (idx, off: 0)
            IO.putLong(v + BUF, size);                          // buf[0].size
            if (nullrw) {
                long m = C.calloc(1, Math.max(1, size));
                if (m == 0) {
                    C.free(v);
                    return -Errno.ENOMEM;
                }
                IO.putLong(v + BUF + 16, m);                    // mem (zeros), flags 0
            } else {
                IO.putInt(v + BUF + 8, FUSE_BUF_FD);            // flags
                IO.putInt(v + BUF + 24, fd);                    // fd
                IO.putLong(v + BUF + 32, offset);               // pos
            }
            IO.putLong(bufp, v);
            return 0;
        } catch (Throwable t) {
            return fail("read", str(p), t);
        }
    }

    private int write(long p, long buf, long size, long offset, long fi) {
        try {
            if (trace && LOG.isTraceEnabled()) LOG.trace("write fh={} size={} offset={}", fh(fi), size, offset);
            enter();
            return fs.write(fh(fi), ptr(buf), size, offset);
        } catch (Throwable t) {
            return fail("write", str(p), t);
        }
    }

    private int flush(long p, long fi) {
        try {
            if (trace && LOG.isTraceEnabled()) LOG.trace("flush fh={}", fh(fi));
            return fs.flush(fh(fi));
        } catch (Throwable t) {
            return fail("flush", str(p), t);
        }
    }

    private int release(long p, long fi) {
        try {
            long fh = fh(fi);
            if (trace && LOG.isTraceEnabled()) LOG.trace("release fh={}", fh);
            try {
                return fs.release(fh);
            } finally {
                OpenReply o = opens;
                if (o != null) o.released(fh);
            }
        } catch (Throwable t) {
            return fail("release", str(p), t);
        }
    }

    private int getxattr(long p, long n, long value, long size) {
        String path = str(p), name = str(n);
        try {
            if (trace && LOG.isTraceEnabled()) LOG.trace("getxattr {} {} size={}", path, name, size);
            enter();
            return fs.getxattr(path, name, size == 0 ? null : ptr(value), size);
        } catch (Throwable t) {
            return fail("getxattr", path, t);
        }
    }

    private int mkdir(long p, int mode) {
        String path = str(p);
        try {
            if (trace && LOG.isTraceEnabled()) LOG.trace("mkdir {} mode={}", path, Integer.toOctalString(mode));
            Pointer c = enter();
            return fs.mkdir(path, mode, c.getInt(CTX_UMASK), c.getInt(CTX_UID), c.getInt(CTX_GID));
        } catch (Throwable t) {
            return fail("mkdir", path, t);
        }
    }

    private int rmdir(long p) {
        String path = str(p);
        try {
            if (trace && LOG.isTraceEnabled()) LOG.trace("rmdir {}", path);
            enter();
            return fs.rmdir(path);
        } catch (Throwable t) {
            return fail("rmdir", path, t);
        }
    }

    private int symlink(long t, long p) {
        String target = str(t), path = str(p);
        try {
            if (trace && LOG.isTraceEnabled()) LOG.trace("symlink {} -> {}", path, target);
            Pointer c = enter();
            return fs.symlink(target, path, c.getInt(CTX_UID), c.getInt(CTX_GID));
        } catch (Throwable e) {
            return fail("symlink", path, e);
        }
    }

    private int rename(long f, long t) {
        String from = str(f), to = str(t);
        try {
            if (trace && LOG.isTraceEnabled()) LOG.trace("rename {} {}", from, to);
            enter();
            return fs.rename(from, to);
        } catch (Throwable e) {
            return fail("rename", from, e);
        }
    }

    private int link(long f, long t) {
        String from = str(f), to = str(t);
        try {
            if (trace && LOG.isTraceEnabled()) LOG.trace("link {} {}", from, to);
            Pointer c = enter();
            return fs.link(from, to, c.getInt(CTX_UID), c.getInt(CTX_GID));
        } catch (Throwable e) {
            return fail("link", from, e);
        }
    }

    private int chmod(long p, int mode) {
        String path = str(p);
        try {
            if (trace && LOG.isTraceEnabled()) LOG.trace("chmod {} mode={}", path, Integer.toOctalString(mode));
            enter();
            return fs.chmod(path, mode);
        } catch (Throwable t) {
            return fail("chmod", path, t);
        }
    }

    private int chown(long p, int uid, int gid) {
        String path = str(p);
        try {
            if (trace && LOG.isTraceEnabled()) LOG.trace("chown {} uid={} gid={}", path, uid, gid);
            enter();
            return fs.chown(path, uid, gid);
        } catch (Throwable t) {
            return fail("chown", path, t);
        }
    }

    private int truncate(long p, long size) {
        String path = str(p);
        try {
            if (trace && LOG.isTraceEnabled()) LOG.trace("truncate {} size={}", path, size);
            enter();
            return fs.truncate(path, size);
        } catch (Throwable t) {
            return fail("truncate", path, t);
        }
    }

    /** tv: struct timespec[2] (atime, mtime), or NULL for "now" (utime_omit_ok passes UTIME_NOW/OMIT through). */
    private int utimens(long p, long tv) {
        String path = str(p);
        try {
            if (trace && LOG.isTraceEnabled()) LOG.trace("utimens {}", path);
            enter();
            long[] times = tv == 0 ? new long[] {0, Posix.UTIME_NOW, 0, Posix.UTIME_NOW}
                    : new long[] {IO.getLong(tv), IO.getLong(tv + 8), IO.getLong(tv + 16), IO.getLong(tv + 24)};
            return fs.utimens(path, times);
        } catch (Throwable t) {
            return fail("utimens", path, t);
        }
    }

    private int statfs(long p, long st) {
        String path = str(p);
        try {
            if (trace && LOG.isTraceEnabled()) LOG.trace("statfs {}", path);
            enter();
            return fs.statfs(path == null ? "/" : path, ptr(st));
        } catch (Throwable t) {
            return fail("statfs", path, t);
        }
    }

    private int fsync(long p, int datasync, long fi) {
        try {
            if (trace && LOG.isTraceEnabled()) LOG.trace("fsync fh={} datasync={}", fh(fi), datasync);
            return fs.fsync(fh(fi), datasync != 0);
        } catch (Throwable t) {
            return fail("fsync", str(p), t);
        }
    }

    private int ftruncate(long p, long size, long fi) {
        try {
            if (trace && LOG.isTraceEnabled()) LOG.trace("ftruncate fh={} size={}", fh(fi), size);
            enter();
            return fs.ftruncate(fh(fi), size);
        } catch (Throwable t) {
            return fail("ftruncate", str(p), t);
        }
    }

    /** The filler libfuse passes to readdir (its static fill_dir), invoked directly through jffi. */
    private static volatile com.kenai.jffi.Function filler;

    private static com.kenai.jffi.Function filler(long addr) {
        com.kenai.jffi.Function f = filler;
        if (f == null || f.getFunctionAddress() != addr) {
            f = new com.kenai.jffi.Function(addr, com.kenai.jffi.Type.SINT32, com.kenai.jffi.Type.POINTER,
                    com.kenai.jffi.Type.POINTER, com.kenai.jffi.Type.POINTER, com.kenai.jffi.Type.SINT64);
            filler = f;
        }
        return f;
    }

    private static final ThreadLocal<Pointer> DIRENT_STAT =
            ThreadLocal.withInitial(() -> Memory.allocateDirect(Posix.RT, org.mergerfsj.posix.Stat.SIZE, true));

    /**
     * readdir(path, buf, filler, offset, fi): every entry goes to libfuse's filler with offset 0, so libfuse
     * collects the whole listing once per handle and serves the kernel's reads from it. Names are passed
     * straight from the getdents64 buffer (see {@link org.mergerfsj.union.Dirs#stream}).
     */
    private int readdir(long p, long buf, long fillerAddr, long offset, long fi) {
        try {
            long fh = fh(fi);
            if (trace && LOG.isTraceEnabled()) LOG.trace("readdir {} fh={}", str(p), fh);
            enter();
            com.kenai.jffi.Function fill = filler(fillerAddr);
            com.kenai.jffi.Invoker inv = com.kenai.jffi.Invoker.getInstance();
            long st = DIRENT_STAT.get().address();
            // without use_ino libfuse replaces d_ino with its own node ids: don't hash for nothing
            boolean useIno = fs.pool().config().useIno();
            String dir = fs.dirPath(fh, str(p)); // libfuse passes no path (nopath): the handle has it
            IO.putLong(st + org.mergerfsj.posix.Stat.OFF_INO, 0);
            fs.readdir(dir, (name, len, type, ino, dev, branch) -> {
                IO.putInt(st + org.mergerfsj.posix.Stat.OFF_MODE, type << 12);
                if (useIno) {
                    IO.putLong(st + org.mergerfsj.posix.Stat.OFF_INO,
                            fs.direntIno(dir, org.mergerfsj.union.Dirs.name(name, len), type, dev, ino));
                }
                return inv.invokeLLLLrL(fill, buf, name, st, 0) == 0;
            });
            return 0;
        } catch (Throwable t) {
            return fail("readdir", str(p), t);
        }
    }

    private int opendir(long p, long fi) {
        String path = str(p);
        try {
            if (trace && LOG.isTraceEnabled()) LOG.trace("opendir {}", path);
            IO.putLong(fi + FI_FH, fs.opendir(path));
            return 0;
        } catch (Throwable t) {
            return fail("opendir", path, t);
        }
    }

    private int releasedir(long p, long fi) {
        try {
            if (trace && LOG.isTraceEnabled()) LOG.trace("releasedir fh={}", fh(fi));
            return fs.releasedir(fh(fi));
        } catch (Throwable t) {
            return fail("releasedir", str(p), t);
        }
    }

    /** The closures, kept reachable for the life of this object (libfuse holds only their addresses). */
    private final Object[] raw = {
        (Op2) this::getattr, (Op3) this::fgetattr, (Op1) this::unlink, (Op2) this::open, (OpPIP) this::create,
        (Op5) this::write, (Op2) this::flush, (Op2) this::release, (Op4) this::getxattr,
        (OpPI) this::mkdir, (Op1) this::rmdir, (Op2) this::symlink, (Op2) this::rename, (Op2) this::link,
        (OpPI) this::chmod, (OpPII) this::chown, (Op2) this::truncate, (Op2) this::utimens, (Op2) this::statfs,
        (OpPIP) this::fsync, (Op3) this::ftruncate, (Op2) this::opendir, (Op2) this::releasedir,
        (Op5) this::readBuf, (Op5) this::readdir,
    };
    private static final int[] RAW_SLOTS = {
        OP_GETATTR, OP_FGETATTR, OP_UNLINK, OP_OPEN, OP_CREATE, OP_WRITE, OP_FLUSH, OP_RELEASE, OP_GETXATTR,
        OP_MKDIR, OP_RMDIR, OP_SYMLINK, OP_RENAME, OP_LINK, OP_CHMOD, OP_CHOWN, OP_TRUNCATE, OP_UTIMENS, OP_STATFS,
        OP_FSYNC, OP_FTRUNCATE, OP_OPENDIR, OP_RELEASEDIR, OP_READ_BUF, OP_READDIR,
    };
    private static final Class<?>[] RAW_TYPES = {
        Op2.class, Op3.class, Op1.class, Op2.class, OpPIP.class, Op5.class, Op2.class, Op2.class, Op4.class,
        OpPI.class, Op1.class, Op2.class, Op2.class, Op2.class, OpPI.class, OpPII.class, Op2.class, Op2.class, Op2.class,
        OpPIP.class, Op3.class, Op2.class, Op2.class, Op5.class, Op5.class,
    };

    private final List<Pointer> rawCode = new java.util.ArrayList<>();

    /** Writes the hot operations' closures into a copy of the operations table. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    void installRaw(Pointer ops) {
        jnr.ffi.provider.ClosureManager cm = Posix.RT.getClosureManager();
        // reads go through read_buf; no plain read (libfuse would never call it while read_buf is set)
        ops.putAddress(OP_READ, 0);
        for (int i = 0; i < raw.length; i++) {
            Pointer code = cm.getClosurePointer((Class) RAW_TYPES[i], raw[i]);
            rawCode.add(code);
            ops.putAddress(RAW_SLOTS[i], code.address());
        }
    }
}
