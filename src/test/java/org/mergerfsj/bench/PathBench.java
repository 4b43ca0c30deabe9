package org.mergerfsj.bench;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.mergerfsj.branch.Branch;
import org.mergerfsj.branch.Mode;
import org.mergerfsj.posix.Posix;
import org.mergerfsj.union.UnionFs;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Path resolution: from a FUSE path to the path on a branch, and on to the lstat that answers getattr.
 *
 * <ul>
 *   <li>{@code branchFull}, {@code branchFullBytes}: {@link Branch#full} alone, and with the byte[]
 *       conversion ({@link Posix#path}) that precedes every branch syscall;</li>
 *   <li>{@code pathsParent}, {@code pathsName}, {@code pathsChild}: {@code union/Paths};</li>
 *   <li>{@code lstatOne}: one lstat of an existing branch file, the syscall floor of every lookup;</li>
 *   <li>{@code getattrHit}, {@code getattrMissing}: the whole {@link UnionFs#getattr} (search policy,
 *       lstat, inode calc) over real branches, for a file on the last branch and for a path that exists
 *       nowhere. With {@code getattrPolicy=ff} (the default) getattr takes its one-lstat-per-branch fast
 *       path; {@code epff} picks the same branch through the generic policy search (an lstat per branch
 *       for the search, then the getattr's own lstat).</li>
 * </ul>
 */
public class PathBench extends BenchDefaults {

    /** Pure string work: no parameters, no disk. */
    @State(Scope.Benchmark)
    public static class Strings {
        // not final: javac inlines constant fields, and the JIT could then fold the string work away
        Branch branch = new Branch("/mnt/disk3", Mode.RW);
        String path = BranchTree.FILE;
        String dir = BranchTree.DIR;
        String name = "report.pdf";
    }

    /** One real file for the lstat floor. */
    @State(Scope.Benchmark)
    public static class OneFile {
        BranchTree tree;
        byte[] full;
        Pointer st;

        @Setup(Level.Trial)
        public void setUp() {
            tree = new BranchTree(2);
            full = Posix.path(tree.onBranch(1, BranchTree.FILE));
            st = Memory.allocateDirect(Posix.RT, 256);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            tree.close();
        }
    }

    /** A UnionFs over real branches with the given getattr policy. */
    @State(Scope.Benchmark)
    public static class Union {
        @Param({"2", "8"})
        public int branches;

        @Param({"ff", "epff"})
        public String getattrPolicy;

        BranchTree tree;
        UnionFs fs;
        Pointer st;
        String file = BranchTree.FILE, missing = BranchTree.MISSING;

        @Setup(Level.Trial)
        public void setUp() {
            tree = new BranchTree(branches, "func.getattr=" + getattrPolicy);
            fs = new UnionFs(tree.pool);
            st = Memory.allocateDirect(Posix.RT, 256);
            if (fs.getattr(BranchTree.FILE, st) != 0) throw new IllegalStateException("getattr of the file failed");
            if (fs.getattr(BranchTree.MISSING, st) >= 0) throw new IllegalStateException("missing file found");
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            tree.close();
        }
    }

    @Benchmark
    public String branchFull(Strings s) {
        return s.branch.full(s.path);
    }

    @Benchmark
    public byte[] branchFullBytes(Strings s) {
        return Posix.path(s.branch.full(s.path));
    }

    @Benchmark
    public String pathsParent(Strings s) throws Throwable {
        return (String) Internals.PATHS_PARENT.invokeExact(s.path);
    }

    @Benchmark
    public String pathsName(Strings s) throws Throwable {
        return (String) Internals.PATHS_NAME.invokeExact(s.path);
    }

    @Benchmark
    public String pathsChild(Strings s) throws Throwable {
        return (String) Internals.PATHS_CHILD.invokeExact(s.dir, s.name);
    }

    @Benchmark
    public int lstatOne(OneFile f) {
        return Posix.C.lstat(f.full, f.st);
    }

    @Benchmark
    public int getattrHit(Union u) {
        return u.fs.getattr(u.file, u.st);
    }

    @Benchmark
    public int getattrMissing(Union u) {
        return u.fs.getattr(u.missing, u.st);
    }
}
