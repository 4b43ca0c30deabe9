package org.mergerfsj.it;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mergerfsj.posix.Creds;
import org.mergerfsj.posix.Posix;

/**
 * Per-thread credentials as the kernel sees them: every check reads /proc/thread-self/status, not Creds'
 * own bookkeeping. Each case runs on a fresh thread so the JUnit thread keeps root's identity.
 */
class CredsThreadTest {
    static final int U1 = 4101, U2 = 4102, G1 = 4111, G2 = 4112, G3 = 4113;
    private static Process caller; // a process as U1 with groups the database does not give U1

    @BeforeAll
    static void setUp() throws Exception {
        assumeTrue(Posix.C.geteuid() == 0, "needs root");
        TestUsers.ensure();
        caller = new ProcessBuilder("setpriv", "--reuid=" + U1, "--regid=" + G1, "--groups=" + G3, "sleep", "60")
                .redirectErrorStream(true).start();
        // setpriv execs sleep: wait until the pid shows the new identity
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!status(caller.pid()).contains("Uid:\t" + U1) && System.nanoTime() < deadline) Thread.sleep(10);
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (caller != null) {
            caller.destroyForcibly();
            caller.waitFor(5, TimeUnit.SECONDS);
        }
    }

    static String status(long pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/status"));
        } catch (Exception e) {
            return "";
        }
    }

    /** fsuid, fsgid and the groups of the calling thread, from the kernel. */
    static String self() {
        String s;
        try {
            s = Files.readString(Path.of("/proc/thread-self/status"));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        String uid = "", gid = "", groups = "";
        for (String line : s.split("\n")) {
            if (line.startsWith("Uid:")) uid = line.substring(4).trim().split("\\s+")[3];
            if (line.startsWith("Gid:")) gid = line.substring(4).trim().split("\\s+")[3];
            if (line.startsWith("Groups:")) {
                int[] g = Arrays.stream(line.substring(7).trim().split("\\s+")).filter(x -> !x.isEmpty())
                        .mapToInt(Integer::parseInt).sorted().toArray();
                groups = Arrays.toString(g);
            }
        }
        return uid + "/" + gid + " " + groups;
    }

    private static void onFreshThread(Runnable body) {
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            AtomicReference<Throwable> err = new AtomicReference<>();
            Thread t = new Thread(() -> {
                try {
                    body.run();
                } catch (Throwable e) {
                    err.set(e);
                } finally {
                    Creds.become(0, 0, 0); // leave as root, like a worker between requests
                }
            });
            t.start();
            t.join();
            if (err.get() != null) throw err.get();
        });
    }

    @Test
    void realGroupsOfTheCallingProcessNotTheDatabase() {
        onFreshThread(() -> {
            Creds.become(U1, G1, (int) caller.pid());
            assertEquals(U1 + "/" + G1 + " [" + G3 + "]", self(), "groups come from the caller's /proc status");
        });
    }

    @Test
    void databaseGroupsWhenTheCallerIsInvisible() {
        onFreshThread(() -> {
            Creds.become(U1, G1, 0);
            assertEquals(U1 + "/" + G1 + " [" + G1 + ", " + G2 + "]", self());
        });
    }

    @Test
    void databaseGroupsWhenTheStatusDoesNotMatchTheRequest() {
        long me = ProcessHandle.current().pid(); // root's pid asked for as U2: not who is asking
        onFreshThread(() -> {
            Creds.become(U2, G1, (int) me);
            assertEquals(U2 + "/" + G1 + " [" + G1 + "]", self());
        });
    }

    @Test
    void rootUserRootLeavesNothingBehind() {
        onFreshThread(() -> {
            String root = self();
            Creds.become(0, 0, 1);
            assertEquals(root, self());
            Creds.become(U1, G1, (int) caller.pid());
            assertNotEquals(root, self());
            Creds.become(0, 0, 1);
            assertEquals(root, self(), "root after a user: daemon groups and fsuid/fsgid 0 again");
            Creds.become(U2, G1, 0);
            assertEquals(U2 + "/" + G1 + " [" + G1 + "]", self(), "second user gets none of the first's groups");
            Creds.become(U1, G1, (int) caller.pid());
            assertEquals(U1 + "/" + G1 + " [" + G3 + "]", self());
        });
    }

    @Test
    void privilegedStepRestoresTheCallersRealGroups() {
        onFreshThread(() -> {
            Creds.become(U1, G1, (int) caller.pid());
            String user = self();
            Creds.becomeRoot();
            assertTrue(self().startsWith("0/0 "), self());
            assertEquals(0, Creds.currentUid());
            Creds.become(U1, G1); // what ClonePath and friends do
            assertEquals(user, self(), "restored with the caller's real groups, not the database's");
        });
    }

    @Test
    void threadsBornFromAUserWorkerAreSetRight() {
        onFreshThread(() -> {
            Creds.become(U1, G1, (int) caller.pid());
            AtomicReference<String> other = new AtomicReference<>();
            Thread t = new Thread(() -> other.set(self()));
            t.start();
            try {
                t.join();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            assertEquals(U1 + "/" + G1 + " [" + G3 + "]", other.get(), "the kernel copies the creator's identity");
            AtomicReference<String> asRoot = new AtomicReference<>();
            Thread t2 = new Thread(() -> {
                Creds.become(0, 0, 1); // must not trust "a new thread is root"
                asRoot.set(self());
                Creds.becomeRoot();
            });
            t2.start();
            try {
                t2.join();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            assertTrue(asRoot.get().startsWith("0/0 ") && !asRoot.get().contains("" + G3),
                    "a root request on a thread born from a user's worker runs as root: " + asRoot.get());
            assertEquals(U1 + "/" + G1 + " [" + G3 + "]", self());
        });
    }

    @Test
    void kernelEnforcesTheSwitchedIdentity() throws Exception {
        Path dir = Files.createTempDirectory("credtest");
        try {
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
            Path secret = dir.resolve("secret");
            Files.writeString(secret, "x");
            Files.setPosixFilePermissions(secret, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw----"));
            Posix.lchown(secret.toString(), 0, G3);
            onFreshThread(() -> {
                byte[] p = Posix.path(secret.toString());
                Creds.become(U1, G1, 0); // database groups: not in G3
                assertTrue(Posix.C.open(p, Posix.O_RDONLY, 0) < 0, "U1 without G3 must not read");
                Creds.become(U1, G1, (int) caller.pid()); // the real process has G3
                int fd = Posix.C.open(p, Posix.O_RDONLY, 0);
                assertTrue(fd >= 0, "U1 with its real group G3 may read");
                Posix.close(fd);
                Creds.become(U2, G1, 0);
                assertTrue(Posix.C.open(p, Posix.O_RDONLY, 0) < 0, "no group left over from the previous caller");
            });
        } finally {
            try (var s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
            }
        }
    }

    /**
     * The test users and groups of the credential tests (same ids as python_tests/permtools.py), created when
     * missing: mfsju4101 (primary mfsjg4111, also in 4112), mfsju4102 (4111), mfsju4103 (4113, also in
     * 4112), mfsju4104 (4113). Needs root.
     */
    static final class TestUsers {
        private TestUsers() {}

        static synchronized void ensure() throws Exception {
            for (int g : new int[] {4111, 4112, 4113}) {
                if (!exists("group", "mfsjg" + g)) run("groupadd", "-f", "-g", "" + g, "mfsjg" + g);
            }
            user(4101, 4111, "4112");
            user(4102, 4111, null);
            user(4103, 4113, "4112");
            user(4104, 4113, null);
        }

        private static void user(int uid, int gid, String extra) throws Exception {
            if (exists("passwd", "mfsju" + uid)) return;
            if (extra == null) run("useradd", "-M", "-N", "-u", "" + uid, "-g", "" + gid, "-s", "/usr/sbin/nologin", "mfsju" + uid);
            else run("useradd", "-M", "-N", "-u", "" + uid, "-g", "" + gid, "-G", extra, "-s", "/usr/sbin/nologin", "mfsju" + uid);
        }

        private static boolean exists(String db, String name) throws Exception {
            return run(false, "getent", db, name) == 0;
        }

        private static void run(String... cmd) throws Exception {
            run(true, cmd);
        }

        private static int run(boolean check, String... cmd) throws Exception {
            Process p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true).start();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out: " + String.join(" ", cmd));
            }
            String out = new String(p.getInputStream().readAllBytes());
            // a concurrent run may have created it a moment ago
            if (check && p.exitValue() != 0 && !out.contains("already exists")) {
                throw new IllegalStateException(String.join(" ", cmd) + ": " + out);
            }
            return p.exitValue();
        }
    }
}
