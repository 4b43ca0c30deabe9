package org.mergerfsj.ctl;

import static org.mergerfsj.ctl.ControlClient.EXIT_BAD_VALUE;
import static org.mergerfsj.ctl.ControlClient.EXIT_OK;
import static org.mergerfsj.ctl.ControlClient.EXIT_USAGE;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import org.mergerfsj.branch.Branch;
import org.mergerfsj.branch.BranchSpec;
import org.mergerfsj.branch.Mode;
import org.mergerfsj.config.BadValueException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code mergerfs-j ctl MOUNTPOINT COMMAND}: reads and changes a live pool through its control file only
 * (see {@link ControlClient}), so the same commands work on a mergerfs 2.33.5 pool.
 */
@Command(name = "mergerfs-j ctl", sortOptions = false, usageHelpWidth = 100,
        description = {"Show and change the settings of a mounted mergerfs-j or mergerfs pool while it runs.",
                "Everything goes through the pool's control file MOUNTPOINT/.mergerfs (extended attributes)."},
        subcommands = {CtlCommand.Info.class, CtlCommand.Get.class, CtlCommand.SetKey.class, CtlCommand.Branches.class},
        footer = {"", "Examples:",
                "  mergerfs-j ctl /mnt/pool info",
                "  mergerfs-j ctl /mnt/pool get category.create",
                "  mergerfs-j ctl /mnt/pool set category.create mfs",
                "  mergerfs-j ctl /mnt/pool branches add /mnt/disk9=NC",
                "  mergerfs-j ctl /mnt/pool branches remove /mnt/disk3",
                "", "Exit status: 0 ok, 1 usage, 2 not a mergerfs pool, 3 unknown key, 4 read-only key,",
                "5 invalid value, 6 permission denied, 7 other I/O error.",
                "Changes last until the pool is unmounted; put them in fstab to keep them."})
public final class CtlCommand implements Callable<Integer> {
    private static final String HELP = "show this help and exit";

    @Parameters(index = "0", paramLabel = "MOUNTPOINT",
            description = "where the pool is mounted")
    String mountpoint;

    @Option(names = {"-h", "--help"}, usageHelp = true,
            description = HELP)
    boolean help;

    @Spec
    CommandSpec spec;

    /** Runs a ctl command line; returns the exit status. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new CtlCommand());
        cl.setOut(out);
        cl.setErr(err);
        cl.setUnmatchedOptionsArePositionalParams(true); // values like '->' or '-/mnt/d1' are not options
        cl.setParameterExceptionHandler((ex, a) -> usageError(ex.getCommandLine().getErr(), ex.getMessage()));
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            PrintWriter e = c.getErr();
            if (ex instanceof CtlException ce) {
                e.println("mergerfs-j ctl: " + ce.getMessage());
                e.flush();
                return ce.exitCode();
            }
            e.println("mergerfs-j ctl: internal error: " + ex);
            e.flush();
            return ControlClient.EXIT_IO;
        });
        int rc = cl.execute(args);
        out.flush();
        err.flush();
        return rc;
    }

    @Override
    public Integer call() {
        return usageError(err(), "a command is needed after the mountpoint: info, get, set or branches");
    }

    /** Prints a usage error and the pointer to --help; returns the usage exit status. */
    private static int usageError(PrintWriter err, String message) {
        err.println("mergerfs-j ctl: " + message);
        err.println("Try 'mergerfs-j ctl --help' for more information.");
        err.flush();
        return EXIT_USAGE;
    }

