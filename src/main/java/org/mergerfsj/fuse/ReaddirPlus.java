package org.mergerfsj.fuse;

import com.kenai.jffi.MemoryIO;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.mergerfsj.posix.Errno;
import org.mergerfsj.posix.Posix;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers READDIRPLUS (option {@code readdirplus=true}) although libfuse2 knows only READDIR: a listing then
 * carries each entry's node id and attributes, so {@code ls -l}, {@code du} and friends find every entry
 * already looked up instead of sending one LOOKUP round trip per name.
 *
 * <p>How, without touching libfuse's private structures: the READDIRPLUS request is replayed to libfuse as
 * a READDIR with the same handle, offset and size, and each returned name as a LOOKUP in the same
 * directory with the caller's uid, gid and pid. Both go through {@code fuse_session_process_buf} on a
 * second channel whose send operation captures the reply instead of writing it to the device. libfuse
 * therefore keeps its node table and lookup counts exactly as if the kernel had sent those LOOKUPs
 * itself, and the kernel's FORGETs later balance them. The entries that fit in the requested size are
 * written to the device as one {@code fuse_direntplus} reply; the next request resumes at the offset of the
 * last one sent, which libfuse's READDIR serves from its own buffer. If the reply cannot be delivered (the
 * request was interrupted), the lookups are undone with FORGETs so no node leaks.
 *
 * <p>An entry whose lookup fails (removed meanwhile, permission) and the entries "." and ".." are sent with
 * node id 0, which tells the kernel "no attributes for this one": it is listed and looked up later as
 * usual.
 */
final class ReaddirPlus {
    private static final Logger LOG = LoggerFactory.getLogger(ReaddirPlus.class);
    private static final MemoryIO IO = MemoryIO.getInstance();

    /** INIT flags (fuse_init_in/out.flags). */
    static final int FUSE_DO_READDIRPLUS = 1 << 13, FUSE_READDIRPLUS_AUTO = 1 << 14;

    private static final int IN_HEADER = Wire.IN_HEADER, OUT_HEADER = Wire.OUT_HEADER, READ_IN = 40, FORGET_IN = 8;
    private static final int ENTRY_OUT = Wire.ENTRY_OUT;
    private static final int DIRENT = 24;          // struct fuse_dirent without the name (ino, off, namelen, type)
    private static final int DT_DIR = 4;
    private static final int NAME_MAX = 1024;      // FUSE_NAME_MAX
    private static final int FUSE_BUF = 40;        // struct fuse_buf

    private final int fd;
    private final SideChannel chan;                // the capturing channel
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

    /** After a LOOKUP shows that listed files are being stat'ed, first chunks carry every entry for this long. */
    static final long FULL_NANOS = 2_000_000_000L;
    /**
     * Hashes of (directory, name) sent without attributes lately: a LOOKUP of one of them is the sign that
     * the caller wants them. A small direct-mapped table; collisions and overwrites only blur a heuristic.
     */
    private final long[] sentBare = new long[1 << 12];
    private volatile long fullUntil;

    /** Native memory that grows on demand; freed by the garbage collector with its thread's Scratch. */
    private static final class Buf {
        private Pointer mem;
        long addr;
        int cap;

        Buf(int cap) {
            grow(cap);
        }

        long need(int n) {
            if (n > cap) grow(Math.max(n, cap * 2));
            return addr;
        }

        private void grow(int n) {
            mem = Memory.allocateDirect(Posix.RT, n, false);
            addr = mem.address();
            cap = n;
        }
    }

    /**
     * Per worker thread: the replayed request, the captured reply and the reply being built. All of it is
     * garbage-collected memory, so a worker that retires leaves nothing behind.
     */
    private static final class Scratch {
        final Pointer req = Memory.allocateDirect(Posix.RT, IN_HEADER + NAME_MAX + 64, true);
        final Pointer buf = Memory.allocateDirect(Posix.RT, FUSE_BUF, true);
        final Buf iov = new Buf(16);
        Buf got = new Buf(4096);                   // captured reply payload
        Buf dir = new Buf(4096);                   // the READDIR answer, while its names are looked up
        final Buf out = new Buf(OUT_HEADER + 4096); // the READDIRPLUS reply: header + entries
        int gotLen, error;
        boolean replied;
        long[] nodes = new long[64];
    }

