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
        return open.remove(fh);
    }
}
