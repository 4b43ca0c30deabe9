package org.mergerfsj.branch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GlobTest {
    @TempDir
    Path tmp;
    String root;

    @BeforeEach
    void tree() throws Exception {
        for (String d : new String[] {"b1", "b2", "b10", "c1", ".hidden", "b1/data", "b2/data", "c1/data"}) {
            Files.createDirectories(tmp.resolve(d));
        }
        Files.createFile(tmp.resolve("bfile"));
        root = tmp.toString();
    }

    @Test
    void starMatchesSortedAndIncludesFiles() {
        assertEquals(List.of(root + "/b1", root + "/b10", root + "/b2", root + "/bfile"), Glob.expand(root + "/b*", tmp));
    }

    @Test
    void bracketsAndQuestionMark() {
        assertEquals(List.of(root + "/b1", root + "/b2"), Glob.expand(root + "/b[12]", tmp));
        assertEquals(List.of(root + "/b1", root + "/b2"), Glob.expand(root + "/b?", tmp));
        assertEquals(List.of(root + "/b1", root + "/c1"), Glob.expand(root + "/?1", tmp));
    }

    @Test
    void hiddenOnlyByExplicitDot() {
        assertEquals(List.of(root + "/b1", root + "/b10", root + "/b2", root + "/bfile", root + "/c1"),
                Glob.expand(root + "/*", tmp));
        assertEquals(List.of(root + "/.hidden"), Glob.expand(root + "/.h*", tmp));
    }

    @Test
    void wildcardInTheMiddle() {
        assertEquals(List.of(root + "/b1/data", root + "/b2/data", root + "/c1/data"), Glob.expand(root + "/*/data", tmp));
        assertEquals(List.of(root + "/b1/data", root + "/b2/data"), Glob.expand(root + "/b*/d*", tmp));
    }

    @Test
    void trailingSlashMatchesDirectoriesOnly() {
        assertEquals(List.of(root + "/b1/", root + "/b10/", root + "/b2/"), Glob.expand(root + "/b*/", tmp));
    }

    @Test
    void noMatchReturnsThePattern() {
        assertEquals(List.of(root + "/z*"), Glob.expand(root + "/z*", tmp));
        assertEquals(List.of("/does/not/exist"), Glob.expand("/does/not/exist", tmp));
    }

    @Test
    void relativePatternsResolveAgainstCwdButStayRelative() {
        assertEquals(List.of("b1", "b2"), Glob.expand("b[12]", tmp));
    }

    @Test
    void escapedWildcardIsLiteral() throws Exception {
        Files.createDirectories(tmp.resolve("x*y"));
        assertEquals(List.of(root + "/x*y"), Glob.expand(root + "/x\\*y", tmp));
    }
}
