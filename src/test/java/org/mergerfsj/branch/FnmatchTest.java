package org.mergerfsj.branch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

class FnmatchTest {
    @Test
    void wildcards() {
        assertTrue(Fnmatch.matches("/x/b[12]", "/x/b1", false));
        assertTrue(Fnmatch.matches("/x/b[12]", "/x/b2", false));
        assertFalse(Fnmatch.matches("/x/b[12]", "/x/b3", false));
        assertTrue(Fnmatch.matches("/x/*", "/x/a/b", false), "without FNM_PATHNAME * crosses '/'");
        assertTrue(Fnmatch.matches("*", "", false));
        assertTrue(Fnmatch.matches("a*b*c", "aXbYbZc", false));
        assertFalse(Fnmatch.matches("a*b*c", "aXbYbZ", false));
        assertTrue(Fnmatch.matches("?", "x", false));
        assertFalse(Fnmatch.matches("?", "", false));
        assertTrue(Fnmatch.matches("**a", "bba", false));
    }

    @Test
    void brackets() {
        assertTrue(Fnmatch.matches("[a-c]x", "bx", false));
        assertFalse(Fnmatch.matches("[!a-c]x", "bx", false));
        assertTrue(Fnmatch.matches("[^a-c]x", "dx", false));
        assertTrue(Fnmatch.matches("[]]", "]", false));
        assertTrue(Fnmatch.matches("[!]]", "a", false));
        assertTrue(Fnmatch.matches("[[:digit:]][[:upper:]]", "1A", false));
        assertFalse(Fnmatch.matches("[[:digit:]]", "a", false));
        assertTrue(Fnmatch.matches("[a-]", "-", false));
        assertTrue(Fnmatch.matches("[", "[", false), "an unclosed bracket is literal");
        assertTrue(Fnmatch.matches("a[b", "a[b", false));
    }

    @Test
    void escapes() {
        assertTrue(Fnmatch.matches("\\*", "*", false));
        assertFalse(Fnmatch.matches("\\*", "a", false));
        assertTrue(Fnmatch.matches("[\\]]", "]", false));
        assertFalse(Fnmatch.hasMagic("a\\*b"));
        assertTrue(Fnmatch.hasMagic("a[bc]"));
        assertFalse(Fnmatch.hasMagic("a[bc"));
        assertEquals("a*b", Fnmatch.unescape("a\\*b"));
    }

    @Test
    void leadingPeriodMustBeExplicit() {
        assertFalse(Fnmatch.matches("*", ".hidden", true));
        assertFalse(Fnmatch.matches("?hidden", ".hidden", true));
        assertFalse(Fnmatch.matches("[.]hidden", ".hidden", true));
        assertTrue(Fnmatch.matches(".h*", ".hidden", true));
        assertTrue(Fnmatch.matches("*", ".hidden", false));
    }

    @Property
    void plainTextMatchesItself(@ForAll @StringLength(max = 20) @CharRange(from = 'a', to = 'z') String s) {
        assertTrue(Fnmatch.matches(s, s, true));
        assertTrue(Fnmatch.matches(s + "*", s + "tail", false));
    }
}
