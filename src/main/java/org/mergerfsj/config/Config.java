package org.mergerfsj.config;

import java.util.ArrayList;
import java.util.List;
import org.mergerfsj.branch.Branch;

/**
 * One immutable snapshot of every option, read on each FUSE request: plain final fields, no maps, no locks.
 * Runtime changes ({@link Options#set}) build a new snapshot that the caller publishes atomically; open
 * handles keep the snapshot they started with (OPT-93). Build one with {@link Options#parse}.
 */
public final class Config {
    private final List<Branch> branches;
    private final String mountpoint;
    private final long minFreeSpace;
    private final String[] policies;
    private final String moveOnEnospc;
    private final boolean dropCacheOnClose;
    private final InodeCalc inodeCalc;
    private final boolean useIno;
    private final boolean ignorePpOnRename;
    private final StatFsMode statfs;
    private final StatFsIgnore statfsIgnore;
    private final String fsname;
    private final CacheFiles cacheFiles;
    private final long cacheAttr;
    private final long cacheEntry;
    private final long cacheNegativeEntry;
    private final long cacheStatfs;
    private final boolean cacheReaddir;
    private final boolean cacheSymlinks;
    private final boolean cacheWriteback;
    private final boolean directIo;
    private final boolean kernelCache;
    private final boolean autoCache;
    private final boolean asyncRead;
    private final int fuseMsgSize;
    private final int threads;
    private final boolean symlinkify;
    private final long symlinkifyTimeout;
    private final boolean nullrw;
    private final boolean readdirplus;
    private final FlushOnClose flushOnClose;
    private final PassthroughIo passthroughIo;
    private final int passthroughMaxStackDepth;
    private final boolean securityCapability;
    private final XattrMode xattr;
    private final boolean linkCow;
    private final LinkExdev linkExdev;
    private final RenameExdev renameExdev;
    private final FollowSymlinks followSymlinks;
    private final NfsOpenHack nfsOpenHack;
    private final boolean posixAcl;
    private final boolean logMetrics;
    private final boolean allowOther;
    private final boolean defaultPermissions;
    private final long branchesMountTimeout;
    private final boolean branchesMountTimeoutFail;
    private final boolean lazyUmountMountpoint;
    private final String logLevel;
    private final String configFile;
    private final List<String> fuseOptions;

    private Config(Builder b) {
        branches = List.copyOf(b.branches);
        mountpoint = b.mountpoint;
        minFreeSpace = b.minFreeSpace;
        policies = b.policies.clone();
        moveOnEnospc = b.moveOnEnospc;
        dropCacheOnClose = b.dropCacheOnClose;
        inodeCalc = b.inodeCalc;
        useIno = b.useIno;
        ignorePpOnRename = b.ignorePpOnRename;
        statfs = b.statfs;
        statfsIgnore = b.statfsIgnore;
        fsname = b.fsname;
        cacheFiles = b.cacheFiles;
        cacheAttr = b.cacheAttr;
        cacheEntry = b.cacheEntry;
        cacheNegativeEntry = b.cacheNegativeEntry;
        cacheStatfs = b.cacheStatfs;
        cacheReaddir = b.cacheReaddir;
        cacheSymlinks = b.cacheSymlinks;
        cacheWriteback = b.cacheWriteback;
        directIo = b.directIo;
        kernelCache = b.kernelCache;
        autoCache = b.autoCache;
        asyncRead = b.asyncRead;
        fuseMsgSize = b.fuseMsgSize;
        threads = b.threads;
        symlinkify = b.symlinkify;
        symlinkifyTimeout = b.symlinkifyTimeout;
        nullrw = b.nullrw;
        readdirplus = b.readdirplus;
        flushOnClose = b.flushOnClose;
        passthroughIo = b.passthroughIo;
        passthroughMaxStackDepth = b.passthroughMaxStackDepth;
        securityCapability = b.securityCapability;
        xattr = b.xattr;
        linkCow = b.linkCow;
        linkExdev = b.linkExdev;
        renameExdev = b.renameExdev;
        followSymlinks = b.followSymlinks;
        nfsOpenHack = b.nfsOpenHack;
        posixAcl = b.posixAcl;
        logMetrics = b.logMetrics;
        allowOther = b.allowOther;
        defaultPermissions = b.defaultPermissions;
        branchesMountTimeout = b.branchesMountTimeout;
        branchesMountTimeoutFail = b.branchesMountTimeoutFail;
        lazyUmountMountpoint = b.lazyUmountMountpoint;
        logLevel = b.logLevel;
        configFile = b.configFile;
        fuseOptions = List.copyOf(b.fuseOptions);
    }

