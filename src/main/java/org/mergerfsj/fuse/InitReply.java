package org.mergerfsj.fuse;

import com.kenai.jffi.MemoryIO;
import jnr.ffi.Pointer;
import org.mergerfsj.posix.Errno;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rewrites libfuse2's INIT reply to ask for what libfuse2 (protocol 7.19) cannot: 1 MiB requests,
 * READDIRPLUS (served by {@link ReaddirPlus}), symlink caching, and clearing of suid/sgid/capabilities by
 * the daemon (see writeInit).
 *
 * <p>1 MiB reads and writes (FUSE_MAX_PAGES, 7.28): libfuse2 caps requests at 128 KiB; mergerfs 2.33.5
 * negotiates more with its own libfuse (256 KiB reads, 1 MiB writes seen with strace); with 128 KiB
 * requests a sequential read needs twice and a write eight times as many round trips.
 *
 * <p>How: the INIT request is processed on a {@link SideChannel} whose send is {@link #send}, which
 * rewrites libfuse's 24-byte {@code fuse_init_out} as the 64-byte one: minor 28 (33 when killpriv is granted,
 * 35 when the kernel has FOPEN_NOFLUSH, 40 when passthrough is asked for), FUSE_MAX_PAGES with max_pages =
 * fuse_msg_size (default 256) and max_write = max_pages pages when big writes were granted, plus the
 * other flags asked for that the kernel offered. Claiming
 * 7.28 or 7.33 adds no request format libfuse cannot parse: the kernel changes request layouts only below
 * 7.12 (fuse_adjust_compat); the 7.20-7.33 features are behind INIT flags we set only when we handle them
 * (writeback cache and others stay off; parallel dirops is on, see writeInit), or new opcodes (RENAME2 with flags, LSEEK,
 * COPY_FILE_RANGE) that libfuse answers ENOSYS, after which the kernel falls back, or new request fields
 * libfuse ignores (open_flags, the KILL_SUIDGID bits). The same holds up to 7.40: the new opcodes of
 * 7.34-7.39 (SYNCFS, TMPFILE, STATX) get ENOSYS from libfuse and the kernel falls back, and the rest
 * (flags2, security contexts, supplementary groups, passthrough) is behind INIT flags; FOPEN_NOFLUSH and
 * FOPEN_PASSTHROUGH are open flags that only {@link OpenReply} sets. Nothing is rewritten when the kernel is older than
 * 7.28 or libfuse's channel does not have the expected layout. Workers must read with buffers of at
 * least {@link #buffer()} bytes.
 */
final class InitReply {
    private static final Logger LOG = LoggerFactory.getLogger(InitReply.class);
    private static final MemoryIO IO = MemoryIO.getInstance();

    /** libfuse2's own limit: 128 KiB requests. */
    static final int LIBFUSE_PAGES = 32;

    private static final int IN_HEADER = Wire.IN_HEADER, OUT_HEADER = Wire.OUT_HEADER;
    private static final int INIT_OUT_719 = 24, INIT_OUT_728 = 64;
    private static final int FUSE_BIG_WRITES = 1 << 5, FUSE_MAX_PAGES = 1 << 22;
    static final int FUSE_HANDLE_KILLPRIV = 1 << 19, FUSE_HANDLE_KILLPRIV_V2 = 1 << 28;
    static final int FUSE_CACHE_SYMLINKS = 1 << 23;
    static final int FUSE_PARALLEL_DIROPS = 1 << 18;
    /** flags bit 30 says flags2 (bits 32-63) is there; FUSE_PASSTHROUGH is bit 37, bit 5 of flags2. */
    static final int FUSE_INIT_EXT = 1 << 30, FUSE_PASSTHROUGH2 = 1 << 5;
    private final OpenReply open;
    private final int passthroughDepth;
    private final SideChannel chan;
    private final int fd;
    private final int pages;
    private final boolean readdirplus;
    private final boolean cacheSymlinks;
    private final boolean killpriv;
    private boolean plusGranted, killprivGranted, negotiated;
    private int kernelMinor, kernelFlags, kernelFlags2;

    private InitReply(Pointer se, Pointer ch, int fd, FuseMount.Features f, boolean killpriv, OpenReply open) {
        this.chan = new SideChannel(se, ch, this::send);
        this.fd = fd;
        this.pages = Math.min(f.msgPages(), 256);
        this.readdirplus = f.readdirplus();
        this.cacheSymlinks = f.cacheSymlinks();
        this.killpriv = killpriv;
        this.open = open;
        this.passthroughDepth = f.passthroughDepth();
    }

    /**
     * For the features asked for and killpriv (see writeInit). Null when libfuse's channel does
     * not look like the struct this relies on; nothing beyond 7.19 is negotiated then.
     */
    static InitReply forChannel(Pointer se, Pointer ch, int fd, long bufsize, FuseMount.Features f, boolean killpriv,
            OpenReply open) {
        if (!SideChannel.looksRight(ch, fd, bufsize)) {
            LOG.info("libfuse channel layout not recognised; requests stay at 128 KiB, no readdirplus, no killpriv, "
                    + "no flush-on-close, no passthrough");
            return null;
        }
        return new InitReply(se, ch, fd, f, killpriv, open);
    }

    /**
     * Processes the INIT request at {@code request}, described by the worker's struct fuse_buf {@code buf}.
     * INIT is the connection's first request and the kernel sends no other until it is answered, so the
     * fields below are written and read by this one thread.
     */
    void processInit(long request, Pointer buf) {
        kernelMinor = IO.getInt(request + IN_HEADER + 4);
        kernelFlags = IO.getInt(request + IN_HEADER + 12);
        // fuse_init_in grew flags2 in 7.36, announced by FUSE_INIT_EXT
        kernelFlags2 = kernelMinor >= 36 && (kernelFlags & FUSE_INIT_EXT) != 0 ? IO.getInt(request + IN_HEADER + 16) : 0;
        chan.process(buf);
        LOG.debug("kernel FUSE 7.{}; {} KiB requests; readdirplus {}; killpriv {}; noflush {}; passthrough {}; parallel dirops {}", kernelMinor,
                negotiated && pages > LIBFUSE_PAGES ? maxWrite() / 1024 : 128, plusGranted, killprivGranted,
                open.noflush(), open.passthrough(), negotiated && (kernelFlags & FUSE_PARALLEL_DIROPS) != 0);
        if (passthroughDepth > 0) {
            if (open.passthrough()) LOG.info("FUSE passthrough on (max stack depth {})", passthroughDepth);
            else LOG.warn("passthrough.io: this kernel does not offer FUSE passthrough (Linux 6.9+ with "
                    + "CONFIG_FUSE_PASSTHROUGH); all reads and writes go through the daemon");
        }
    }

    private int maxWrite() {
        return pages * 4096;
    }

    /** A worker's request buffer: the largest write plus its headers (the kernel wants >= 80 + max_write). */
    long buffer() {
        return pages > LIBFUSE_PAGES ? maxWrite() + 4096L : 0;
    }

    /** Writes libfuse's INIT reply, rewritten; an error reply goes out unchanged. */
    private int send(long chAddr, long iov, long count) {
        try {
            if (count == 2 && kernelMinor >= 28 && IO.getLong(iov + 8) == OUT_HEADER && IO.getLong(iov + 24) == INIT_OUT_719) {
                long hdr = IO.getLong(iov), arg = IO.getLong(iov + 16);
                if (IO.getInt(hdr + 4) == 0) return writeInit(hdr, arg);
            }
            return Wire.writev(fd, iov, (int) count);
        } catch (Throwable t) {
            LOG.error("sending the INIT reply failed", t);
            return -Errno.EIO;
        }
    }

    private static final int INIT_FLAGS2 = 32, INIT_MAX_STACK_DEPTH = 36;

    private int writeInit(long hdr, long arg) {
        long mem = IO.allocateMemory(OUT_HEADER + INIT_OUT_728 + 32, true);
        try {
            long h = mem, out = mem + OUT_HEADER, vec = mem + OUT_HEADER + INIT_OUT_728;
            IO.putInt(h, OUT_HEADER + INIT_OUT_728);
            IO.putInt(h + 4, 0);
            IO.putLong(h + 8, IO.getLong(hdr + 8));         // unique
            IO.copyMemory(arg, out, INIT_OUT_719);          // major, minor, max_readahead, flags, bg, congestion, max_write
            int flags = IO.getInt(out + 12);
            IO.putInt(out + 4, 28);                         // minor
            if (pages > LIBFUSE_PAGES) {
                flags |= FUSE_MAX_PAGES;
                if ((flags & FUSE_BIG_WRITES) != 0) IO.putInt(out + 20, maxWrite());
                IO.putShort(out + 28, (short) pages);       // max_pages (after time_gran = 0)
            }
            int plus = ReaddirPlus.FUSE_DO_READDIRPLUS | ReaddirPlus.FUSE_READDIRPLUS_AUTO;
            boolean wantPlus = readdirplus && (kernelFlags & ReaddirPlus.FUSE_DO_READDIRPLUS) != 0;
            if (wantPlus) flags |= plus & kernelFlags;
            if (cacheSymlinks) flags |= FUSE_CACHE_SYMLINKS & kernelFlags;
            // Lookups and readdirs in one directory may run at the same time (7.25; mergerfs asks for it too).
            // Without it the kernel takes a per-directory lock around each, so one lookup stuck on a slow or
            // spinning-up branch stops every other lookup in that directory. Nothing here needs them
            // serialized: a lookup is a stateless search of the branches, and libfuse locks its node table.
            flags |= FUSE_PARALLEL_DIROPS & kernelFlags;
            // The daemon kills suid/sgid and file capabilities itself (FUSE_HANDLE_KILLPRIV and _V2, 7.33).
            // Without it the kernel asks for security.capability before every write (FUSE does not trust
            // S_NOSEC otherwise) and for the attributes before every chown, to work out what to clear: two
            // round trips not needed here, because every write, truncate, open(O_TRUNC) and chown runs on the
            // branch with the caller's fsuid, fsgid and groups (root's capabilities dropped for anyone else),
            // so the branch filesystem clears exactly what the kernel would have: suid, and sgid with group
            // exec, when the caller lacks CAP_FSETID; security.capability on every write; both on chown.
            // -Dmergerfsj.noKillpriv=true turns it off (diagnostics).
            boolean wantKill = killpriv && kernelMinor >= 33 && (kernelFlags & FUSE_HANDLE_KILLPRIV_V2) != 0;
            if (wantKill) {
                IO.putInt(out + 4, 33);
                flags |= (FUSE_HANDLE_KILLPRIV | FUSE_HANDLE_KILLPRIV_V2) & kernelFlags;
            }
            // FOPEN_NOFLUSH (7.35): flush-on-close is answered per open (OpenReply)
            boolean wantNoflush = kernelMinor >= 35;
            if (wantNoflush) IO.putInt(out + 4, Math.max(IO.getInt(out + 4), 35));
            // FUSE passthrough (7.40): the kernel serves reads and writes of chosen opens from the branch file
            boolean wantPt = passthroughDepth > 0 && kernelMinor >= 40 && (kernelFlags2 & FUSE_PASSTHROUGH2) != 0;
            if (wantPt) {
                IO.putInt(out + 4, 40);
                flags |= FUSE_INIT_EXT;
                IO.putInt(out + INIT_FLAGS2, FUSE_PASSTHROUGH2);
                IO.putInt(out + INIT_MAX_STACK_DEPTH, passthroughDepth);
            }
            IO.putInt(out + 12, flags);
            // the kernel may send an OPEN the moment it has read this reply: say what was agreed first
            open.negotiated(wantNoflush, wantPt);
            IO.putLong(vec, h);
            IO.putLong(vec + 8, OUT_HEADER);
            IO.putLong(vec + 16, out);
            IO.putLong(vec + 24, INIT_OUT_728);
            int r = Wire.writev(fd, vec, 2);
            negotiated = r == 0;
            if (!negotiated) open.negotiated(false, false);
            plusGranted = negotiated && wantPlus;
            killprivGranted = negotiated && wantKill;
            return r;
        } finally {
            IO.freeMemory(mem);
        }
    }
}
