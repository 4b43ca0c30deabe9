package org.mergerfsj.fuse;

import com.kenai.jffi.MemoryIO;
import java.util.HashMap;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.mergerfsj.config.Config;
import org.mergerfsj.config.PassthroughIo;
import org.mergerfsj.posix.Errno;
import org.mergerfsj.posix.Posix;
import org.mergerfsj.posix.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Open flags libfuse2's fuse_file_info has no bits for, set in OPEN and CREATE replies: FOPEN_NOFLUSH
 * (flush-on-close, OPT-65; protocol 7.35) and FOPEN_PASSTHROUGH with a backing id (passthrough.io, OPT-69;
 * 7.40, Linux 6.9). Requests that need either are processed on a {@link SideChannel} whose send edits the
 * {@code fuse_open_out} before writing it; the others take libfuse's own channel, as before.
 *
 * <p>Passthrough: the branch fd the open made is registered with the kernel (FUSE_DEV_IOC_BACKING_OPEN on
 * the device), and from then on the kernel reads, writes and mmaps that file itself: no READ or WRITE
 * reaches the daemon for the open file. The kernel's rules for one FUSE inode (fs/fuse/iomode.c) shape the
 * bookkeeping here, per node id:
 * <ul>
 * <li>while the inode has passthrough opens, every further open must be passthrough with the same backing
 * file, or the caller's open fails (EINVAL, EBUSY): later opens reuse the registered backing id, whatever
 * their access mode;
 * <li>while it has page-cached opens, a passthrough open fails (ETXTBSY): an open the mode does not select
 * makes the inode's later opens go without passthrough until all of them are released.
 * </ul>
 * The kernel drops an open's claim on the inode before it sends RELEASE, so counting releases (including
 * libfuse's own release of an open whose reply could not be delivered, which reaches {@link #released}
 * through the release callback) tells when the backing id can be closed.
 */
final class OpenReply {
    private static final Logger LOG = LoggerFactory.getLogger(OpenReply.class);
    private static final MemoryIO IO = MemoryIO.getInstance();

    static final int FOPEN_NOFLUSH = 1 << 5, FOPEN_PASSTHROUGH = 1 << 7;
    /** The only flags the kernel accepts beside FOPEN_PASSTHROUGH (FOPEN_PASSTHROUGH_MASK); direct io is dropped. */
    private static final int PASSTHROUGH_KEEPS = FOPEN_NOFLUSH;
    /** _IOW(229, 1, struct fuse_backing_map) and _IOW(229, 2, uint32_t). */
    static final long BACKING_OPEN = 0x4010E501L, BACKING_CLOSE = 0x4004E502L;

    /** The request a worker is processing on the side channel; its reply is written on the same thread. */
    private static final class Current {
        int opcode, flags;
        long nodeid;
        /**
         * Bytes 0-15: struct fuse_backing_map or a backing id; 16-47: an error reply's header and its
         * iovec; 48-103: capget/capset header, the thread's capabilities and the set without CAP_FSETID.
         */
        final Pointer scratch = Memory.allocateDirect(Posix.RT, 104, true);
    }

    private static final ThreadLocal<Current> CURRENT = ThreadLocal.withInitial(Current::new);

    /** One FUSE inode's opens as this daemon answered them. */
    private static final class Node {
        int backingId; // > 0 while ptOpens > 0
        long dev, ino; // the registered branch file
        int ptOpens, otherOpens;
    }

    private record Opened(long nodeid, Node node, boolean pt) {}

    private final int fd;
    private final FuseFs fs;
    private final SideChannel chan;
    private volatile boolean noflush, passthrough;
    /** Set once the kernel refused a backing file with EPERM (the daemon is not root): no more tries. */
    private volatile boolean refused;
    /** Guarded by itself: node id -> its opens; fh -> what release must undo. */
    private final HashMap<Long, Node> nodes = new HashMap<>();
    private final HashMap<Long, Opened> byFh = new HashMap<>();
    private boolean warned;

    OpenReply(Pointer se, Pointer ch, int fd, FuseFs fs) {
        this.fd = fd;
        this.fs = fs;
        this.chan = new SideChannel(se, ch, this::send);
    }

    /** Set from the INIT reply, before it is written: what the kernel agreed to. */
    void negotiated(boolean noflush, boolean passthrough) {
        this.noflush = noflush;
        this.passthrough = passthrough;
    }

    boolean noflush() {
        return noflush;
    }

    boolean passthrough() {
        return passthrough;
    }

    /**
     * Whether an open with access mode acc gets FOPEN_NOFLUSH (flush-on-close, when the kernel has it).
     * Under opened-for-write a write open gets it too when its branch file's close cannot do or report
     * anything (FuseFs#spareFlush, which marks the handle), and moveonenospc cannot move it to a branch
     * not looked at before it is closed.
     */
    private boolean noflushFor(Config cfg, int acc, long fh) {
        if (!noflush) return false;
        switch (cfg.flushOnClose()) {
            case NEVER:
                return true;
            case OPENED_FOR_WRITE:
                return acc == Posix.O_RDONLY || cfg.moveOnEnospc() == null && fs.spareFlush(fh);
            default:
                return false;
        }
    }