    /** The same snapshot with another branch list (e.g. a branch flipped to RO); fsname is not recomputed. */
    public Config withBranches(List<Branch> newBranches) {
        Builder b = toBuilder();
        b.branches = List.copyOf(newBranches);
        return b.build();
    }

    Builder toBuilder() {
        return new Builder(this);
    }

    /** The branches in pool order (immutable). */
    public List<Branch> branches() { return branches; }

    /** Absolute mountpoint (QUIRK-06 fix: 2.33.5 keeps a relative argument as typed). */
    public String mountpoint() { return mountpoint; }

    /** Global minfreespace in bytes for create policies (default 4294967295, QUIRK-09). */
    public long minFreeSpace() { return minFreeSpace; }

    /** The policy name configured for a function. */
    public String policy(Func func) { return policies[func.ordinal()]; }

    /** The create policy used to move a file on ENOSPC, or null when moveonenospc is off. */
    public String moveOnEnospc() { return moveOnEnospc; }

    public boolean dropCacheOnClose() { return dropCacheOnClose; }

    public InodeCalc inodeCalc() { return inodeCalc; }

    /** Whether libfuse option use_ino was given; in 2.33.5 inodecalc only takes effect with it (OPT-12). */
    public boolean useIno() { return useIno; }

    public boolean ignorePpOnRename() { return ignorePpOnRename; }

    public StatFsMode statfs() { return statfs; }

    public StatFsIgnore statfsIgnore() { return statfsIgnore; }

    /** The filesystem name shown by mount/df (CLI-14 default). */
    public String fsname() { return fsname; }

    public CacheFiles cacheFiles() { return cacheFiles; }

    /** Attribute timeout in seconds. */
    public long cacheAttr() { return cacheAttr; }

    /** Positive entry timeout in seconds. */
    public long cacheEntry() { return cacheEntry; }

    /** Negative entry timeout in seconds. */
    public long cacheNegativeEntry() { return cacheNegativeEntry; }

    /** Seconds to cache branch statvfs for policies; applies from mount time (QUIRK-03 fix). */
    public long cacheStatfs() { return cacheStatfs; }

    public boolean cacheReaddir() { return cacheReaddir; }

    public boolean cacheSymlinks() { return cacheSymlinks; }

    public boolean cacheWriteback() { return cacheWriteback; }

    /** Legacy flag, used only when cache.files=libfuse. */
    public boolean directIo() { return directIo; }

    /** Legacy flag, used only when cache.files=libfuse. */
    public boolean kernelCache() { return kernelCache; }

    /** Legacy flag, used only when cache.files=libfuse. */
    public boolean autoCache() { return autoCache; }

    public boolean asyncRead() { return asyncRead; }

    /** FUSE max_pages, 1..256. */
    public int fuseMsgSize() { return fuseMsgSize; }

    /** Worker thread count, already resolved (0 = cores, -n = cores/n, at least 1). */
    public int threads() { return threads; }

    public boolean symlinkify() { return symlinkify; }

    /** Seconds. */
    public long symlinkifyTimeout() { return symlinkifyTimeout; }

    public boolean nullrw() { return nullrw; }