    /** A READDIRPLUS server for session {@code se} whose requests arrive on channel {@code ch}. */
    ReaddirPlus(Pointer se, Pointer ch, int fd) {
        this.fd = fd;
        this.chan = new SideChannel(se, ch, this::capture);
    }

    /** Serves the READDIRPLUS request at {@code request} (a worker's receive buffer). */
    void handle(long request) {
        Scratch s = scratch.get();
        long unique = Wire.unique(request);
        int size = IO.getInt(request + IN_HEADER + 16);
        try {
            // 1. the same read as a READDIR
            long rq = s.req.address();
            IO.copyMemory(request, rq, IN_HEADER + READ_IN);
            IO.putInt(rq, IN_HEADER + READ_IN);
            IO.putInt(rq + 4, Wire.READDIR);
            replay(s, IN_HEADER + READ_IN);
            if (!s.replied) {
                reply(s, unique, -Errno.EIO, 0);
                return;
            }
            if (s.error != 0) {
                reply(s, unique, s.error, 0);
                return;
            }
            Buf dir = s.got; // keep the listing; lookups capture into the other buffer
            s.got = s.dir;
            s.dir = dir;
            boolean all = IO.getLong(request + IN_HEADER + 8) != 0 || System.nanoTime() - fullUntil < 0;
            build(s, request, unique, size, dir.addr, s.gotLen, all);
        } catch (Throwable t) {
            LOG.error("readdirplus failed", t);
            reply(s, unique, -Errno.EIO, 0);
        }
    }

    /**
     * Which entries carry attributes. Looking one up costs the daemon ~10 us (libfuse's lookup path, an
     * lstat of the branch path); a LOOKUP round trip costs ~30 us, but only if the caller wants it. With
     * READDIRPLUS_AUTO the kernel asks for a directory's first chunk with attributes always (a plain
     * {@code find} or {@code ls} would pay for every name) and for later chunks only after lookups in the
     * directory showed that its entries are being stat'ed. So: later chunks carry every entry; a first
     * chunk carries subdirectories only (what a tree walk looks up next), unless a LOOKUP in a directory
     * listed that way came in during the last {@link #FULL_NANOS} ({@code ls -l}, {@code du},
     * {@code rm -r} of small directories), which turns full first chunks on.
     */
    void noteLookup(long request) {
        int len = Wire.len(request) - IN_HEADER - 1; // the name and its NUL follow the header
        if (len <= 0 || len > NAME_MAX) return;
        long key = key(Wire.nodeid(request), request + IN_HEADER, len);
        if (sentBare[(int) key & (sentBare.length - 1)] == key) fullUntil = System.nanoTime() + FULL_NANOS;
    }

    /** FNV-1a over the directory's node id and the name; never 0 (0 marks an empty slot). */
    private static long key(long dir, long name, int len) {
        long h = 0xcbf29ce484222325L ^ dir;
        for (int i = 0; i < len; i++) h = (h ^ (IO.getByte(name + i) & 0xff)) * 0x100000001b3L;
        return h | 1;
    }

