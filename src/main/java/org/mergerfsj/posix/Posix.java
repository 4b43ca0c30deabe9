package org.mergerfsj.posix;

import java.nio.charset.StandardCharsets;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * The only door to libc. Every call returns its result, or a negative errno: errors are values.
 * Strings are file names in ISO-8859-1 (one char per byte), the JVM's file.encoding for the daemon.
 */
public final class Posix {
    private Posix() {}

    public static final LibC C = LibC.INSTANCE;
    public static final Runtime RT = Runtime.getRuntime(C);

    public static final int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_ACCMODE = 3, O_CREAT = 0100, O_EXCL = 0200,
            O_NOCTTY = 0400, O_TRUNC = 01000, O_APPEND = 02000, O_NONBLOCK = 04000, O_DIRECTORY = 0200000,
            O_NOFOLLOW = 0400000, O_DIRECT = 040000, O_NOATIME = 01000000, O_CLOEXEC = 02000000, O_PATH = 010000000;
    public static final int AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, AT_EACCESS = 0x200;
    public static final long UTIME_NOW = (1L << 30) - 1, UTIME_OMIT = (1L << 30) - 2;
    public static final int S_IFMT = 0170000, S_IFDIR = 0040000, S_IFREG = 0100000, S_IFLNK = 0120000,
            S_ISUID = 04000, S_ISGID = 02000;
    public static final int XATTR_CREATE = 1, XATTR_REPLACE = 2;
    public static final int POSIX_FADV_DONTNEED = 4;

    public static int errno() {
        return RT.getLastError();
    }

    /** -errno when r is -1, else r. */
    public static int check(int r) {
        return r == -1 ? -errno() : r;
    }

    public static long check(long r) {
        return r == -1 ? -errno() : r;
    }

    @SuppressWarnings("deprecation")
    public static byte[] path(String s) {
        int n = s.length();
        byte[] b = new byte[n + 1];
        // the low byte of each char: names are ISO-8859-1 strings (one char per byte), and for those this
        // is one array copy where a charAt loop cost 0.7 % of the daemon's samples in an ls -l
        s.getBytes(0, n, b, 0);
        return b;
    }

    public static String string(byte[] b, int off, int len) {
        return new String(b, off, len, StandardCharsets.ISO_8859_1);
    }

    public static String strerror(int errno) {
        Pointer p = C.strerror(errno);
        return p == null ? "errno " + errno : p.getString(0);
    }

    // --- per-thread scratch buffers, so a hot path allocates no native memory ---

    private static final ThreadLocal<Pointer> STAT_BUF = ThreadLocal.withInitial(() -> Memory.allocateDirect(RT, 256));

    /** A thread-local native buffer big enough for a struct stat or statvfs. */
    public static Pointer scratch() {
        return STAT_BUF.get();
    }

    private static final int PATH_BUF = 2 * 4096 + 2;

    /** A thread's native path buffer and the byte array a name is copied through on its way there. */
    private static final class PathBuf {
        final Pointer ptr = Memory.allocateDirect(RT, PATH_BUF);
        final byte[] bytes = new byte[PATH_BUF];
    }

    private static final ThreadLocal<PathBuf> PATH = ThreadLocal.withInitial(PathBuf::new);

    /**
     * {@code path} NUL-terminated in this thread's native path buffer, for syscalls on the hot paths: a
     * Java byte[] argument costs jffi a JNI array copy per call, a native address nothing. Valid until the
     * thread's next call; null when the path does not fit (the caller then takes the byte[] way and gets
     * the kernel's ENAMETOOLONG).
     */
    @SuppressWarnings("deprecation")
    public static Pointer nativePath(String path) {
        int n = path.length();
        if (n >= PATH_BUF) return null;
        PathBuf b = PATH.get();
        path.getBytes(0, n, b.bytes, 0);
        b.bytes[n] = 0;
        b.ptr.put(0, b.bytes, 0, n + 1);
        return b.ptr;
    }

    /** lstat into st through {@link #nativePath}; 0 or -1 (errno set), as the libc call. */
    public static int lstatFast(String path, Pointer st) {
        Pointer p = nativePath(path);
        return p != null ? C.lstat(p, st) : C.lstat(path(path), st);
    }

    public static int open(String path, int flags, int mode) {
        return check(C.open(path(path), flags | O_CLOEXEC, mode));
    }

