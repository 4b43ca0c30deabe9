package org.mergerfsj.union;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.mergerfsj.branch.Branch;

/**
 * The open-file table: FUSE fh -> the branch fd it reads and writes.
 *
 * <p>It also keeps what fstat(2) of a file whose name went away needs (see {@link #orphan}): the kernel then
 * asks by node id with no handle, libfuse has no path for the node any more, and the fuse layer borrows one
 * of the file's open handles for the request. A borrowed handle is pinned: its release (a RELEASE for it
 * may run on another worker meanwhile) leaves the fd open and the handle findable until the borrower is
 * done, so a borrowed fd can never be a closed number that a later open has taken over.
 */
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
        /** Its fh (set by {@link #add}). */
        volatile long fh;
        /** Borrowers now using it ({@link #pinOrphan}), plus {@link #RELEASED} once the kernel released it. */
        final AtomicInteger state = new AtomicInteger();
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

    static final int RELEASED = 1 << 30;

    private final ConcurrentHashMap<Long, Object> open = new ConcurrentHashMap<>();
    private final AtomicLong next = new AtomicLong(1);
    /** Open files per pool path, so that an unlink of a name nobody has open costs one lookup. */
    private final ConcurrentHashMap<String, Integer> openPaths = new ConcurrentHashMap<>();
    /**
     * Node id -> an open handle on it, for nodes whose name went away through the pool while open. Empty
     * nearly always, so the GETATTR path pays one isEmpty.
     */
    private final ConcurrentHashMap<Long, Long> orphans = new ConcurrentHashMap<>();

    long add(Object h) {
        long fh = next.getAndIncrement();
        if (h instanceof OpenFile f) {
            f.fh = fh;
            openPaths.merge(f.path, 1, Integer::sum);
        }
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

    /** Removes a directory handle (files go through {@link #release} and {@link #forget}). */
    Object remove(long fh) {
        Object o = open.get(fh);
        if (o instanceof OpenFile) return null;
        return open.remove(fh);
    }

    /**
     * The kernel released file fh. Returns true when the caller is to close it now ({@link #forget}, then
     * close its fd); false when a borrower still uses it (the last {@link #unpin} returns true instead) or
     * it was released before.
     */
    boolean release(OpenFile f) {
        if (f.orphaned && f.nodeid != 0) repoint(f);
        for (;;) {
            int s = f.state.get();
            if ((s & RELEASED) != 0) return false;
            if (f.state.compareAndSet(s, s | RELEASED)) return s == 0;
        }
    }

    /** Takes a released file out of the table; its fd is the caller's to close. */
    void forget(OpenFile f) {
        open.remove(f.fh, f);
        openPaths.computeIfPresent(f.path, (k, n) -> n == 1 ? null : n - 1);
        if (f.orphaned && f.nodeid != 0) repoint(f);
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
        if (!openPaths.containsKey(path)) return;
        open.forEach((fh, o) -> {
            if (o instanceof OpenFile f && path.equals(f.path)) {
                f.orphaned = true;
                if (f.nodeid != 0 && (f.state.get() & RELEASED) == 0) orphans.putIfAbsent(f.nodeid, fh);
            }
        });
    }

    /**
     * Pins and returns an open handle on the orphaned node {@code nodeid}, or null. The caller must
     * {@link #unpin} it when the request that borrows it is done.
     */
    OpenFile pinOrphan(long nodeid) {
        if (orphans.isEmpty()) return null;
        Long fh = orphans.get(nodeid);
        OpenFile f = fh == null ? null : file(fh);
        if (f == null) {
            if (fh != null) orphans.remove(nodeid, fh); // left by a race with its release
            return null;
        }
        for (;;) {
            int s = f.state.get();
            if ((s & RELEASED) != 0) return null;
            if (f.state.compareAndSet(s, s + 1)) return f;
        }
    }

    /** Ends a borrow; true when the file was released meanwhile and the caller is to close it now. */
    boolean unpin(OpenFile f) {
        return f.state.decrementAndGet() == RELEASED;
    }

    /** Points the orphan entry of f's node at another unreleased orphaned handle on it, or drops it. */
    private void repoint(OpenFile f) {
        long nodeid = f.nodeid;
        Long current = orphans.get(nodeid);
        if (current == null || current != f.fh) return; // another handle answers already, or none is asked for
        Long other = null;
        for (var e : open.entrySet()) {
            if (e.getValue() instanceof OpenFile g && g != f && g.orphaned && g.nodeid == nodeid
                    && (g.state.get() & RELEASED) == 0) {
                other = e.getKey();
                break;
            }
        }
        if (other != null) orphans.replace(nodeid, f.fh, other);
        else orphans.remove(nodeid, f.fh);
    }
}
