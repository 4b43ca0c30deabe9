package org.mergerfsj.cli;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import org.mergerfsj.branch.Branch;
import org.mergerfsj.config.BadValueException;
import org.mergerfsj.config.CacheFiles;
import org.mergerfsj.config.Config;
import org.mergerfsj.config.Options;
import org.mergerfsj.config.PassthroughIo;
import org.mergerfsj.fuse.FuseFs;
import org.mergerfsj.fuse.FuseMount;
import org.mergerfsj.posix.Posix;
import org.mergerfsj.union.Pool;
import org.mergerfsj.union.UnionFs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The mergerfs-j command: parses mergerfs-style arguments, mounts the pool and serves it until unmounted. */
@Command(name = "mergerfs-j", sortOptions = false, versionProvider = Main.Version.class,
        description = "A union filesystem daemon compatible with mergerfs 2.33.5.",
        footer = {"", "Both argument orders work: MOUNTPOINT BRANCHES and mergerfs's BRANCHES MOUNTPOINT.",
                "A colon, a glob character or '=' marks the branch list; with two plain paths the first is",
                "taken as the branches (mergerfs order). See 'man mergerfs-j' and docs/options.md.",
                "", "Options (-o key=value):", "%s"})
public final class Main implements java.util.concurrent.Callable<Integer> {
    static final int EXIT_OK = 0, EXIT_USAGE = 1;

    @Option(names = "-o", paramLabel = "OPT[,OPT...]", description = "mergerfs or FUSE options (repeatable; later wins)")
    List<String> options = new ArrayList<>();

    @Option(names = "-f", description = "stay in the foreground")
    boolean foreground;

    @Option(names = "-d", description = "debug: trace every operation (implies -f)")
    boolean debug;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help and exit")
    boolean help;

    @Option(names = {"-v", "-V", "--version"}, versionHelp = true, description = "print the version and exit")
    boolean version;

