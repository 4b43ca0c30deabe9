package org.mergerfsj.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.junit.jupiter.api.Test;
import org.mergerfsj.posix.Posix;

/**
 * Timeouts writes into libfuse's private struct fuse only when the layout checks out. The live struct is
 * covered by py:test_control.py::test_cache_timeouts_set_at_runtime_reach_the_kernel; here a block laid out
 * by hand shows that each check refuses a struct that differs.
 */
class TimeoutsTest {
    private static final long SESSION = 0x7f00_1234_5000L;
    private static final List<String> OPTS = List.of("default_permissions", "hard_remove", "attr_timeout=1",
            "entry_timeout=1", "negative_timeout=0");

    /** A struct fuse as libfuse 2.9 lays it out for OPTS. */
    private static Pointer layout() {
        Pointer p = Memory.allocateDirect(Posix.RT, Timeouts.SIZE, true);
        p.putLong(Timeouts.SE, SESSION);
        p.putDouble(Timeouts.ENTRY, 1);
        p.putDouble(Timeouts.NEGATIVE, 0);
        p.putDouble(Timeouts.ATTR, 1);
        p.putDouble(Timeouts.AC_ATTR, 1);
        p.putInt(Timeouts.HARD_REMOVE, 1);
        p.putInt(Timeouts.NULLPATH_OK, 1);
        p.putInt(Timeouts.UTIME_OMIT_OK, 1);
        p.putInt(Timeouts.PAGESIZE, 4096);
        return p;
    }

    @Test
    void theKnownLayoutIsFoundAndWritten() {
        Pointer p = layout();
        Timeouts t = Timeouts.locate(p, SESSION, OPTS);
        assertNotNull(t);
        t.set(5, 7, 30);
        assertArrayEquals(new double[] {5, 7, 30}, t.get());
        assertEquals(30, p.getDouble(Timeouts.AC_ATTR), "ac_attr_timeout follows attr_timeout");
        assertEquals(1, p.getInt(Timeouts.HARD_REMOVE), "nothing else is touched");
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
        int[] ints = {Timeouts.HARD_REMOVE, Timeouts.NULLPATH_OK, Timeouts.UTIME_OMIT_OK, Timeouts.USE_INO, Timeouts.AC_ATTR_SET};
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
