package org.mergerfsj.ctl;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mergerfsj.branch.Branch;
import org.mergerfsj.branch.Mode;
import org.mergerfsj.config.Config;
import org.mergerfsj.it.TestPool;

/** {@code mergerfs-j ctl} against a pool mounted in this JVM: output, effect on the live config, exit codes. */
class CtlCommandTest {

    record Run(int rc, String out, String err) {}

    static Run ctl(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int rc = CtlCommand.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(rc, out.toString(), err.toString());
    }

    private static void within(org.junit.jupiter.api.function.Executable e) {
        assertTimeoutPreemptively(java.time.Duration.ofSeconds(60), e);
    }

    @Test
    void infoShowsBranchesWithSpaceAndEveryOption() {
        within(() -> {
            try (TestPool p = new TestPool(2, "category.create=mfs")) {
                Files.writeString(p.pool(".x"), "x");
                Run r = ctl(p.mnt.toString(), "info");
                assertEquals(0, r.rc, r.err);
                assertEquals("", r.err);
                assertTrue(r.out.startsWith("Pool " + p.mnt + ": mergerfs 2.33.5, pid " + ProcessHandle.current().pid()),
                        r.out);
                for (Path b : p.branches) {
                    String line = r.out.lines().filter(l -> l.contains(" " + b + " ")).findFirst().orElse("");
                    assertTrue(line.matches("\\s+\\d\\s+" + b + "\\s+RW\\s+-\\s+\\S+\\s+\\S+\\s+\\S+\\s+\\d+%\\s+\\[[#.]{20}\\]"),
                            "branch line: '" + line + "'");
                }
                for (String k : org.mergerfsj.config.Options.keys()) {
                    assertTrue(r.out.lines().anyMatch(l -> l.matches("\\s+" + java.util.regex.Pattern.quote(k) + "\\s+.*")),
                            "option " + k);
                }
                assertTrue(r.out.lines().anyMatch(l -> l.matches("\\s+category\\.create\\s+mfs")), r.out);
            }
        });
    }

    @Test
    void getAndSetChangeTheLivePool() {
        within(() -> {
            try (TestPool p = new TestPool(2)) {
                String m = p.mnt.toString();
                Run get = ctl(m, "get", "category.create");
                assertEquals(new Run(0, "epmfs\n", ""), get);
                assertEquals(new Run(0, "minfreespace=4294967295\ncategory.search=ff\n", ""),
                        ctl(m, "get", "minfreespace", "user.mergerfs.category.search"));
                Run set = ctl(m, "set", "category.create", "ff");
                assertEquals(new Run(0, "category.create: epmfs -> ff\n", ""), set);
                assertEquals("ff", p.pool.config().policy(org.mergerfsj.config.Func.CREATE));
                assertEquals(0, ctl(m, "set", "minfreespace", "10M").rc);
                assertEquals(10L << 20, p.pool.config().minFreeSpace());
                // values that look like options are values
                assertEquals(0, ctl(m, "set", "branches", "->").rc);
                assertEquals(List.of(new Branch(p.branch(0).toString(), Mode.RW)), p.pool.config().branches());
            }
        });
    }

    @Test
    void errorsHaveClearMessagesAndDistinctExitCodes(@TempDir Path notAPool) {
        within(() -> {
            try (TestPool p = new TestPool(1)) {
                String m = p.mnt.toString();
                Config before = p.pool.config();
                Run unknown = ctl(m, "get", "nope");
                assertEquals(ControlClient.EXIT_UNKNOWN_KEY, unknown.rc);
                assertTrue(unknown.err.contains("unknown key 'nope'"), unknown.err);
                assertEquals(ControlClient.EXIT_UNKNOWN_KEY, ctl(m, "set", "nope", "1").rc);
                Run ro = ctl(m, "set", "threads", "8");
                assertEquals(ControlClient.EXIT_READ_ONLY, ro.rc);
                assertTrue(ro.err.contains("'threads' is read-only"), ro.err);
                Run bad = ctl(m, "set", "category.create", "bogus");
                assertEquals(ControlClient.EXIT_BAD_VALUE, bad.rc);
                assertTrue(bad.err.contains("invalid value 'bogus' for 'category.create'"), bad.err);
                Run empty = ctl(m, "set", "branches", "");
                assertEquals(ControlClient.EXIT_BAD_VALUE, empty.rc);
                assertTrue(empty.err.contains("without branches"), empty.err);
                assertSame(before, p.pool.config(), "nothing was published");

                Run none = ctl(notAPool.toString(), "info");
                assertEquals(ControlClient.EXIT_NOT_POOL, none.rc);
                assertTrue(none.err.contains("is not a mergerfs pool"), none.err);
                assertEquals(ControlClient.EXIT_NOT_POOL, ctl(notAPool.resolve("missing").toString(), "info").rc);

                assertEquals(ControlClient.EXIT_USAGE, ctl().rc);
                assertEquals(ControlClient.EXIT_USAGE, ctl(m).rc);
                assertEquals(ControlClient.EXIT_USAGE, ctl(m, "frobnicate").rc);
                assertEquals(ControlClient.EXIT_USAGE, ctl(m, "set", "minfreespace").rc);
                Run help = ctl("-h");
                assertEquals(0, help.rc);
                assertTrue(help.out.contains("Usage: mergerfs-j ctl") && help.out.contains("branches"), help.out);
                assertEquals(0, ctl(m, "branches", "add", "--help").rc);
            }
        });
    }

