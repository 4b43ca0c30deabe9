package org.mergerfsj.union;

import java.util.concurrent.ConcurrentHashMap;
import org.mergerfsj.posix.Posix;
import org.mergerfsj.posix.Stat;

/** cache.files=auto-full: keep the page cache on open when size and mtime are what they were at last close. */
final class AutoFull {
    private AutoFull() {}

    private record Seen(long size, long mtimeSec, long mtimeNsec) {}

    private static final ConcurrentHashMap<String, Seen> SEEN = new ConcurrentHashMap<>();

    static void remember(String path, int fd) {
        Stat s = Posix.fstat(fd);
        if (s == null) return;
        if (SEEN.size() > 65536) SEEN.clear();
        SEEN.put(path, new Seen(s.size, s.mtimeSec, s.mtimeNsec));
    }

    static boolean unchanged(String path, int fd) {
        Seen seen = SEEN.get(path);
        if (seen == null) return false;
        Stat s = Posix.fstat(fd);
        return s != null && s.size == seen.size && s.mtimeSec == seen.mtimeSec && s.mtimeNsec == seen.mtimeNsec;
    }
}
