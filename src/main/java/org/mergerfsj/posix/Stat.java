package org.mergerfsj.posix;

import jnr.ffi.Pointer;

/** The fields of a struct stat that the union layer uses (x86_64 layout; see OFF_* for offsets). */
public final class Stat {
    public static final int SIZE = 144;
    public static final int OFF_DEV = 0, OFF_INO = 8, OFF_NLINK = 16, OFF_MODE = 24, OFF_UID = 28, OFF_GID = 32,
            OFF_RDEV = 40, OFF_SIZE = 48, OFF_BLKSIZE = 56, OFF_BLOCKS = 64, OFF_ATIME = 72, OFF_MTIME = 88,
            OFF_CTIME = 104;

    static {
        String arch = System.getProperty("os.arch");
        if (!arch.equals("amd64") && !arch.equals("x86_64")) {
            throw new ExceptionInInitializerError("mergerfs-j supports x86_64 Linux only, not " + arch);
        }
    }

    public long dev, ino, nlink, rdev, size, blocks;
    public int mode, uid, gid;
    public long atimeSec, atimeNsec, mtimeSec, mtimeNsec, ctimeSec, ctimeNsec;

    public static Stat read(Pointer p) {
        Stat s = new Stat();
        s.dev = p.getLong(OFF_DEV);
        s.ino = p.getLong(OFF_INO);
        s.nlink = p.getLong(OFF_NLINK);
        s.mode = p.getInt(OFF_MODE);
        s.uid = p.getInt(OFF_UID);
        s.gid = p.getInt(OFF_GID);
        s.rdev = p.getLong(OFF_RDEV);
        s.size = p.getLong(OFF_SIZE);
        s.blocks = p.getLong(OFF_BLOCKS);
        s.atimeSec = p.getLong(OFF_ATIME);
        s.atimeNsec = p.getLong(OFF_ATIME + 8);
        s.mtimeSec = p.getLong(OFF_MTIME);
        s.mtimeNsec = p.getLong(OFF_MTIME + 8);
        s.ctimeSec = p.getLong(OFF_CTIME);
        s.ctimeNsec = p.getLong(OFF_CTIME + 8);
        return s;
    }

    public boolean isDir() {
        return (mode & Posix.S_IFMT) == Posix.S_IFDIR;
    }

    public boolean isReg() {
        return (mode & Posix.S_IFMT) == Posix.S_IFREG;
    }

    public boolean isLink() {
        return (mode & Posix.S_IFMT) == Posix.S_IFLNK;
    }

    /** The times as utimensat wants them. */
    public long[] times() {
        return new long[] {atimeSec, atimeNsec, mtimeSec, mtimeNsec};
    }
}
