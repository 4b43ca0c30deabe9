package org.mergerfsj.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.mergerfsj.branch.Branch;
import org.mergerfsj.branch.BranchSpec;

/**
 * The option engine: turns {@code -o} items into a {@link Config}, and answers the control file's
 * get/set/list (CTL-03..08). All knowledge of keys lives in one registry ({@link OptionTable}).
 *
 * <p>Decisions (see docs/options.md): every option error is fatal and all of them are reported together
 * (newer mergerfs behaviour, DIFF-07, instead of 2.33.5's print-and-mount); unknown policy names are
 * rejected (QUIRK-01); the newer dash spellings of keys are accepted everywhere ('_' and '-' compare equal,
 * CTL-22); the mountpoint is stored absolute (QUIRK-06); cache.statfs applies from mount time (QUIRK-03).
 */
public final class Options {
    private Options() {}

    /**
     * What {@code user.mergerfs.version} reports. mergerfs-j reports the mergerfs version whose behaviour it
     * reproduces, because mergerfs-tools and scripts parse this value to decide what the pool supports.
     */
    public static final String VERSION = "2.33.5";

    /** Every policy name accepted by func.*, category.* and moveonenospc. */
    public static final List<String> POLICY_NAMES = Values.POLICIES;

    /** Command-line-only aliases of 2.33.5 (CLI-08), keyed by normalised spelling; not valid in config files. */
    private static final Map<String, String> CLI_ALIASES = Map.of(
            "attr-timeout", "cache.attr",
            "entry-timeout", "cache.entry",
            "negative-entry", "cache.negative_entry");

    /** Accepted and ignored (CLI-08, OPT-78); gid-cache.* is handled as a prefix. */
    private static final Set<String> DUMMIES = Set.of("defaults", "hard-remove", "atomic-o-trunc", "big-writes",
            "cache.open", "nogc");

    /**
     * Builds the mount-time configuration.
     *
     * @param items       the -o items in order, already split at commas (config=FILE is expanded in place)
     * @param branchesArg the positional branch string, or null; applied before the items, so a later
     *                    {@code -o branches=} replaces or edits it
     * @param mountpoint  the positional mountpoint, or null
     * @param warn        receives non-fatal notes (ignored options, clamped values)
     * @throws BadValueException listing every problem, one per line
     */
    public static Config parse(List<String> items, String branchesArg, String mountpoint, Consumer<String> warn)
            throws BadValueException {
        Config.Builder b = new Config.Builder();
        List<String> errors = new ArrayList<>();
        boolean branchError = false;
        if (branchesArg != null) {
            try {
                b.branches = BranchSpec.parse(branchesArg);
            } catch (BadValueException e) {
                errors.add("invalid branches '" + branchesArg + "': " + e.getMessage());
                branchError = true;
            }
        }
        for (String raw : items) {
            String item = Values.trim(raw);
            if (item.isEmpty()) continue;
            try {
                b = applyCommandLine(b, item, warn);
            } catch (BadValueException e) {
                errors.add(e.getMessage());
                String key = Opt.normalize(Values.trim(item.split("=", 2)[0]));
                branchError |= key.equals("branches") || key.equals("srcmounts");
            }
        }
        if (mountpoint == null || mountpoint.isEmpty()) {
            errors.add("mountpoint not set");
        } else {
            try {
                b.mountpoint = absolute(mountpoint);
            } catch (BadValueException e) {
                errors.add(e.getMessage());
            }
        }
        if (b.branches.isEmpty() && !branchError) errors.add("branches not set");
        if (!errors.isEmpty()) throw new BadValueException(String.join("\n", errors));

        b.threads = resolveThreads(b.threads, Runtime.getRuntime().availableProcessors());
        if (b.fsname == null) {
            List<String> paths = new ArrayList<>();
            for (Branch br : b.branches) paths.add(br.path());
            b.fsname = defaultFsname(paths);
        }
        List<String> fuse = new ArrayList<>(b.fuseOptions);
        if (!fuse.contains("default_permissions")) fuse.add("default_permissions");
        fuse.add("fsname=" + b.fsname);
        fuse.add("subtype=mergerfs");
        b.fuseOptions = fuse;
        return b.build();
    }

    private static Config.Builder applyCommandLine(Config.Builder b, String item, Consumer<String> warn)
            throws BadValueException {
        int eq = item.indexOf('=');
        String key = eq < 0 ? item : Values.trim(item.substring(0, eq));
        String value = eq < 0 ? null : Values.trim(item.substring(eq + 1));
        String nk = Opt.normalize(key);

        if (nk.equals("config")) {
            if (value == null || value.isEmpty()) throw new BadValueException("option 'config' needs a file name");
            return ConfigFile.apply(b, value, warn);
        }
        if (nk.equals("sync-read")) {
            if (value != null) throw new BadValueException("option 'sync_read' takes no value: '" + item + "'");
            b.asyncRead = false;
            return b;
        }
        String alias = CLI_ALIASES.get(nk);
        Opt opt = OptionTable.lookup(alias != null ? alias : key);
        if (opt != null) {
            if (!opt.settable()) throw new BadValueException("read-only option '" + item + "'");
            if (value == null) {
                if (opt.bare == null) throw new BadValueException("option '" + key + "' needs a value");
                value = opt.bare;
            }
            apply(opt, b, item, value, warn);
            return b;
        }
        if (DUMMIES.contains(nk) || nk.startsWith("gid-cache.")) {
            if (nk.equals("nogc") || nk.startsWith("gid-cache.")) {
                warn.accept("option '" + item + "' has no effect in mergerfs-j; ignored");
            }
            return b;
        }
        String fuse = FuseOptions.item(key, value);
        if (fuse != null) {
            b.fuseOptions.add(fuse);
            if (fuse.equals("allow_other")) b.allowOther = true;
            if (fuse.equals("use_ino")) b.useIno = true;
            return b;
        }
        throw new BadValueException("unknown option '" + item + "'");
    }