    /** Processes the OPEN or CREATE request at {@code req} (described by the worker's fuse_buf {@code buf}). */
    void process(Pointer buf, long req) {
        Current c = CURRENT.get();
        c.opcode = Wire.opcode(req);
        c.nodeid = Wire.nodeid(req);
        c.flags = IO.getInt(req + Wire.IN_HEADER); // open_in.flags and create_in.flags both come first
        try {
            chan.process(buf);
        } finally {
            c.opcode = 0;
        }
    }

    private int send(long ch, long iov, long count) {
        int refuse = 0;
        try {
            Current c = CURRENT.get();
            if (count == 2 && c.opcode != 0 && IO.getInt(IO.getLong(iov) + 4) == 0) {
                long arg = IO.getLong(iov + 16), len = IO.getLong(iov + 24);
                if (c.opcode == Wire.OPEN && len == Wire.OPEN_OUT) {
                    refuse = edit(c, arg, c.nodeid);
                } else if (c.opcode == Wire.CREATE && len == Wire.ENTRY_OUT + Wire.OPEN_OUT) {
                    refuse = edit(c, arg + Wire.ENTRY_OUT, IO.getLong(arg)); // entry_out.nodeid: the new file's node
                }
            }
        } catch (Throwable t) {
            // nothing was counted (see attach): the reply goes out as libfuse made it
            LOG.error("editing an OPEN/CREATE reply failed", t);
        }
        try {
            return refuse != 0 ? fail(iov, refuse) : Wire.writev(fd, iov, (int) count);
        } catch (Throwable t) {
            LOG.error("sending an OPEN/CREATE reply failed", t);
            return -Errno.EIO;
        }
    }

    /**
     * Answers the open with errno instead of libfuse's reply, then tells libfuse the reply could not be
     * delivered (ENOENT, as for an interrupted open), so that it releases the open file it made.
     */
    private int fail(long iov, int errno) {
        long p = CURRENT.get().scratch.address();
        Wire.reply(fd, p + 16, p + 32, IO.getLong(IO.getLong(iov) + 8), -errno, 0);
        return -Errno.ENOENT;
    }

    /** Sets the open flags of the fuse_open_out at {@code out}; returns 0, or an errno to fail the open with. */
    private int edit(Current c, long out, long nodeid) {
        Config cfg = fs.config();
        int acc = c.flags & Posix.O_ACCMODE;
        int flags = IO.getInt(out + 8);
        long fh = IO.getLong(out);
        fs.noteNode(fh, nodeid);
        if (noflushFor(cfg, acc, fh)) flags |= FOPEN_NOFLUSH;
        if (passthrough) {
            int id = attach(c, nodeid, fh, acc, cfg);
            if (id < 0) return -id;
            if (id > 0) {
                flags = flags & PASSTHROUGH_KEEPS | FOPEN_PASSTHROUGH;
                IO.putInt(out + 12, id);
            }
        }
        IO.putInt(out + 8, flags);
        return 0;
    }

    private static boolean selects(PassthroughIo mode, int acc) {
        switch (mode) {
            case RW:
                return true;
            case RO:
                return acc == Posix.O_RDONLY;
            case WO:
                return acc == Posix.O_WRONLY;
            default:
                return false;
        }
    }

    /**
     * Counts the open fh of nodeid; returns the backing id it is to use, 0 for none, or -errno when the
     * open must fail. Nothing is counted unless it returns >= 0 (the caller then cannot fail to reply).
     *
     * <p>A node with passthrough opens lends its backing file to every later open (the kernel allows no
     * other), but only if that open found the same branch file: a file replaced on the branch, or one
     * that link_cow copied, would otherwise take the writes into the old one. Such an open fails EBUSY,
     * as the kernel fails conflicting backing files. The branch fd is looked at before the lock is taken:
     * a branch that hangs must not stop the other opens.
     */
    private int attach(Current c, long nodeid, long fh, int acc, Config cfg) {
        int bfd = fs.branchFd(fh);
        Stat st = bfd < 0 ? null : Posix.fstat(bfd);
        synchronized (nodes) {
            Node n = nodes.get(nodeid);
            if (n != null && n.ptOpens > 0) {
                if (st == null || st.dev != n.dev || st.ino != n.ino) return -Errno.EBUSY;
                n.ptOpens++;
                byFh.put(fh, new Opened(nodeid, n, true));
                return n.backingId;
            }
            int id = 0;
            if ((n == null || n.otherOpens == 0) && selects(cfg.passthroughIo(), acc) && !cfg.nullrw() && !refused
                    && (c.flags & Posix.O_DIRECT) == 0 && eligible(st, cfg)) {
                id = register(c, bfd);
            }
            if (n == null) {
                n = new Node();
                nodes.put(nodeid, n);
            }
            if (id > 0) {
                n.backingId = id;
                n.dev = st.dev;
                n.ino = st.ino;
                n.ptOpens++;
            } else {
                n.otherOpens++;
            }
            byFh.put(fh, new Opened(nodeid, n, id > 0));
            return id;
        }
    }

