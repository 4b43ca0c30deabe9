package org.mergerfsj.union;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.mergerfsj.posix.Posix;

class QuietCloseTest {
    @Test
    void filesystemsWithoutAFlushMethodAreQuietOthersAreNot() {
        // ext2/3/4, xfs, btrfs, tmpfs: no .flush in their file_operations
        for (long t : new long[] {0xEF53L, 0x58465342L, 0x9123683EL, 0x01021994L}) assertTrue(QuietClose.isQuiet(t));
        // NFS, SMB2, FUSE, overlayfs, ZFS, f2fs: close(2) can do and report something there (or unknown)
        for (long t : new long[] {0x6969L, 0xFE534D42L, 0x65735546L, 0x794C7630L, 0x2FC12FC1L, 0xF2F52010L}) {
            assertFalse(QuietClose.isQuiet(t));
        }
        // f_type is a signed long in struct statfs: the high half of a sign-extended magic is ignored
        assertTrue(QuietClose.isQuiet(0xFFFFFFFF9123683EL));
    }

    @Test
    void aFileOnTmpfsIsQuiet() throws Exception {
        Path shm = Path.of("/dev/shm");
        Assumptions.assumeTrue(Files.isDirectory(shm) && "tmpfs".equals(Files.getFileStore(shm).type()));
        Path f = Files.createTempFile(shm, "quiet", ".tmp");
        int fd = Posix.open(f.toString(), Posix.O_RDWR, 0);
        try {
            assertTrue(fd >= 0);
            assertTrue(QuietClose.quiet(fd));
            assertTrue(QuietClose.quiet(fd), "asked again");
        } finally {
            Posix.close(fd);
            Files.delete(f);
        }
    }

    @Test
    void aBadFdIsNotQuiet() {
        assertFalse(QuietClose.quiet(-1));
    }
}
