package org.mergerfsj.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.List;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.junit.jupiter.api.Test;
import org.mergerfsj.posix.Posix;

/**
 * Timeouts writes into libfuse's private struct fuse only when the layout checks out. A struct made by the
 * installed libfuse (over /dev/null, no mount) must pass and take the writes where libfuse reads them; a
 * block laid out by hand shows that each check refuses a struct that differs. The effect on a live mount
 * is py:test_control.py::test_cache_timeouts_set_at_runtime_reach_the_kernel.
 */
class TimeoutsTest {
    private static final long SESSION = 0x7f00_1234_5000L;
    private static final List<String> OPTS = List.of("default_permissions", "hard_remove", "attr_timeout=1",
            "entry_timeout=1", "negative_timeout=0");

    /** fuse_kern_chan_new: a channel over any fd, so that fuse_new runs without a mount. */
    public interface Chan {
        Pointer fuse_kern_chan_new(int fd);
    }

    /** A struct fuse as libfuse 2.9 lays it out for OPTS. */
    private static Pointer layout() {
        Pointer p = Memory.allocateDirect(Posix.RT, Timeouts.SIZE, true);
        p.putLong(Timeouts.SE, SESSION);
        p.putDouble(Timeouts.ENTRY, 1);
        p.putDouble(Timeouts.NEGATIVE, 0);
        p.putDouble(Timeouts.ATTR, 1);
        p.putDouble(Timeouts.AC_ATTR, 1);
        p.putInt(Timeouts.NOPATH, 1);
        p.putInt(Timeouts.HARD_REMOVE, 1);
        p.putInt(Timeouts.INTR_SIGNAL, 10);
        p.putLong(Timeouts.FS, 0x7f00_0000_1000L);
        p.putInt(Timeouts.NULLPATH_OK, 1);
        p.putInt(Timeouts.UTIME_OMIT_OK, 1);
        p.putInt(Timeouts.PAGESIZE, 4096);
        return p;
    }

    private static byte[] bytes(Pointer p) {
        byte[] b = new byte[Timeouts.SIZE];
        p.get(0, b, 0, b.length);
        return b;
    }

    @Test
    void theInstalledLibfuseHasTheKnownLayout() {
        List<String> opts = List.of("hard_remove", "attr_timeout=1", "entry_timeout=60", "negative_timeout=0");
        int fd = Posix.open("/dev/null", Posix.O_RDWR, 0);
        assertTrue(fd >= 0);
        Pointer ch = LibraryLoader.create(Chan.class).load("fuse").fuse_kern_chan_new(fd);
        assertNotNull(ch);
        List<Pointer> keep = new ArrayList<>();
        List<String> argv = List.of("mergerfs-j-test", "-o", String.join(",", opts));
        Pointer vec = Memory.allocateDirect(Posix.RT, 8L * (argv.size() + 1), true);
        for (int i = 0; i < argv.size(); i++) {
            byte[] b = (argv.get(i) + "\0").getBytes();
            Pointer s = Memory.allocateDirect(Posix.RT, b.length, true);
            s.put(0, b, 0, b.length);
            keep.add(s);
            vec.putAddress(8L * i, s.address());
        }
        Pointer args = Memory.allocateDirect(Posix.RT, 24, true);
        args.putInt(0, argv.size());
        args.putAddress(8, vec.address());
        Pointer ops = Memory.allocateDirect(Posix.RT, 360, true);
        ops.putInt(304, 0b111); // flag_nullpath_ok | flag_nopath | flag_utime_omit_ok, as FuseMount sets them
        long f = LibFuse2.FuseNew.call(ch, args, ops, 360);
        assertNotEquals(0, f, "fuse_new over /dev/null");
        Pointer fuse = Pointer.wrap(Posix.RT, f);
        try {
            Timeouts t = Timeouts.locate(fuse, LibFuse2.INSTANCE.fuse_get_session(fuse).address(), opts);
            assertNotNull(t, "the installed libfuse2 is not the known 2.9 x86_64 layout");
            assertArrayEquals(new double[] {60, 0, 1}, t.get());
            t.set(5, 7, 30);
            assertArrayEquals(new double[] {5, 7, 30}, t.get());
        } finally {
            LibFuse2.INSTANCE.fuse_destroy(fuse); // also closes fd
            Reference.reachabilityFence(keep); // the argument strings outlive fuse_new's parse
            Reference.reachabilityFence(vec);
            Reference.reachabilityFence(args);
            Reference.reachabilityFence(ops);
        }
    }

