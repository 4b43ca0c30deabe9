package org.mergerfsj.fuse;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;

/**
 * Interrupts FUSE workers blocked in read(/dev/fuse) so close() can end the connection: a real-time signal
 * whose handler does nothing, installed without SA_RESTART, makes the blocked read return EINTR. Workers
 * read in blocking mode because the kernel then wakes exactly one idle reader per request.
 */
final class Wakeup {
    private Wakeup() {}

    static final int SIGNAL = 34 + 7; // SIGRTMIN+7: not used by the JVM or glibc
    private static final long SYS_GETTID = 186, SYS_TGKILL = 234; // x86_64

    public interface Lib {
        int sigaction(int sig, Pointer act, Pointer old);

        Pointer dlopen(@In byte[] file, int flags);

        Pointer dlsym(Pointer handle, @In byte[] symbol);

        long syscall(long number);

        long syscall(long number, long a1, long a2, long a3);
    }

    private static final Lib LIB = LibraryLoader.create(Lib.class).load("c");
    private static volatile boolean installed;

    /** Installs the no-op handler once; returns whether workers can be interrupted. */
    static synchronized boolean install() {
        if (installed) return true;
        // the handler must be async-signal-safe native code that ignores its argument: libc's getpid
        Pointer self = LIB.dlopen(null, 1);
        Pointer handler = self == null ? null : LIB.dlsym(self, "getpid\0".getBytes());
        if (handler == null) return false;
        Pointer act = Memory.allocateDirect(Runtime.getRuntime(LIB), 152, true); // struct sigaction (glibc)
        act.putAddress(0, handler.address()); // sa_handler; sa_mask empty; sa_flags 0: no SA_RESTART
        installed = LIB.sigaction(SIGNAL, act, null) == 0;
        return installed;
    }

    static int gettid() {
        return (int) LIB.syscall(SYS_GETTID);
    }

    static void interrupt(int tid) {
        LIB.syscall(SYS_TGKILL, ProcessHandle.current().pid(), tid, SIGNAL);
    }
}
