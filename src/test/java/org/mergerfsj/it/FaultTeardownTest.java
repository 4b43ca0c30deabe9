package org.mergerfsj.it;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.mergerfsj.fuse.FuseMount;
import org.mergerfsj.posix.Posix;

/**
 * FuseMount.close() with busy workers, in this JVM: if teardown freed libfuse state under a worker that is
 * still inside libfuse, this JVM would die with SIGSEGV and take the test run with it.
 */
class FaultTeardownTest {
    private static final int LOCK_EX = 2;

    /**
     * A worker blocks in flock() on a branch file that this test holds locked (a branch call that does not
     * return by itself). close() must still return promptly, release the waiting client with an error, and
     * leave libfuse's state alone; when the worker later returns, its reply goes nowhere and the JVM lives.
     */
    @Test
    void closeReturnsWhileAWorkerIsStuckInABranchCall() {
        assertTimeoutPreemptively(Duration.ofSeconds(90), () -> {
            AtomicInteger clientResult = new AtomicInteger(1);
            Thread client;
            long took;
            int held = -1;
            TestPool p = new TestPool(1, "cache.attr=0,cache.entry=0");
            try {
                Files.writeString(p.pool("f"), "locked");
                held = Posix.open(p.branch(0).resolve("f").toString(), Posix.O_RDONLY, 0);
                assertTrue(held >= 0);
                assertEquals(0, Posix.C.flock(held, LOCK_EX));
                client = new Thread(() -> {
                    int fd = Posix.open(p.pool("f").toString(), Posix.O_RDONLY, 0);
                    clientResult.set(fd < 0 ? fd : Posix.check(Posix.C.flock(fd, LOCK_EX)));
                    if (fd >= 0) Posix.close(fd);
                }, "flock-client");
                client.setDaemon(true);
                client.start();
                waitForThreadIn("lock", "request_wait");
            } finally {
                long t0 = System.nanoTime();
                p.close();
                took = System.nanoTime() - t0;
            }
            assertTrue(took < Duration.ofSeconds(15).toNanos(), "close took " + took / 1_000_000 + " ms");
            client.join(10_000);
            assertFalse(client.isAlive(), "the client waiting on the pool is still blocked after close");
            assertTrue(clientResult.get() < 0, "the client's flock should fail once the mount is gone: " + clientResult);
            assertFalse(isFuseMounted(p.mnt), "pool still mounted");

            // wake the abandoned worker: it returns into libfuse, whose state was deliberately not freed
            Posix.close(held);
            Thread.sleep(1000);

            // still alive and able to serve a new mount
            try (TestPool q = new TestPool(2)) {
                Files.writeString(q.pool("after"), "fine");
                assertEquals("fine", Files.readString(q.branch(1).resolve("after")));
            }
        });
    }

    /** close() while client threads hammer the mount: returns, clients see an error or finish, JVM lives. */
    @Test
    void closeUnderLoadFromManyThreads() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            Thread[] load = new Thread[4];
            TestPool p = new TestPool(2, "cache.files=off");
            java.util.concurrent.atomic.AtomicInteger ops = new java.util.concurrent.atomic.AtomicInteger();
            long took;
            try {
                for (int i = 0; i < load.length; i++) {
                    Path f = p.pool("load" + i);
                    load[i] = new Thread(() -> {
                        byte[] data = new byte[64 << 10];
                        try {
                            while (true) {
                                Files.write(f, data);
                                Files.readAllBytes(f);
                                ops.incrementAndGet();
                            }
                        } catch (Throwable expectedAtClose) {
                            // the mount went away under us
                        }
                    }, "load-" + i);
                    load[i].setDaemon(true);
                    load[i].start();
                }
                while (ops.get() < 40) Thread.sleep(10);
            } finally {
                long t0 = System.nanoTime();
                p.close();
                took = System.nanoTime() - t0;
            }
            assertTrue(took < Duration.ofSeconds(15).toNanos(), "close took " + took / 1_000_000 + " ms");
            for (Thread t : load) {
                t.join(10_000);
                assertFalse(t.isAlive(), t.getName() + " still blocked on the closed mount");
            }
            assertFalse(isFuseMounted(p.mnt));
        });
    }

    /** The startup check for a dead mount must never detach a live one, nor act on a plain directory. */
    @Test
    void clearDeadMountLeavesLiveMountsAndPlainDirectoriesAlone() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            try (TestPool p = new TestPool(1)) {
                Files.writeString(p.pool("f"), "alive");
                assertFalse(FuseMount.clearDeadMount(p.mnt.toString()));
                assertTrue(isFuseMounted(p.mnt));
                assertEquals("alive", Files.readString(p.pool("f")));
                assertFalse(FuseMount.clearDeadMount(p.branch(0).toString()));
            }
        });
    }

    /** Waits until a thread of this JVM sleeps in a kernel function whose name has want but not notWant. */
    private static void waitForThreadIn(String want, String notWant) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            try (var tasks = Files.list(Path.of("/proc/self/task"))) {
                for (Path t : (Iterable<Path>) tasks::iterator) {
                    String wchan;
                    try {
                        wchan = Files.readString(t.resolve("wchan"));
                    } catch (IOException gone) {
                        continue;
                    }
                    if (wchan.contains(want) && !wchan.contains(notWant)) return;
                }
            }
            Thread.sleep(20);
        }
        fail("no thread ever blocked in a kernel function matching " + want);
    }

    static boolean isFuseMounted(Path mnt) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            if (f.length > 4 && f[4].equals(mnt.toString()) && line.contains(" - fuse")) return true;
        }
        return false;
    }
}