    @Parameters(arity = "0..2", paramLabel = "PATHS", description = "MOUNTPOINT and BRANCHES (either order)")
    List<String> positionals = new ArrayList<>();

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"mergerfs-j version: " + VERSION, "compatible with mergerfs version: " + Options.VERSION};
        }
    }

    public static final String VERSION = "0.1.0";

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("ctl")) {
            System.exit(Ctl.run(java.util.Arrays.copyOfRange(args, 1, args.length)));
        }
        Startup.WarmUp.start();
        CommandLine cl = command(new Main());
        System.exit(cl.execute(args));
    }

    static CommandLine command(Main m) {
        CommandLine cl = new CommandLine(m);
        cl.setUsageHelpWidth(100);
        cl.getCommandSpec().usageMessage().footer(
                String.join("%n", cl.getCommandSpec().usageMessage().footer()).replace("%s", Options.helpText()));
        cl.setParameterExceptionHandler((ex, args) -> {
            ex.getCommandLine().getErr().println("mergerfs-j: " + ex.getMessage());
            ex.getCommandLine().getErr().println("Try 'mergerfs-j --help' for more information.");
            return EXIT_USAGE;
        });
        return cl;
    }

    /** Which positional is the branch list (see the footer of --help). */
    static String[] order(List<String> pos) throws BadValueException {
        if (pos.size() < 2) {
            throw new BadValueException(pos.isEmpty() ? "branches not set and mountpoint not set" : "mountpoint not set");
        }
        String a = pos.get(0), b = pos.get(1);
        boolean aBranches = looksLikeBranches(a), bBranches = looksLikeBranches(b);
        if (bBranches && !aBranches) return new String[] {b, a};
        return new String[] {a, b};
    }

    static boolean looksLikeBranches(String s) {
        for (char c : s.toCharArray()) if (c == ':' || c == '*' || c == '?' || c == '[' || c == '=') return true;
        return false;
    }

    @Override
    public Integer call() {
        PrintStream err = System.err;
        Config cfg;
        try {
            String[] bm = order(positionals);
            List<String> items = new ArrayList<>();
            for (String o : options) for (String item : o.split(",")) if (!item.isBlank()) items.add(item.trim());
            if (debug) items.add("log.level=trace");
            cfg = Options.parse(items, bm[0], absolute(bm[1]), w -> err.println("mergerfs-j: warning: " + w));
            check(cfg);
        } catch (BadValueException e) {
            err.println("mergerfs-j: " + e.getMessage());
            return EXIT_USAGE;
        }
        return Daemon.run(cfg, foreground || debug);
    }

    static String absolute(String p) {
        return Path.of(p).toAbsolutePath().normalize().toString();
    }

    /** Startup checks that mergerfs leaves to the first failed operation; ours fail early and clearly. */
    static void check(Config cfg) throws BadValueException {
        Path mnt = Path.of(cfg.mountpoint());
        if (FuseMount.clearDeadMount(cfg.mountpoint())) {
            System.err.println("mergerfs-j: warning: " + cfg.mountpoint()
                    + " was a dead FUSE mount (Transport endpoint is not connected); detached it");
        }
        // a pool still mounted there is what lazy-umount-mountpoint clears; Startup re-checks
        if (!Files.isDirectory(mnt) && !cfg.lazyUmountMountpoint()) {
            throw new BadValueException("mountpoint is not a directory: " + cfg.mountpoint());
        }
        if (cfg.branches().isEmpty()) throw new BadValueException("branches not set");
        boolean any = false;
        for (Branch b : cfg.branches()) {
            if (b.path().equals(cfg.mountpoint())) {
                throw new BadValueException("branches can not include the mountpoint: " + b.path());
            }
            if (Files.isDirectory(Path.of(b.path()))) any = true;
        }
        // with branches-mount-timeout the disks may still be on their way; Startup re-checks after the wait
        if (!any && cfg.branchesMountTimeout() == 0) {
            throw new BadValueException("no usable branch: none of the branch directories exists: "
                    + cfg.branches().stream().map(Branch::path).reduce((x, y) -> x + ":" + y).orElse(""));
        }
    }

    /** The FUSE option list for a config: pass-throughs plus what mergerfs always adds (CLI-09). */
    static List<String> fuseOptions(Config cfg) {
        LinkedHashSet<String> o = new LinkedHashSet<>();
        for (String x : cfg.fuseOptions()) if (!x.startsWith("fsname=")) o.add(x);
        o.add("default_permissions");
        if (Posix.C.geteuid() == 0) o.add("allow_other");
        o.add("fsname=" + cfg.fsname().replace("\\", "\\\\").replace(",", "\\,"));
        // subtype stays "mergerfs" (from Options): scripts and monitoring look for fuse.mergerfs
        o.add("big_writes");
        o.add("hard_remove");
        o.add("nonempty");
        o.add("attr_timeout=" + cfg.cacheAttr());
        o.add("entry_timeout=" + cfg.cacheEntry());
        o.add("negative_timeout=" + cfg.cacheNegativeEntry());
        if (cfg.useIno()) o.add("use_ino");
        if (cfg.cacheFiles() == CacheFiles.LIBFUSE && cfg.autoCache()) o.add("auto_cache");
        o.add(cfg.asyncRead() ? "async_read" : "sync_read");
        return new ArrayList<>(o);
    }

    /** Runs the mounted pool. */
    static final class Daemon {
        private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);

        static int run(Config cfg, boolean foreground) {
            String status = System.getenv("MERGERFSJ_STATUS");
            Logging.configure(cfg.logLevel(), foreground || status == null);
            // In the background, leave the directory we were started from, as fuse_daemonize does: a daemon
            // started from inside /mnt/disk1 would otherwise keep that disk busy (umount: target is busy)
            // for as long as the pool runs. Every path is absolute by now (Java resolves against user.dir).
            if (status != null && Posix.C.chdir(Posix.path("/")) != 0) LOG.warn("cannot change directory to /");
            Posix.C.umask(0);
            Posix.C.setpriority(0, 0, -10);
            raiseLimits();
            Shutdown.installEarly();
            Pool pool = new Pool(cfg);
            pool.onPublish(c -> Logging.setLevel(c.logLevel()));
            String notReady = Startup.prepare(cfg, s -> writeStatus(status, s),
                    s -> { if (status != null) System.err.println("mergerfs-j: " + s); });
            if (notReady != null) {
                System.err.println("mergerfs-j: " + notReady);
                writeStatus(status, "ERR");
                return EXIT_USAGE;
            }
            if (Shutdown.requested()) return EXIT_OK; // stopped before we mounted anything
            FuseFs fuse = new FuseFs(new UnionFs(pool));
            FuseMount mount;
            // the kernel lets only CAP_SYS_ADMIN register backing files: a user's daemon does not ask for
            // passthrough (which would also raise the pool's filesystem stacking depth for nothing)
            int ptDepth = cfg.passthroughIo() == PassthroughIo.OFF ? 0 : cfg.passthroughMaxStackDepth();
            if (ptDepth > 0 && Posix.C.geteuid() != 0) {
                LOG.warn("passthrough.io={} needs a daemon running as root; all reads and writes go through the daemon",
                        cfg.passthroughIo());
                ptDepth = 0;
            }
            try {
                mount = FuseMount.mount(cfg.mountpoint(), fuse, fuseOptions(cfg), Math.max(2, cfg.threads()),
                        new FuseMount.Features(cfg.fuseMsgSize(), cfg.readdirplus(), cfg.cacheSymlinks(), ptDepth));
            } catch (FuseMount.MountException | RuntimeException e) {
                System.err.println("mergerfs-j: cannot mount " + cfg.mountpoint() + ": " + e.getMessage());
                writeStatus(status, "ERR");
                return EXIT_USAGE;
            }
            Shutdown.attach(mount);
            // cache.entry/negative_entry/attr and auto_cache set at runtime reach libfuse (OPT-18..20, OPT-26, as 2.33.5);
            // applied once more right away for a change made through the control file before this line ran
            java.util.function.Consumer<Config> cacheOptions = c -> mount.setCacheOptions(c.cacheEntry(),
                    c.cacheNegativeEntry(), c.cacheAttr(), c.cacheFiles() == CacheFiles.LIBFUSE && c.autoCache());
            pool.onPublish(cacheOptions);
            cacheOptions.accept(pool.config());
            if (!mount.awaitReady(30_000)) {
                if (Shutdown.requested()) {
                    mount.close();
                    writeStatus(status, "ERR");
                    return EXIT_OK;
                }
                System.err.println("mergerfs-j: the mount at " + cfg.mountpoint() + " did not answer; giving up");
                mount.close();
                writeStatus(status, "ERR");
                return EXIT_USAGE;
            }
            Startup.warmUpPaths(cfg.mountpoint(), 500);
            org.mergerfsj.union.BranchWatch.start(pool);
            LOG.info("mounted {} on {} (pid {})", cfg.fsname(), cfg.mountpoint(), ProcessHandle.current().pid());
            writeStatus(status, "OK");
            Startup.notifyReady();
            if (status != null) detachStdio();
            try {
                mount.awaitStopped();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Shutdown.stop(mount);
            LOG.info("unmounted {}", cfg.mountpoint());
            return EXIT_OK;
        }

        private static void raiseLimits() {
            long[] lim = new long[2];
            for (int res : new int[] {7 /* NOFILE */, 1 /* FSIZE */}) {
                if (Posix.C.getrlimit(res, lim) == 0) {
                    lim[0] = lim[1];
                    Posix.C.setrlimit(res, lim);
                }
            }
        }

        private static void writeStatus(String file, String s) {
            if (file == null) return;
            try {
                Files.writeString(Path.of(file), s + "\n", StandardCharsets.US_ASCII);
            } catch (Exception e) {
                System.err.println("mergerfs-j: cannot report status: " + e);
            }
        }

        private static void detachStdio() {
            int fd = Posix.open("/dev/null", Posix.O_RDWR, 0);
            if (fd < 0) return;
            Posix.C.dup2(fd, 0);
            Posix.C.dup2(fd, 1);
            Posix.C.dup2(fd, 2);
            if (fd > 2) Posix.close(fd);
        }
    }
}