    /**
     * Whether a branch file may become a backing file: a regular file without set-user-ID or set-group-ID
     * bits (the kernel writes a backing file with the credentials of whoever registered it, so a later
     * writer sharing the registration would not clear those bits as a write of their own would), and not a
     * hard-linked file under link_cow (a later write open replaces it with a copy).
     */
    private static boolean eligible(Stat st, Config cfg) {
        return st != null && st.isReg() && (st.mode & (Posix.S_ISUID | Posix.S_ISGID)) == 0
                && !(cfg.linkCow() && st.nlink > 1);
    }

    /**
     * Registers a branch fd as a backing file: its id, or 0 when the kernel refuses. O_DIRECT opens are not
     * registered: the kernel opens the backing file with the caller's flags, and a branch may refuse O_DIRECT.
     *
     * <p>The kernel keeps the credentials of the registering thread and does every passed-through write
     * with them, for every open that shares the registration. CAP_FSETID is dropped from them: a write
     * then clears set-user-ID (and set-group-ID with group execute) as a non-root writer's would, even
     * when root registered the file and a user writes, or the bits were set after registration. (A root
     * caller's thread runs with fsuid 0 and all capabilities; a user's has lost CAP_FSETID with setfsuid.)
     */
    private int register(Current c, int bfd) {
        Pointer m = c.scratch;
        Pointer hdr = m.slice(48), saved = m.slice(56), lowered = m.slice(80);
        if (!dropFsetid(hdr, saved, lowered)) {
            // never register with CAP_FSETID: shared writes would keep set-user-ID bits
            refuse("could not drop CAP_FSETID: " + Posix.strerror(Posix.errno()));
            return 0;
        }
        int id;
        try {
            m.putInt(0, bfd);
            m.putInt(4, 0);
            m.putLong(8, 0);
            id = Posix.C.ioctl(fd, BACKING_OPEN, m);
        } finally {
            if (Posix.C.capset(hdr, saved) != 0) {
                // the thread would serve later root callers without CAP_FSETID: safe, but say so
                LOG.error("passthrough.io: could not restore CAP_FSETID: {}", Posix.strerror(Posix.errno()));
            }
        }
        if (id > 0) return id;
        int err = id < 0 ? Posix.errno() : Errno.EIO;
        if (err == Errno.EPERM) refuse("the kernel refused a backing file (" + Posix.strerror(err)
                + "); passthrough needs a daemon running as root");
        else warnOnce("the kernel refused a backing file (" + Posix.strerror(err) + "); such opens go through the daemon");
        return 0;
    }

    /** No more registrations: every open goes through the daemon from now on. */
    private void refuse(String why) {
        refused = true;
        warnOnce(why + "; all opens go through the daemon");
    }

    private void warnOnce(String what) {
        if (warned) return;
        warned = true;
        LOG.warn("passthrough.io: {}", what);
    }

    private static final int CAPABILITY_VERSION_3 = 0x20080522, CAP_FSETID = 4;

    /**
     * Clears CAP_FSETID from this thread's effective set, keeping the previous sets in {@code saved} for
     * capset(hdr, saved). False if that failed (nothing changed then).
     */
    private static boolean dropFsetid(Pointer hdr, Pointer saved, Pointer lowered) {
        hdr.putInt(0, CAPABILITY_VERSION_3);
        hdr.putInt(4, 0); // this thread
        if (Posix.C.capget(hdr, saved) != 0) return false;
        for (int i = 0; i < 24; i += 4) lowered.putInt(i, saved.getInt(i));
        lowered.putInt(0, saved.getInt(0) & ~(1 << CAP_FSETID)); // data[0].effective
        return Posix.C.capset(hdr, lowered) == 0;
    }

    /** The release of fh (from the kernel, or libfuse's own after an undelivered reply). */
    void released(long fh) {
        if (!passthrough) return;
        int close = 0;
        synchronized (nodes) {
            Opened o = byFh.remove(fh);
            if (o == null) return;
            Node n = o.node();
            if (o.pt()) {
                if (--n.ptOpens == 0) {
                    close = n.backingId;
                    n.backingId = 0;
                }
            } else {
                n.otherOpens--;
            }
            if (n.ptOpens == 0 && n.otherOpens == 0) nodes.remove(o.nodeid());
        }
        // outside the lock: the last reference to a backing file may be an NFS close that takes its time
        if (close > 0) {
            Pointer m = CURRENT.get().scratch;
            m.putInt(0, close);
            if (Posix.C.ioctl(fd, BACKING_CLOSE, m) < 0) {
                LOG.warn("passthrough.io: closing backing id {} failed: {}", close, Posix.strerror(Posix.errno()));
            }
        }
        if (FuseFs.trace && LOG.isTraceEnabled()) LOG.trace("passthrough released fh={}", fh);
    }
}
