package org.mergerfsj.config;

import static org.mergerfsj.config.Opt.Scope.FIXED;
import static org.mergerfsj.config.Opt.Scope.MOUNT_ONLY;
import static org.mergerfsj.config.Opt.Scope.RUNTIME_RO;
import static org.mergerfsj.config.Opt.Scope.RUNTIME_RW;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Predicate;
import org.mergerfsj.branch.BranchSpec;

/**
 * The single registry of mergerfs options (OPT-90): every key with its type, default, scope, parser and
 * renderer. {@link Options} drives it for the command line, config files and the control file.
 */
final class OptionTable {
    private OptionTable() {}

    /** All options in registration order (used for --help). */
    static final List<Opt> ALL;
    /** Lookup by normalised key ('_' -> '-'). */
    private static final Map<String, Opt> BY_KEY = new HashMap<>();
    /** The control-file keys in byte order, as getfattr lists them (OPT-90). */
    static final List<String> RUNTIME_KEYS;

    private interface BoolField {
        void set(Config.Builder b, boolean v);
    }

    private interface LongField {
        void set(Config.Builder b, long v);
    }

    private interface EnumField<E> {
        void set(Config.Builder b, E v);
    }

    static {
        List<Opt> all = new ArrayList<>();

        all.add(new Opt("branches", RUNTIME_RW, "LIST", "", "branch list, e.g. /mnt/a=RW:/mnt/b*=NC,10G (also the first positional argument)",
                null, (b, v, w) -> b.branches = BranchSpec.edit(b.branches, v), c -> BranchSpec.render(c.branches())));
        all.add(new Opt("srcmounts", RUNTIME_RW, "LIST", "", "legacy name of branches; reads back the paths only",
                null, (b, v, w) -> b.branches = BranchSpec.edit(b.branches, v), c -> BranchSpec.renderPaths(c.branches())));
        all.add(new Opt("mount", FIXED, "STR", "", "the mountpoint (second positional argument), absolute", null, null,
                Config::mountpoint));
        all.add(u64("minfreespace", RUNTIME_RW, "4294967295", "minimum free bytes for a branch to take new files",
                (b, v) -> b.minFreeSpace = v, Config::minFreeSpace));

        for (Category cat : Category.values()) {
            all.add(new Opt("category." + cat.key(), RUNTIME_RW, "POLICY", cat.defaultPolicy(),
                    "policy for every " + cat.key() + " function; reads back the sorted distinct policies",
                    null, (b, v, w) -> b.setCategory(cat, Values.policy(v)), c -> categoryValue(c, cat)));
        }
        for (Func f : Func.values()) {
            all.add(new Opt("func." + f.key(), RUNTIME_RW, "POLICY", f.category().defaultPolicy(),
                    "policy for " + f.key(), null, (b, v, w) -> b.policies[f.ordinal()] = Values.policy(v),
                    c -> c.policy(f)));
        }
        all.add(new Opt("moveonenospc", RUNTIME_RW, "BOOL|POLICY", "false",
                "on ENOSPC/EDQUOT during write, move the file with this create policy (true = mfs)",
                "true", (b, v, w) -> b.moveOnEnospc = moveOnEnospc(v),
                c -> c.moveOnEnospc() == null ? "false" : c.moveOnEnospc()));
        all.add(bool("dropcacheonclose", RUNTIME_RW, false, "drop the page cache of a file when it is closed",
                (b, v) -> b.dropCacheOnClose = v, Config::dropCacheOnClose));
        all.add(enumOpt("inodecalc", RUNTIME_RW, InodeCalc.HYBRID_HASH, InodeCalc.values(), "inode algorithm (needs use_ino)",
                (b, v) -> b.inodeCalc = v, Config::inodeCalc));
        all.add(bool("ignorepponrename", RUNTIME_RW, false, "rename/link never use the path-preserving algorithm",
                (b, v) -> b.ignorePpOnRename = v, Config::ignorePpOnRename));
        all.add(enumOpt("statfs", RUNTIME_RW, StatFsMode.BASE, StatFsMode.values(), "statfs measures branch roots or the given path",
                (b, v) -> b.statfs = v, Config::statfs));
        all.add(enumOpt("statfs_ignore", RUNTIME_RW, StatFsIgnore.NONE, StatFsIgnore.values(), "branches whose free space statfs ignores",
                (b, v) -> b.statfsIgnore = v, Config::statfsIgnore));
        all.add(new Opt("fsname", RUNTIME_RO, "STR", "branch paths without their common prefix",
                "name shown by mount and df", null, (b, v, w) -> b.fsname = v.isEmpty() ? null : v, Config::fsname));

        all.add(enumOpt("cache.files", RUNTIME_RW, CacheFiles.LIBFUSE, CacheFiles.values(), "page cache mode of opened files",
                (b, v) -> b.cacheFiles = v, Config::cacheFiles));
        all.add(u64("cache.attr", RUNTIME_RW, "1", "attribute timeout (s)", (b, v) -> b.cacheAttr = v, Config::cacheAttr));
        all.add(u64("cache.entry", RUNTIME_RW, "1", "entry timeout (s)", (b, v) -> b.cacheEntry = v, Config::cacheEntry));
        all.add(u64("cache.negative_entry", RUNTIME_RW, "0", "negative entry timeout (s)",
                (b, v) -> b.cacheNegativeEntry = v, Config::cacheNegativeEntry));
        all.add(u64("cache.statfs", RUNTIME_RW, "0", "seconds policies cache branch statvfs (applies from mount)",
                (b, v) -> b.cacheStatfs = v, Config::cacheStatfs));
        all.add(bool("cache.readdir", RUNTIME_RW, false, "let the kernel cache directory listings",
                (b, v) -> b.cacheReaddir = v, Config::cacheReaddir));
        all.add(bool("cache.symlinks", RUNTIME_RO, false, "let the kernel cache symlink targets",
                (b, v) -> b.cacheSymlinks = v, Config::cacheSymlinks));
        all.add(bool("cache.writeback", RUNTIME_RO, false, "kernel writeback cache",
                (b, v) -> b.cacheWriteback = v, Config::cacheWriteback));
        all.add(bool("direct_io", RUNTIME_RW, false, "bypass the page cache (only with cache.files=libfuse)",
                (b, v) -> b.directIo = v, Config::directIo));
        all.add(bool("kernel_cache", RUNTIME_RW, false, "keep the page cache across opens (only with cache.files=libfuse)",
                (b, v) -> b.kernelCache = v, Config::kernelCache));
        all.add(bool("auto_cache", RUNTIME_RW, false, "keep the page cache if unchanged (only with cache.files=libfuse)",
                (b, v) -> b.autoCache = v, Config::autoCache));
        all.add(bool("async_read", RUNTIME_RO, true, "FUSE asynchronous reads (sync_read = false)",
                (b, v) -> b.asyncRead = v, Config::asyncRead));
        all.add(new Opt("fuse_msg_size", RUNTIME_RO, "UINT", "256", "FUSE max_pages, 1..256 (a size suffix means bytes)",
                null, (b, v, w) -> b.fuseMsgSize = fuseMsgSize(v, w), c -> Integer.toString(c.fuseMsgSize())));
        all.add(new Opt("threads", RUNTIME_RO, "INT", "0", "worker threads: 0 = one per core, -N = cores/N",
                null, (b, v, w) -> b.threads = Values.int32(v), c -> Integer.toString(c.threads())));
        all.add(bool("symlinkify", RUNTIME_RW, false, "show old read-only files as symlinks to their branch copy",
                (b, v) -> b.symlinkify = v, Config::symlinkify));
        all.add(u64("symlinkify_timeout", RUNTIME_RW, "3600", "age (s) before symlinkify applies",
                (b, v) -> b.symlinkifyTimeout = v, Config::symlinkifyTimeout));
        all.add(bool("nullrw", RUNTIME_RO, false, "reads return zeros and writes are discarded (benchmarking)",
                (b, v) -> b.nullrw = v, Config::nullrw));
        all.add(bool("security_capability", RUNTIME_RW, true, "when false, security.capability xattrs report ENOATTR",
                (b, v) -> b.securityCapability = v, Config::securityCapability));
        all.add(enumOpt("xattr", RUNTIME_RW, XattrMode.PASSTHROUGH, XattrMode.values(), "xattr calls pass through or fail",
                (b, v) -> b.xattr = v, Config::xattr));
        all.add(bool("link_cow", RUNTIME_RW, false, "copy a hard-linked file before opening it for writing",
                (b, v) -> b.linkCow = v, Config::linkCow));
        all.add(enumOpt("link-exdev", RUNTIME_RW, LinkExdev.PASSTHROUGH, LinkExdev.values(), "what link does on EXDEV",
                (b, v) -> b.linkExdev = v, Config::linkExdev));
        all.add(enumOpt("rename-exdev", RUNTIME_RW, RenameExdev.PASSTHROUGH, RenameExdev.values(), "what rename does on EXDEV",
                (b, v) -> b.renameExdev = v, Config::renameExdev));
        all.add(enumOpt("follow-symlinks", RUNTIME_RW, FollowSymlinks.NEVER, FollowSymlinks.values(), "which symlinks getattr follows",
                (b, v) -> b.followSymlinks = v, Config::followSymlinks));
        all.add(enumOpt("nfsopenhack", RUNTIME_RW, NfsOpenHack.OFF, NfsOpenHack.values(), "retry EACCES opens of unwritable empty files",
                (b, v) -> b.nfsOpenHack = v, Config::nfsOpenHack));
        all.add(bool("posix_acl", RUNTIME_RW, false, "ask the kernel for POSIX ACL support",
                (b, v) -> b.posixAcl = v, Config::posixAcl));
        all.add(bool("log.metrics", RUNTIME_RW, false, "write node statistics every 60 s",
                (b, v) -> b.logMetrics = v, Config::logMetrics));
        all.add(bool("readdirplus", RUNTIME_RO, true, "answer READDIRPLUS: a listing brings each entry's attributes",
                (b, v) -> b.readdirplus = v, Config::readdirplus));
        all.add(enumOpt("flush-on-close", RUNTIME_RW, FlushOnClose.OPENED_FOR_WRITE, FlushOnClose.values(),
                "which closes send FLUSH to the daemon (and on to the branch)",
                (b, v) -> b.flushOnClose = v, Config::flushOnClose));
        all.add(enumOpt("passthrough.io", RUNTIME_RO, PassthroughIo.OFF, PassthroughIo.values(),
                "opens whose reads and writes the kernel does on the branch file itself (kernel 6.9+, root)",
                (b, v) -> b.passthroughIo = v, Config::passthroughIo));
        all.add(new Opt("passthrough.max-stack-depth", RUNTIME_RO, "UINT", "1",
                "stacking depth claimed for passthrough: 1, or 2 for branches on overlayfs, ecryptfs or passthrough FUSE",
                null, (b, v, w) -> b.passthroughMaxStackDepth = stackDepth(v), c -> Integer.toString(c.passthroughMaxStackDepth())));
        all.add(new Opt("pid", FIXED, "UINT", "", "process id of the daemon", null, null,
                c -> Long.toString(ProcessHandle.current().pid())));
        all.add(new Opt("version", FIXED, "STR", Options.VERSION, "the mergerfs version mergerfs-j is compatible with",
                null, null, c -> Options.VERSION));
        all.add(new Opt("log.level", RUNTIME_RW, "STR", "info", "mergerfs-j log level: " + String.join(", ", Values.LOG_LEVELS),
                null, (b, v, w) -> b.logLevel = Values.logLevel(v), Config::logLevel));

        all.add(u64("branches-mount-timeout", MOUNT_ONLY, "0", "seconds to wait for branches to be mounted",
                (b, v) -> b.branchesMountTimeout = v, Config::branchesMountTimeout));
        all.add(bool("branches-mount-timeout-fail", MOUNT_ONLY, false, "exit instead of mounting when the wait times out",
                (b, v) -> b.branchesMountTimeoutFail = v, Config::branchesMountTimeoutFail));
        all.add(bool("lazy-umount-mountpoint", MOUNT_ONLY, false, "lazily unmount whatever is mounted at the mountpoint first",
                (b, v) -> b.lazyUmountMountpoint = v, Config::lazyUmountMountpoint));

        List<String> runtime = new ArrayList<>();
        for (Opt o : all) {
            if (BY_KEY.put(Opt.normalize(o.key), o) != null) throw new IllegalStateException("duplicate key " + o.key);
            if (o.runtimeKey()) runtime.add(o.key);
        }
        Collections.sort(runtime);
        RUNTIME_KEYS = List.copyOf(runtime);
        ALL = List.copyOf(all);
    }