    /** readdirplus: answer READDIRPLUS, so a listing brings every entry's attributes with it. */
    public boolean readdirplus() { return readdirplus; }

    /** flush-on-close (OPT-65): which closes the kernel reports to us with a FLUSH. */
    public FlushOnClose flushOnClose() { return flushOnClose; }

    /** passthrough.io (OPT-69): which opens the kernel serves itself from the branch file. */
    public PassthroughIo passthroughIo() { return passthroughIo; }

    /** passthrough.max-stack-depth (OPT-69): 1 or 2. */
    public int passthroughMaxStackDepth() { return passthroughMaxStackDepth; }

    public boolean securityCapability() { return securityCapability; }

    public XattrMode xattr() { return xattr; }

    public boolean linkCow() { return linkCow; }

    public LinkExdev linkExdev() { return linkExdev; }

    public RenameExdev renameExdev() { return renameExdev; }

    public FollowSymlinks followSymlinks() { return followSymlinks; }

    public NfsOpenHack nfsOpenHack() { return nfsOpenHack; }

    public boolean posixAcl() { return posixAcl; }

    public boolean logMetrics() { return logMetrics; }

    /** Whether libfuse option allow_other was given (2.33.5 never adds it by itself, CLI-09). */
    public boolean allowOther() { return allowOther; }

    /** Always true: mergerfs 2.33.5 always mounts with default_permissions (CLI-09). */
    public boolean defaultPermissions() { return defaultPermissions; }

    /** Seconds to wait for branches to be mounted before mounting (newer option, OPT-61); 0 = do not wait. */
    public long branchesMountTimeout() { return branchesMountTimeout; }

    public boolean branchesMountTimeoutFail() { return branchesMountTimeoutFail; }

    public boolean lazyUmountMountpoint() { return lazyUmountMountpoint; }

    /** mergerfs-j's own runtime key {@code log.level}: trace, debug, info (default), warn, error or off. */
    public String logLevel() { return logLevel; }

    /** Absolute path of the last {@code config=} file read, or "" if none. */
    public String configFile() { return configFile; }

    /**
     * Options for libfuse, in order: the pass-through items the user gave (allow_other, use_ino, nonempty,
     * umask=..., ...), then what mergerfs always adds: default_permissions (unless given),
     * {@code fsname=<fsname>} and {@code subtype=mergerfs}. Items are unescaped: whoever joins them with ','
     * must escape ',' and '\' as libfuse expects.
     */
    public List<String> fuseOptions() { return fuseOptions; }

    /** The mutable twin used while parsing; package-private so only the option table writes options. */
    static final class Builder {
        List<Branch> branches = List.of();
        String mountpoint = "";
        long minFreeSpace = 4294967295L;
        final String[] policies = new String[Func.values().length];
        String moveOnEnospc = null;
        boolean dropCacheOnClose = false;
        InodeCalc inodeCalc = InodeCalc.HYBRID_HASH;
        boolean useIno = false;
        boolean ignorePpOnRename = false;
        StatFsMode statfs = StatFsMode.BASE;
        StatFsIgnore statfsIgnore = StatFsIgnore.NONE;
        String fsname = null;
        CacheFiles cacheFiles = CacheFiles.LIBFUSE;
        long cacheAttr = 1;
        long cacheEntry = 1;
        long cacheNegativeEntry = 0;
        long cacheStatfs = 0;
        boolean cacheReaddir = false;
        boolean cacheSymlinks = false;
        boolean cacheWriteback = false;
        boolean directIo = false;
        boolean kernelCache = false;
        boolean autoCache = false;
        boolean asyncRead = true;
        int fuseMsgSize = 256;
        int threads = 0;
        boolean symlinkify = false;
        long symlinkifyTimeout = 3600;
        boolean nullrw = false;
        boolean readdirplus = true; // mergerfs 2.33.5: false (it never asks); see docs/options.md
        FlushOnClose flushOnClose = FlushOnClose.OPENED_FOR_WRITE;
        PassthroughIo passthroughIo = PassthroughIo.OFF;
        int passthroughMaxStackDepth = 1;
        boolean securityCapability = true;
        XattrMode xattr = XattrMode.PASSTHROUGH;
        boolean linkCow = false;
        LinkExdev linkExdev = LinkExdev.PASSTHROUGH;
        RenameExdev renameExdev = RenameExdev.PASSTHROUGH;
        FollowSymlinks followSymlinks = FollowSymlinks.NEVER;
        NfsOpenHack nfsOpenHack = NfsOpenHack.OFF;
        boolean posixAcl = false;
        boolean logMetrics = false;
        boolean allowOther = false;
        boolean defaultPermissions = true;
        long branchesMountTimeout = 0;
        boolean branchesMountTimeoutFail = false;
        boolean lazyUmountMountpoint = false;
        String logLevel = "info";
        String configFile = "";
        List<String> fuseOptions = new ArrayList<>();

