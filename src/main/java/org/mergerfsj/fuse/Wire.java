package org.mergerfsj.fuse;

import com.kenai.jffi.MemoryIO;
import org.mergerfsj.posix.Posix;

/** The FUSE kernel protocol as this package reads and writes it besides libfuse: headers, opcodes, replies. */
final class Wire {
    private Wire() {}

    private static final MemoryIO IO = MemoryIO.getInstance();

    /** sizeof struct fuse_in_header {len, opcode, unique, nodeid, uid, gid, pid, padding}. */
    static final int IN_HEADER = 40;
    /** sizeof struct fuse_out_header {len, error, unique}. */
    static final int OUT_HEADER = 16;
    /** sizeof struct fuse_open_out {fh, open_flags, backing_id} and struct fuse_entry_out (7.9+). */
    static final int OPEN_OUT = 16, ENTRY_OUT = 128;

    static final int LOOKUP = 1, FORGET = 2, INIT = 26, OPENDIR = 27, READDIR = 28, READDIRPLUS = 44;
    static final int GETATTR = 3, OPEN = 14, READ = 15, CREATE = 35;
    /** fuse_getattr_in.getattr_flags: the request names an open file by its fh. */
    static final int GETATTR_FH = 1;
    static final int RELEASE = 18, INTERRUPT = 36, RELEASEDIR = 29, BATCH_FORGET = 42;

    static int len(long request) {
        return IO.getInt(request);
    }

    static int opcode(long request) {
        return IO.getInt(request + 4);
    }

    static long unique(long request) {
        return IO.getLong(request + 8);
    }

    /** The calling thread's id (the kernel's pid of the task that made the request; 0 for its own). */
    static int pid(long request) {
        return IO.getInt(request + 32);
    }

    /** Requests the kernel sends without anyone waiting on the reply (or with no reply at all). */
    static boolean background(int opcode) {
        return opcode == FORGET || opcode == BATCH_FORGET || opcode == RELEASE || opcode == RELEASEDIR
                || opcode == INTERRUPT;
    }

    static long nodeid(long request) {
        return IO.getLong(request + 16);
    }

    /**
     * Writes a reply whose header goes at {@code out}, followed by {@code len} payload bytes already there
     * (none when error != 0), through the one iovec at {@code iov}: 0 or -errno.
     */
    static int reply(int fd, long out, long iov, long unique, int error, int len) {
        int total = OUT_HEADER + (error == 0 ? len : 0);
        IO.putInt(out, total);
        IO.putInt(out + 4, error);
        IO.putLong(out + 8, unique);
        IO.putLong(iov, out);
        IO.putLong(iov + 8, total);
        return writev(fd, iov, 1);
    }

    /** Writes a reply (an iovec array of {@code count} entries) to the FUSE device: 0 or -errno. */
    static int writev(int fd, long iov, int count) {
        long r = FuseMount.Sys.LIB.writev(fd, iov, count);
        return r < 0 ? -Posix.errno() : 0;
    }
}
