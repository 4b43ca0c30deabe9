package org.mergerfsj.posix;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.IgnoreError;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.byref.IntByReference;

/**
 * The libc calls mergerfs-j makes, bound with jnr-ffi. Paths are passed as byte arrays (NUL-terminated
 * by {@link Posix#path}) so names that are not valid UTF-8 reach the branch unchanged.
 */
@SaveError
public interface LibC {
    LibC INSTANCE = LibraryLoader.create(LibC.class).failImmediately().load("c");

    int open(@In byte[] path, int flags, int mode);
    int openat(int dirfd, @In byte[] path, int flags, int mode);
    int close(int fd);
    long pread(int fd, Pointer buf, long count, long offset);
    long pwrite(int fd, Pointer buf, long count, long offset);
    long pread(int fd, @Out byte[] buf, long count, long offset);
    long pwrite(int fd, @In byte[] buf, long count, long offset);
    int lstat(@In byte[] path, Pointer buf);
    /** lstat of a NUL-terminated path in native memory (see Posix.nativePath): no Java array to marshal. */
    int lstat(Pointer path, Pointer buf);
    int stat(@In byte[] path, Pointer buf);
    int fstat(int fd, Pointer buf);
    int mkdir(@In byte[] path, int mode);
    int rmdir(@In byte[] path);
    int unlink(@In byte[] path);
    int rename(@In byte[] from, @In byte[] to);
    int link(@In byte[] from, @In byte[] to);
    int symlink(@In byte[] target, @In byte[] linkpath);
    long readlink(@In byte[] path, @Out byte[] buf, long size);
    int chmod(@In byte[] path, int mode);
    int fchmod(int fd, int mode);
    int lchown(@In byte[] path, int uid, int gid);
    int fchown(int fd, int uid, int gid);
    int truncate(@In byte[] path, long length);
    int ftruncate(int fd, long length);
    int utimensat(int dirfd, @In byte[] path, @In long[] times, int flags);
    int futimens(int fd, @In long[] times);
    int mknod(@In byte[] path, int mode, long dev);
    int faccessat(int dirfd, @In byte[] path, int mode, int flags);
    int statvfs(@In byte[] path, Pointer buf);
    int fstatfs(int fd, Pointer buf);
    int statx(int dirfd, @In byte[] path, int flags, int mask, Pointer buf);
    int fsync(int fd);
    int fdatasync(int fd);
    int fallocate(int fd, int mode, long offset, long len);
    int flock(int fd, int op);
    int dup(int fd);
    int dup2(int oldfd, int newfd);
    int setrlimit(int resource, @In long[] rlim);
    int getrlimit(int resource, @Out long[] rlim);
    int posix_fadvise(int fd, long offset, long len, int advice);
    long lgetxattr(@In byte[] path, @In byte[] name, Pointer value, long size);
    long lgetxattr(Pointer path, @In byte[] name, Pointer value, long size);
    long lgetxattr(@In byte[] path, @In byte[] name, @Out byte[] value, long size);
    int lsetxattr(@In byte[] path, @In byte[] name, Pointer value, long size, int flags);
    int lsetxattr(@In byte[] path, @In byte[] name, @In byte[] value, long size, int flags);
    long llistxattr(@In byte[] path, Pointer list, long size);
    long llistxattr(@In byte[] path, @Out byte[] list, long size);
    int lremovexattr(@In byte[] path, @In byte[] name);
    long copy_file_range(int fdIn, Pointer offIn, int fdOut, Pointer offOut, long len, int flags);
    int ioctl(int fd, long request, Pointer arg);
    int capget(Pointer header, Pointer data);
    int capset(Pointer header, Pointer data);
    Pointer opendir(@In byte[] path);
    Pointer fdopendir(int fd);
    Pointer readdir64(Pointer dir);
    int closedir(Pointer dir);
    @IgnoreError int setfsuid(int uid);
    @IgnoreError int setfsgid(int gid);
    long syscall(long number, long a1, long a2);
    long syscall(long number, long a1, @In int[] a2);
    long syscall(long number, long a1, Pointer a2, long a3);
    int getgrouplist(@In byte[] user, int group, @Out int[] groups, IntByReference ngroups);
    int setpriority(int which, int who, int prio);
    @IgnoreError int umask(int mask);
    int chdir(@In byte[] path);
    @IgnoreError int geteuid();
    @IgnoreError int getpid();
    int kill(int pid, int sig);
    @IgnoreError long signal(int sig, long handler);
    @IgnoreError Pointer strerror(int errnum);
}
