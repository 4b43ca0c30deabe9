package org.mergerfsj.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.mergerfsj.config.Config;
import org.mergerfsj.config.Options;
import org.mergerfsj.union.Pool;

/**
 * Real branch directories for the benchmarks, under {@code -Dbench.dir} (default {@code java.io.tmpdir}):
 * {@code b0 .. b(n-1)} and a mount point directory that is never mounted.
 *
 * <p>The layout, the same for every benchmark:
 * <ul>
 *   <li>{@link #DIR} ({@code /docs/2024}) exists on every second branch (b1, b3, b5, b7): an ep* create of
 *       a file in it skips b0 and has a choice from four branches on eight;</li>
 *   <li>{@link #FILE} ({@code /docs/2024/report.pdf}) exists on the last branch only, so a search or action
 *       for it lstats every branch (the worst case for ff, the usual one for a file written once);</li>
 *   <li>{@link #MISSING} exists nowhere (a negative lookup).</li>
 * </ul>
 * The configuration comes from the production option parser with no {@code -o} items, i.e. mergerfs
 * 2.33.5's defaults (create epmfs, action epall, search ff, cache.statfs 0, minfreespace 4G,
 * inodecalc hybrid-hash) plus any {@code items} given.
 */
final class BranchTree implements AutoCloseable {
    static final String DIR = "/docs/2024";
    static final String FILE = DIR + "/report.pdf";
    static final String MISSING = DIR + "/no-such-file.pdf";

    final Path root;
    final List<Path> branchDirs = new ArrayList<>();
    final Config config;
    final Pool pool;

    BranchTree(int branches, String... items) {
        try {
            Path base = Paths.get(System.getProperty("bench.dir", System.getProperty("java.io.tmpdir")));
            root = Files.createTempDirectory(base, "mergerfsj-jmh-");
            StringBuilder spec = new StringBuilder();
            for (int i = 0; i < branches; i++) {
                Path b = Files.createDirectory(root.resolve("b" + i));
                branchDirs.add(b);
                if (i % 2 == 1) Files.createDirectories(b.resolve(DIR.substring(1)));
                if (spec.length() > 0) spec.append(':');
                spec.append(b);
            }
            Path last = branchDirs.get(branches - 1);
            Files.createDirectories(last.resolve(DIR.substring(1)));
            Files.write(last.resolve(FILE.substring(1)), new byte[4096]);
            Path mnt = Files.createDirectory(root.resolve("mnt"));
            config = Options.parse(List.of(items), spec.toString(), mnt.toString(), w -> { });
            pool = new Pool(config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The branch path of a pool path on branch i, as a string. */
    String onBranch(int i, String fusePath) {
        return branchDirs.get(i) + fusePath;
    }

    @Override
    public void close() {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
