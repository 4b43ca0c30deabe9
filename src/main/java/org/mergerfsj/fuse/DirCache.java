package org.mergerfsj.fuse;

import com.kenai.jffi.MemoryIO;
import jnr.ffi.Pointer;
import org.mergerfsj.posix.Errno;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code cache.readdir=true}: OPENDIR replies carry FOPEN_CACHE_DIR and FOPEN_KEEP_CACHE, so the kernel
 * keeps a directory's listing in its page cache and answers later listings itself until the directory
 * changes (its mtime moves) or memory is short; mergerfs 2.33.5 sets the same two flags. libfuse2's
 * fuse_file_info has no bit for cache_dir (protocol 7.28), so OPENDIR requests are processed on a second
 * channel whose send operation adds the flags to the {@code fuse_open_out} before writing it to the device.
 * Only OPENDIR replies pass through it, so there is no other reply to mistake for one.
 */
final class DirCache {
    private static final Logger LOG = LoggerFactory.getLogger(DirCache.class);
    private static final MemoryIO IO = MemoryIO.getInstance();

    private static final int FOPEN_KEEP_CACHE = 1 << 1, FOPEN_CACHE_DIR = 1 << 3;

    private final int fd;
    private final SideChannel chan;

    DirCache(Pointer se, Pointer ch, int fd) {
        this.fd = fd;
        this.chan = new SideChannel(se, ch, this::send);
    }

    /** Processes the OPENDIR request in {@code buf} (a worker's struct fuse_buf) through the flagging channel. */
    void process(Pointer buf) {
        chan.process(buf);
    }

    private int send(long ch, long iov, long count) {
        try {
            if (count == 2 && IO.getLong(iov + 24) == Wire.OPEN_OUT && IO.getInt(IO.getLong(iov) + 4) == 0) {
                long out = IO.getLong(iov + 16);
                IO.putInt(out + 8, IO.getInt(out + 8) | FOPEN_KEEP_CACHE | FOPEN_CACHE_DIR);
            }
            return Wire.writev(fd, iov, (int) count);
        } catch (Throwable t) {
            LOG.error("sending an OPENDIR reply failed", t);
            return -Errno.EIO;
        }
    }
}
