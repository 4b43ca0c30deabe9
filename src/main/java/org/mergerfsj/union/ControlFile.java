package org.mergerfsj.union;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import jnr.ffi.Pointer;
import org.mergerfsj.branch.Branch;
import org.mergerfsj.config.BadValueException;
import org.mergerfsj.config.Config;
import org.mergerfsj.config.Func;
import org.mergerfsj.config.NoSuchKeyException;
import org.mergerfsj.config.Options;
import org.mergerfsj.config.ReadOnlyKeyException;
import org.mergerfsj.policy.PolicyException;
import org.mergerfsj.posix.Errno;
import org.mergerfsj.posix.Posix;
import org.mergerfsj.posix.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The /.mergerfs pseudo file (CTL-01..11): every option as a user.mergerfs.* xattr, settable ones change the
 * live pool; plus the per-file basepath/relpath/fullpath/allpaths queries on ordinary paths.
 */
public final class ControlFile {
    private static final Logger LOG = LoggerFactory.getLogger(ControlFile.class);
    public static final String NAME = ".mergerfs";
    public static final String PATH = "/.mergerfs";
    public static final String PREFIX = "user.mergerfs.";
    static final long INO = 0x7472617065786974L;

    private final Pool pool;
    private final long created = System.currentTimeMillis() / 1000;
    private final int uid = Posix.C.geteuid();

    ControlFile(Pool pool) {
        this.pool = pool;
    }

    int stat(Pointer st) {
        for (int i = 0; i < Stat.SIZE; i += 8) st.putLong(i, 0);
        st.putLong(Stat.OFF_INO, INO);
        st.putLong(Stat.OFF_NLINK, 1);
        st.putInt(Stat.OFF_MODE, Posix.S_IFREG | 0664);
        st.putInt(Stat.OFF_UID, uid);
        st.putInt(Stat.OFF_GID, uid == 0 ? 0 : uid);
        st.putLong(Stat.OFF_BLKSIZE, 512);
        st.putLong(Stat.OFF_ATIME, created);
        st.putLong(Stat.OFF_MTIME, created);
        st.putLong(Stat.OFF_CTIME, created);
        return 0;
    }

    int getxattr(String name, Pointer out, long size) {
        if (!name.startsWith(PREFIX)) return -Errno.ENOATTR;
        String value;
        try {
            value = Options.get(pool.config(), name.substring(PREFIX.length()));
        } catch (NoSuchKeyException e) {
            return -Errno.ENOATTR;
        }
        return reply(value.getBytes(StandardCharsets.ISO_8859_1), out, size);
    }

    int listxattr(Pointer out, long size) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (String k : Options.keys()) {
            b.writeBytes((PREFIX + k).getBytes(StandardCharsets.ISO_8859_1));
            b.write(0);
        }
        return reply(b.toByteArray(), out, size);
    }

    /**
     * A runtime change (CTL-05). The checks run in 2.33.5's order (name, key, XATTR_CREATE, read-only, value),
     * with one addition: only root or the daemon's own user may change settings (EPERM), even when the
     * kernel's permission check let a member of the control file's group through.
     */
    int setxattr(String name, Pointer value, long size, int flags, int callerUid) {
        if (!name.startsWith(PREFIX)) return -Errno.ENOATTR;
        String key = name.substring(PREFIX.length());
        if (!isKey(pool.config(), key)) return -Errno.ENOATTR;
        if (callerUid != 0 && callerUid != uid) return -Errno.EPERM;
        if ((flags & Posix.XATTR_CREATE) != 0) return -Errno.EEXIST;
        byte[] v = new byte[(int) size];
        if (size > 0) value.get(0, v, 0, v.length);
        String text = new String(v, StandardCharsets.ISO_8859_1);
        // One writer at a time: an edit like '+>/mnt/disk9' is read-modify-write on the live snapshot, and two
        // concurrent edits must not lose one another. Readers never wait: they see the old or the new snapshot.
        synchronized (this) {
            Config before = pool.config();
            try {
                Config next = Options.set(before, key, text);
                if (next.branches().isEmpty() && !before.branches().isEmpty()) {
                    // With no branch the pool root cannot be stat'ed, and the kernel then refuses every path
                    // below it, the control file included: nothing could add a branch back without a remount.
                    // (2.33.5 crashes here instead.)
                    LOG.info("control: refused {}='{}' (uid {}): it would leave the pool without branches", key, text,
                            callerUid);
                    return -Errno.EINVAL;
                }
                pool.publish(next);
                LOG.info("control: {} changed from '{}' to '{}' (uid {})", key, render(before, key), render(next, key),
                        callerUid);
                return 0;
            } catch (NoSuchKeyException e) {
                return -Errno.ENOATTR;
            } catch (ReadOnlyKeyException e) {
                LOG.info("control: refused to set read-only key {} (uid {})", key, callerUid);
                return -Errno.EROFS;
            } catch (BadValueException e) {
                LOG.info("control: refused {}='{}' (uid {}): {}", key, text, callerUid, e.getMessage());
                return -Errno.EINVAL;
            }
        }
    }

    private static boolean isKey(Config c, String key) {
        try {
            Options.get(c, key);
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        }
    }

    private static String render(Config c, String key) {
        try {
            return Options.get(c, key);
        } catch (NoSuchKeyException e) {
            return "?";
        }
    }

    /**
     * user.mergerfs.basepath/relpath/fullpath/allpaths on an ordinary path (CTL-10). As in 2.33.5 the
     * func.getxattr policy runs first, so every name (even an unknown one) on a missing path is ENOENT, and
     * fullpath is basepath followed by the pool path (the root's fullpath ends in '/').
     */
    int fileInfo(Config c, String path, String name, Pointer out, long size) throws PolicyException {
        String key = name.substring(PREFIX.length());
        Branch b = Pool.policy(c, Func.GETXATTR).search(c.branches(), path, pool.space()).get(0);
        String v;
        switch (key) {
            case "relpath":
                v = path;
                break;
            case "basepath":
                v = b.path();
                break;
            case "fullpath":
                v = join(b.path(), path);
                break;
            case "allpaths": {
                StringBuilder all = new StringBuilder();
                for (Branch x : c.branches()) {
                    if (Posix.C.lstat(Posix.path(x.full(path)), Posix.scratch()) != 0) continue;
                    if (all.length() > 0) all.append('\0');
                    all.append(join(x.path(), path));
                }
                if (all.length() == 0) return -Errno.ENOENT;
                v = all.toString();
                break;
            }
            default:
                return -Errno.ENOATTR;
        }
        return reply(v.getBytes(StandardCharsets.ISO_8859_1), out, size);
    }

    /** mergerfs's branch + fusepath concatenation; a branch at "/" does not double the slash. */
    static String join(String base, String fusePath) {
        return base.endsWith("/") ? base + fusePath.substring(1) : base + fusePath;
    }

    static int reply(byte[] v, Pointer out, long size) {
        if (size == 0 || out == null) return v.length;
        if (v.length > size) return -Errno.ERANGE;
        out.put(0, v, 0, v.length);
        return v.length;
    }
}