    @Test
    void theKnownLayoutIsFoundAndOnlyTheTimeoutsAreWritten() {
        Pointer p = layout();
        byte[] before = bytes(p);
        Timeouts t = Timeouts.locate(p, SESSION, OPTS);
        assertNotNull(t);
        t.set(5, 7, 30);
        assertArrayEquals(new double[] {5, 7, 30}, t.get());
        assertEquals(30, p.getDouble(Timeouts.AC_ATTR), "ac_attr_timeout follows attr_timeout");
        byte[] after = bytes(p);
        for (int i = 0; i < Timeouts.SIZE; i++) {
            if (i >= Timeouts.ENTRY && i < Timeouts.AC_ATTR + 8) continue;
            assertEquals(before[i], after[i], "byte " + i);
        }
    }

    @Test
    void anExplicitAcAttrTimeoutIsLeftAlone() {
        Pointer p = layout();
        p.putInt(Timeouts.AC_ATTR_SET, 1);
        p.putDouble(Timeouts.AC_ATTR, 9);
        Timeouts t = Timeouts.locate(p, SESSION, List.of("hard_remove", "attr_timeout=1", "entry_timeout=1",
                "negative_timeout=0", "ac_attr_timeout=9"));
        assertNotNull(t);
        t.set(1, 0, 4);
        assertEquals(9, p.getDouble(Timeouts.AC_ATTR));
    }

    @Test
    void anyDifferenceMeansNothingIsWritten() {
        assertNull(Timeouts.locate(layout(), SESSION + 8, OPTS), "session pointer");
        int[] ints = {Timeouts.NOPATH, Timeouts.HARD_REMOVE, Timeouts.NULLPATH_OK, Timeouts.UTIME_OMIT_OK,
                Timeouts.USE_INO, Timeouts.AC_ATTR_SET, Timeouts.INTR_SIGNAL};
        for (int off : ints) {
            Pointer p = layout();
            p.putInt(off, p.getInt(off) ^ 1);
            assertNull(Timeouts.locate(p, SESSION, OPTS), "int at " + off);
        }
        for (int off : new int[] {Timeouts.ENTRY, Timeouts.NEGATIVE, Timeouts.ATTR, Timeouts.AC_ATTR}) {
            Pointer p = layout();
            p.putDouble(off, 2);
            assertNull(Timeouts.locate(p, SESSION, OPTS), "double at " + off);
        }
        for (long fs : new long[] {0, 0x7f00_0000_1004L}) {
            Pointer p = layout();
            p.putLong(Timeouts.FS, fs);
            assertNull(Timeouts.locate(p, SESSION, OPTS), "fs pointer " + fs);
        }
        Pointer p = layout();
        p.putInt(Timeouts.PAGESIZE, 0);
        assertNull(Timeouts.locate(p, SESSION, OPTS), "page size");
        assertNull(Timeouts.locate(layout(), SESSION, List.of("attr_timeout=1", "entry_timeout=1", "negative_timeout=0")),
                "mounted without hard_remove");
        assertNull(Timeouts.locate(layout(), SESSION, List.of("hard_remove", "attr_timeout=1", "entry_timeout=1")),
                "no negative_timeout option");
        assertNull(Timeouts.locate(layout(), SESSION, List.of("hard_remove", "use_ino", "attr_timeout=1",
                "entry_timeout=1", "negative_timeout=0")), "use_ino given but not set");
        assertNull(Timeouts.locate(null, SESSION, OPTS));
    }
}