    public static int close(int fd) {
        return check(C.close(fd));
    }

    public static int lstat(String path, Pointer buf) {
        return check(C.lstat(path(path), buf));
    }

    public static int stat(String path, Pointer buf) {
        return check(C.stat(path(path), buf));
    }

    public static int fstat(int fd, Pointer buf) {
        return check(C.fstat(fd, buf));
    }

    /** lstat into a fresh Java-side Stat, or null with the errno in {@code err[0]} when err is given. */
    public static Stat lstat(String path) {
        Pointer p = scratch();
        if (C.lstat(path(path), p) != 0) return null;
        return Stat.read(p);
    }

    public static Stat stat(String path) {
        Pointer p = scratch();
        if (C.stat(path(path), p) != 0) return null;
        return Stat.read(p);
    }

    public static Stat fstat(int fd) {
        Pointer p = scratch();
        if (C.fstat(fd, p) != 0) return null;
        return Stat.read(p);
    }

    public static int mkdir(String path, int mode) {
        return check(C.mkdir(path(path), mode));
    }

    public static int rmdir(String path) {
        return check(C.rmdir(path(path)));
    }

    public static int unlink(String path) {
        return check(C.unlink(path(path)));
    }

    public static int rename(String from, String to) {
        return check(C.rename(path(from), path(to)));
    }

    public static int link(String from, String to) {
        return check(C.link(path(from), path(to)));
    }

    public static int symlink(String target, String linkpath) {
        return check(C.symlink(path(target), path(linkpath)));
    }

    /** The link target, or null (errno in the returned holder is not kept: callers re-check with lstat). */
    public static String readlink(String path) {
        byte[] buf = new byte[4097];
        long n = C.readlink(path(path), buf, buf.length);
        if (n < 0) return null;
        return string(buf, 0, (int) n);
    }

    public static int chmod(String path, int mode) {
        return check(C.chmod(path(path), mode));
    }

    public static int lchown(String path, int uid, int gid) {
        return check(C.lchown(path(path), uid, gid));
    }

    public static int truncate(String path, long len) {
        return check(C.truncate(path(path), len));
    }

    /** utimensat(AT_FDCWD, path, times, AT_SYMLINK_NOFOLLOW); times = {atime s, ns, mtime s, ns}. */
    public static int lutimens(String path, long[] times) {
        return check(C.utimensat(AT_FDCWD, path(path), times, AT_SYMLINK_NOFOLLOW));
    }

    public static int mknod(String path, int mode, long dev) {
        return check(C.mknod(path(path), mode, dev));
    }

    public static int eaccess(String path, int mask) {
        return check(C.faccessat(AT_FDCWD, path(path), mask, AT_EACCESS));
    }

    public static int statvfs(String path, Pointer buf) {
        return check(C.statvfs(path(path), buf));
    }

    public static int lsetxattr(String path, String name, byte[] value, int flags) {
        return check(C.lsetxattr(path(path), path(name), value, value.length, flags));
    }

    public static int lremovexattr(String path, String name) {
        return check(C.lremovexattr(path(path), path(name)));
    }

    /** The value of an xattr, or null when absent/unreadable. */
    public static byte[] lgetxattr(String path, String name) {
        byte[] p = path(path), n = path(name);
        for (int attempt = 0; attempt < 3; attempt++) {
            long size = C.lgetxattr(p, n, (byte[]) null, 0);
            if (size < 0) return null;
            byte[] buf = new byte[(int) size];
            long got = C.lgetxattr(p, n, buf, size);
            if (got >= 0) return got == size ? buf : java.util.Arrays.copyOf(buf, (int) got);
            if (errno() != Errno.ERANGE) return null;
        }
        return null;
    }

    /** NUL-separated xattr names, or null. */
    public static byte[] llistxattr(String path) {
        byte[] p = path(path);
        for (int attempt = 0; attempt < 3; attempt++) {
            long size = C.llistxattr(p, (byte[]) null, 0);
            if (size < 0) return null;
            byte[] buf = new byte[(int) size];
            long got = C.llistxattr(p, buf, size);
            if (got >= 0) return got == size ? buf : java.util.Arrays.copyOf(buf, (int) got);
            if (errno() != Errno.ERANGE) return null;
        }
        return null;
    }
}
