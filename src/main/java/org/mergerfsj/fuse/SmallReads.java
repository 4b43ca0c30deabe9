package org.mergerfsj.fuse;

import com.kenai.jffi.MemoryIO;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.mergerfsj.posix.Errno;
import org.mergerfsj.posix.Posix;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * READs below two pages answered by the worker itself: pread from the branch fd into the worker's reply
 * buffer and one writev, without libfuse. These are the reads libfuse would not splice either (it copies
 * anything under two pages through its own buffer), so the system calls are the same as libfuse's and
 * mergerfs's; what goes is libfuse's dispatch and the call from libfuse back into Java, a few µs of the
 * daemon's CPU per 4 KiB random read. Larger reads keep libfuse's splice path (FuseFs#readBuf).
 *
 * <p>A READ carries the fh our open returned (libfuse2's high-level layer hands its open's fh to the
 * kernel unchanged), and reading needs no path and no credentials, as in readBuf. nullrw reads stay
 * with libfuse.
 */
final class SmallReads {
    private static final Logger LOG = LoggerFactory.getLogger(SmallReads.class);
    private static final MemoryIO IO = MemoryIO.getInstance();

    /** libfuse2 splices replies of two pages and more (fuse_send_data_iov); below that it copies. */
    static final int MAX = 2 * 4096 - 1;
    /** struct fuse_read_in: fh, offset, size, ... */
    private static final int IN_FH = 0, IN_OFFSET = 8, IN_SIZE = 16;

    private final int devFd;
    private final FuseFs fs;

    SmallReads(int devFd, FuseFs fs) {
        this.devFd = devFd;
        this.fs = fs;
    }

    /** A worker's reply buffer: header, up to MAX bytes of data, one iovec. */
    static Pointer buffer() {
        return Memory.allocateDirect(Posix.RT, Wire.OUT_HEADER + MAX + 16 + 1, false);
    }

    /**
     * Answers the READ at {@code req} if it is small, with {@code out} (from {@link #buffer}) for the
     * reply; false leaves it to libfuse.
     */
    boolean serve(long req, Pointer out) {
        long in = req + Wire.IN_HEADER;
        int size = IO.getInt(in + IN_SIZE);
        if (size > MAX || size < 0 || Wire.len(req) < Wire.IN_HEADER + IN_SIZE + 4) return false;
        if (fs.config().nullrw()) return false;
        long fh = IO.getLong(in + IN_FH), offset = IO.getLong(in + IN_OFFSET);
        if (FuseFs.trace && LOG.isTraceEnabled()) LOG.trace("read fh={} size={} offset={}", fh, size, offset);
        long o = out.address(), data = o + Wire.OUT_HEADER, iov = data + MAX + 1;
        int error = 0, n = 0;
        try {
            int fd = fs.branchFd(fh);
            if (fd < 0) {
                error = fd;
            } else {
                long r = FuseMount.Sys.LIB.pread(fd, data, size, offset);
                if (r < 0) error = -Posix.errno();
                else n = (int) r;
            }
        } catch (Throwable t) {
            // the caller waits for an answer whatever happened
            LOG.error("read fh={} failed", fh, t);
            error = -Errno.EIO;
        }
        int w = Wire.reply(devFd, o, iov, Wire.unique(req), error, n);
        // ENOENT: the caller was interrupted and gave up the request; nothing else to do either way
        if (w < 0 && w != -Errno.ENOENT) LOG.debug("READ reply not delivered: {}", Posix.strerror(-w));
        return true;
    }
}