    /** The option for a key in either spelling, or null. */
    static Opt lookup(String key) {
        return BY_KEY.get(Opt.normalize(key));
    }

    private static Opt bool(String key, Opt.Scope scope, boolean dflt, String help, BoolField field,
            Predicate<Config> get) {
        return new Opt(key, scope, "BOOL", Values.bool(dflt), help, "true",
                (b, v, w) -> field.set(b, Values.bool(v)), c -> Values.bool(get.test(c)));
    }

    private static Opt u64(String key, Opt.Scope scope, String dflt, String help, LongField field,
            Function<Config, Long> get) {
        return new Opt(key, scope, key.equals("minfreespace") ? "SIZE" : "UINT", dflt, help, null,
                (b, v, w) -> field.set(b, Values.u64(v)), c -> Long.toString(get.apply(c)));
    }

    private static <E extends Enum<E>> Opt enumOpt(String key, Opt.Scope scope, E dflt, E[] values, String help,
            EnumField<E> field, Function<Config, E> get) {
        StringBuilder type = new StringBuilder();
        for (E e : values) type.append(type.length() == 0 ? "" : "|").append(e);
        return new Opt(key, scope, type.toString(), dflt.toString(), help, null,
                (b, v, w) -> field.set(b, Values.parseEnum(values, v)), c -> get.apply(c).toString());
    }

