package org.mergerfsj.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFileTest {
    @TempDir
    Path tmp;
    String branches;
    String mnt;

    @BeforeEach
    void pool() throws Exception {
        Path real = tmp.toRealPath();
        for (String d : new String[] {"b1", "b2", "mnt"}) Files.createDirectory(real.resolve(d));
        branches = real + "/b1:" + real + "/b2";
        mnt = real + "/mnt";
    }

    private Path file(String text) throws Exception {
        Path f = tmp.resolve("mergerfs.conf");
        Files.writeString(f, text);
        return f;
    }

    private Config parse(String... items) throws BadValueException {
        return Options.parse(List.of(items), branches, mnt, w -> { });
    }

    @Test
    void linesAreAppliedInPlace() throws Exception {
        Path f = file("# pool settings\n\n  category.create = mfs  \r\nminfreespace=10G\nstatfs-ignore=ro\n"
                + "   # indented comment\nlog.level=warn\nbranches=+>/nx/c=NC\n");
        Config c = parse("minfreespace=1G", "config=" + f, "log.level=error");
        assertEquals("mfs", c.policy(Func.CREATE));
        assertEquals(10L << 30, c.minFreeSpace(), "the file overrides earlier items");
        assertEquals("error", c.logLevel(), "later items override the file");
        assertEquals(StatFsIgnore.RO, c.statfsIgnore());
        assertEquals("/nx/c=NC", Options.get(c, "branches").substring(Options.get(c, "branches").lastIndexOf(':') + 1));
        assertEquals(f.toString(), c.configFile());
    }

    @Test
    void anyBadLineRejectsTheWholeFile() throws Exception {
        Path f = file("category.create=mfs\nminfreespace=abc\nthreads=2\nattr_timeout=3\nallow_other=1\nbare\n"
                + "config=/etc/other\nfuse_msg_size=32\n");
        BadValueException e = assertThrows(BadValueException.class, () -> ConfigFile.apply(new Config.Builder(),
                f.toString(), w -> { }));
        String msg = e.getMessage();
        assertTrue(msg.contains(f + ":2: invalid value for 'minfreespace=abc'"), msg);
        assertTrue(msg.contains(f + ":3: read-only option 'threads=2'"), msg);
        assertTrue(msg.contains(f + ":4: unknown option 'attr_timeout=3'"), msg);
        assertTrue(msg.contains(f + ":5: unknown option 'allow_other=1'"), msg);
        assertTrue(msg.contains(f + ":6: expected key=value"), msg);
        assertTrue(msg.contains(f + ":7: unknown option 'config=/etc/other'"), msg);
        assertTrue(msg.contains(f + ":8: read-only option"), msg);
        assertEquals(7, msg.split("\n").length, msg);
    }

    @Test
    void failedFileLeavesTheBuilderUntouched() throws Exception {
        Path f = file("category.create=mfs\nminfreespace=abc\n");
        Config.Builder b = new Config.Builder();
        assertThrows(BadValueException.class, () -> ConfigFile.apply(b, f.toString(), w -> { }));
        assertEquals("epmfs", b.policies[Func.CREATE.ordinal()]);
        assertEquals(4294967295L, b.minFreeSpace);
        String msg = assertThrows(BadValueException.class, () -> parse("config=" + f)).getMessage();
        assertTrue(msg.contains("minfreespace=abc"), msg);
    }

    @Test
    void missingFile() {
        String msg = assertThrows(BadValueException.class, () -> parse("config=" + tmp + "/none.conf")).getMessage();
        assertTrue(msg.contains("none.conf") && msg.contains("does not exist"), msg);
        assertTrue(assertThrows(BadValueException.class, () -> parse("config")).getMessage().contains("config"));
    }
}
