package org.mergerfsj.ctl;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BranchTableTest {

    @Test
    void parsesRenderedBranchStrings() {
        assertEquals(List.of(new BranchTable.Entry("/a", "RW", ""), new BranchTable.Entry("/b=c", "NC", "1G"),
                new BranchTable.Entry("/d", "RW", "")), BranchTable.parse("/a=RW:/b=c=NC,1G:/d"));
        assertEquals(List.of(), BranchTable.parse(""));
        assertEquals(List.of(new BranchTable.Entry("/a", "RW", ""), new BranchTable.Entry("/b", "RW", "")),
                BranchTable.parse("/a:/b"), "srcmounts form: paths only");
    }

    @Test
    void usageBarAndSizes() {
        assertEquals("[..........]", BranchTable.bar(0, 10));
        assertEquals("[#.........]", BranchTable.bar(1, 10), "any use shows");
        assertEquals("[#####.....]", BranchTable.bar(50, 10));
        assertEquals("[##########]", BranchTable.bar(100, 10));
        assertEquals("[##########]", BranchTable.bar(140, 10));
        assertEquals("0B", BranchTable.human(0));
        assertEquals("1023B", BranchTable.human(1023));
        assertEquals("1.0K", BranchTable.human(1024));
        assertEquals("1.5M", BranchTable.human(3L << 19));
        assertEquals("931.5G", BranchTable.human(1_000_204_886_016L));
        assertEquals(50, new BranchTable.Space(100, 25, 25, 0).percentUsed());
        assertEquals(0, new BranchTable.Space(0, 0, 0, 0).percentUsed());
    }

    @Test
    void spaceOfARealDirectoryAndOfAMissingOne(@TempDir Path dir) {
        BranchTable.Space s = BranchTable.space(dir.toString());
        assertEquals(0, s.errno());
        assertTrue(s.total() > 0 && s.avail() <= s.total() && s.used() <= s.total(), s.toString());
        List<String> lines = BranchTable.render(List.of(new BranchTable.Entry(dir + "/missing", "RO", "")));
        assertTrue(lines.get(1).contains("unavailable: No such file or directory"), lines.get(1));
    }
}
