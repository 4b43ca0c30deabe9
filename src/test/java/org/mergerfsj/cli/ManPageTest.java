package org.mergerfsj.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mergerfsj.config.Options;
import picocli.CommandLine.Model.OptionSpec;

/** --help and the man page list every option, and the committed page is the generated one. */
class ManPageTest {
    /** Keys that are not control-file keys, so Options.keys() does not list them. */
    private static final List<String> MOUNT_ONLY = List.of("branches-mount-timeout", "branches-mount-timeout-fail",
            "lazy-umount-mountpoint", "config");

    private static List<String> everyKey() {
        List<String> keys = new ArrayList<>(Options.keys());
        keys.addAll(MOUNT_ONLY);
        return keys;
    }

    @Test
    void helpListsEveryCommandLineOptionAndEveryKey() {
        String help = Main.command(new Main()).getUsageMessage();
        for (OptionSpec o : Main.command(new Main()).getCommandSpec().options()) {
            for (String n : o.names()) assertTrue(help.contains(n), "--help lacks " + n);
        }
        for (String k : everyKey()) {
            if (k.equals("pid") || k.equals("version")) continue; // read-only facts, not options
            assertTrue(help.contains("  " + k + "="), "--help lacks -o " + k);
        }
    }

    @Test
    void manPageListsEveryKey() {
        String page = ManPage.render();
        for (String k : everyKey()) {
            if (k.equals("pid") || k.equals("version")) continue;
            assertTrue(page.contains("\\fB" + ManPage.esc(k) + "="), "man page lacks " + k);
        }
        for (String n : List.of("\\-o", "\\-f", "\\-d", "\\-\\-help", "\\-\\-version")) {
            assertTrue(page.contains("\\fB" + n + "\\fR"), "man page lacks " + n);
        }
    }

    @Test
    void committedManPageIsUpToDate() throws Exception {
        String committed = Files.readString(Path.of("docs/mergerfs-j.1"), StandardCharsets.UTF_8);
        assertEquals(ManPage.render(), committed, "docs/mergerfs-j.1 is stale: regenerate it with "
                + "java -cp target/mergerfs-j.jar org.mergerfsj.cli.ManPage > docs/mergerfs-j.1");
    }

    @Test
    void roffEscapes() {
        assertEquals("a\\-b", ManPage.esc("a-b"));
        assertEquals("\\&.x", ManPage.esc(".x"));
        assertEquals("c:\\e", ManPage.esc("c:\\"));
    }
}
