package org.mergerfsj.branch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mergerfsj.config.BadValueException;

class BranchSpecTest {
    @TempDir
    Path tmp;
    String x;

    @BeforeEach
    void branches() throws Exception {
        Path real = tmp.toRealPath();
        for (String d : new String[] {"b1", "b2", "b3"}) Files.createDirectories(real.resolve(d));
        x = real.toString();
    }

    private static Branch rw(String p) {
        return new Branch(p, Mode.RW);
    }

    @Test
    void modesAndSizes() throws Exception {
        assertEquals(List.of(rw(x + "/b1"), new Branch(x + "/b2", Mode.RO), new Branch(x + "/b3", Mode.NC, 1L << 30)),
                BranchSpec.parse(x + "/b1:" + x + "/b2=RO:" + x + "/b3=NC,1G"));
        assertEquals(List.of(new Branch("/nx/a", Mode.RW, 0)), BranchSpec.parse("/nx/a=RW,0"));
    }

    @Test
    void emptyItemsAreIgnored() throws Exception {
        assertEquals(List.of(rw(x + "/b1"), rw(x + "/b2")), BranchSpec.parse(x + "/b1::" + x + "/b2:"));
        assertEquals(List.of(), BranchSpec.parse(""));
    }

    @Test
    void splitsAtTheLastEquals() throws Exception {
        assertEquals(List.of(new Branch("/nx/a=b", Mode.NC)), BranchSpec.parse("/nx/a=b=NC"));
    }

    @Test
    void globsExpandSortedAndDuplicatesStay() throws Exception {
        assertEquals(List.of(new Branch(x + "/b1", Mode.NC), new Branch(x + "/b2", Mode.NC), new Branch(x + "/b3", Mode.NC),
                rw(x + "/b2")), BranchSpec.parse(x + "/b*=NC:" + x + "/b2"));
    }

    @Test
    void realpathWhenTheBranchExists() throws Exception {
        Files.createSymbolicLink(tmp.resolve("link"), tmp.resolve("b1"));
        assertEquals(List.of(rw(x + "/b1"), rw(x + "/b2")), BranchSpec.parse(x + "/link:" + x + "/./b3/../b2/"));
    }

    @Test
    void missingBranchKeepsItsTextWithoutTrailingSlashes() throws Exception {
        assertEquals(List.of(rw("/nonexistent"), rw("/nx//a")), BranchSpec.parse("/nonexistent//:/nx//a"));
        assertEquals(List.of(rw("/")), BranchSpec.parse("/"));
    }

    @Test
    void relativeBranchThatExistsBecomesAbsolute() throws Exception {
        assertEquals(List.of(rw(x + "/b1"), rw(x + "/b2")), BranchSpec.parse("b[12]", tmp));
        assertEquals(List.of(rw(x + "/b3")), BranchSpec.parse("./b3/", tmp));
    }

    @Test
    void errorsNameTheItem() {
        assertBad("/a=XX", "invalid mode 'XX'");
        assertBad("/a=rw", "invalid mode 'rw'");
        assertBad("/a=RW,1G,x", "MODE or MODE,MINFREESPACE");
        assertBad("/a=RW,abc", "'abc'");
        assertBad("/a=RW,", "empty minfreespace");
        assertBad("/a=", "invalid mode ''");
        assertBad("=RW", "empty path");
        assertBad("/a\0b", "NUL");
        assertBad("relative-missing-dir-xyz", "relative path");
        assertBad("/" + "a".repeat(BranchSpec.PATH_MAX), "PATH_MAX");
    }

    private static void assertBad(String spec, String fragment) {
        BadValueException e = assertThrows(BadValueException.class, () -> BranchSpec.parse(spec), spec);
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }

    @Test
    void renderHumanizesPerBranchMinfreespace() {
        List<Branch> list = List.of(rw("/a"), new Branch("/b", Mode.RO, 1536), new Branch("/c", Mode.NC, 1L << 30),
                new Branch("/d", Mode.RW, 0), new Branch("/e", Mode.RW, 5L << 40));
        assertEquals("/a=RW:/b=RO,1536:/c=NC,1G:/d=RW,0:/e=RW,5T", BranchSpec.render(list));
        assertEquals("/a:/b:/c:/d:/e", BranchSpec.renderPaths(list));
        assertEquals("", BranchSpec.render(List.of()));
    }

    @Test
    void editInstructions() throws Exception {
        String b1 = x + "/b1", b2 = x + "/b2", b3 = x + "/b3";
        List<Branch> start = BranchSpec.parse(b1 + ":" + b2);

        assertEquals(b1 + "=RW:" + b2 + "=RW:" + b3 + "=RW", BranchSpec.render(BranchSpec.edit(start, "+" + b3)));
        assertEquals(b1 + "=RW:" + b2 + "=RW:" + b3 + "=RW", BranchSpec.render(BranchSpec.edit(start, "+>" + b3)));
        assertEquals(b3 + "=NC,1G:" + b1 + "=RW:" + b2 + "=RW", BranchSpec.render(BranchSpec.edit(start, "+<" + b3 + "=NC,1G")));
        assertEquals(b3 + "=RO", BranchSpec.render(BranchSpec.edit(start, "=" + b3 + "=RO")));
        assertEquals(b3 + "=RW", BranchSpec.render(BranchSpec.edit(start, b3)));
        assertEquals(b2 + "=RW", BranchSpec.render(BranchSpec.edit(start, "-<")));
        assertEquals(b1 + "=RW", BranchSpec.render(BranchSpec.edit(start, "->")));
        assertEquals(b1 + "=RW:" + b2 + "=RW", BranchSpec.render(start), "the input list is never changed");
    }

    @Test
    void removeByPatterns() throws Exception {
        List<Branch> all = BranchSpec.parse(x + "/b*");
        assertEquals(x + "/b3=RW", BranchSpec.render(BranchSpec.edit(all, "-" + x + "/b[12]")));
        assertEquals(x + "/b2=RW", BranchSpec.render(BranchSpec.edit(all, "-" + x + "/b1:" + x + "/b3")));
        assertEquals(BranchSpec.render(all), BranchSpec.render(BranchSpec.edit(all, "-/nomatch*")));
        assertEquals("", BranchSpec.render(BranchSpec.edit(all, "-*")));
    }

    @Test
    void ctl06Example() throws Exception {
        List<Branch> list = BranchSpec.parse("/x/b1:/x/b2");
        list = BranchSpec.edit(list, "-/x/b[12]");
        assertEquals(List.of(), list);
        list = BranchSpec.edit(list, "+</x/b3=NC,1G");
        assertEquals("/x/b3=NC,1G", BranchSpec.render(list));
    }

    @Test
    void badEditsChangeNothing() throws Exception {
        List<Branch> start = BranchSpec.parse(x + "/b1");
        for (String bad : new String[] {"++/a", "<>/a", "-=/a", "+=/a", "+/a=XX", "-<junk"}) {
            assertThrows(BadValueException.class, () -> BranchSpec.edit(start, bad), bad);
        }
        assertThrows(BadValueException.class, () -> BranchSpec.edit(List.of(), "-<"));
        assertThrows(BadValueException.class, () -> BranchSpec.edit(List.of(), "->"));
        assertEquals(List.of(rw(x + "/b1")), start);
    }
}
