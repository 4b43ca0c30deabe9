package org.mergerfsj.fuse;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.mergerfsj.posix.Posix;

/**
 * A copy of libfuse's struct fuse_chan whose send operation is ours: requests processed on it reach the
 * same session and libfuse state, but their replies go to {@code send} instead of straight to the device.
 * {@link ReaddirPlus} captures replies this way; {@link DirCache} and {@link InitReply} edit them before
 * writing them. libfuse's own channel is never modified.
 */
final class SideChannel {
    private static final LibFuse2 F = LibFuse2.INSTANCE;
    /** sizeof(struct fuse_chan) in libfuse 2.9: {op.receive, op.send, op.destroy, se, fd, bufsize, data, compat}. */
    private static final int CHAN_SIZE = 64;
    private static final int CH_SEND = 8, CH_FD = 32, CH_BUFSIZE = 40;

    /** Send operation of a channel: libfuse's {@code int (*send)(struct fuse_chan *, const struct iovec[], size_t)}. */
    public interface Send {
        @jnr.ffi.annotations.Delegate int call(long ch, long iov, long count);
    }

    private final Pointer se;
    private final Pointer chan;
    private final Send send; // referenced here so the closure outlives every call
    private final Pointer sendCode;

    SideChannel(Pointer se, Pointer ch, Send send) {
        this.se = se;
        this.send = send;
        this.sendCode = Posix.RT.getClosureManager().getClosurePointer(Send.class, send);
        chan = Memory.allocateDirect(Posix.RT, CHAN_SIZE, true);
        for (int i = 0; i < CHAN_SIZE; i += 8) chan.putLong(i, ch.getLong(i));
        chan.putAddress(CH_SEND, sendCode.address());
    }

    /** Whether {@code ch} is libfuse 2.9's struct fuse_chan as this package expects it (fd, bufsize, send). */
    static boolean looksRight(Pointer ch, int fd, long bufsize) {
        return ch.getInt(CH_FD) == fd && ch.getLong(CH_BUFSIZE) == bufsize && ch.getAddress(CH_SEND) != 0;
    }

    /** Processes the request described by {@code fuseBuf} (a struct fuse_buf) on this channel. */
    void process(Pointer fuseBuf) {
        F.fuse_session_process_buf(se, fuseBuf, chan);
    }
}
