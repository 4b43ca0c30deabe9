package org.mergerfsj.it;

import static org.junit.jupiter.api.Assertions.*;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.mergerfsj.config.Options;
import org.mergerfsj.posix.Errno;
import org.mergerfsj.posix.Posix;
import org.mergerfsj.union.ControlFile;
import org.slf4j.LoggerFactory;

/**
 * The control file and the per-file info xattrs through a real mount (CTL-01..11): every errno, every key,
 * branch edits that change where files go, and open files that outlive their branch.
 */
class ControlFileTest {
    /** CTL-07: the keys 2.33.5 refuses with EROFS (verified against it). */
    static final Set<String> READ_ONLY = Set.of("async_read", "cache.symlinks", "cache.writeback", "fsname",
            "fuse_msg_size", "mount", "nullrw", "pid", "readdirplus", "threads", "version",
            "passthrough.io", "passthrough.max-stack-depth"); // the last two: newer mergerfs, mount-time only here

    private static void within(org.junit.jupiter.api.function.Executable e) {
        assertTimeoutPreemptively(TestPool.TIMEOUT, e);
    }

    // ----------------------------------------------------------------- raw xattr calls, errno as a value

    /** The value, or null; errno in err[0]. */
    static String get(String path, String name, int[] err) {
        byte[] buf = new byte[65536];
        long n = Posix.C.lgetxattr(Posix.path(path), Posix.path(name), buf, buf.length);
        if (n < 0) {
            err[0] = Posix.errno();
            return null;
        }
        return new String(buf, 0, (int) n, StandardCharsets.ISO_8859_1);
    }

    static String get(String path, String name) {
        int[] err = new int[1];
        String v = get(path, name, err);
        assertNotNull(v, () -> name + " on " + path + ": " + Posix.strerror(err[0]));
        return v;
    }

    /** -errno of a getxattr that is expected to fail. */
    static int getErr(String path, String name) {
        int[] err = new int[1];
        String v = get(path, name, err);
        assertNull(v, () -> name + " on " + path + " unexpectedly gave '" + v + "'");
        return -err[0];
    }

    static int set(String path, String name, String value, int flags) {
        return Posix.lsetxattr(path, name, value.getBytes(StandardCharsets.ISO_8859_1), flags);
    }

    static int set(String path, String key, String value) {
        return set(path, ControlFile.PREFIX + key, value, 0);
    }

