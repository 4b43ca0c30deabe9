package org.mergerfsj.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
 * LibfuseConf writes into libfuse's private struct fuse only when the layout checks out. A struct made by the
 * installed libfuse (over /dev/null, no mount) must pass and take the writes where libfuse reads them; a
 * block laid out by hand shows that each check refuses a struct that differs. The effect on a live mount
 * is py:test_control.py::test_cache_timeouts_set_at_runtime_reach_the_kernel and, for auto_cache,
 * py:test_semantics.py::test_cache_files_sets_direct_io_and_keep_cache.
 */
class LibfuseConfTest {
    private static final long SESSION = 0x7f00_1234_5000L;
    private static final List<String> OPTS = List.of("default_permissions", "hard_remove", "attr_timeout=1",
            "entry_timeout=1", "negative_timeout=0");

    /** fuse_kern_chan_new: a channel over any fd, so that fuse_new runs without a mount. */
    public interface Chan {
        Pointer fuse_kern_chan_new(int fd);
    }

    /** A struct fuse as libfuse 2.9 lays it out for OPTS. */
    private static Pointer layout() {
        Pointer p = Memory.allocateDirect(Posix.RT, LibfuseConf.SIZE, true);
        p.putLong(LibfuseConf.SE, SESSION);
        p.putDouble(LibfuseConf.ENTRY, 1);
        p.putDouble(LibfuseConf.NEGATIVE, 0);
        p.putDouble(LibfuseConf.ATTR, 1);
        p.putDouble(LibfuseConf.AC_ATTR, 1);
        p.putInt(LibfuseConf.NOPATH, 1);
        p.putInt(LibfuseConf.HARD_REMOVE, 1);
        p.putInt(LibfuseConf.INTR_SIGNAL, 10);
        p.putLong(LibfuseConf.FS, 0x7f00_0000_1000L);
        p.putInt(LibfuseConf.NULLPATH_OK, 1);
        p.putInt(LibfuseConf.UTIME_OMIT_OK, 1);
        p.putInt(LibfuseConf.PAGESIZE, 4096);
        return p;
    }

    private static byte[] bytes(Pointer p) {
        byte[] b = new byte[LibfuseConf.SIZE];
        p.get(0, b, 0, b.length);
        return b;
    }

    @Test
    void theInstalledLibfuseHasTheKnownLayout() {
        List<String> opts = List.of("hard_remove", "attr_timeout=1", "entry_timeout=60", "negative_timeout=0", "auto_cache");
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
            LibfuseConf t = LibfuseConf.locate(fuse, LibFuse2.INSTANCE.fuse_get_session(fuse).address(), opts);
            assertNotNull(t, "the installed libfuse2 is not the known 2.9 x86_64 layout");
            assertArrayEquals(new double[] {60, 0, 1}, t.get());
            assertTrue(t.autoCache());
            t.set(5, 7, 30, false);
            assertArrayEquals(new double[] {5, 7, 30}, t.get());
            assertFalse(t.autoCache());
        } finally {
            LibFuse2.INSTANCE.fuse_destroy(fuse); // also closes fd
            Reference.reachabilityFence(keep); // the argument strings outlive fuse_new's parse
            Reference.reachabilityFence(vec);
            Reference.reachabilityFence(args);
            Reference.reachabilityFence(ops);
        }
    }

    @Test
    void theKnownLayoutIsFoundAndOnlyTheOptionsAreWritten() {
        Pointer p = layout();
        byte[] before = bytes(p);
        LibfuseConf t = LibfuseConf.locate(p, SESSION, OPTS);
        assertNotNull(t);
        t.set(5, 7, 30, true);
        assertArrayEquals(new double[] {5, 7, 30}, t.get());
        assertEquals(30, p.getDouble(LibfuseConf.AC_ATTR), "ac_attr_timeout follows attr_timeout");
        assertEquals(1, p.getInt(LibfuseConf.AUTO_CACHE));
        byte[] after = bytes(p);
        for (int i = 0; i < LibfuseConf.SIZE; i++) {
            if (i >= LibfuseConf.ENTRY && i < LibfuseConf.AC_ATTR + 8) continue;
            if (i >= LibfuseConf.AUTO_CACHE && i < LibfuseConf.AUTO_CACHE + 4) continue;
            assertEquals(before[i], after[i], "byte " + i);
        }
        t.set(5, 7, 30, false);
        assertEquals(0, p.getInt(LibfuseConf.AUTO_CACHE));
    }

    @Test
    void anExplicitAcAttrTimeoutIsLeftAlone() {
        Pointer p = layout();
        p.putInt(LibfuseConf.AC_ATTR_SET, 1);
        p.putDouble(LibfuseConf.AC_ATTR, 9);
        LibfuseConf t = LibfuseConf.locate(p, SESSION, List.of("hard_remove", "attr_timeout=1", "entry_timeout=1",
                "negative_timeout=0", "ac_attr_timeout=9"));
        assertNotNull(t);
        t.set(1, 0, 4, false);
        assertEquals(9, p.getDouble(LibfuseConf.AC_ATTR));
    }

    @Test
    void anyDifferenceMeansNothingIsWritten() {
        assertNull(LibfuseConf.locate(layout(), SESSION + 8, OPTS), "session pointer");
        int[] ints = {LibfuseConf.NOPATH, LibfuseConf.HARD_REMOVE, LibfuseConf.NULLPATH_OK, LibfuseConf.UTIME_OMIT_OK,
                LibfuseConf.USE_INO, LibfuseConf.AC_ATTR_SET, LibfuseConf.INTR_SIGNAL, LibfuseConf.DIRECT_IO,
                LibfuseConf.KERNEL_CACHE, LibfuseConf.AUTO_CACHE};
        for (int off : ints) {
            Pointer p = layout();
            p.putInt(off, p.getInt(off) ^ 1);
            assertNull(LibfuseConf.locate(p, SESSION, OPTS), "int at " + off);
        }
        for (int off : new int[] {LibfuseConf.ENTRY, LibfuseConf.NEGATIVE, LibfuseConf.ATTR, LibfuseConf.AC_ATTR}) {
            Pointer p = layout();
            p.putDouble(off, 2);
            assertNull(LibfuseConf.locate(p, SESSION, OPTS), "double at " + off);
        }
        for (long fs : new long[] {0, 0x7f00_0000_1004L}) {
            Pointer p = layout();
            p.putLong(LibfuseConf.FS, fs);
            assertNull(LibfuseConf.locate(p, SESSION, OPTS), "fs pointer " + fs);
        }
        Pointer p = layout();
        p.putInt(LibfuseConf.PAGESIZE, 0);
        assertNull(LibfuseConf.locate(p, SESSION, OPTS), "page size");
        assertNull(LibfuseConf.locate(layout(), SESSION, List.of("attr_timeout=1", "entry_timeout=1", "negative_timeout=0")),
                "mounted without hard_remove");
        assertNull(LibfuseConf.locate(layout(), SESSION, List.of("hard_remove", "attr_timeout=1", "entry_timeout=1")),
                "no negative_timeout option");
        assertNull(LibfuseConf.locate(layout(), SESSION, List.of("hard_remove", "use_ino", "attr_timeout=1",
                "entry_timeout=1", "negative_timeout=0")), "use_ino given but not set");
        assertNull(LibfuseConf.locate(null, SESSION, OPTS));
    }
}
