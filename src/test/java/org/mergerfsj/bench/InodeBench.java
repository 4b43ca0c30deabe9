package org.mergerfsj.bench;

import org.mergerfsj.config.InodeCalc;
import org.mergerfsj.posix.Posix;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Inode numbers ({@code union/Inodes.calc}, called by getattr, fgetattr and readdir with use_ino) for every
 * {@code inodecalc} mode, on a regular file's (mode, st_dev, st_ino) with a 51-byte pool path. For the
 * hybrid modes a regular file takes the devino branch; a directory would take the path-hash one
 * ({@code -p kind=dir}).
 */
public class InodeBench extends BenchDefaults {

    /** The inode calc mode and the entry type. */
    @State(Scope.Benchmark)
    public static class Entry {
        @Param({"passthrough", "path-hash", "path-hash32", "devino-hash", "devino-hash32", "hybrid-hash", "hybrid-hash32"})
        public String calc;

        @Param({"file"})
        public String kind;

        private InodeCalc mode;
        // not final: javac would inline constant fields and the JIT could fold the hash away
        private String path = "/media/photos/2024/08-holiday/IMG_20240812_1432.jpg";
        private int stMode;
        private long dev = 0xfd01L;
        private long ino = 1_234_567L;

        @Setup
        public void setUp() throws Exception {
            for (InodeCalc c : InodeCalc.values()) if (c.toString().equals(calc)) mode = c;
            if (mode == null) throw new IllegalArgumentException(calc);
            stMode = (kind.equals("dir") ? Posix.S_IFDIR : Posix.S_IFREG) | 0644;
        }
    }

    /** An input for the baseline. */
    @State(Scope.Benchmark)
    public static class Word {
        long h = 0x9e3779b97f4a7c15L;
    }

    @Benchmark
    public long calc(Entry e) throws Throwable {
        return (long) Internals.INODES_CALC.invokeExact(e.mode, e.path, e.stMode, e.dev, e.ino);
    }

    /** A trivial package-private method through the same kind of handle: the floor of the indirection. */
    @Benchmark
    public long baselineFold32(Word w) throws Throwable {
        return (long) Internals.INODES_FOLD32.invokeExact(w.h);
    }
}
