package org.mergerfsj.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mergerfsj.config.Config;
import org.mergerfsj.config.Options;
import org.mergerfsj.posix.Posix;

/** OPT-61 (branches-mount-timeout) and OPT-62 (lazy-umount-mountpoint) on real directories and mounts. */
class StartupTest {
    private static final Duration LIMIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    private long dev(Path p) {
        return Posix.stat(p.toString()).dev;
    }

    private Path dir(String name) throws Exception {
        return Files.createDirectories(tmp.resolve(name));
    }

    private Config config(String branches, String... opts) throws Exception {
        return Options.parse(List.of(opts), branches, dir("mnt").toString(), w -> { });
    }

    @Test
    void aPlainDirectoryOnTheMountpointsDiskIsNotMounted() throws Exception {
        Path b = dir("b1");
        assertFalse(Startup.mounted(b.toString(), dev(dir("mnt"))));
    }

    @Test
    void aMissingBranchIsNotMounted() throws Exception {
        assertFalse(Startup.mounted(tmp.resolve("nope").toString(), dev(dir("mnt"))));
    }

    @Test
    void aDirectoryOnAnotherDeviceIsMounted() throws Exception {
        Path shm = Path.of("/dev/shm");
        assumeTrue(Files.isDirectory(shm) && dev(shm) != dev(tmp), "needs /dev/shm on its own filesystem");
        assertTrue(Startup.mounted(shm.toString(), dev(dir("mnt"))));
    }

    @Test
    void theBranchMarkerFileMeansMounted() throws Exception {
        Path b = dir("b1");
        Files.createFile(b.resolve(".mergerfs.branch"));
        assertTrue(Startup.mounted(b.toString(), dev(dir("mnt"))));
    }

    @Test
    void theMountsHereMarkerMeansNotMountedEvenOnAnotherDevice() throws Exception {
        Path b = dir("b1");
        Files.createFile(b.resolve(".mergerfs.branch_mounts_here"));
        // pretend the mountpoint is on some other device: the marker alone must decide
        assertFalse(Startup.mounted(b.toString(), dev(b) + 1));
    }

    @Test
    void theBranchMarkerWinsOverTheMountsHereMarker() throws Exception {
        Path b = dir("b1");
        Files.createFile(b.resolve(".mergerfs.branch"));
        Files.createFile(b.resolve(".mergerfs.branch_mounts_here"));
        assertTrue(Startup.mounted(b.toString(), dev(b)));
    }

    @Test
    void xattrMarkersCountLikeTheFiles() throws Exception {
        Path yes = dir("yes"), no = dir("no");
        assumeTrue(setXattr(yes, "user.mergerfs.branch") && setXattr(no, "user.mergerfs.branch_mounts_here"),
                "needs user xattrs on the temp filesystem");
        assertTrue(Startup.mounted(yes.toString(), dev(yes)));
        assertFalse(Startup.mounted(no.toString(), dev(no) + 1));
    }

    private static boolean setXattr(Path p, String name) {
        byte[] v = "1".getBytes();
        return Posix.C.lsetxattr(Posix.path(p.toString()), Posix.path(name), v, v.length, 0) == 0;
    }

    @Test
    void theWaitEndsAsSoonAsTheLastBranchIsMounted() throws Exception {
        Path b1 = dir("b1"), b2 = dir("b2"), mnt = dir("mnt");
        Files.createFile(b1.resolve(".mergerfs.branch"));
        AtomicInteger sleeps = new AtomicInteger();
        List<String> missing = assertTimeoutPreemptively(LIMIT, () -> Startup.waitForBranches(
                List.of(b1.toString(), b2.toString()), mnt.toString(), 60_000, ms -> {
                    if (sleeps.incrementAndGet() == 3) touch(b2.resolve(".mergerfs.branch"));
                }));
        assertEquals(List.of(), missing);
        assertEquals(3, sleeps.get(), "polls until the disk shows up, then stops");
    }

    @Test
    void aTimeoutReportsTheBranchesStillMissing() throws Exception {
        Path b1 = dir("b1"), b2 = dir("b2"), mnt = dir("mnt");
        Files.createFile(b1.resolve(".mergerfs.branch"));
        List<String> missing = assertTimeoutPreemptively(LIMIT, () -> Startup.waitForBranches(
                List.of(b1.toString(), b2.toString()), mnt.toString(), 300, Thread::sleep));
        assertEquals(List.of(b2.toString()), missing);
    }

