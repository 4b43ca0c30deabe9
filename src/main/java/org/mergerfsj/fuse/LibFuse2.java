package org.mergerfsj.fuse;

import com.kenai.jffi.Invoker;
import com.kenai.jffi.Type;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;

/** libfuse2's session API, which lets Java-owned threads run the FUSE loop (see docs/architecture.md). */
public interface LibFuse2 {
    LibFuse2 INSTANCE = LibraryLoader.create(LibFuse2.class).failImmediately().load("fuse");

    Pointer fuse_mount(@In byte[] mountpoint, Pointer args);

    void fuse_unmount(@In byte[] mountpoint, Pointer ch);

    Pointer fuse_get_session(Pointer fuse);

    /** The calling thread's request context (struct fuse_context *). */
    Pointer fuse_get_context();

    long fuse_chan_bufsize(Pointer ch);

    int fuse_chan_fd(Pointer ch);

    int fuse_session_receive_buf(Pointer se, Pointer buf, Pointer chp);

    void fuse_session_process_buf(Pointer se, Pointer buf, Pointer ch);

    void fuse_session_exit(Pointer se);

    int fuse_session_exited(Pointer se);

    void fuse_destroy(Pointer fuse);

    /** The versioned symbol fuse_new@FUSE_2.6: plain dlsym finds an old compat entry that rejects our args. */
    final class FuseNew {
        private static final Dl DL = LibraryLoader.create(Dl.class).load("c");
        private static volatile com.kenai.jffi.Function fn;

        public interface Dl {
            Pointer dlopen(@In byte[] file, int flags);

            Pointer dlvsym(Pointer handle, @In byte[] symbol, @In byte[] version);
        }

        static long call(Pointer ch, Pointer args, Pointer ops, long opSize) {
            if (fn == null) {
                Pointer h = DL.dlopen("libfuse.so.2\0".getBytes(), 1 /* RTLD_LAZY */);
                if (h == null) throw new IllegalStateException("cannot dlopen libfuse.so.2");
                Pointer sym = DL.dlvsym(h, "fuse_new\0".getBytes(), "FUSE_2.6\0".getBytes());
                if (sym == null) throw new IllegalStateException("libfuse.so.2 has no fuse_new@FUSE_2.6");
                fn = new com.kenai.jffi.Function(sym.address(), Type.POINTER,
                        Type.POINTER, Type.POINTER, Type.POINTER, Type.UINT64, Type.POINTER);
            }
            return Invoker.getInstance().invokeLLLLLrL(fn, ch.address(), args.address(), ops.address(), opSize, 0L);
        }
    }
}
