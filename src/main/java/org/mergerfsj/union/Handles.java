package org.mergerfsj.union;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.mergerfsj.branch.Branch;

/** The open-file table: FUSE fh -> the branch fd it reads and writes. */
final class Handles {
    /** An open file. fd and branch change when moveonenospc moves the file. */
    static final class OpenFile {
        volatile int fd;
        volatile Branch branch;
        /**
         * Its close sends no FLUSH because its branch file's close was found quiet (flush-on-close=
         * opened-for-write, see QuietClose): moveonenospc may move it only onto a quiet filesystem.
         */
        volatile boolean quietClose;
        /** The kernel's node id of the open (0 until the fuse layer reports it, see {@link #noteNode}). */
        volatile long nodeid;
        /** Its name was unlinked or replaced through the pool while it was open (see {@link #orphan}). */
        volatile boolean orphaned;
        final String path;
        final int flags;

        OpenFile(int fd, Branch branch, String path, int flags) {
            this.fd = fd;
            this.branch = branch;
            this.path = path;
            this.flags = flags;
        }
    }

    /** An open directory: only its pool path (2.33.5 touches no branch at opendir). */
    static final class OpenDir {
        final String path;

        OpenDir(String path) {
            this.path = path;
        }
    }

    private final ConcurrentHashMap<Long, Object> open = new ConcurrentHashMap<>();
    private final AtomicLong next = new AtomicLong(1);
    /**
     * Node id -> an open handle on it, for nodes whose name went away through the pool while open. libfuse
     * has no path for such a node any more, so a GETATTR by node id (fstat) can only be answered by handle.
     * Empty nearly always, so the GETATTR path pays one isEmpty.
     */
    private final ConcurrentHashMap<Long, Long> orphans = new ConcurrentHashMap<>();

    long add(Object h) {
        long fh = next.getAndIncrement();
        open.put(fh, h);
        return fh;
    }

    OpenFile file(long fh) {
        Object o = open.get(fh);
        return o instanceof OpenFile f ? f : null;
    }

    OpenDir dir(long fh) {
        Object o = open.get(fh);
        return o instanceof OpenDir d ? d : null;
    }

    Object remove(long fh) {
        Object o = open.remove(fh);
        if (o instanceof OpenFile f && f.orphaned && f.nodeid != 0 && orphans.remove(f.nodeid, fh)) {
            // another handle on the same node, if any, answers from now on
            long nodeid = f.nodeid;
            open.forEach((k, v) -> {
                if (v instanceof OpenFile g && g.orphaned && g.nodeid == nodeid) orphans.putIfAbsent(nodeid, k);
            });
        }
        return o;
    }

    /** Records the kernel's node id of the open fh (from its OPEN or CREATE reply). */
    void noteNode(long fh, long nodeid) {
        OpenFile f = file(fh);
        if (f != null) f.nodeid = nodeid;
    }

    /**
     * Marks the open files of {@code path} whose name just went away through the pool (unlink, or a rename
     * over it). A mark on a file that is still reachable changes nothing but how its attributes are read
     * (by its open fd instead of by path), so a stale path in a handle can only cost that.
     */
    void orphan(String path) {
        open.forEach((fh, o) -> {
            if (o instanceof OpenFile f && path.equals(f.path)) {
                f.orphaned = true;
                if (f.nodeid != 0) orphans.putIfAbsent(f.nodeid, fh);
                if (!open.containsKey(fh)) orphans.remove(f.nodeid, fh); // released meanwhile
            }
        });
    }

    /** An open handle on the orphaned node {@code nodeid}, or -1. */
    long orphanFh(long nodeid) {
        if (orphans.isEmpty()) return -1;
        Long fh = orphans.get(nodeid);
        return fh != null && file(fh) != null ? fh : -1;
    }
}