    @Test
    void branchesAddListRemove() {
        within(() -> {
            try (TestPool p = new TestPool(2)) {
                String m = p.mnt.toString();
                Path d3 = Files.createDirectory(p.root.resolve("d3"));
                Path d4 = Files.createDirectory(p.root.resolve("d4"));
                Run add = ctl(m, "branches", "add", d3 + "=NC,1G");
                assertEquals(0, add.rc, add.err);
                assertEquals(List.of(p.branch(0).toString(), p.branch(1).toString(), d3.toString()), paths(p));
                assertEquals(new Branch(d3.toString(), Mode.NC, 1L << 30), p.pool.config().branches().get(2));
                assertTrue(add.out.lines().anyMatch(l -> l.contains(d3.toString()) && l.contains(" NC ") && l.contains("1G")),
                        add.out);
                assertEquals(0, ctl(m, "branches", "add", "--first", d4 + "=RO").rc);
                assertEquals(d4.toString(), paths(p).get(0));
                assertEquals(Mode.RO, p.pool.config().branches().get(0).mode());

                Run list = ctl(m, "branches");
                assertEquals(0, list.rc);
                assertEquals(5, list.out.lines().count(), "header and four branches:\n" + list.out);
                assertEquals(list, ctl(m, "branches", "list"));

                // a trailing slash or a symlink still finds the branch: ctl matches real paths
                Path link = Files.createSymbolicLink(p.root.resolve("link3"), d3);
                assertEquals(0, ctl(m, "branches", "remove", link + "/").rc);
                assertEquals(0, ctl(m, "branches", "remove", p.root + "/d[4]").rc);
                assertEquals(List.of(p.branch(0).toString(), p.branch(1).toString()), paths(p));

                Run miss = ctl(m, "branches", "remove", "/no/such/branch");
                assertEquals(ControlClient.EXIT_BAD_VALUE, miss.rc);
                assertTrue(miss.err.contains("no branch matches /no/such/branch"), miss.err);
                Run all = ctl(m, "branches", "remove", p.root + "/b*");
                assertEquals(ControlClient.EXIT_BAD_VALUE, all.rc);
                assertTrue(all.err.contains("every branch"), all.err);
                assertEquals(2, paths(p).size());
                assertEquals(0, ctl(m, "set", "branches", "->").rc);
                Run last = ctl(m, "set", "branches", "->");
                assertEquals(ControlClient.EXIT_BAD_VALUE, last.rc, "the pool itself refuses to lose its last branch");
                assertEquals(List.of(p.branch(0).toString()), paths(p));
                Run list1 = ctl(m, "branches", "list");
                assertEquals(0, list1.rc, list1.err);
                assertEquals(2, list1.out.lines().count(), list1.out);
                assertEquals(0, ctl(m, "branches", "add", p.branch(1).toString(), d3.toString()).rc);
                assertEquals(List.of(p.branch(0).toString(), p.branch(1).toString(), d3.toString()), paths(p));

                Run missingDir = ctl(m, "branches", "add", p.root + "/later");
                assertEquals(0, missingDir.rc);
                assertTrue(missingDir.err.contains("warning") && missingDir.err.contains("not a directory"), missingDir.err);
                Run colon = ctl(m, "branches", "add", d3 + ":" + d4);
                assertEquals(ControlClient.EXIT_BAD_VALUE, colon.rc);
            }
        });
    }

    private static List<String> paths(TestPool p) {
        return p.pool.config().branches().stream().map(Branch::path).toList();
    }

    @Test
    void relativePathsAreResolvedByCtlNotByTheDaemon() {
        assertEquals(Path.of("").toAbsolutePath() + "/disk1", CtlCommand.Branches.absolute("disk1"));
        assertEquals("/mnt/d=NC", CtlCommand.Branches.absolute("/mnt/d=NC"));
    }
}