    private static String categoryValue(Config c, Category cat) {
        TreeSet<String> names = new TreeSet<>();
        for (Func f : Func.values()) if (f.category() == cat) names.add(c.policy(f));
        return String.join(",", names);
    }

    private static String moveOnEnospc(String v) throws BadValueException {
        try {
            return Values.bool(v) ? "mfs" : null;
        } catch (BadValueException notBool) {
            try {
                return Values.policy(v);
            } catch (BadValueException notPolicy) {
                throw new BadValueException("'" + v + "' is neither true/false nor a policy name");
            }
        }
    }

    private static int stackDepth(String v) throws BadValueException {
        long n = Values.u64(v);
        if (n < 1 || n > 2) throw new BadValueException("must be 1 or 2");
        return (int) n;
    }

    /**
     * Pages, as in 2.33.5; a value with a size suffix is read as bytes, as newer mergerfs does ("1M" = 256
     * pages). Values above the 2.33.5 limit of 256 are clamped with a warning, like the kernel would.
     */
    private static int fuseMsgSize(String v, java.util.function.Consumer<String> warn) throws BadValueException {
        long n = Values.u64(v);
        if (!v.isEmpty() && !Character.isDigit(v.charAt(v.length() - 1))) n = (n + 4095) / 4096;
        if (n < 1) throw new BadValueException("must be at least 1 page");
        if (n > 256) {
            warn.accept("fuse_msg_size=" + v + " is more than 256 pages; using 256");
            n = 256;
        }
        return (int) n;
    }

}
