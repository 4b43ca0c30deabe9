package org.mergerfsj.branch;

import java.util.ArrayList;
import java.util.List;

/**
 * fnmatch(3) in the C locale: {@code *}, {@code ?}, bracket expressions with ranges, {@code !}/{@code ^}
 * negation and {@code [:class:]} names, and backslash escapes. Two callers need it: branch removal
 * ({@code -pattern}, flags 0, so {@code *} also matches '/') and glob expansion of one path component
 * (FNM_PERIOD: a leading dot must be matched by a literal dot).
 */
final class Fnmatch {
    private Fnmatch() {}

    /** One compiled pattern element. */
    private interface Tok {
        boolean star();

        boolean matches(char c);

        /** Whether this element is a literal '.', the only thing that may match a leading dot under FNM_PERIOD. */
        default boolean literalDot() {
            return false;
        }
    }

    private static final Tok STAR = new Tok() {
        public boolean star() { return true; }
        public boolean matches(char c) { return false; }
    };

    private static final Tok ANY = new Tok() {
        public boolean star() { return false; }
        public boolean matches(char c) { return true; }
    };

    private record Lit(char ch) implements Tok {
        public boolean star() { return false; }
        public boolean matches(char c) { return c == ch; }
        public boolean literalDot() { return ch == '.'; }
    }

    private record Set(boolean negate, List<char[]> ranges, List<String> classes) implements Tok {
        public boolean star() { return false; }

        public boolean matches(char c) {
            boolean in = false;
            for (char[] r : ranges) if (c >= r[0] && c <= r[1]) in = true;
            for (String cl : classes) if (inClass(cl, c)) in = true;
            return in != negate;
        }
    }

    /** Whether {@code s} matches {@code pattern}; {@code period} is FNM_PERIOD. */
    static boolean matches(String pattern, String s, boolean period) {
        List<Tok> toks = compile(pattern);
        if (period && s.startsWith(".") && (toks.isEmpty() || !toks.get(0).literalDot())) return false;
        int ti = 0, si = 0, starT = -1, starS = -1;
        while (si < s.length()) {
            if (ti < toks.size()) {
                Tok t = toks.get(ti);
                if (t.star()) {
                    starT = ++ti;
                    starS = si;
                    continue;
                }
                if (t.matches(s.charAt(si))) {
                    ti++;
                    si++;
                    continue;
                }
            }
            if (starT < 0) return false;
            ti = starT;
            si = ++starS;
        }
        while (ti < toks.size() && toks.get(ti).star()) ti++;
        return ti == toks.size();
    }

    /** Whether the text contains an unescaped wildcard (a '[' only counts when its bracket expression closes). */
    static boolean hasMagic(String p) {
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c == '\\') i++;
            else if (c == '*' || c == '?') return true;
            else if (c == '[' && bracket(p, i) != null) return true;
        }
        return false;
    }

    /** Removes backslash escapes (a trailing lone backslash stays). */
    static String unescape(String p) {
        StringBuilder sb = new StringBuilder(p.length());
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c == '\\' && i + 1 < p.length()) c = p.charAt(++i);
            sb.append(c);
        }
        return sb.toString();
    }

    private static List<Tok> compile(String p) {
        List<Tok> toks = new ArrayList<>();
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c == '*') {
                if (toks.isEmpty() || !toks.get(toks.size() - 1).star()) toks.add(STAR);
            } else if (c == '?') {
                toks.add(ANY);
            } else if (c == '[') {
                Bracket b = bracket(p, i);
                if (b == null) {
                    toks.add(new Lit('['));
                } else {
                    toks.add(b.set());
                    i = b.close();
                }
            } else if (c == '\\' && i + 1 < p.length()) {
                toks.add(new Lit(p.charAt(++i)));
            } else {
                toks.add(new Lit(c));
            }
        }
        return toks;
    }

    /** A parsed bracket expression and the index of its closing ']'. */
    private record Bracket(Set set, int close) {}

    /** Parses the bracket expression starting at p[open] == '['; null if it does not close. */
    private static Bracket bracket(String p, int open) {
        int j = open + 1, n = p.length();
        boolean negate = false;
        if (j < n && (p.charAt(j) == '!' || p.charAt(j) == '^')) {
            negate = true;
            j++;
        }
        List<char[]> ranges = new ArrayList<>();
        List<String> classes = new ArrayList<>();
        boolean first = true;
        while (j < n) {
            char c = p.charAt(j);
            if (c == ']' && !first) return new Bracket(new Set(negate, ranges, classes), j);
            first = false;
            if (c == '[' && j + 1 < n && p.charAt(j + 1) == ':') {
                int end = p.indexOf(":]", j + 2);
                if (end > 0 && isClass(p.substring(j + 2, end))) {
                    classes.add(p.substring(j + 2, end));
                    j = end + 2;
                    continue;
                }
            }
            if (c == '\\' && j + 1 < n) c = p.charAt(++j);
            j++;
            if (j + 1 < n && p.charAt(j) == '-' && p.charAt(j + 1) != ']') {
                char hi = p.charAt(j + 1);
                j += 2;
                if (hi == '\\' && j < n) hi = p.charAt(j++);
                ranges.add(new char[] {c, hi});
            } else {
                ranges.add(new char[] {c, c});
            }
        }
        return null;
    }

    private static boolean isClass(String name) {
        switch (name) {
            case "alnum": case "alpha": case "blank": case "cntrl": case "digit": case "graph":
            case "lower": case "print": case "punct": case "space": case "upper": case "xdigit":
                return true;
            default:
                return false;
        }
    }

    private static boolean inClass(String name, char c) {
        boolean upper = c >= 'A' && c <= 'Z', lower = c >= 'a' && c <= 'z', digit = c >= '0' && c <= '9';
        boolean print = c >= 0x20 && c < 0x7f;
        switch (name) {
            case "alnum": return upper || lower || digit;
            case "alpha": return upper || lower;
            case "blank": return c == ' ' || c == '\t';
            case "cntrl": return c < 0x20 || c == 0x7f;
            case "digit": return digit;
            case "graph": return print && c != ' ';
            case "lower": return lower;
            case "print": return print;
            case "punct": return print && c != ' ' && !upper && !lower && !digit;
            case "space": return c == ' ' || (c >= '\t' && c <= '\r');
            case "upper": return upper;
            case "xdigit": return digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
            default: return false;
        }
    }
}
