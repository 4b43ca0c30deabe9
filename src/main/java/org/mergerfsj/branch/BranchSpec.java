package org.mergerfsj.branch;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.mergerfsj.config.BadValueException;

/**
 * The branch-string language: parsing {@code /a=RW:/b*=NC,1G} (BR-01..05), the runtime edit instructions of
 * {@code user.mergerfs.branches} (CTL-06) and rendering back (BR-07).
 *
 * <p>Differences from 2.33.5, all deliberate: empty items ({@code a::b}) are skipped instead of becoming a
 * branch with an empty path; {@code MODE,SIZE,more} is an error instead of being silently ignored; a path
 * that is still relative after canonicalisation (it does not exist) is rejected; {@code -<}/{@code ->} on an
 * empty list, or followed by text, are errors. Duplicates are kept, as in mergerfs (BR-06): listing a
 * branch twice makes policies see it twice.
 */
public final class BranchSpec {
    private BranchSpec() {}

    /** PATH_MAX on Linux, including the terminating NUL. */
    public static final int PATH_MAX = 4096;

    private static final String INSTRUCTION_CHARS = "+<>-=";

    /**
     * Parses a ':'-separated branch list. Each item is {@code glob[=MODE[,MINFREESPACE]]} split at its last
     * '='; globs expand over the filesystem (no match keeps the text) and existing paths are canonicalised
     * with realpath semantics. Relative globs are resolved against the working directory.
     */
    public static List<Branch> parse(String spec) throws BadValueException {
        return parse(spec, Paths.get("").toAbsolutePath());
    }

    static List<Branch> parse(String spec, Path cwd) throws BadValueException {
        if (spec.indexOf('\0') >= 0) throw new BadValueException("branch list contains a NUL byte");
        List<Branch> out = new ArrayList<>();
        for (String item : spec.split(":", -1)) {
            if (!item.isEmpty()) parseItem(item, cwd, out);
        }
        return List.copyOf(out);
    }

    private static void parseItem(String item, Path cwd, List<Branch> out) throws BadValueException {
        int eq = item.lastIndexOf('=');
        String glob = eq < 0 ? item : item.substring(0, eq);
        Mode mode = Mode.RW;
        long minFree = Branch.GLOBAL;
        if (eq >= 0) {
            String[] fields = item.substring(eq + 1).split(",", -1);
            if (fields.length > 2) {
                throw new BadValueException("branch '" + item + "': options must be MODE or MODE,MINFREESPACE");
            }
            mode = Mode.parse(fields[0]);
            if (mode == null) {
                throw new BadValueException("branch '" + item + "': invalid mode '" + fields[0] + "' (expected RW, RO or NC)");
            }
            if (fields.length == 2) {
                if (fields[1].isEmpty()) throw new BadValueException("branch '" + item + "': empty minfreespace");
                try {
                    minFree = Sizes.parse(fields[1]);
                } catch (BadValueException e) {
                    throw new BadValueException("branch '" + item + "': invalid minfreespace: " + e.getMessage());
                }
            }
        }
        if (glob.isEmpty()) throw new BadValueException("branch '" + item + "': empty path");
        for (String path : Glob.expand(glob, cwd)) {
            String real = canonical(path, cwd);
            if (!real.startsWith("/")) {
                throw new BadValueException("branch '" + item + "': relative path '" + real
                        + "' does not exist (use an absolute path)");
            }
            if (real.getBytes(fileNameCharset()).length >= PATH_MAX) {
                throw new BadValueException("branch '" + item + "': path longer than PATH_MAX");
            }
            out.add(new Branch(real, mode, minFree));
        }
    }

    /** realpath(3) when the path exists; otherwise the text with trailing slashes removed. */
    private static String canonical(String path, Path cwd) {
        Path p = Glob.resolve(path, cwd);
        if (p != null && Files.exists(p)) {
            try {
                return p.toRealPath().toString();
            } catch (IOException | SecurityException e) {
                // fall through: keep the text, as mergerfs does when realpath fails
            }
        }
        int end = path.length();
        while (end > 1 && path.charAt(end - 1) == '/') end--;
        return path.substring(0, end);
    }

    /**
     * Applies a runtime edit (CTL-06) and returns the new list; {@code current} is never changed. The
     * instruction is the leading run, at most two characters, of {@code +<>-=}: none or {@code =} replace,
     * {@code +} or {@code +>} append, {@code +<} prepend, {@code -} removes every branch whose path matches
     * one of the ':'-separated fnmatch patterns, {@code -<} / {@code ->} remove the first / last branch.
     */
    public static List<Branch> edit(List<Branch> current, String value) throws BadValueException {
        int n = 0;
        while (n < value.length() && n < 2 && INSTRUCTION_CHARS.indexOf(value.charAt(n)) >= 0) n++;
        String instr = value.substring(0, n);
        String rest = value.substring(n);
        List<Branch> out = new ArrayList<>(current);
        switch (instr) {
            case "":
            case "=":
                return parse(rest);
            case "+":
            case "+>":
                out.addAll(parse(rest));
                return List.copyOf(out);
            case "+<":
                out.addAll(0, parse(rest));
                return List.copyOf(out);
            case "-":
                out.removeIf(b -> matchesAny(rest, b.path()));
                return List.copyOf(out);
            case "-<":
            case "->":
                if (!rest.isEmpty()) throw new BadValueException("instruction '" + instr + "' takes no argument");
                if (out.isEmpty()) throw new BadValueException("no branch to remove");
                out.remove(instr.equals("-<") ? 0 : out.size() - 1);
                return List.copyOf(out);
            default:
                throw new BadValueException("unknown branch instruction '" + instr + "'");
        }
    }

    private static boolean matchesAny(String patterns, String path) {
        for (String p : patterns.split(":")) {
            if (!p.isEmpty() && Fnmatch.matches(p, path, false)) return true;
        }
        return false;
    }

    /** {@code path=MODE[,SIZE]} joined with ':' (BR-07); the value of {@code user.mergerfs.branches}. */
    public static String render(List<Branch> branches) {
        StringBuilder sb = new StringBuilder();
        for (Branch b : branches) {
            if (sb.length() > 0) sb.append(':');
            sb.append(b.path()).append('=').append(b.mode().name());
            if (b.minFreeSpace() >= 0) sb.append(',').append(Sizes.humanize(b.minFreeSpace()));
        }
        return sb.toString();
    }

    /** The paths only, joined with ':'; the value of {@code user.mergerfs.srcmounts}. */
    public static String renderPaths(List<Branch> branches) {
        StringBuilder sb = new StringBuilder();
        for (Branch b : branches) {
            if (sb.length() > 0) sb.append(':');
            sb.append(b.path());
        }
        return sb.toString();
    }

    /** The charset the JVM uses for file names, so PATH_MAX is checked on the bytes the kernel will see. */
    private static Charset fileNameCharset() {
        String name = System.getProperty("sun.jnu.encoding");
        try {
            return name == null ? Charset.defaultCharset() : Charset.forName(name);
        } catch (IllegalArgumentException e) {
            return Charset.defaultCharset();
        }
    }
}
