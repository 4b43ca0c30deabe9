package org.mergerfsj.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.mergerfsj.config.Config;
import org.mergerfsj.config.Options;
import org.mergerfsj.fuse.FuseFs;
import org.mergerfsj.fuse.FuseMount;
import org.mergerfsj.union.Pool;
import org.mergerfsj.union.UnionFs;

/**
 * A real FUSE mount of a pool of temp-dir branches, served in this JVM. Always close it (try-with-resources):
 * close unmounts, even after a failed test, and removes the temp tree.
 */
public final class TestPool implements AutoCloseable {
    public final Path root;
    public final Path mnt;
    public final List<Path> branches = new ArrayList<>();
    public final Pool pool;
    private final FuseMount mount;

    public TestPool(int nbranches, String... options) throws Exception {
        root = Files.createTempDirectory("mfsj-it");
        mnt = Files.createDirectory(root.resolve("mnt"));
        StringBuilder spec = new StringBuilder();
        for (int i = 1; i <= nbranches; i++) {
            Path b = Files.createDirectory(root.resolve("b" + i));
            branches.add(b);
            if (spec.length() > 0) spec.append(':');
            spec.append(b);
        }
        List<String> items = new ArrayList<>();
        for (String o : options) for (String s : o.split(",")) if (!s.isBlank()) items.add(s);
        Config cfg = Options.parse(items, spec.toString(), mnt.toString(), w -> {});
        pool = new Pool(cfg);
        FuseFs fs = new FuseFs(new UnionFs(pool));
        List<String> fuseOpts = new ArrayList<>(List.of("default_permissions", "allow_other", "big_writes",
                "hard_remove", "fsname=testpool",
                "attr_timeout=" + cfg.cacheAttr(), "entry_timeout=" + cfg.cacheEntry(),
                "negative_timeout=" + cfg.cacheNegativeEntry()));
        if (cfg.useIno()) fuseOpts.add("use_ino");
        mount = FuseMount.mount(mnt.toString(), fs, fuseOpts, 2);
        if (!mount.awaitReady(20_000)) {
            close();
            throw new IOException("mount did not become ready");
        }
    }

    public Path branch(int i) {
        return branches.get(i);
    }

    public Path pool(String rel) {
        return mnt.resolve(rel);
    }

    @Override
    public void close() throws Exception {
        Thread t = new Thread(mount::close);
        t.start();
        t.join(TimeUnit.SECONDS.toMillis(20));
        if (t.isAlive()) {
            new ProcessBuilder("fusermount", "-uz", mnt.toString()).start().waitFor(10, TimeUnit.SECONDS);
        }
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    static final Duration TIMEOUT = Duration.ofSeconds(30);
}
