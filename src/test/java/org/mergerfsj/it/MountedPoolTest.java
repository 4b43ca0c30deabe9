package org.mergerfsj.it;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.mergerfsj.posix.Errno;
import org.mergerfsj.posix.Posix;

/** Core operations through a real mount, checked on the branches. */
class MountedPoolTest {

    private static void within(org.junit.jupiter.api.function.Executable e) {
        assertTimeoutPreemptively(TestPool.TIMEOUT, e);
    }

    @Test
    void createLandsOnLastBranchWithDefaultEpmfsAndReadsBack() {
        within(() -> {
            try (TestPool p = new TestPool(3)) {
                Files.writeString(p.pool("hello.txt"), "hi there");
                assertEquals("hi there", Files.readString(p.pool("hello.txt")));
                // three branches on one fs tie: epmfs takes the last (QUIRK-04)
                assertTrue(Files.exists(p.branch(2).resolve("hello.txt")));
                assertFalse(Files.exists(p.branch(0).resolve("hello.txt")));
            }
        });
    }

    @Test
    void readdirMergesAndDeduplicates() {
        within(() -> {
            try (TestPool p = new TestPool(2)) {
                Files.writeString(p.branch(0).resolve("a"), "1");
                Files.writeString(p.branch(1).resolve("a"), "2");
                Files.writeString(p.branch(1).resolve("b"), "3");
                Set<String> names = new TreeSet<>();
                try (DirectoryStream<Path> d = Files.newDirectoryStream(p.mnt)) {
                    for (Path x : d) names.add(x.getFileName().toString());
                }
                assertEquals(Set.of("a", "b"), names);
                assertEquals("1", Files.readString(p.pool("a")), "first branch wins");
            }
        });
    }

    @Test
    void unlinkAndChmodActOnAllCopies() {
        within(() -> {
            try (TestPool p = new TestPool(2)) {
                Files.writeString(p.branch(0).resolve("f"), "1");
                Files.writeString(p.branch(1).resolve("f"), "2");
                Files.setPosixFilePermissions(p.pool("f"), PosixFilePermissions.fromString("rw-------"));
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(p.branch(1).resolve("f"))));
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(p.branch(0).resolve("f"))));
                Files.delete(p.pool("f"));
                assertFalse(Files.exists(p.branch(0).resolve("f")));
                assertFalse(Files.exists(p.branch(1).resolve("f")));
                assertThrows(NoSuchFileException.class, () -> Files.readString(p.pool("f")));
            }
        });
    }

    @Test
    void mkdirRenameSymlinkLink() {
        within(() -> {
            try (TestPool p = new TestPool(2)) {
                Files.createDirectories(p.pool("d/e"));
                Files.writeString(p.pool("d/e/f"), "data");
                Files.move(p.pool("d/e/f"), p.pool("d/e/g"));
                assertEquals("data", Files.readString(p.pool("d/e/g")));
                Files.createSymbolicLink(p.pool("d/link"), Path.of("e/g"));
                assertEquals(Path.of("e/g"), Files.readSymbolicLink(p.pool("d/link")));
                assertEquals("data", Files.readString(p.pool("d/link")));
                Files.createLink(p.pool("d/e/h"), p.pool("d/e/g"));
                assertEquals(2, (int) Files.getAttribute(p.pool("d/e/h"), "unix:nlink"));
            }
        });
    }

    @Test
    void largeWriteRoundTrips() {
        within(() -> {
            try (TestPool p = new TestPool(1)) {
                byte[] data = new byte[8 << 20];
                new java.util.Random(1).nextBytes(data);
                Files.write(p.pool("big"), data);
                assertArrayEquals(data, Files.readAllBytes(p.branch(0).resolve("big")));
                assertArrayEquals(data, Files.readAllBytes(p.pool("big")));
            }
        });
    }

    @Test
    void controlFileAnswersXattrs() {
        within(() -> {
            try (TestPool p = new TestPool(2)) {
                // by path: opening /.mergerfs fails with ENOENT, as on mergerfs (CTL-01)
                String ctl = p.pool(".mergerfs").toString();
                String keys = new String(Posix.llistxattr(ctl), StandardCharsets.ISO_8859_1);
                assertTrue(keys.contains("user.mergerfs.category.create\0"), keys);
                assertEquals("epmfs", new String(Posix.lgetxattr(ctl, "user.mergerfs.category.create")));
                assertEquals(0, Posix.lsetxattr(ctl, "user.mergerfs.category.create", "ff".getBytes(), 0));
                assertEquals("ff", new String(Posix.lgetxattr(ctl, "user.mergerfs.func.create")));
                Files.writeString(p.pool("x"), "x");
                assertTrue(Files.exists(p.branch(0).resolve("x")), "ff now puts it on the first branch");
                assertEquals(-Errno.EINVAL, Posix.lsetxattr(ctl, "user.mergerfs.category.create", "bogus".getBytes(), 0));
                assertEquals(-Errno.EROFS, Posix.lsetxattr(ctl, "user.mergerfs.version", "1".getBytes(), 0));
                assertEquals(-Errno.ENODATA, Posix.lsetxattr(ctl, "user.mergerfs.nope", "1".getBytes(), 0));
            }
        });
    }
}