        /** 2.33.5 defaults. */
        Builder() {
            for (Func f : Func.values()) policies[f.ordinal()] = f.category().defaultPolicy();
        }

        private Builder(Config c) {
            branches = c.branches;
            mountpoint = c.mountpoint;
            minFreeSpace = c.minFreeSpace;
            System.arraycopy(c.policies, 0, policies, 0, policies.length);
            moveOnEnospc = c.moveOnEnospc;
            dropCacheOnClose = c.dropCacheOnClose;
            inodeCalc = c.inodeCalc;
            useIno = c.useIno;
            ignorePpOnRename = c.ignorePpOnRename;
            statfs = c.statfs;
            statfsIgnore = c.statfsIgnore;
            fsname = c.fsname;
            cacheFiles = c.cacheFiles;
            cacheAttr = c.cacheAttr;
            cacheEntry = c.cacheEntry;
            cacheNegativeEntry = c.cacheNegativeEntry;
            cacheStatfs = c.cacheStatfs;
            cacheReaddir = c.cacheReaddir;
            cacheSymlinks = c.cacheSymlinks;
            cacheWriteback = c.cacheWriteback;
            directIo = c.directIo;
            kernelCache = c.kernelCache;
            autoCache = c.autoCache;
            asyncRead = c.asyncRead;
            fuseMsgSize = c.fuseMsgSize;
            threads = c.threads;
            symlinkify = c.symlinkify;
            symlinkifyTimeout = c.symlinkifyTimeout;
            nullrw = c.nullrw;
            readdirplus = c.readdirplus;
            flushOnClose = c.flushOnClose;
            passthroughIo = c.passthroughIo;
            passthroughMaxStackDepth = c.passthroughMaxStackDepth;
            securityCapability = c.securityCapability;
            xattr = c.xattr;
            linkCow = c.linkCow;
            linkExdev = c.linkExdev;
            renameExdev = c.renameExdev;
            followSymlinks = c.followSymlinks;
            nfsOpenHack = c.nfsOpenHack;
            posixAcl = c.posixAcl;
            logMetrics = c.logMetrics;
            allowOther = c.allowOther;
            defaultPermissions = c.defaultPermissions;
            branchesMountTimeout = c.branchesMountTimeout;
            branchesMountTimeoutFail = c.branchesMountTimeoutFail;
            lazyUmountMountpoint = c.lazyUmountMountpoint;
            logLevel = c.logLevel;
            configFile = c.configFile;
            fuseOptions = new ArrayList<>(c.fuseOptions);
        }

        /** A deep copy, used as the scratch space of an all-or-nothing config file. */
        Builder copy() {
            return new Builder(build());
        }

        Config build() {
            return new Config(this);
        }

        void setCategory(Category category, String policy) {
            for (Func f : Func.values()) if (f.category() == category) policies[f.ordinal()] = policy;
        }
    }
}
