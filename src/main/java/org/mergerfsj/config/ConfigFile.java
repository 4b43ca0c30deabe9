package org.mergerfsj.config;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * {@code config=<file>} (CLI-11): one {@code key=value} per line, whitespace trimmed, blank lines and
 * {@code #} comments skipped. Only mergerfs options are allowed (no libfuse options, no command-line
 * aliases, no nesting), and not the keys that are read-only at runtime. Every line is applied to a scratch
 * copy; if any line fails, nothing is applied and every failing line is reported.
 */
final class ConfigFile {
    private ConfigFile() {}

    /** Returns the builder with the file applied; {@code b} itself is left untouched on failure. */
    static Config.Builder apply(Config.Builder b, String file, Consumer<String> warn) throws BadValueException {
        Path path;
        List<String> lines;
        try {
            path = Paths.get(file).toAbsolutePath();
            String text = new String(Files.readAllBytes(path), fileNameCharset());
            lines = List.of(text.split("\n", -1));
        } catch (NoSuchFileException e) {
            throw new BadValueException("config file '" + file + "' does not exist");
        } catch (IOException | RuntimeException e) {
            throw new BadValueException("cannot read config file '" + file + "': " + e.getMessage());
        }

        Config.Builder scratch = b.copy();
        List<String> errors = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = Values.trim(lines.get(i));
            if (line.isEmpty() || line.startsWith("#")) continue;
            try {
                applyLine(scratch, line, warn);
            } catch (BadValueException e) {
                errors.add(path + ":" + (i + 1) + ": " + e.getMessage());
            }
        }
        if (!errors.isEmpty()) throw new BadValueException(String.join("\n", errors));
        scratch.configFile = path.toString();
        return scratch;
    }

    private static void applyLine(Config.Builder b, String line, Consumer<String> warn) throws BadValueException {
        int eq = line.indexOf('=');
        if (eq < 0) throw new BadValueException("expected key=value: '" + line + "'");
        String key = Values.trim(line.substring(0, eq));
        String value = Values.trim(line.substring(eq + 1));
        Opt opt = OptionTable.lookup(key);
        if (opt == null) throw new BadValueException("unknown option '" + line + "'");
        if (!opt.allowedInFile()) throw new BadValueException("read-only option '" + line + "' cannot be set in a config file");
        Options.apply(opt, b, line, value, warn);
    }

    /** The charset the JVM uses for file names and arguments, so paths in the file mean what they would on argv. */
    private static Charset fileNameCharset() {
        String name = System.getProperty("sun.jnu.encoding");
        try {
            return name == null ? Charset.defaultCharset() : Charset.forName(name);
        } catch (IllegalArgumentException e) {
            return Charset.defaultCharset();
        }
    }
}