    private void build(Scratch s, long request, long unique, int size, long dir, int dirLen, boolean all) {
        long out = s.out.need(OUT_HEADER + size);
        int p = OUT_HEADER, nodes = 0, entries = 0, r = -Errno.EIO;
        try {
            for (int pos = 0; pos + DIRENT <= dirLen; ) {
                long d = dir + pos;
                int namelen = IO.getInt(d + 16);
                int reclen = align8(DIRENT + namelen);
                if (namelen <= 0 || namelen > NAME_MAX || pos + reclen > dirLen) break; // libfuse may cut the last one
                int plusLen = align8(ENTRY_OUT + DIRENT + namelen);
                if (p - OUT_HEADER + plusLen > size) break;
                long e = out + p;
                IO.setMemory(e, plusLen, (byte) 0);
                if (isDot(d + DIRENT, namelen)) {
                    // no attributes: the kernel ignores them for "." and ".."
                } else if (!all && IO.getInt(d + 20) != DT_DIR) {
                    long key = key(Wire.nodeid(request), d + DIRENT, namelen);
                    sentBare[(int) key & (sentBare.length - 1)] = key;
                } else {
                    long node = lookup(s, request, d + DIRENT, namelen);
                    if (node != 0) {
                        IO.copyMemory(s.got.addr, e, ENTRY_OUT);
                        if (nodes == s.nodes.length) s.nodes = java.util.Arrays.copyOf(s.nodes, nodes * 2);
                        s.nodes[nodes++] = node;
                    }
                }
                IO.copyMemory(d, e + ENTRY_OUT, DIRENT + namelen);
                p += plusLen;
                pos += reclen;
                entries++;
            }
            // logged before the reply, so the line is in the log by the time the caller has its answer
            if (FuseFs.trace && LOG.isTraceEnabled()) {
                LOG.trace("readdirplus node={} off={} size={} entries={} attrs={}{}", Wire.nodeid(request),
                        IO.getLong(request + IN_HEADER + 8), size, entries, nodes, all ? "" : " (directories only)");
            }
            r = reply(s, unique, 0, p - OUT_HEADER);
            if (r != 0 && LOG.isDebugEnabled()) LOG.debug("readdirplus reply undelivered ({}): lookups undone", Posix.strerror(-r));
        } finally {
            if (r != 0) {
                for (int i = 0; i < nodes; i++) forget(s, request, s.nodes[i]); // the kernel never saw them
            }
        }
    }

    /** LOOKUP of one name in the request's directory, as the caller. The node id, or 0 (entry in s.got). */
    private long lookup(Scratch s, long request, long name, int namelen) {
        long rq = s.req.address();
        IO.copyMemory(request, rq, IN_HEADER);
        IO.putInt(rq, IN_HEADER + namelen + 1);
        IO.putInt(rq + 4, Wire.LOOKUP);
        IO.copyMemory(name, rq + IN_HEADER, namelen);
        IO.putByte(rq + IN_HEADER + namelen, (byte) 0);
        replay(s, IN_HEADER + namelen + 1);
        if (!s.replied || s.error != 0 || s.gotLen < ENTRY_OUT) return 0;
        return IO.getLong(s.got.addr); // 0 when libfuse answered a negative entry
    }

    /** Gives back one lookup of {@code node} (the kernel never saw it). */
    private void forget(Scratch s, long request, long node) {
        long rq = s.req.address();
        IO.copyMemory(request, rq, IN_HEADER);
        IO.putInt(rq, IN_HEADER + FORGET_IN);
        IO.putInt(rq + 4, Wire.FORGET);
        IO.putLong(rq + 16, node);
        IO.putLong(rq + IN_HEADER, 1);
        replay(s, IN_HEADER + FORGET_IN);
    }

    private void replay(Scratch s, int len) {
        s.replied = false;
        s.error = 0;
        s.gotLen = 0;
        Pointer b = s.buf;
        b.putLong(0, len);
        b.putInt(8, 0);
        b.putAddress(16, s.req.address());
        b.putInt(24, -1);
        b.putLong(32, 0);
        chan.process(b);
    }

    /** The capturing channel's send: keeps libfuse's reply (header error and payload) for this thread. */
    private int capture(long ch, long iov, long count) {
        try {
            Scratch s = scratch.get();
            s.replied = true;
            s.error = IO.getInt(IO.getLong(iov) + 4);
            int n = 0;
            for (int i = 1; i < count; i++) n += (int) IO.getLong(iov + 16L * i + 8);
            long got = s.got.need(n);
            int at = 0;
            for (int i = 1; i < count; i++) {
                int l = (int) IO.getLong(iov + 16L * i + 8);
                IO.copyMemory(IO.getLong(iov + 16L * i), got + at, l);
                at += l;
            }
            s.gotLen = n;
            return 0;
        } catch (Throwable t) {
            LOG.error("capturing a libfuse reply failed", t);
            return -Errno.EIO;
        }
    }

    /** Writes the reply header (and {@code len} payload bytes already in s.out) to the device. 0 or -errno. */
    private int reply(Scratch s, long unique, int error, int len) {
        return Wire.reply(fd, s.out.addr, s.iov.addr, unique, error, len);
    }

    private static boolean isDot(long name, int len) {
        return IO.getByte(name) == '.' && (len == 1 || (len == 2 && IO.getByte(name + 1) == '.'));
    }

    private static int align8(int n) {
        return (n + 7) & ~7;
    }
}
