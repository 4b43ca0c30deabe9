package org.mergerfsj.union;

import java.util.concurrent.ThreadLocalRandom;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.mergerfsj.posix.Errno;
import org.mergerfsj.posix.Posix;
import org.mergerfsj.posix.Stat;

/** Copies a file's data and metadata into a fresh temporary sibling (link_cow, moveonenospc). */
final class FileCopy {
    private FileCopy() {}

    /** "<path>.XXXXXX" with six random capital letters (as mergerfs names them). */
    static String tempName(String path) {
        StringBuilder b = new StringBuilder(path).append('.');
        ThreadLocalRandom r = ThreadLocalRandom.current();
        for (int i = 0; i < 6; i++) b.append((char) ('A' + r.nextInt(26)));
        return b.toString();
    }

    /** Copies all bytes of fdIn into fdOut from offset 0. Returns 0 or -errno. */
    static int copyData(int fdIn, int fdOut, long size) {
        Pointer buf = Memory.allocateDirect(Posix.RT, 1 << 20);
        long off = 0;
        while (off < size) {
            long n = Posix.C.pread(fdIn, buf, Math.min(1 << 20, size - off), off);
            if (n < 0) return -Posix.errno();
            if (n == 0) break;
            long done = 0;
            while (done < n) {
                long w = Posix.C.pwrite(fdOut, buf.slice(done), n - done, off + done);
                if (w < 0) return -Posix.errno();
                done += w;
            }
            off += n;
        }
        return 0;
    }

    /**
     * Copies src (a regular file, stat s) to a new temp file next to dstPath, with metadata. Returns the temp
     * path, or null with the errno in err[0].
     */
    static String copyToTemp(String src, Stat s, String dstPath, int[] err) {
        int in = Posix.open(src, Posix.O_RDONLY, 0);
        if (in < 0) {
            err[0] = in;
            return null;
        }
        try {
            for (int attempt = 0; attempt < 10; attempt++) {
                String tmp = tempName(dstPath);
                int out = Posix.open(tmp, Posix.O_WRONLY | Posix.O_CREAT | Posix.O_EXCL, s.mode & 07777);
                if (out == -Errno.EEXIST) continue;
                if (out < 0) {
                    err[0] = out;
                    return null;
                }
                int r = copyData(in, out, s.size);
                if (r == 0) r = Posix.check(Posix.C.fsync(out));
                Posix.close(out);
                if (r < 0) {
                    Posix.unlink(tmp);
                    err[0] = r;
                    return null;
                }
                ClonePath.copyMetadata(src, tmp, s);
                return tmp;
            }
            err[0] = -Errno.EEXIST;
            return null;
        } finally {
            Posix.close(in);
        }
    }
}
