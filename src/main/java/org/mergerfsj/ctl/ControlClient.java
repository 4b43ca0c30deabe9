package org.mergerfsj.ctl;

import java.util.ArrayList;
import java.util.List;
import org.mergerfsj.posix.Errno;
import org.mergerfsj.posix.Posix;

/**
 * Talks to a pool's control file, {@code MOUNTPOINT/.mergerfs}, through path-based xattr calls only, so it
 * works the same against mergerfs-j and mergerfs. (Java's UserDefinedFileAttributeView opens the file first,
 * which the control file refuses by design.) Keys are given without the {@code user.mergerfs.} prefix.
 */
public final class ControlClient {
    public static final String PREFIX = "user.mergerfs.";

    /** Exit statuses of {@code mergerfs-j ctl}, one per kind of failure a script may want to tell apart. */
    public static final int EXIT_OK = 0, EXIT_USAGE = 1, EXIT_NOT_POOL = 2, EXIT_UNKNOWN_KEY = 3,
            EXIT_READ_ONLY = 4, EXIT_BAD_VALUE = 5, EXIT_PERMISSION = 6, EXIT_IO = 7;

    /** Read-only keys that describe the daemon rather than configure it. */
    private static final java.util.Set<String> INFORMATIONAL = java.util.Set.of("pid", "version", "mount");

    private final String mountpoint;
    private final String control;

    private ControlClient(String mountpoint) {
        this.mountpoint = mountpoint;
        this.control = mountpoint.endsWith("/") ? mountpoint + ".mergerfs" : mountpoint + "/.mergerfs";
    }

    /** Opens a pool, checking that MOUNTPOINT really is a mergerfs(-j) pool that answers. */
    public static ControlClient open(String mountpoint) throws CtlException {
        ControlClient c = new ControlClient(mountpoint);
        // Ask the control file first: a pool whose branch list is empty answers it although its root cannot
        // be stat'ed. Only when that fails does the mountpoint itself explain why.
        byte[] v = new byte[256];
        long n = Posix.C.lgetxattr(Posix.path(c.control), Posix.path(PREFIX + "version"), v, v.length);
        if (n >= 0) return c;
        int e = Posix.errno();
        int r = Posix.stat(mountpoint, Posix.scratch());
        if (e == Errno.ENOTCONN || r == -Errno.ENOTCONN) {
            throw new CtlException(EXIT_IO, mountpoint + ": the pool's daemon is gone (transport endpoint is not "
                    + "connected); unmount it with 'fusermount -uz " + mountpoint + "'");
        }
        if (r < 0) throw new CtlException(EXIT_NOT_POOL, mountpoint + ": " + Posix.strerror(-r));
        if (e == Errno.ENOSYS) {
            throw new CtlException(EXIT_NOT_POOL, mountpoint + ": the pool has xattr=nosys, which turns its control "
                    + "file off; remount without it to change settings at runtime");
        }
        if (e == Errno.EACCES) throw new CtlException(EXIT_PERMISSION, c.control + ": permission denied");
        throw new CtlException(EXIT_NOT_POOL, mountpoint + " is not a mergerfs pool (no control file "
                + c.control + ": " + Posix.strerror(e) + ")");
    }

    public String mountpoint() {
        return mountpoint;
    }

    public String controlFile() {
        return control;
    }

    /** The value of a key, exactly as the pool renders it. */
    public String get(String key) throws CtlException {
        byte[] name = Posix.path(PREFIX + key), path = Posix.path(control);
        for (int attempt = 0; attempt < 5; attempt++) {
            long size = Posix.C.lgetxattr(path, name, (byte[]) null, 0);
            if (size < 0) throw failure("get", key, null, Posix.errno());
            byte[] buf = new byte[(int) size];
            long got = size == 0 ? 0 : Posix.C.lgetxattr(path, name, buf, size);
            if (got >= 0) return Posix.string(buf, 0, (int) got);
            int e = Posix.errno();
            if (e != Errno.ERANGE) throw failure("get", key, null, e); // ERANGE: it grew meanwhile, ask again
        }
        throw new CtlException(EXIT_IO, "cannot read " + key + ": its value keeps changing");
    }

    /** Every key the pool lists, in its order (byte order for both implementations). */
    public List<String> keys() throws CtlException {
        byte[] path = Posix.path(control);
        for (int attempt = 0; attempt < 5; attempt++) {
            long size = Posix.C.llistxattr(path, (byte[]) null, 0);
            if (size < 0) throw failure("list", "", null, Posix.errno());
            byte[] buf = new byte[(int) size];
            long got = size == 0 ? 0 : Posix.C.llistxattr(path, buf, size);
            if (got < 0) {
                int e = Posix.errno();
                if (e == Errno.ERANGE) continue;
                throw failure("list", "", null, e);
            }
            List<String> keys = new ArrayList<>();
            int start = 0;
            for (int i = 0; i < got; i++) {
                if (buf[i] != 0) continue;
                String name = Posix.string(buf, start, i - start);
                if (name.startsWith(PREFIX)) keys.add(name.substring(PREFIX.length()));
                start = i + 1;
            }
            return keys;
        }
        throw new CtlException(EXIT_IO, "cannot list the keys: the list keeps changing");
    }

    /** Sets a key; the pool validates the value and applies it at once. */
    public void set(String key, String value) throws CtlException {
        int r = Posix.lsetxattr(control, PREFIX + key, value.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), 0);
        if (r < 0) throw failure("set", key, value, -r);
    }

    private CtlException failure(String op, String key, String value, int errno) {
        switch (errno) {
            case Errno.ENOATTR:
                return new CtlException(EXIT_UNKNOWN_KEY, "unknown key '" + key + "' (the pool at " + mountpoint
                        + " has no " + PREFIX + key + "; 'info' lists the keys)");
            case Errno.EROFS:
                return new CtlException(EXIT_READ_ONLY, "'" + key + "' is read-only while the pool is mounted"
                        + (INFORMATIONAL.contains(key) ? "" : "; set it with -o " + key + "=... when mounting"));
            case Errno.EINVAL:
                return new CtlException(EXIT_BAD_VALUE, "invalid value '" + value + "' for '" + key
                        + "' (the pool refused it and nothing changed)");
            case Errno.EPERM:
            case Errno.EACCES:
                return new CtlException(EXIT_PERMISSION, "permission denied: " + (op.equals("set")
                        ? "changing settings needs root (or the user the pool runs as)"
                        : "cannot read " + control));
            case Errno.ENOTCONN:
                return new CtlException(EXIT_IO, mountpoint + ": the pool's daemon is gone (transport endpoint is not connected)");
            case Errno.ENOSYS:
                return new CtlException(EXIT_NOT_POOL, mountpoint + ": the pool has xattr=nosys, which turns its "
                        + "control file off");
            default:
                return new CtlException(EXIT_IO, "cannot " + op + (key.isEmpty() ? " keys" : " '" + key + "'") + ": "
                        + Posix.strerror(errno));
        }
    }
}
