package org.mergerfsj.it;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.mergerfsj.posix.Errno;
import org.mergerfsj.posix.Posix;

/** rename/link semantics through a real in-JVM mount, checked on the branches (OP-RN, OP-LN). */
class SemanticsRenameLinkTest {

    private static void within(org.junit.jupiter.api.function.Executable e) {
        assertTimeoutPreemptively(TestPool.TIMEOUT, e);
    }

    @Test
    void pathPreservingRenameKeepsRenamableCopyAndDropsTheOther() {
        within(() -> {
            try (TestPool p = new TestPool(2, "cache.attr=0,cache.entry=0,cache.negative_entry=0")) {
                Files.createDirectories(p.branch(0).resolve("a"));
                Files.createDirectories(p.branch(1).resolve("a"));
                Files.createDirectories(p.branch(1).resolve("c"));
                Files.writeString(p.branch(0).resolve("a/f"), "one");
                Files.writeString(p.branch(1).resolve("a/f"), "two");
                assertEquals(0, Posix.rename(p.pool("a/f").toString(), p.pool("c/f").toString()));
                assertEquals("two", Files.readString(p.branch(1).resolve("c/f")));
                assertFalse(Files.exists(p.branch(0).resolve("a/f")));
                assertFalse(Files.exists(p.branch(0).resolve("c")));
                // nothing left that could be renamed: EXDEV, and the source stays
                Files.createDirectories(p.branch(0).resolve("x"));
                Files.writeString(p.branch(1).resolve("c/g"), "g");
                assertEquals(-Errno.EXDEV, Posix.rename(p.pool("c/g").toString(), p.pool("x/g").toString()));
                assertTrue(Files.exists(p.branch(1).resolve("c/g")));
            }
        });
    }

    @Test
    void linkExdevRelSymlinkLooksLikeTheFileAndLeavesASymlinkOnTheBranch() {
        within(() -> {
            try (TestPool p = new TestPool(2, "cache.attr=0,cache.entry=0,link-exdev=rel-symlink")) {
                Files.createDirectories(p.branch(0).resolve("a"));
                Files.createDirectories(p.branch(1).resolve("c"));
                Files.writeString(p.branch(0).resolve("a/f"), "data");
                assertEquals(0, Posix.link(p.pool("a/f").toString(), p.pool("c/h").toString()));
                assertEquals(Path.of("../a/f"), Files.readSymbolicLink(p.branch(1).resolve("c/h")));
                assertEquals("data", Files.readString(p.pool("c/h")));
            }
        });
    }

    @Test
    void renameExdevAbsSymlinkStagesTheFileUnderTheHiddenDirectory() {
        within(() -> {
            try (TestPool p = new TestPool(2, "cache.attr=0,cache.entry=0,rename-exdev=abs-symlink")) {
                Files.createDirectories(p.branch(0).resolve("a"));
                Files.createDirectories(p.branch(1).resolve("c"));
                Files.writeString(p.branch(0).resolve("a/f"), "data");
                assertEquals(0, Posix.rename(p.pool("a/f").toString(), p.pool("c/f").toString()));
                assertEquals("data", Files.readString(p.branch(0).resolve(".mergerfs_rename_exdev/a/f")));
                assertEquals(p.mnt.resolve(".mergerfs_rename_exdev/a/f"), Files.readSymbolicLink(p.pool("c/f")));
                assertEquals("data", Files.readString(p.pool("c/f")));
            }
        });
    }
}
