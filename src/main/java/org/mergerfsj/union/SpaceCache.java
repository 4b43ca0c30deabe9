package org.mergerfsj.union;

import java.util.concurrent.ConcurrentHashMap;
import jnr.ffi.Pointer;
import org.mergerfsj.branch.Branch;
import org.mergerfsj.policy.BranchFacts;
import org.mergerfsj.policy.Space;
import org.mergerfsj.posix.Posix;
import org.mergerfsj.posix.Stat;

/**
 * Answers policies' questions from the disk. statvfs of branch roots is cached for cache.statfs seconds
 * (0 = always fresh), keyed by branch path.
 */
public final class SpaceCache implements BranchFacts {
    static final int F_BSIZE = 0, F_FRSIZE = 8, F_BLOCKS = 16, F_BFREE = 24, F_BAVAIL = 32, F_FILES = 40,
            F_FFREE = 48, F_FAVAIL = 56, F_FSID = 64, F_FLAG = 72, F_NAMEMAX = 80;
    static final long ST_RDONLY = 1;

    private record Entry(Space space, long at) {}

    private final ConcurrentHashMap<String, Entry> cache = new ConcurrentHashMap<>();
    private volatile long ttlNanos;

    void setTtlSeconds(long seconds) {
        ttlNanos = seconds * 1_000_000_000L;
        cache.clear();
    }

    @Override
    public boolean exists(Branch branch, String fusePath) {
        return Posix.lstatFast(branch.full(fusePath), Posix.scratch()) == 0;
    }

    @Override
    public Space space(Branch branch) {
        long ttl = ttlNanos;
        if (ttl <= 0) return probe(branch.path());
        long now = System.nanoTime();
        Entry e = cache.get(branch.path());
        if (e != null && now - e.at < ttl) return e.space;
        Space s = probe(branch.path());
        if (s != null) cache.put(branch.path(), new Entry(s, now));
        return s;
    }

    @Override
    public long mtimeSeconds(Branch branch, String fusePath) {
        Pointer p = Posix.scratch();
        if (Posix.lstatFast(branch.full(fusePath), p) != 0) return Long.MIN_VALUE;
        return p.getLong(Stat.OFF_MTIME);
    }

    /** Invalidate after operations that change free space noticeably is not needed: the TTL bounds staleness. */
    static Space probe(String path) {
        Pointer p = Posix.scratch();
        if (Posix.C.statvfs(Posix.path(path), p) != 0) return null;
        long frsize = p.getLong(F_FRSIZE);
        long bavail = p.getLong(F_BAVAIL);
        long blocks = p.getLong(F_BLOCKS);
        boolean ro = (p.getLong(F_FLAG) & ST_RDONLY) != 0;
        return new Space(bavail * frsize, (blocks - bavail) * frsize, ro);
    }
}