    /** Parses one value into the builder, naming the item in the error. */
    static void apply(Opt opt, Config.Builder b, String item, String value, Consumer<String> warn)
            throws BadValueException {
        try {
            opt.setter.set(b, value, warn);
        } catch (BadValueException e) {
            throw new BadValueException("invalid value for '" + item + "': " + e.getMessage());
        }
    }

    /** The control-file keys in the byte order listxattr reports them (Appendix A plus {@code log.level}). */
    public static List<String> keys() {
        return OptionTable.RUNTIME_KEYS;
    }

    /** The control-file value of a key (either spelling), rendered exactly as mergerfs 2.33.5 does. */
    public static String get(Config c, String key) throws NoSuchKeyException {
        Opt opt = OptionTable.lookup(key);
        if (opt == null || !opt.runtimeKey()) throw new NoSuchKeyException(key);
        return opt.getter.apply(c);
    }

    /**
     * A runtime change through the control file: returns a new snapshot, {@code c} is not modified.
     * {@code branches}/{@code srcmounts} take the edit instructions of CTL-06.
     */
    public static Config set(Config c, String key, String value)
            throws NoSuchKeyException, ReadOnlyKeyException, BadValueException {
        Opt opt = OptionTable.lookup(key);
        if (opt == null || !opt.runtimeKey()) throw new NoSuchKeyException(key);
        if (opt.scope != Opt.Scope.RUNTIME_RW) throw new ReadOnlyKeyException(opt.key);
        Config.Builder b = c.toBuilder();
        apply(opt, b, opt.key + "=" + value, value, w -> { });
        return b.build();
    }

    /** 0 = one thread per core, -N = cores/N, never fewer than one (OPT-29). */
    static int resolveThreads(int requested, int cores) {
        if (requested > 0) return requested;
        if (requested == 0) return Math.max(1, cores);
        return (int) Math.max(1, cores / Math.abs((long) requested));
    }

    /**
     * CLI-14: the paths joined with ':' after removing their character-wise longest common prefix. As in
     * mergerfs, nothing is removed when no character differs before the first path ends (one branch, or the
     * first path a prefix of all others).
     */
    static String defaultFsname(List<String> paths) {
        int idx = 0;
        String first = paths.get(0);
        scan:
        for (int n = 0; n < first.length(); n++) {
            for (int i = 1; i < paths.size(); i++) {
                String p = paths.get(i);
                if (n >= p.length() || p.charAt(n) != first.charAt(n)) {
                    idx = n;
                    break scan;
                }
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String p : paths) {
            if (sb.length() > 0) sb.append(':');
            sb.append(p.substring(idx));
        }
        return sb.toString();
    }

    private static String absolute(String mountpoint) throws BadValueException {
        if (mountpoint.indexOf('\0') >= 0) throw new BadValueException("mountpoint contains a NUL byte");
        try {
            Path p = Paths.get(mountpoint).toAbsolutePath();
            if (Files.exists(p)) {
                try {
                    return p.toRealPath().toString();
                } catch (IOException e) {
                    // fall through to the lexical form
                }
            }
            return p.normalize().toString();
        } catch (InvalidPathException e) {
            throw new BadValueException("invalid mountpoint '" + mountpoint + "': " + e.getReason());
        }
    }

    /** An option summary for --help: one line per option with its type, default and runtime access. */
    public static String helpText() {
        StringBuilder sb = new StringBuilder();
        sb.append("mergerfs options (-o key=value,...; '_' and '-' are interchangeable in keys)\n");
        sb.append("  [rw] changeable at runtime via <mountpoint>/.mergerfs, [ro] read-only at runtime,\n");
        sb.append("  [mount] mount time only\n\n");
        for (Opt o : OptionTable.ALL) {
            String left = o.key + "=" + o.type;
            String access = o.scope == Opt.Scope.RUNTIME_RW ? "[rw]" : o.scope == Opt.Scope.MOUNT_ONLY ? "[mount]" : "[ro]";
            sb.append(String.format("  %-36s %-7s %s%s%n", left, access, o.help,
                    o.dflt.isEmpty() ? "" : " (default: " + o.dflt + ")"));
        }
        sb.append(String.format("  %-36s %-7s %s%n", "config=FILE", "[mount]",
                "read key=value lines from FILE (all-or-nothing)"));
        sb.append("\nAliases: attr_timeout=cache.attr, entry_timeout=cache.entry, negative_entry=cache.negative_entry,\n");
        sb.append("  sync_read=async_read=false; a bare boolean option means true.\n");
        sb.append("Ignored: defaults, hard_remove, atomic_o_trunc, big_writes, cache.open, nogc, gid-cache.*\n");
        sb.append("Passed to libfuse: allow_other, default_permissions, use_ino, nonempty, auto_unmount, ro, rw,\n");
        sb.append("  [no]suid, [no]dev, [no]exec, [no]atime, async, sync, dirsync, blkdev, large_read, noforget,\n");
        sb.append("  [no_]splice_read/write/move, no_remote_lock, debug, subtype=, user=, [fs|def|root]context=,\n");
        sb.append("  umask=, uid=, gid=, max_read=, blksize=, max_readahead=, max_background=,\n");
        sb.append("  congestion_threshold=, remember=\n");
        return sb.toString();
    }
}
