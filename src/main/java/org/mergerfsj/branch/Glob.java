package org.mergerfsj.branch;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * glob(3) with GLOB_NOCHECK over the real filesystem, as mergerfs uses it for branch strings (BR-05):
 * wildcards work per path component, hidden entries only match a pattern that starts with a literal dot,
 * matches come back sorted byte-wise (C locale), and a pattern that matches nothing comes back unchanged.
 */
final class Glob {
    private Glob() {}

    /**
     * Expands {@code pattern}; relative patterns are resolved against {@code cwd} but returned relative,
     * as glob(3) does.
     */
    static List<String> expand(String pattern, Path cwd) {
        boolean trailingSlash = pattern.length() > 1 && pattern.endsWith("/");
        List<String> parts = new ArrayList<>();
        for (String part : pattern.split("/")) if (!part.isEmpty()) parts.add(part);
        boolean magic = false;
        for (String part : parts) magic |= Fnmatch.hasMagic(part);

        if (!magic) {
            // No wildcard: glob(3) returns the unescaped name if it exists, else (NOCHECK) the pattern itself.
            String plain = Fnmatch.unescape(pattern);
            return List.of(!plain.equals(pattern) && exists(plain, cwd) ? plain : pattern);
        }

        List<String> current = List.of(pattern.startsWith("/") ? "/" : "");
        for (int i = 0; i < parts.size(); i++) {
            boolean last = i == parts.size() - 1;
            boolean mustBeDir = !last || trailingSlash;
            String part = parts.get(i);
            List<String> next = new ArrayList<>();
            for (String prefix : current) {
                if (Fnmatch.hasMagic(part)) {
                    for (String name : list(prefix, cwd)) {
                        if (!Fnmatch.matches(part, name, true)) continue;
                        String candidate = join(prefix, name);
                        if (!mustBeDir || isDirectory(candidate, cwd)) next.add(candidate);
                    }
                } else {
                    String candidate = join(prefix, Fnmatch.unescape(part));
                    if (mustBeDir ? isDirectory(candidate, cwd) : exists(candidate, cwd)) next.add(candidate);
                }
            }
            current = next;
        }
        if (current.isEmpty()) return List.of(pattern);
        List<String> out = new ArrayList<>(current.size());
        for (String s : current) out.add(trailingSlash ? s + "/" : s);
        Collections.sort(out);
        return out;
    }

    private static String join(String prefix, String name) {
        if (prefix.isEmpty()) return name;
        return prefix.endsWith("/") ? prefix + name : prefix + "/" + name;
    }

    private static List<String> list(String dir, Path cwd) {
        List<String> names = new ArrayList<>();
        Path p = resolve(dir.isEmpty() ? "." : dir, cwd);
        if (p == null) return names;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(p)) {
            for (Path e : ds) names.add(e.getFileName().toString());
        } catch (IOException | SecurityException e) {
            // glob(3) without GLOB_ERR skips directories it cannot read
        }
        return names;
    }

    private static boolean exists(String path, Path cwd) {
        Path p = resolve(path, cwd);
        return p != null && Files.exists(p, LinkOption.NOFOLLOW_LINKS);
    }

    private static boolean isDirectory(String path, Path cwd) {
        Path p = resolve(path, cwd);
        return p != null && Files.isDirectory(p);
    }

    /** The path as the OS sees it, or null if Java cannot represent it (then it cannot exist for us either). */
    static Path resolve(String path, Path cwd) {
        try {
            return cwd.resolve(path);
        } catch (InvalidPathException e) {
            return null;
        }
    }
}
