package org.mergerfsj.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OptionsTest {
    @TempDir
    Path tmp;
    String pool;
    String branches;
    String mnt;
    final List<String> warnings = new ArrayList<>();

    @BeforeEach
    void pool() throws Exception {
        Path real = tmp.toRealPath();
        for (String d : new String[] {"b1", "b2", "b3", "mnt"}) Files.createDirectory(real.resolve(d));
        pool = real.toString();
        branches = pool + "/b1:" + pool + "/b2:" + pool + "/b3";
        mnt = pool + "/mnt";
    }

    private Config parse(String... items) throws BadValueException {
        return Options.parse(List.of(items), branches, mnt, warnings::add);
    }

    private String parseError(String... items) {
        return assertThrows(BadValueException.class, () -> parse(items)).getMessage();
    }

    // --- runtime get/set -------------------------------------------------------------------------------

    /** A non-default value for every writable key, and what it reads back as. */
    private Map<String, String[]> writable() {
        Map<String, String[]> m = new LinkedHashMap<>();
        m.put("auto_cache", new String[] {"true", "true"});
        m.put("branches", new String[] {pool + "/b2=RO,1G:/nx/a", pool + "/b2=RO,1G:/nx/a=RW"});
        m.put("cache.attr", new String[] {"2K", "2048"});
        m.put("cache.entry", new String[] {"7", "7"});
        m.put("cache.files", new String[] {"auto-full", "auto-full"});
        m.put("cache.negative_entry", new String[] {"3", "3"});
        m.put("cache.readdir", new String[] {"on", "true"});
        m.put("cache.statfs", new String[] {"10", "10"});
        m.put("category.action", new String[] {"ff", "ff"});
        m.put("category.create", new String[] {"mfs", "mfs"});
        m.put("category.search", new String[] {"newest", "newest"});
        m.put("direct_io", new String[] {"yes", "true"});
        m.put("dropcacheonclose", new String[] {"1", "true"});
        m.put("follow-symlinks", new String[] {"directory", "directory"});
        for (Func f : Func.values()) m.put("func." + f.key(), new String[] {"eprand", "eprand"});
        m.put("ignorepponrename", new String[] {"true", "true"});
        m.put("inodecalc", new String[] {"path-hash32", "path-hash32"});
        m.put("kernel_cache", new String[] {"true", "true"});
        m.put("link-exdev", new String[] {"abs-pool-symlink", "abs-pool-symlink"});
        m.put("link_cow", new String[] {"true", "true"});
        m.put("log.level", new String[] {"debug", "debug"});
        m.put("log.metrics", new String[] {"true", "true"});
        m.put("minfreespace", new String[] {"10M", "10485760"});
        m.put("moveonenospc", new String[] {"true", "mfs"});
        m.put("nfsopenhack", new String[] {"git", "git"});
        m.put("flush-on-close", new String[] {"never", "never"});
        m.put("posix_acl", new String[] {"true", "true"});
        m.put("rename-exdev", new String[] {"rel-symlink", "rel-symlink"});
        m.put("security_capability", new String[] {"false", "false"});
        m.put("srcmounts", new String[] {pool + "/b3:" + pool + "/b1", pool + "/b3:" + pool + "/b1"});
        m.put("statfs", new String[] {"full", "full"});
        m.put("statfs_ignore", new String[] {"ro", "ro"});
        m.put("symlinkify", new String[] {"true", "true"});
        m.put("symlinkify_timeout", new String[] {"60", "60"});
        m.put("xattr", new String[] {"noattr", "noattr"});
        return m;
    }

    private static final Set<String> READ_ONLY = Set.of("async_read", "cache.symlinks", "cache.writeback", "fsname",
            "fuse_msg_size", "mount", "nullrw", "passthrough.io", "passthrough.max-stack-depth", "pid", "readdirplus",
            "threads", "version");

    @Test
    void everyWritableKeyRoundTrips() throws Exception {
        Config c = parse();
        Map<String, String[]> w = writable();
        for (String key : Options.keys()) {
            assertTrue(w.containsKey(key) || READ_ONLY.contains(key), "key not covered by this test: " + key);
        }
        for (Map.Entry<String, String[]> e : w.entrySet()) {
            String before = Options.get(c, e.getKey());
            Config changed = Options.set(c, e.getKey(), e.getValue()[0]);
            assertNotSame(c, changed);
            assertEquals(e.getValue()[1], Options.get(changed, e.getKey()), e.getKey());
            assertFalse(e.getValue()[1].equals(before), e.getKey() + " test value equals the default");
            assertEquals(before, Options.get(c, e.getKey()), "set must not mutate: " + e.getKey());
        }
    }

    @Test
    void readOnlyKeysRefuseSetButRead() throws Exception {
        Config c = parse();
        for (String key : READ_ONLY) {
            Options.get(c, key);
            assertThrows(ReadOnlyKeyException.class, () -> Options.set(c, key, "1"), key);
        }
        assertThrows(ReadOnlyKeyException.class, () -> Options.set(c, "fuse-msg-size", "1"));
    }

    @Test
    void unknownKeys() throws Exception {
        Config c = parse();
        for (String key : new String[] {"foo", "config", "func.readdir", "branches-mount-timeout",
                "lazy-umount-mountpoint", "mountpoint", "user.mergerfs.branches", ""}) {
            assertThrows(NoSuchKeyException.class, () -> Options.get(c, key), key);
            assertThrows(NoSuchKeyException.class, () -> Options.set(c, key, "1"), key);
        }
    }

    @Test
    void ctl08NumbersReadBackPlain() throws Exception {
        Config c = parse();
        assertEquals("10485760", Options.get(Options.set(c, "minfreespace", "10M"), "minfreespace"));
        assertEquals("2048", Options.get(Options.set(c, "cache.attr", "2K"), "cache.attr"));
        assertEquals("true", Options.get(Options.set(c, "cache.readdir", "yes"), "cache.readdir"));
    }

    @Test
    void categoryReadsBackSortedDistinctPolicies() throws Exception {
        Config c = Options.set(parse(), "func.create", "mfs");
        assertEquals("epmfs,mfs", Options.get(c, "category.create"));
        c = Options.set(c, "category.create", "ff");
        assertEquals("ff", Options.get(c, "category.create"));
        for (Func f : Func.values()) {
            if (f.category() == Category.CREATE) assertEquals("ff", c.policy(f));
            else assertEquals(f.category().defaultPolicy(), c.policy(f));
        }
    }

    @Test
    void badRuntimeValuesAreRejectedAndNamed() throws Exception {
        Config c = parse();
        String[][] bad = {{"category.create", "bogus"}, {"func.getattr", "FF"}, {"minfreespace", "abc"},
                {"branches", "/a=XX"}, {"branches", "-<x"}, {"cache.attr", "-1"}, {"moveonenospc", "maybe"},
                {"cache.readdir", "TRUE"}, {"cache.readdir", ""}, {"inodecalc", "hash"}, {"log.level", "loud"}};
        for (String[] kv : bad) {
            BadValueException e = assertThrows(BadValueException.class, () -> Options.set(c, kv[0], kv[1]), kv[0]);
            assertTrue(e.getMessage().contains(kv[0] + "=" + kv[1]), e.getMessage());
        }
    }

    @Test
    void dashAndUnderscoreSpellingsAreTheSameKey() throws Exception {
        Config c = parse();
        assertEquals("none", Options.get(c, "statfs-ignore"));
        assertEquals("never", Options.get(c, "follow_symlinks"));
        assertEquals("passthrough", Options.get(c, "link_exdev"));
        Config d = Options.set(c, "cache.negative-entry", "5");
        assertEquals("5", Options.get(d, "cache.negative_entry"));
        assertEquals(5, d.cacheNegativeEntry());
        assertEquals("false", Options.get(Options.set(c, "security-capability", "false"), "security_capability"));
    }

    @Test
    void branchEditsAtRuntime() throws Exception {
        Config c = parse();
        Config d = Options.set(c, "branches", "-" + pool + "/b[12]");
        assertEquals(pool + "/b3=RW", Options.get(d, "branches"));
        d = Options.set(d, "branches", "+<" + pool + "/b1=NC,1G");
        assertEquals(pool + "/b1=NC,1G:" + pool + "/b3=RW", Options.get(d, "branches"));
        assertEquals(pool + "/b1:" + pool + "/b3", Options.get(d, "srcmounts"));
        d = Options.set(d, "srcmounts", "->");
        assertEquals(pool + "/b1=NC,1G", Options.get(d, "branches"));
        assertEquals("1:2:3", d.fsname(), "fsname is fixed at mount time");
    }

    @Test
    void moveOnEnospcAcceptsBooleansAndPolicies() throws Exception {
        Config c = parse();
        assertNull(c.moveOnEnospc());
        assertEquals("false", Options.get(c, "moveonenospc"));
        assertEquals("mfs", Options.set(c, "moveonenospc", "true").moveOnEnospc());
        assertEquals("eplus", Options.get(Options.set(c, "moveonenospc", "eplus"), "moveonenospc"));
        assertNull(Options.set(Options.set(c, "moveonenospc", "lfs"), "moveonenospc", "off").moveOnEnospc());
        assertEquals("mfs", parse("moveonenospc").moveOnEnospc());
    }

    @Test
    void withBranchesKeepsEverythingElse() throws Exception {
        Config c = parse("category.create=mfs");
        Config d = c.withBranches(List.of(new org.mergerfsj.branch.Branch("/nx", org.mergerfsj.branch.Mode.RO)));
        assertEquals("/nx=RO", Options.get(d, "branches"));
        assertEquals("mfs", d.policy(Func.CREATE));
        assertEquals(c.fsname(), d.fsname());
        assertEquals(3, c.branches().size());
    }

    // --- mount-time parsing ----------------------------------------------------------------------------

    @Test
    void laterItemsWinIncludingCategoryOverFunc() throws Exception {
        Config c = parse("func.create=mfs", "category.create=ff");
        assertEquals("ff", c.policy(Func.CREATE));
        c = parse("category.create=ff", "func.create=mfs");
        assertEquals("mfs", c.policy(Func.CREATE));
        assertEquals("ff", c.policy(Func.MKDIR));
        c = parse("minfreespace=1G", " minfreespace = 2G ");
        assertEquals(2L << 30, c.minFreeSpace());
    }

    @Test
    void allErrorsAreFatalAndNamed() {
        String msg = parseError("minfreespace=xyz", "category.create=bogus", "foo=bar", "cache.files=none");
        assertTrue(msg.contains("invalid value for 'minfreespace=xyz'"), msg);
        assertTrue(msg.contains("invalid value for 'category.create=bogus': unknown policy 'bogus'"), msg);
        assertTrue(msg.contains("unknown option 'foo=bar'"), msg);
        assertTrue(msg.contains("cache.files=none"), msg);
        assertEquals(4, msg.split("\n").length, msg);
        assertEquals("unknown option 'bogus'", parseError("bogus"));
        assertTrue(parseError("func.readdir=seq").contains("unknown option 'func.readdir=seq'"));
    }

    @Test
    void readOnlyRuntimeKeysAreSettableAtMount() throws Exception {
        Config c = parse("threads=3", "fsname=pool", "async_read=false", "cache.symlinks=true", "cache.writeback=true",
                "nullrw=true", "fuse_msg_size=64");
        assertEquals(3, c.threads());
        assertEquals("pool", c.fsname());
        assertFalse(c.asyncRead());
        assertTrue(c.cacheSymlinks() && c.cacheWriteback() && c.nullrw());
        assertEquals(64, c.fuseMsgSize());
        assertTrue(c.fuseOptions().contains("fsname=pool"));
        for (String item : new String[] {"pid=1", "version=1", "mount=/x"}) {
            assertTrue(parseError(item).contains("read-only option '" + item + "'"), item);
        }
    }

    @Test
    void commandLineAliasesAndBareFlags() throws Exception {
        Config c = parse("attr_timeout=5", "entry_timeout=6", "negative_entry=7", "sync_read", "direct_io",
                "kernel_cache", "auto_cache", "dropcacheonclose", "posix_acl");
        assertEquals(5, c.cacheAttr());
        assertEquals(6, c.cacheEntry());
        assertEquals(7, c.cacheNegativeEntry());
        assertFalse(c.asyncRead());
        assertTrue(c.directIo() && c.kernelCache() && c.autoCache() && c.dropCacheOnClose() && c.posixAcl());
        assertTrue(parse("sync_read", "async_read").asyncRead(), "later wins");
        assertTrue(parseError("minfreespace").contains("needs a value"));
        assertTrue(parseError("sync_read=1").contains("takes no value"));
    }

    @Test
    void newerSpellingsAndKeys() throws Exception {
        Config c = parse("statfs-ignore=nc", "cache.negative-entry=4", "link-cow", "security-capability=false",
                "async-read=false", "fuse-msg-size=32", "symlinkify-timeout=5", "posix-acl=true",
                "follow_symlinks=regular", "branches-mount-timeout=30", "branches-mount-timeout-fail",
                "lazy-umount-mountpoint=true", "kernel-cache", "use-ino");
        assertEquals(StatFsIgnore.NC, c.statfsIgnore());
        assertEquals(4, c.cacheNegativeEntry());
        assertTrue(c.linkCow());
        assertFalse(c.securityCapability());
        assertFalse(c.asyncRead());
        assertEquals(32, c.fuseMsgSize());
        assertEquals(5, c.symlinkifyTimeout());
        assertTrue(c.posixAcl());
        assertEquals(FollowSymlinks.REGULAR, c.followSymlinks());
        assertEquals(30, c.branchesMountTimeout());
        assertTrue(c.branchesMountTimeoutFail());
        assertTrue(c.lazyUmountMountpoint());
        assertTrue(c.kernelCache());
        assertTrue(c.useIno());
    }

    @Test
    void dummiesAreAcceptedAndIgnored() throws Exception {
        Config c = parse("defaults", "hard_remove", "atomic_o_trunc", "big_writes", "cache.open=30", "hard-remove",
                "big-writes", "nogc", "gid-cache.expire-timeout=10");
        assertEquals(parse().fuseOptions(), c.fuseOptions());
        assertEquals(2, warnings.size(), warnings.toString());
    }

    @Test
    void libfuseOptionsPassThroughInOrder() throws Exception {
        Config c = parse("allow_other", "use_ino", "nonempty", "umask=022", "uid=1000", "max_read=131072",
                "splice-read", "default_permissions", "noforget", "debug");
        assertEquals(List.of("allow_other", "use_ino", "nonempty", "umask=022", "uid=1000", "max_read=131072",
                "splice_read", "default_permissions", "noforget", "debug", "fsname=1:2:3", "subtype=mergerfs"),
                c.fuseOptions());
        assertTrue(c.allowOther());
        assertTrue(c.useIno());
        assertTrue(c.defaultPermissions());

        Config plain = parse();
        assertFalse(plain.allowOther());
        assertFalse(plain.useIno());
        assertEquals(List.of("default_permissions", "fsname=1:2:3", "subtype=mergerfs"), plain.fuseOptions());

        assertTrue(parseError("allow_other=1").contains("takes no value"));
        assertTrue(parseError("umask=999").contains("umask=999"));
        assertTrue(parseError("uid=bob").contains("uid=bob"));
        assertTrue(parseError("max_read").contains("needs a value"));
    }

    @Test
    void threadsResolve() throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        assertEquals(cores, parse().threads());
        assertEquals(Math.max(1, cores / 2), parse("threads=-2").threads());
        assertEquals(7, Options.resolveThreads(7, 2));
        assertEquals(2, Options.resolveThreads(0, 2));
        assertEquals(4, Options.resolveThreads(-2, 8));
        assertEquals(1, Options.resolveThreads(-4, 2));
        assertEquals(1, Options.resolveThreads(Integer.MIN_VALUE, 64));
        assertTrue(parseError("threads=2K").contains("threads=2K"));
    }

    @Test
    void fuseMsgSizeIsClampedPages() throws Exception {
        assertEquals(256, parse().fuseMsgSize());
        assertEquals(256, parse("fuse_msg_size=1M").fuseMsgSize());
        assertEquals(32, parse("fuse_msg_size=128K").fuseMsgSize());
        assertTrue(warnings.isEmpty());
        assertEquals(256, parse("fuse_msg_size=1000").fuseMsgSize());
        assertEquals(1, warnings.size());
        assertTrue(parseError("fuse_msg_size=0").contains("fuse_msg_size=0"));
    }

    @Test
    void fsnameDefaultRemovesTheCharacterwiseCommonPrefix() throws Exception {
        assertEquals("1:2:3", Options.defaultFsname(List.of("/t/b1", "/t/b2", "/t/b3")));
        assertEquals("pool/b1:pool/b2:nonexistent", Options.defaultFsname(List.of("/pool/b1", "/pool/b2", "/nonexistent")));
        assertEquals("/t/b1", Options.defaultFsname(List.of("/t/b1")));
        assertEquals("/a:/a", Options.defaultFsname(List.of("/a", "/a")));
        assertEquals("/a/b:/a/bc", Options.defaultFsname(List.of("/a/b", "/a/bc")), "first is a prefix: nothing removed");
        assertEquals("c:", Options.defaultFsname(List.of("/a/bc", "/a/b")), "the shorter path ends: it is removed whole");
        assertEquals("1:2:3", parse().fsname());
        assertEquals("b1:b2:nonexistent-xyz", Options.parse(List.of(), pool + "/b1:" + pool + "/b2:" + pool
                + "/nonexistent-xyz", mnt, w -> { }).fsname());
    }

    @Test
    void mountpointIsStoredAbsolute() throws Exception {
        Config c = Options.parse(List.of(), branches, "relative-mnt-xyz", w -> { });
        assertEquals(Paths.get("").toAbsolutePath().resolve("relative-mnt-xyz").toString(), c.mountpoint());
        assertEquals(c.mountpoint(), Options.get(c, "mount"));
        Files.createSymbolicLink(tmp.resolve("mlink"), tmp.resolve("mnt"));
        assertEquals(mnt, Options.parse(List.of(), branches, pool + "/mlink/", w -> { }).mountpoint());
    }

    @Test
    void missingBranchesOrMountpoint() {
        String msg = assertThrows(BadValueException.class, () -> Options.parse(List.of(), null, null, w -> { })).getMessage();
        assertTrue(msg.contains("branches not set") && msg.contains("mountpoint not set"), msg);
        msg = assertThrows(BadValueException.class, () -> Options.parse(List.of(), "/a=XX", mnt, w -> { })).getMessage();
        assertTrue(msg.contains("invalid branches '/a=XX'"), msg);
        assertFalse(msg.contains("branches not set"), msg);
    }

    @Test
    void positionalBranchesComeFirstAndCanBeEdited() throws Exception {
        Config c = parse("branches=+>/nx/d=NC");
        assertEquals(branches.replace(":", "=RW:") + "=RW:/nx/d=NC", Options.get(c, "branches"));
        c = Options.parse(List.of("branches=" + pool + "/b2"), null, mnt, w -> { });
        assertEquals(pool + "/b2=RW", Options.get(c, "branches"));
        assertEquals(pool + "/b2", c.fsname());
    }

    @Test
    void cacheStatfsAppliesFromMountTime() throws Exception {
        assertEquals(30, parse("cache.statfs=30").cacheStatfs());
    }

    @Test
    void defaultsMatch2335() throws Exception {
        Config c = parse();
        assertEquals(4294967295L, c.minFreeSpace());
        assertEquals(CacheFiles.LIBFUSE, c.cacheFiles());
        assertEquals(InodeCalc.HYBRID_HASH, c.inodeCalc());
        assertEquals(1, c.cacheAttr());
        assertEquals(1, c.cacheEntry());
        assertEquals(3600, c.symlinkifyTimeout());
        assertEquals("info", c.logLevel());
        assertEquals("", c.configFile());
        assertTrue(c.asyncRead() && c.securityCapability());
        assertEquals(Options.VERSION, Options.get(c, "version"));
        assertEquals(Long.toString(ProcessHandle.current().pid()), Options.get(c, "pid"));
        assertEquals("true", Options.get(c, "readdirplus")); // 2.33.5: false; the one deliberate default change
        assertTrue(c.readdirplus());
        Config plain = parse("readdirplus=false");
        assertTrue(!plain.readdirplus() && warnings.isEmpty());
        assertEquals("false", Options.get(plain, "readdirplus"));
    }

    @Test
    void newerMergerfsOpenOptions() throws Exception {
        Config d = parse();
        assertEquals(FlushOnClose.OPENED_FOR_WRITE, d.flushOnClose());
        assertEquals(PassthroughIo.OFF, d.passthroughIo());
        assertEquals(1, d.passthroughMaxStackDepth());
        Config c = parse("flush-on-close=never", "passthrough.io=ro", "passthrough.max-stack-depth=2");
        assertEquals(FlushOnClose.NEVER, c.flushOnClose());
        assertEquals(PassthroughIo.RO, c.passthroughIo());
        assertEquals(2, c.passthroughMaxStackDepth());
        assertEquals("ro", Options.get(c, "passthrough.io"));
        assertEquals("2", Options.get(c, "passthrough.max-stack-depth"));
        for (String bad : new String[] {"passthrough.max-stack-depth=0", "passthrough.max-stack-depth=3",
                "passthrough.io=yes", "passthrough.io=RW", "flush-on-close=sometimes"}) {
            assertTrue(parseError(bad).contains(bad.substring(0, bad.indexOf('='))), bad);
        }
        assertThrows(ReadOnlyKeyException.class, () -> Options.set(c, "passthrough.io", "rw"));
        assertThrows(ReadOnlyKeyException.class, () -> Options.set(c, "passthrough.max-stack-depth", "1"));
    }

    @Test
    void enumsParseExactSpellings() throws Exception {
        assertEquals(CacheFiles.PER_PROCESS, Values.parseEnum(CacheFiles.values(), "per-process"));
        assertEquals(InodeCalc.DEVINO_HASH32, Values.parseEnum(InodeCalc.values(), "devino-hash32"));
        assertEquals(LinkExdev.ABS_BASE_SYMLINK, Values.parseEnum(LinkExdev.values(), "abs-base-symlink"));
        assertEquals(RenameExdev.ABS_SYMLINK, Values.parseEnum(RenameExdev.values(), "abs-symlink"));
        assertEquals(NfsOpenHack.ALL, Values.parseEnum(NfsOpenHack.values(), "all"));
        assertEquals(XattrMode.NOSYS, Values.parseEnum(XattrMode.values(), "nosys"));
        assertEquals(StatFsMode.FULL, Values.parseEnum(StatFsMode.values(), "full"));
        assertThrows(BadValueException.class, () -> Values.parseEnum(CacheFiles.values(), "Full"));
        assertThrows(BadValueException.class, () -> Values.parseEnum(CacheFiles.values(), "auto_full"));
        for (InodeCalc i : InodeCalc.values()) assertEquals(i, Values.parseEnum(InodeCalc.values(), i.toString()));
    }

    @Test
    void funcsAndCategories() {
        assertEquals(20, Func.values().length);
        int[] counts = new int[3];
        for (Func f : Func.values()) counts[f.category().ordinal()]++;
        assertEquals(4, counts[Category.CREATE.ordinal()]);
        assertEquals(10, counts[Category.ACTION.ordinal()]);
        assertEquals(6, counts[Category.SEARCH.ordinal()]);
        assertEquals("removexattr", Func.REMOVEXATTR.key());
        assertEquals("search", Category.SEARCH.key());
        assertEquals(21, Options.POLICY_NAMES.size());
    }

    @Test
    void helpListsEveryOption() {
        String help = Options.helpText();
        for (String key : Options.keys()) assertTrue(help.contains("  " + key + "="), key);
        assertTrue(help.contains("minfreespace=SIZE") && help.contains("4294967295"));
        assertTrue(help.contains("branches-mount-timeout="));
        assertTrue(help.contains("config=FILE"));
    }
}