    static List<String> list(String path) {
        byte[] b = Posix.llistxattr(path);
        assertNotNull(b, "listxattr " + path);
        List<String> names = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < b.length; i++) {
            if (b[i] == 0) {
                names.add(new String(b, start, i - start, StandardCharsets.ISO_8859_1));
                start = i + 1;
            }
        }
        return names;
    }

    // ----------------------------------------------------------------- the pseudo file itself

    @Test
    void controlFileIsAStatableHiddenFileThatCannotBeOpened() {
        within(() -> {
            try (TestPool p = new TestPool(2, "use_ino")) {
                Path ctl = p.pool(".mergerfs");
                assertEquals("rw-rw-r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(ctl)));
                assertTrue(Files.isRegularFile(ctl));
                assertEquals(0L, Files.size(ctl));
                assertEquals(1, (int) Files.getAttribute(ctl, "unix:nlink"));
                assertEquals(0, (int) Files.getAttribute(ctl, "unix:uid"));
                assertEquals(0x7472617065786974L, (long) Files.getAttribute(ctl, "unix:ino"));
                Set<String> names = new TreeSet<>();
                try (DirectoryStream<Path> d = Files.newDirectoryStream(p.mnt)) {
                    for (Path x : d) names.add(x.getFileName().toString());
                }
                assertFalse(names.contains(".mergerfs"), names.toString());
                assertThrows(NoSuchFileException.class, () -> Files.readAllBytes(ctl));
                assertThrows(NoSuchFileException.class, () -> Files.newOutputStream(ctl).close());
                for (Path b : p.branches) assertFalse(Files.exists(b.resolve(".mergerfs")), "nothing lands on a branch");
            }
        });
    }

    @Test
    void everyKeyIsListedInByteOrderAndReadable() {
        within(() -> {
            try (TestPool p = new TestPool(3)) {
                String ctl = p.pool(".mergerfs").toString();
                List<String> expected = new ArrayList<>();
                for (String k : Options.keys()) expected.add(ControlFile.PREFIX + k);
                List<String> listed = list(ctl);
                assertEquals(expected, listed);
                List<String> sorted = new ArrayList<>(listed);
                sorted.sort((a, b) -> java.util.Arrays.compareUnsigned(a.getBytes(StandardCharsets.ISO_8859_1),
                        b.getBytes(StandardCharsets.ISO_8859_1)));
                assertEquals(sorted, listed, "byte order, as getfattr shows 2.33.5's keys");
                assertTrue(listed.size() >= 63, "every Appendix A key: " + listed.size());
                for (String name : listed) get(ctl, name);
                // Appendix A defaults that scripts parse
                assertEquals("2.33.5", get(ctl, "user.mergerfs.version"));
                assertEquals("4294967295", get(ctl, "user.mergerfs.minfreespace"));
                assertEquals("epmfs", get(ctl, "user.mergerfs.category.create"));
                assertEquals(p.branch(0) + "=RW:" + p.branch(1) + "=RW:" + p.branch(2) + "=RW",
                        get(ctl, "user.mergerfs.branches"));
                assertEquals(p.branch(0) + ":" + p.branch(1) + ":" + p.branch(2), get(ctl, "user.mergerfs.srcmounts"));
                assertEquals(p.mnt.toString(), get(ctl, "user.mergerfs.mount"));
                assertEquals(Long.toString(ProcessHandle.current().pid()), get(ctl, "user.mergerfs.pid"));
            }
        });
    }

    @Test
    void sizeQueriesAndShortBuffers() {
        within(() -> {
            try (TestPool p = new TestPool(1)) {
                byte[] ctl = Posix.path(p.pool(".mergerfs").toString());
                byte[] name = Posix.path("user.mergerfs.category.search");
                assertEquals(2, Posix.C.lgetxattr(ctl, name, (byte[]) null, 0), "size query gives the length");
                assertEquals(-1, Posix.C.lgetxattr(ctl, name, new byte[1], 1));
                assertEquals(Errno.ERANGE, Posix.errno());
                long total = Posix.C.llistxattr(ctl, (byte[]) null, 0);
                assertTrue(total > 1000, "list size " + total);
                assertEquals(-1, Posix.C.llistxattr(ctl, new byte[10], 10));
                assertEquals(Errno.ERANGE, Posix.errno());
                Files.writeString(p.pool("f"), "x");
                byte[] f = Posix.path(p.pool("f").toString());
                assertEquals(2, Posix.C.lgetxattr(f, Posix.path("user.mergerfs.relpath"), (byte[]) null, 0));
                assertEquals(-1, Posix.C.lgetxattr(f, Posix.path("user.mergerfs.fullpath"), new byte[3], 3));
                assertEquals(Errno.ERANGE, Posix.errno());
            }
        });
    }

    @Test
    void errnoForEveryRefusal() {
        within(() -> {
            try (TestPool p = new TestPool(2)) {
                String ctl = p.pool(".mergerfs").toString();
                // unknown names: ENOATTR for get, set, XATTR_CREATE and remove (CTL-04/05, OP-XA-03)
                assertEquals(-Errno.ENOATTR, getErr(ctl, "user.mergerfs.nope"));
                assertEquals(-Errno.ENOATTR, getErr(ctl, "user.other"));
                assertEquals(-Errno.ENOATTR, getErr(ctl, "trusted.mergerfs.version"));
                assertEquals(-Errno.ENOATTR, getErr(ctl, "user.mergerfs."));
                assertEquals(-Errno.ENOATTR, getErr(ctl, "user.mergerfs.basepath"), "per-file keys are not control keys");
                assertEquals(-Errno.ENOATTR, getErr(ctl, "user.mergerfs.branches-mount-timeout"), "mount-time only");
                assertEquals(-Errno.ENOATTR, set(ctl, "user.mergerfs.nope", "1", 0));
                assertEquals(-Errno.ENOATTR, set(ctl, "user.other", "1", 0));
                assertEquals(-Errno.ENOATTR, set(ctl, "user.mergerfs.basepath", "/x", 0));
                assertEquals(-Errno.ENOATTR, set(ctl, "user.mergerfs.nope", "1", Posix.XATTR_CREATE));
                assertEquals(-Errno.ENOATTR, Posix.lremovexattr(ctl, "user.mergerfs.minfreespace"));
                assertEquals(-Errno.ENOATTR, Posix.lremovexattr(ctl, "user.other"));
                // XATTR_CREATE on an existing key: EEXIST, nothing changes; XATTR_REPLACE is fine
                assertEquals(-Errno.EEXIST, set(ctl, "user.mergerfs.minfreespace", "1G", Posix.XATTR_CREATE));
                assertEquals("4294967295", get(ctl, "user.mergerfs.minfreespace"));
                assertEquals(0, set(ctl, "user.mergerfs.minfreespace", "1G", Posix.XATTR_REPLACE));
                assertEquals("1073741824", get(ctl, "user.mergerfs.minfreespace"));
                // read-only keys: EROFS, value kept
                for (String k : READ_ONLY) {
                    String before = get(ctl, ControlFile.PREFIX + k);
                    assertEquals(-Errno.EROFS, set(ctl, k, before), k);
                    assertEquals(before, get(ctl, ControlFile.PREFIX + k), k);
                }
                // bad values: EINVAL, value kept (a bad policy name crashes 2.33.5; here it is refused)
                String[][] bad = {
                    {"minfreespace", "abc"}, {"minfreespace", "-1"}, {"minfreespace", "10X"},
                    {"dropcacheonclose", "maybe"}, {"dropcacheonclose", "TRUE"},
                    {"category.create", "bogus"}, {"category.search", ""}, {"func.open", "Ff"},
                    {"moveonenospc", "sideways"}, {"cache.files", "nope"}, {"statfs", "x"},
                    {"statfs_ignore", "all"}, {"xattr", "none"}, {"inodecalc", "md5"}, {"cache.attr", "1s"},
                    {"follow-symlinks", "some"}, {"log.level", "loud"},
                    {"branches", p.branch(0) + "=XX"}, {"branches", "<" + p.branch(0)}, {"branches", "+=" + p.branch(0)},
                    {"branches", "--"}, {"branches", "-<x"}, {"branches", p.branch(0) + "=RW,1Q"},
                    {"srcmounts", p.branch(0) + "=rw"},
                };
                for (String[] kv : bad) {
                    String before = get(ctl, ControlFile.PREFIX + kv[0]);
                    assertEquals(-Errno.EINVAL, set(ctl, kv[0], kv[1]), kv[0] + "=" + kv[1]);
                    assertEquals(before, get(ctl, ControlFile.PREFIX + kv[0]), kv[0] + " unchanged");
                }
                // the pool still works after all that
                Files.writeString(p.pool("after"), "ok");
                assertEquals("ok", Files.readString(p.pool("after")));
            }
        });
    }

    @Test
    void everyWritableKeyRoundTripsWithTheCommandLineSyntax() {
        within(() -> {
            try (TestPool p = new TestPool(2)) {
                String ctl = p.pool(".mergerfs").toString();
                Map<String, String[]> samples = new LinkedHashMap<>();
                samples.put("branches", new String[] {"=" + p.branch(1) + "=NC,1G", p.branch(1) + "=NC,1G"});
                samples.put("srcmounts", new String[] {p.branch(0) + ":" + p.branch(1), p.branch(0) + ":" + p.branch(1)});
                samples.put("minfreespace", new String[] {"10M", "10485760"});
                samples.put("category.action", new String[] {"ff", "ff"});
                samples.put("category.create", new String[] {"mfs", "mfs"});
                samples.put("category.search", new String[] {"newest", "newest"});
                samples.put("moveonenospc", new String[] {"true", "mfs"});
                samples.put("dropcacheonclose", new String[] {"1", "true"});
                samples.put("inodecalc", new String[] {"path-hash", "path-hash"});
                samples.put("ignorepponrename", new String[] {"yes", "true"});
                samples.put("statfs", new String[] {"full", "full"});
                samples.put("statfs_ignore", new String[] {"ro", "ro"});
                samples.put("cache.files", new String[] {"partial", "partial"});
                samples.put("cache.attr", new String[] {"2K", "2048"});
                samples.put("cache.entry", new String[] {"5", "5"});
                samples.put("cache.negative_entry", new String[] {"3", "3"});
                samples.put("cache.statfs", new String[] {"10", "10"});
                samples.put("cache.readdir", new String[] {"on", "true"});
                samples.put("direct_io", new String[] {"true", "true"});
                samples.put("kernel_cache", new String[] {"true", "true"});
                samples.put("auto_cache", new String[] {"true", "true"});
                samples.put("symlinkify", new String[] {"true", "true"});
                samples.put("symlinkify_timeout", new String[] {"1K", "1024"});
                samples.put("security_capability", new String[] {"false", "false"});
                samples.put("xattr", new String[] {"noattr", "noattr"});
                samples.put("link_cow", new String[] {"true", "true"});
                samples.put("link-exdev", new String[] {"rel-symlink", "rel-symlink"});
                samples.put("rename-exdev", new String[] {"abs-symlink", "abs-symlink"});
                samples.put("follow-symlinks", new String[] {"directory", "directory"});
                samples.put("nfsopenhack", new String[] {"git", "git"});
                samples.put("flush-on-close", new String[] {"always", "always"});
                samples.put("posix_acl", new String[] {"true", "true"});
                samples.put("log.metrics", new String[] {"true", "true"});
                samples.put("log.level", new String[] {"warn", "warn"});
                for (String k : Options.keys()) {
                    if (k.startsWith("func.")) samples.put(k, new String[] {"eprand", "eprand"});
                }
                List<String> missing = new ArrayList<>();
                for (String k : Options.keys()) {
                    if (!READ_ONLY.contains(k) && !samples.containsKey(k)) missing.add(k);
                }
                assertEquals(List.of(), missing, "writable keys without a round-trip sample");
                for (Map.Entry<String, String[]> e : samples.entrySet()) {
                    String k = e.getKey();
                    assertEquals(0, set(ctl, k, e.getValue()[0]), k + "=" + e.getValue()[0]);
                    assertEquals(e.getValue()[1], get(ctl, ControlFile.PREFIX + k), k);
                }
                // the newer dash spelling reaches the same key (CTL-22)
                assertEquals(0, set(ctl, "cache.negative-entry", "7"));
                assertEquals("7", get(ctl, "user.mergerfs.cache.negative_entry"));
                // category.* reads back the sorted distinct set of its functions' policies (OPT-08)
                assertEquals(0, set(ctl, "category.create", "epmfs"));
                assertEquals(0, set(ctl, "func.mkdir", "mfs"));
                assertEquals("epmfs,mfs", get(ctl, "user.mergerfs.category.create"));
            }
        });
    }

    // ----------------------------------------------------------------- branch edits change the live pool

    @Test
    void branchEditInstructions() {
        within(() -> {
            try (TestPool p = new TestPool(3)) {
                String ctl = p.pool(".mergerfs").toString();
                String b1 = p.branch(0).toString(), b2 = p.branch(1).toString(), b3 = p.branch(2).toString();
                Path extra = Files.createDirectory(p.root.resolve("x1"));
                String[][] steps = {
                    {"=" + b1, b1 + "=RW"},
                    {"+>" + b2 + "=NC", b1 + "=RW:" + b2 + "=NC"},
                    {"+<" + b3 + "=RO,1G", b3 + "=RO,1G:" + b1 + "=RW:" + b2 + "=NC"},
                    {"-<", b1 + "=RW:" + b2 + "=NC"},
                    {"->", b1 + "=RW"},
                    {"+" + p.root + "/b[23]", b1 + "=RW:" + b2 + "=RW:" + b3 + "=RW"},
                    {"-" + p.root + "/b[12]", b3 + "=RW"},
                    {p.root + "/b*=NC", b1 + "=NC:" + b2 + "=NC:" + b3 + "=NC"},
                    {"-" + b1 + ":" + b3, b2 + "=NC"},
                    {"-/no/such/branch", b2 + "=NC"},
                    {b1 + ":" + b2 + "=RW,500M", b1 + "=RW:" + b2 + "=RW,500M"},
                    {"+>" + extra + "/", b1 + "=RW:" + b2 + "=RW,500M:" + extra + "=RW"},
                };
                for (String[] s : steps) {
                    assertEquals(0, set(ctl, "branches", s[0]), s[0]);
                    assertEquals(s[1], get(ctl, "user.mergerfs.branches"), "after " + s[0]);
                    if (s[0].equals("=" + b1)) {
                        // never empty: an empty pool's root cannot be stat'ed, which would lock out the control
                        // file too (2.33.5 crashes instead)
                        for (String empty : List.of("->", "-<", "-" + b1, "-" + p.root + "/*", "", "=")) {
                            assertEquals(-Errno.EINVAL, set(ctl, "branches", empty), "'" + empty + "'");
                            assertEquals(-Errno.EINVAL, set(ctl, "srcmounts", empty), "'" + empty + "'");
                        }
                        assertEquals(b1 + "=RW", get(ctl, "user.mergerfs.branches"));
                    }
                }
                // srcmounts takes the same instructions and reads back paths only
                assertEquals(0, set(ctl, "srcmounts", "->"));
                assertEquals(0, set(ctl, "srcmounts", "+<" + b3));
                assertEquals(b3 + ":" + b1 + ":" + b2, get(ctl, "user.mergerfs.srcmounts"));
                assertEquals(b3 + "=RW:" + b1 + "=RW:" + b2 + "=RW,500M", get(ctl, "user.mergerfs.branches"));
            }
        });
    }

    @Test
    void runtimeChangesSteerNewFiles() {
        within(() -> {
            try (TestPool p = new TestPool(3)) {
                String ctl = p.pool(".mergerfs").toString();
                Files.writeString(p.pool("a"), "a");
                assertTrue(Files.exists(p.branch(2).resolve("a")), "epmfs ties go to the last branch");
                assertEquals(0, set(ctl, "category.create", "ff"));
                Files.writeString(p.pool("b"), "b");
                assertTrue(Files.exists(p.branch(0).resolve("b")), "ff: first branch");
                assertEquals(0, set(ctl, "branches", "-<"));
                Files.writeString(p.pool("c"), "c");
                assertTrue(Files.exists(p.branch(1).resolve("c")), "first branch removed, next one is first");
                assertThrows(NoSuchFileException.class, () -> Files.readString(p.pool("b")), "b1 left the pool");
                assertEquals("b", Files.readString(p.branch(0).resolve("b")), "but its data stays on the disk");
                assertEquals(0, set(ctl, "branches", "+<" + p.branch(0) + "=NC"));
                assertEquals("b", Files.readString(p.pool("b")), "visible again once re-added");
                Files.writeString(p.pool("d"), "d");
                assertTrue(Files.exists(p.branch(1).resolve("d")), "NC branch takes no new files");
                assertEquals(0, set(ctl, "minfreespace", "1000000G"));
                IOException full = assertThrows(IOException.class, () -> Files.writeString(p.pool("e"), "e"));
                // no RW branch has room and one is NC: EROFS outranks ENOSPC, as in 2.33.5 (Appendix B)
                assertTrue(full.getMessage().contains("Read-only file system"), full.getMessage());
                assertEquals(0, set(ctl, "branches", "-" + p.branch(0)));
                full = assertThrows(IOException.class, () -> Files.writeString(p.pool("e"), "e"));
                assertTrue(full.getMessage().contains("No space left"), full.getMessage());
                assertEquals(0, set(ctl, "minfreespace", "0"));
                Files.writeString(p.pool("e"), "e");
            }
        });
    }

    @Test
    void openFileOnARemovedBranchKeepsWorkingUntilClosed() {
        within(() -> {
            try (TestPool p = new TestPool(2)) {
                String ctl = p.pool(".mergerfs").toString();
                Files.writeString(p.branch(1).resolve("log"), "start\n");
                try (RandomAccessFile f = new RandomAccessFile(p.pool("log").toFile(), "rw")) {
                    assertEquals(0, set(ctl, "branches", "-" + p.branch(1)));
                    try (java.util.stream.Stream<Path> names = Files.list(p.mnt)) {
                        assertEquals(List.of(), names.toList(), "gone from the pool's namespace");
                    }
                    // reads, writes, fsync and ftruncate go by file handle and keep working; fstat does not,
                    // because the kernel asks getattr by path (mergerfs 2.33.5 answers ENOENT there too)
                    f.seek(6);
                    f.write("more\n".getBytes(StandardCharsets.US_ASCII));
                    f.getFD().sync();
                    f.seek(0);
                    assertEquals("start", f.readLine());
                    assertEquals("more", f.readLine());
                    f.setLength(11);
                }
                assertEquals("start\nmore\n", Files.readString(p.branch(1).resolve("log")));
            }
        });
    }

    // ----------------------------------------------------------------- per-file info keys (CTL-10)

    @Test
    void perFileInfoKeys() {
        within(() -> {
            try (TestPool p = new TestPool(3)) {
                Files.createDirectories(p.branch(0).resolve("d"));
                Files.createDirectories(p.branch(1).resolve("d"));
                Files.createDirectories(p.branch(2).resolve("d"));
                Files.writeString(p.branch(1).resolve("d/f"), "1");
                Files.writeString(p.branch(2).resolve("d/f"), "2");
                String b1 = p.branch(0).toString(), b2 = p.branch(1).toString(), b3 = p.branch(2).toString();
                String f = p.pool("d/f").toString(), d = p.pool("d").toString(), root = p.mnt.toString();
                assertEquals(b2, get(f, "user.mergerfs.basepath"));
                assertEquals("/d/f", get(f, "user.mergerfs.relpath"));
                assertEquals(b2 + "/d/f", get(f, "user.mergerfs.fullpath"));
                assertEquals(b2 + "/d/f\0" + b3 + "/d/f", get(f, "user.mergerfs.allpaths"));
                assertEquals(b1 + "/d\0" + b2 + "/d\0" + b3 + "/d", get(d, "user.mergerfs.allpaths"));
                assertEquals(b1, get(d, "user.mergerfs.basepath"));
                assertEquals("/", get(root, "user.mergerfs.relpath"));
                assertEquals(b1 + "/", get(root, "user.mergerfs.fullpath"), "2.33.5 keeps the root's '/'");
                assertEquals(b1 + "/\0" + b2 + "/\0" + b3 + "/", get(root, "user.mergerfs.allpaths"));
                // the search policy runs first: on a missing path every name is ENOENT
                for (String k : List.of("relpath", "basepath", "fullpath", "allpaths", "zzz")) {
                    assertEquals(-Errno.ENOENT, getErr(p.pool("d/missing").toString(), "user.mergerfs." + k), k);
                }
                assertEquals(-Errno.ENOATTR, getErr(f, "user.mergerfs.zzz"));
                assertEquals(-Errno.ENOATTR, getErr(f, "user.mergerfs.version"), "control keys are not per-file");
                assertEquals(List.of(), list(f), "the info keys are never listed");
                // func.getxattr picks the branch
                assertEquals(0, set(p.pool(".mergerfs").toString(), "func.getxattr", "newest"));
                Files.setLastModifiedTime(p.branch(2).resolve("d/f"), java.nio.file.attribute.FileTime.fromMillis(4_000_000_000_000L));
                assertEquals(b3, get(f, "user.mergerfs.basepath"));
                // user.mergerfs.* on an ordinary file passes through to every copy (OP-XA-03)
                assertEquals(0, set(f, "user.mergerfs.basepath", "mine", 0));
                assertEquals(0, set(f, "user.mergerfs.note", "hello", 0));
                assertEquals("hello", get(b2 + "/d/f", "user.mergerfs.note"));
                assertEquals("hello", get(b3 + "/d/f", "user.mergerfs.note"));
                assertEquals("mine", get(b3 + "/d/f", "user.mergerfs.basepath"));
                assertEquals(b3, get(f, "user.mergerfs.basepath"), "the computed answer still wins on get");
                assertTrue(list(f).contains("user.mergerfs.note"), "stored names are listed like any xattr");
                assertEquals(0, Posix.lremovexattr(f, "user.mergerfs.note"));
                assertEquals(-Errno.ENOATTR, getErr(b2 + "/d/f", "user.mergerfs.note"));
            }
        });
    }

    @Test
    void xattrNoattrKeepsTheControlFileWorking() {
        within(() -> {
            try (TestPool p = new TestPool(1, "xattr=noattr")) {
                String ctl = p.pool(".mergerfs").toString();
                Files.writeString(p.pool("f"), "x");
                assertEquals(-Errno.ENOATTR, getErr(p.pool("f").toString(), "user.mergerfs.basepath"));
                assertEquals("noattr", get(ctl, "user.mergerfs.xattr"));
                assertEquals(0, set(ctl, "xattr", "passthrough"));
                assertEquals(p.branch(0).toString(), get(p.pool("f").toString(), "user.mergerfs.basepath"));
            }
        });
    }

    // ----------------------------------------------------------------- who may change settings

    @Test
    void onlyRootChangesSettingsAnyoneReads() {
        within(() -> {
            try (TestPool p = new TestPool(1)) {
                Files.setPosixFilePermissions(p.root, PosixFilePermissions.fromString("rwxr-xr-x"));
                String ctl = p.pool(".mergerfs").toString();
                // another user: the kernel refuses before mergerfs-j sees it (mode 0664, owner root)
                Result other = asUser("65534", "65534", "setfattr", "-n", "user.mergerfs.minfreespace", "-v", "1G", ctl);
                assertNotEquals(0, other.rc);
                assertTrue(other.err.contains("Permission denied"), other.err);
                // a member of the file's group passes the kernel; mergerfs-j still refuses non-root writers
                Result group = asUser("65534", "0", "setfattr", "-n", "user.mergerfs.minfreespace", "-v", "1G", ctl);
                assertNotEquals(0, group.rc);
                assertTrue(group.err.contains("Operation not permitted"), group.err);
                assertEquals("4294967295", get(ctl, "user.mergerfs.minfreespace"));
                Result read = asUser("65534", "65534", "getfattr", "--only-values", "-n", "user.mergerfs.category.create", ctl);
                assertEquals(0, read.rc, read.err);
                assertEquals("epmfs", read.out);
            }
        });
    }

    record Result(int rc, String out, String err) {}

    static Result asUser(String uid, String gid, String... cmd) throws Exception {
        List<String> argv = new ArrayList<>(List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--clear-groups"));
        argv.addAll(List.of(cmd));
        Process pr = new ProcessBuilder(argv).start();
        if (!pr.waitFor(10, TimeUnit.SECONDS)) {
            pr.destroyForcibly();
            fail("timed out: " + argv);
        }
        return new Result(pr.exitValue(), new String(pr.getInputStream().readAllBytes()).trim(),
                new String(pr.getErrorStream().readAllBytes()).trim());
    }

    @Test
    void eachChangeIsLoggedOnceAtInfo() {
        within(() -> {
            Logger log = (Logger) LoggerFactory.getLogger(ControlFile.class);
            ListAppender<ILoggingEvent> seen = new ListAppender<>();
            seen.start();
            Level was = log.getLevel();
            log.setLevel(Level.INFO);
            log.setAdditive(false);
            log.addAppender(seen);
            try (TestPool p = new TestPool(1)) {
                String ctl = p.pool(".mergerfs").toString();
                assertEquals(0, set(ctl, "category.create", "mfs"));
                assertEquals(-Errno.EINVAL, set(ctl, "minfreespace", "x"));
                List<String> info = new ArrayList<>();
                for (ILoggingEvent e : seen.list) if (e.getLevel() == Level.INFO) info.add(e.getFormattedMessage());
                assertEquals(2, info.size(), info.toString());
                assertTrue(info.get(0).contains("category.create") && info.get(0).contains("'epmfs'")
                        && info.get(0).contains("'mfs'"), info.get(0));
                assertTrue(info.get(1).contains("refused") && info.get(1).contains("minfreespace"), info.get(1));
            } finally {
                log.detachAppender(seen);
                log.setLevel(was);
                log.setAdditive(true);
            }
        });
    }
}
