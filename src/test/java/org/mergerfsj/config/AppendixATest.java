package org.mergerfsj.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Appendix A: {@code getfattr -d -m - mnt/.mergerfs} of a fresh 2.33.5 mount, reproduced from a fresh parse. */
class AppendixATest {
    /** Verbatim from the spec; /pool, pid, threads and the relative mount are substituted below. */
    private static final String DUMP = ""
            + "user.mergerfs.async_read=\"true\"\n"
            + "user.mergerfs.auto_cache=\"false\"\n"
            + "user.mergerfs.branches=\"/pool/b1=RW:/pool/b2=RW:/pool/b3=RW\"\n"
            + "user.mergerfs.cache.attr=\"1\"\n"
            + "user.mergerfs.cache.entry=\"1\"\n"
            + "user.mergerfs.cache.files=\"libfuse\"\n"
            + "user.mergerfs.cache.negative_entry=\"0\"\n"
            + "user.mergerfs.cache.readdir=\"false\"\n"
            + "user.mergerfs.cache.statfs=\"0\"\n"
            + "user.mergerfs.cache.symlinks=\"false\"\n"
            + "user.mergerfs.cache.writeback=\"false\"\n"
            + "user.mergerfs.category.action=\"epall\"\n"
            + "user.mergerfs.category.create=\"epmfs\"\n"
            + "user.mergerfs.category.search=\"ff\"\n"
            + "user.mergerfs.direct_io=\"false\"\n"
            + "user.mergerfs.dropcacheonclose=\"false\"\n"
            + "user.mergerfs.follow-symlinks=\"never\"\n"
            + "user.mergerfs.fsname=\"1:2:3\"\n"
            + "user.mergerfs.func.access=\"ff\"\n"
            + "user.mergerfs.func.chmod=\"epall\"\n"
            + "user.mergerfs.func.chown=\"epall\"\n"
            + "user.mergerfs.func.create=\"epmfs\"\n"
            + "user.mergerfs.func.getattr=\"ff\"\n"
            + "user.mergerfs.func.getxattr=\"ff\"\n"
            + "user.mergerfs.func.link=\"epall\"\n"
            + "user.mergerfs.func.listxattr=\"ff\"\n"
            + "user.mergerfs.func.mkdir=\"epmfs\"\n"
            + "user.mergerfs.func.mknod=\"epmfs\"\n"
            + "user.mergerfs.func.open=\"ff\"\n"
            + "user.mergerfs.func.readlink=\"ff\"\n"
            + "user.mergerfs.func.removexattr=\"epall\"\n"
            + "user.mergerfs.func.rename=\"epall\"\n"
            + "user.mergerfs.func.rmdir=\"epall\"\n"
            + "user.mergerfs.func.setxattr=\"epall\"\n"
            + "user.mergerfs.func.symlink=\"epmfs\"\n"
            + "user.mergerfs.func.truncate=\"epall\"\n"
            + "user.mergerfs.func.unlink=\"epall\"\n"
            + "user.mergerfs.func.utimens=\"epall\"\n"
            + "user.mergerfs.fuse_msg_size=\"256\"\n"
            + "user.mergerfs.ignorepponrename=\"false\"\n"
            + "user.mergerfs.inodecalc=\"hybrid-hash\"\n"
            + "user.mergerfs.kernel_cache=\"false\"\n"
            + "user.mergerfs.link-exdev=\"passthrough\"\n"
            + "user.mergerfs.link_cow=\"false\"\n"
            + "user.mergerfs.log.metrics=\"false\"\n"
            + "user.mergerfs.minfreespace=\"4294967295\"\n"
            + "user.mergerfs.mount=\"mnt\"\n"
            + "user.mergerfs.moveonenospc=\"false\"\n"
            + "user.mergerfs.nfsopenhack=\"off\"\n"
            + "user.mergerfs.nullrw=\"false\"\n"
            + "user.mergerfs.pid=\"5890\"\n"
            + "user.mergerfs.posix_acl=\"false\"\n"
            + "user.mergerfs.readdirplus=\"false\"\n"
            + "user.mergerfs.rename-exdev=\"passthrough\"\n"
            + "user.mergerfs.security_capability=\"true\"\n"
            + "user.mergerfs.srcmounts=\"/pool/b1:/pool/b2:/pool/b3\"\n"
            + "user.mergerfs.statfs=\"base\"\n"
            + "user.mergerfs.statfs_ignore=\"none\"\n"
            + "user.mergerfs.symlinkify=\"false\"\n"
            + "user.mergerfs.symlinkify_timeout=\"3600\"\n"
            + "user.mergerfs.threads=\"2\"\n"
            + "user.mergerfs.version=\"2.33.5\"\n"
            + "user.mergerfs.xattr=\"passthrough\"\n"
            ;

    /** mergerfs-j's own key and three of newer mergerfs (OPT-65, OPT-69). */
    static final java.util.Set<String> EXTRA = java.util.Set.of("log.level", "flush-on-close", "passthrough.io",
            "passthrough.max-stack-depth");

    @TempDir
    Path tmp;

    @Test
    void freshMountDumpsExactlyAsMergerfs() throws Exception {
        Path pool = tmp.toRealPath();
        for (String d : new String[] {"b1", "b2", "b3", "mnt"}) Files.createDirectory(pool.resolve(d));
        Config c = Options.parse(List.of("allow_other"), pool + "/b1:" + pool + "/b2:" + pool + "/b3",
                pool + "/mnt", w -> { throw new AssertionError(w); });

        String expected = DUMP.replace("/pool/", pool + "/")
                .replace("mount=\"mnt\"", "mount=\"" + pool + "/mnt\"")
                .replace("pid=\"5890\"", "pid=\"" + ProcessHandle.current().pid() + "\"")
                .replace("threads=\"2\"", "threads=\"" + Runtime.getRuntime().availableProcessors() + "\"")
                // the one deliberate default change: mergerfs-j answers READDIRPLUS (docs/options.md)
                .replace("readdirplus=\"false\"", "readdirplus=\"true\"");

        List<String> lines = new ArrayList<>();
        for (String key : Options.keys()) {
            if (EXTRA.contains(key)) continue;
            lines.add("user.mergerfs." + key + "=\"" + Options.get(c, key) + "\"");
        }
        assertEquals(expected, String.join("\n", lines) + "\n");
        assertEquals(63, lines.size());
    }

    @Test
    void keysAreAppendixAPlusLogLevelInByteOrder() {
        List<String> expected = new ArrayList<>();
        for (String line : DUMP.split("\n")) expected.add(line.substring("user.mergerfs.".length(), line.indexOf('=')));
        expected.addAll(EXTRA);
        expected.sort(String::compareTo);
        assertEquals(expected, Options.keys());
        assertEquals("link_cow", Options.keys().get(Options.keys().indexOf("log.level") - 1));
    }
}