    @Test
    void prepareMountsAnywayAfterATimeoutAndSaysSo() throws Exception {
        Path b1 = dir("b1");
        Config cfg = config(b1.toString(), "branches-mount-timeout=1");
        List<String> status = new ArrayList<>(), echo = new ArrayList<>();
        String why = assertTimeoutPreemptively(LIMIT, () -> Startup.prepare(cfg, status::add, echo::add));
        assertNull(why);
        assertEquals(List.of("WAIT 1"), status, "the launcher is told how long we may wait");
        assertEquals(1, echo.size());
        assertTrue(echo.get(0).contains("not mounted after 1 s") && echo.get(0).contains(b1.toString()), echo.get(0));
    }

    @Test
    void prepareFailsAfterATimeoutWhenAskedTo() throws Exception {
        Path b1 = dir("b1");
        Config cfg = config(b1.toString(), "branches-mount-timeout=1", "branches-mount-timeout-fail=true");
        String why = assertTimeoutPreemptively(LIMIT, () -> Startup.prepare(cfg, s -> { }, s -> { }));
        assertNotNull(why);
        assertTrue(why.contains(b1.toString()) && why.contains("branches-mount-timeout-fail"), why);
    }

    @Test
    void prepareDoesNotWaitWhenTheBranchesAreMounted() throws Exception {
        Path b1 = dir("b1");
        Files.createFile(b1.resolve(".mergerfs.branch"));
        Config cfg = config(b1.toString(), "branches-mount-timeout=600", "branches-mount-timeout-fail=true");
        assertNull(assertTimeoutPreemptively(LIMIT, () -> Startup.prepare(cfg, s -> { }, s -> { })));
    }

    @Test
    void aBranchThatNeverAppearsStillFailsAfterTheWait() throws Exception {
        Config cfg = config(tmp.resolve("disk9").toString(), "branches-mount-timeout=1");
        Main.check(cfg); // the wait is what decides, not the early check
        String why = assertTimeoutPreemptively(LIMIT, () -> Startup.prepare(cfg, s -> { }, s -> { }));
        assertNotNull(why);
        assertTrue(why.contains("no usable branch"), why);
    }

    @Test
    void withoutTheOptionsNothingHappens() throws Exception {
        Path b1 = dir("b1");
        List<String> status = new ArrayList<>();
        assertNull(Startup.prepare(config(b1.toString()), status::add, s -> { }));
        assertEquals(List.of(), status);
    }

    @Test
    void lazyUmountTakesDownWhatIsMountedAtTheMountpoint() throws Exception {
        assumeTrue(Posix.C.geteuid() == 0, "needs root to mount a tmpfs");
        Path mnt = dir("mnt");
        Files.writeString(mnt.resolve("underneath"), "x");
        assertEquals(0, run("mount", "-t", "tmpfs", "-o", "size=1m", "startuptest", mnt.toString()));
        try {
            assertTrue(Startup.isMountpoint(mnt.toString()));
            assertFalse(Files.exists(mnt.resolve("underneath")));
            List<String> echo = new ArrayList<>();
            Startup.lazyUmount(mnt.toString(), echo::add);
            assertFalse(Startup.isMountpoint(mnt.toString()));
            assertTrue(Files.exists(mnt.resolve("underneath")), "the directory underneath is back");
            assertEquals(List.of(), echo);
        } finally {
            run("umount", "-l", mnt.toString());
        }
    }

    @Test
    void lazyUmountLeavesAPlainDirectoryAlone() throws Exception {
        Path mnt = dir("mnt");
        List<String> echo = new ArrayList<>();
        Startup.lazyUmount(mnt.toString(), echo::add);
        assertEquals(List.of(), echo);
        assertTrue(Files.isDirectory(mnt));
    }

    @Test
    void mountinfoEscapesAreDecoded() {
        assertEquals("/a b\tc\\d", Startup.unescape("/a\\040b\\011c\\134d"));
        assertEquals("/plain", Startup.unescape("/plain"));
        assertEquals("/end\\", Startup.unescape("/end\\"));
    }

    private static void touch(Path p) {
        try {
            Files.createFile(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static int run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }
}
