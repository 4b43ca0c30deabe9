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

    int setxattr(String name, Pointer value, long size, int flags, int callerUid) {
        if (!name.startsWith(PREFIX)) return -Errno.ENOATTR;
        if (callerUid != 0) return -Errno.EPERM;
        if ((flags & Posix.XATTR_CREATE) != 0) return -Errno.EEXIST;
        byte[] v = new byte[(int) size];
        if (size > 0) value.get(0, v, 0, v.length);
        String key = name.substring(PREFIX.length());
        String text = new String(v, StandardCharsets.ISO_8859_1);
        synchronized (this) {
            try {
                Config next = Options.set(pool.config(), key, text);
                pool.publish(next);
                LOG.info("set {}={}", key, text);
                return 0;
            } catch (NoSuchKeyException e) {
                return -Errno.ENOATTR;
            } catch (ReadOnlyKeyException e) {
                return -Errno.EROFS;
            } catch (BadValueException e) {
                LOG.warn("rejected {}={}: {}", key, text, e.getMessage());
                return -Errno.EINVAL;
            }
        }
    }

    /** user.mergerfs.basepath/relpath/fullpath/allpaths on an ordinary path (CTL-10). */
    int fileInfo(Config c, String path, String name, Pointer out, long size) throws PolicyException {
        String key = name.substring(PREFIX.length());
        byte[] v;
        switch (key) {
            case "relpath":
                v = path.getBytes(StandardCharsets.ISO_8859_1);
                break;
            case "basepath":
            case "fullpath": {
                Branch b = Pool.policy(c, Func.GETXATTR).search(c.branches(), path, pool.space()).get(0);
                String s = key.equals("basepath") ? b.path() : b.full(path);
                v = s.getBytes(StandardCharsets.ISO_8859_1);
                break;
            }
            case "allpaths": {
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                for (Branch b : c.branches()) {
                    String full = b.full(path);
                    if (Posix.C.lstat(Posix.path(full), Posix.scratch()) != 0) continue;
                    if (all.size() > 0) all.write(0);
                    all.writeBytes(full.getBytes(StandardCharsets.ISO_8859_1));
                }
                if (all.size() == 0) return -Errno.ENOENT;
                v = all.toByteArray();
                break;
            }
            default:
                return -Errno.ENOATTR;
        }
        return reply(v, out, size);
    }

    static int reply(byte[] v, Pointer out, long size) {
        if (size == 0 || out == null) return v.length;
        if (v.length > size) return -Errno.ERANGE;
        out.put(0, v, 0, v.length);
        return v.length;
    }
}