    ControlClient client() throws CtlException {
        return ControlClient.open(mountpoint);
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** A key as typed, with or without the user.mergerfs. prefix. */
    static String key(String typed) {
        return typed.startsWith(ControlClient.PREFIX) ? typed.substring(ControlClient.PREFIX.length()) : typed;
    }

    /** What every subcommand has: -h/--help and the way back to the ctl command (mountpoint, out, err). */
    abstract static class Sub implements Callable<Integer> {
        @Option(names = {"-h", "--help"}, usageHelp = true,
            description = HELP)
        boolean help;

        /** The {@code mergerfs-j ctl MOUNTPOINT} command this subcommand runs under. */
        abstract CtlCommand root();
    }

    /** A command right under ctl: info, get, set, branches. */
    abstract static class TopSub extends Sub {
        @ParentCommand
        CtlCommand parent;

        @Override
        CtlCommand root() {
            return parent;
        }
    }

    /** A command under ctl branches: list, add, remove. */
    abstract static class BranchesSub extends Sub {
        @ParentCommand
        Branches parent;

        @Override
        CtlCommand root() {
            return parent.root();
        }
    }

    @Command(name = "info", customSynopsis = "mergerfs-j ctl MOUNTPOINT info [-h]",
            description = "Show every option and each branch with its mode and space.")
    static final class Info extends TopSub {
        @Override
        public Integer call() throws CtlException {
            ControlClient c = root().client();
            PrintWriter out = root().out();
            List<String> keys = c.keys();
            List<String> values = new ArrayList<>();
            for (String k : keys) values.add(c.get(k));
            String version = value(keys, values, "version"), pid = value(keys, values, "pid");
            String fsname = value(keys, values, "fsname");
            out.printf(Locale.ROOT, "Pool %s: mergerfs %s, pid %s, fsname %s%n", Branches.absolute(c.mountpoint()),
                    version, pid, fsname);
            out.println();
            out.println("Branches:");
            for (String line : BranchTable.render(BranchTable.parse(value(keys, values, "branches")))) out.println(line);
            out.println();
            out.println("Options:");
            int w = 0;
            for (String k : keys) w = Math.max(w, k.length());
            for (int i = 0; i < keys.size(); i++) {
                out.printf(Locale.ROOT, "  %-" + w + "s  %s%n", keys.get(i), values.get(i));
            }
            return EXIT_OK;
        }

        private static String value(List<String> keys, List<String> values, String key) {
            int i = keys.indexOf(key);
            return i < 0 ? "?" : values.get(i);
        }
    }

    @Command(name = "get", customSynopsis = "mergerfs-j ctl MOUNTPOINT get [-h] KEY...",
            description = "Print the value of one or more keys (one key: the bare value; "
            + "several: KEY=VALUE lines).")
    static final class Get extends TopSub {
        @Parameters(arity = "1..*", paramLabel = "KEY",
            description = "e.g. category.create, minfreespace, branches")
        List<String> keys;

        @Override
        public Integer call() throws CtlException {
            ControlClient c = root().client();
            PrintWriter out = root().out();
            for (String typed : keys) {
                String k = key(typed);
                String v = c.get(k);
                out.println(keys.size() == 1 ? v : k + "=" + v);
            }
            return EXIT_OK;
        }
    }

    @Command(name = "set", customSynopsis = "mergerfs-j ctl MOUNTPOINT set [-h] KEY VALUE",
            description = "Change a key in the live pool and print the old and new value.")
    static final class SetKey extends TopSub {
        @Parameters(index = "0", paramLabel = "KEY",
            description = "e.g. category.create")
        String key;

        @Parameters(index = "1", paramLabel = "VALUE",
            description = "the new value, as for -o KEY=VALUE "
                + "(branches also takes the edit instructions +<, +>, -<, ->, -PATTERN, =LIST)")
        String value;

        @Override
        public Integer call() throws CtlException {
            ControlClient c = root().client();
            String k = key(key);
            boolean branchKey = k.equals("branches") || k.equals("srcmounts");
            if (branchKey && (value.isEmpty() || value.equals("=") || value.equals("-"))) {
                // mergerfs-j refuses these itself; mergerfs 2.33.5 crashes on them, so never send them
                throw new CtlException(EXIT_BAD_VALUE, "'" + value + "' would leave the pool without branches");
            }
            String before = c.get(k);
            c.set(k, value);
            String after = c.get(k);
            root().out().println(k + ": " + before + " -> " + after);
            return EXIT_OK;
        }
    }

    @Command(name = "branches", customSynopsis = "mergerfs-j ctl MOUNTPOINT branches [-h] [list | add | remove]",
            description = "List, add or remove branches (no subcommand: list).",
            subcommands = {Branches.ListCmd.class, Branches.Add.class, Branches.Remove.class})
    static final class Branches extends TopSub {
        @Override
        public Integer call() throws CtlException {
            return list(root());
        }

        static int list(CtlCommand root) throws CtlException {
            ControlClient c = root.client();
            for (String line : BranchTable.render(BranchTable.parse(c.get("branches")))) root.out().println(line);
            return EXIT_OK;
        }

        /** Relative paths are resolved here: the daemon's working directory is not the user's. */
        static String absolute(String path) {
            if (path.startsWith("/")) return path;
            return Path.of("").toAbsolutePath() + "/" + path;
        }

        /**
         * The PATH arguments, in order, each mapped by {@code f} once it is known to be one non-empty path
         * (a ':' would make it a list of branches); {@code why} is added to the error message.
         */
        static List<String> eachPath(List<String> args, String why, UnaryOperator<String> f) throws CtlException {
            List<String> out = new ArrayList<>();
            for (String p : args) {
                if (p.isEmpty() || p.indexOf(':') >= 0) {
                    throw new CtlException(EXIT_BAD_VALUE, "'" + p + "': give one path per argument" + why);
                }
                out.add(f.apply(p));
            }
            return out;
        }

        static boolean hasGlob(String s) {
            return s.indexOf('*') >= 0 || s.indexOf('?') >= 0 || s.indexOf('[') >= 0;
        }

        @Command(name = "list", customSynopsis = "mergerfs-j ctl MOUNTPOINT branches list [-h]",
            description = "Show each branch with its mode and space.")
        static final class ListCmd extends BranchesSub {
            @Override
            public Integer call() throws CtlException {
                return list(root());
            }
        }

        @Command(name = "add", customSynopsis = "mergerfs-j ctl MOUNTPOINT branches add [-h] [--first] PATH[=MODE[,MINFREESPACE]]...",
            description = "Add branches at the end (or the front with --first).")
        static final class Add extends BranchesSub {
            @Option(names = "--first",
            description = "put the new branches before the existing ones")
            boolean first;

            @Parameters(arity = "1..*", paramLabel = "PATH[=MODE[,MINFREESPACE]]",
                    description = "a directory or glob; MODE is RW, RO or NC (default RW)")
            List<String> paths;

            @Override
            public Integer call() throws CtlException {
                CtlCommand root = root();
                ControlClient c = root.client();
                List<String> items = eachPath(paths, " (':' cannot be part of a branch path)", p -> item(root, p));
                c.set("branches", (first ? "+<" : "+>") + String.join(":", items));
                return list(root);
            }

            /** PATH[=MODE[,MINFREESPACE]] made absolute, with a warning if the directory is not there (yet). */
            private static String item(CtlCommand root, String p) {
                String item = absolute(p);
                int eq = item.lastIndexOf('=');
                String dir = eq < 0 ? item : item.substring(0, eq);
                if (!hasGlob(dir) && !Files.isDirectory(Path.of(dir))) {
                    root.err().println("mergerfs-j ctl: warning: " + dir + " is not a directory (yet); "
                            + "the pool skips it until it exists");
                }
                return item;
            }
        }

        @Command(name = "remove", customSynopsis = "mergerfs-j ctl MOUNTPOINT branches remove [-h] PATH...",
            description = "Remove every branch whose path matches one of the PATHs "
                + "(fnmatch patterns, e.g. '/mnt/disk[12]').")
        static final class Remove extends BranchesSub {
            @Parameters(arity = "1..*", paramLabel = "PATH",
            description = "a branch path or pattern")
            List<String> patterns;

            @Override
            public Integer call() throws CtlException {
                CtlCommand root = root();
                ControlClient c = root.client();
                List<String> pats = eachPath(patterns, "", Remove::canonical);
                List<BranchTable.Entry> current = BranchTable.parse(c.get("branches"));
                // Same matching as the pool (fnmatch on each stored path), done here first so a typo is
                // reported and the pool is never emptied (mergerfs 2.33.5 would crash).
                List<Branch> asBranches = new ArrayList<>();
                for (BranchTable.Entry e : current) asBranches.add(new Branch(e.path(), Mode.RW));
                int matched;
                try {
                    matched = current.size() - BranchSpec.edit(asBranches, "-" + String.join(":", pats)).size();
                } catch (BadValueException e) {
                    throw new CtlException(EXIT_BAD_VALUE, e.getMessage());
                }
                if (matched == 0) {
                    throw new CtlException(EXIT_BAD_VALUE, "no branch matches " + String.join(" ", pats)
                            + "; the branches are: " + String.join(" ", current.stream().map(BranchTable.Entry::path).toList()));
                }
                if (matched == current.size()) {
                    throw new CtlException(EXIT_BAD_VALUE, "this would remove every branch; a pool needs at least one "
                            + "(add the new branch first, then remove the old ones)");
                }
                c.set("branches", "-" + String.join(":", pats));
                return list(root);
            }

            /** An existing plain path is matched by its real path, which is what the pool stores. */
            private static String canonical(String p) {
                String abs = absolute(p);
                if (hasGlob(abs)) return abs;
                try {
                    Path real = Path.of(abs);
                    if (Files.exists(real)) return real.toRealPath().toString();
                } catch (Exception e) {
                    // keep the text
                }
                int end = abs.length();
                while (end > 1 && abs.charAt(end - 1) == '/') end--;
                return abs.substring(0, end);
            }
        }
    }
}
