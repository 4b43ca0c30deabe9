package org.mergerfsj.union;

import java.io.ByteArrayOutputStream;
import jnr.ffi.Pointer;
import org.mergerfsj.branch.Branch;
import org.mergerfsj.config.Config;
import org.mergerfsj.config.Func;
import org.mergerfsj.policy.BranchFacts;
import org.mergerfsj.policy.PolicyException;
import org.mergerfsj.posix.Errno;
import org.mergerfsj.posix.Posix;

/**
 * ioctl on pool files (FN-19, FN-20, CTL-20).
 *
 * <p>The mergerfs query ioctl {@code _IOWR(0xDF, 0, char[4096])} takes a key (basepath, relpath, fullpath,
 * allpaths) in the buffer and answers in place, NUL-terminated, returning the answer's length; any other
 * command with type byte 0xDF is ENOTTY.
 *
 * <p>Other commands are forwarded to the branch only from a short allow-list: FUSE hands us a buffer sized
 * from the command number and no user pointers, so a generic pass-through could hand the branch filesystem
 * pointers into the wrong address space. Allowed: FS_IOC_GETFLAGS/SETFLAGS and FS_IOC_FSGETXATTR/FSSETXATTR
 * (chattr, lsattr, xfs_io). Since Linux 5.13 the VFS owns those commands and sends them to FUSE with exact
 * sizes (a 4-byte int for the flags), so the reply can no longer spill past a caller's {@code int} as the
 * {@code long}-declared FS_IOC_GETFLAGS did (2.33.5 patched its libfuse fork to clamp it; libfuse2 cannot).
 * On older kernels they answer ENOTTY. Everything else (FS_IOC_GETVERSION included) answers ENOTTY.
 * Permission checks are the branch kernel's: under setfsuid the fs capabilities, CAP_LINUX_IMMUTABLE
 * included, are dropped, so a non-root caller cannot set immutable/append-only through the pool.
 */
final class Ioctls {
    private Ioctls() {}

    static final int TYPE_MERGERFS = 0xDF;
    static final int FILE_INFO = 0xD000DF00; // _IOWR(0xDF, 0, char[4096])
    static final int BUF = 4096;
    static final int FS_IOC_GETFLAGS = 0x80086601, FS_IOC_SETFLAGS = 0x40086602, FS_IOC_FSGETXATTR = 0x801c581f,
            FS_IOC_FSSETXATTR = 0x401c5820;
    static final int FUSE_IOCTL_DIR = 1 << 4;

    static int type(int cmd) {
        return (cmd >>> 8) & 0xff;
    }

    /** The 0xDF family: FILE_INFO on the handle's pool path, ENOTTY for the rest. */
    static int mergerfs(Config c, BranchFacts facts, String fusePath, int cmd, Pointer data) {
        if (cmd != FILE_INFO || data == null) return -Errno.ENOTTY;
        String key = data.getString(0, BUF, java.nio.charset.StandardCharsets.ISO_8859_1);
        byte[] answer;
        try {
            switch (key) {
                case "relpath":
                    answer = Posix.path(fusePath);
                    break;
                case "basepath":
                    answer = Posix.path(openBranch(c, facts, fusePath).path());
                    break;
                case "fullpath":
                    answer = Posix.path(openBranch(c, facts, fusePath).full(fusePath));
                    break;
                case "allpaths":
                    answer = allPaths(c, fusePath);
                    break;
                default:
                    return -Errno.ENOATTR;
            }
        } catch (PolicyException e) {
            return -e.errno();
        }
        int len = answer.length - 1; // Posix.path adds the NUL
        if (len >= BUF - 1) return -Errno.ERANGE;
        data.put(0, answer, 0, len + 1);
        return len;
    }

    /** 2.33.5 answers basepath/fullpath with func.open (QUIRK-11), not the handle's own branch. */
    private static Branch openBranch(Config c, BranchFacts facts, String fusePath) throws PolicyException {
        return Pool.policy(c, Func.OPEN).search(c.branches(), fusePath, facts).get(0);
    }

    private static byte[] allPaths(Config c, String fusePath) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Branch b : c.branches()) {
            String full = b.full(fusePath);
            if (Posix.C.lstat(Posix.path(full), Posix.scratch()) != 0) continue;
            if (out.size() > 0) out.write(0);
            for (int i = 0; i < full.length(); i++) out.write((byte) full.charAt(i));
        }
        out.write(0);
        return out.toByteArray();
    }

    /** Forwards an allow-listed command to a branch fd (see the class comment); ENOTTY otherwise. */
    static int forward(int fd, int cmd, Pointer data) {
        switch (cmd) {
            case FS_IOC_GETFLAGS:
            case FS_IOC_SETFLAGS:
            case FS_IOC_FSGETXATTR:
            case FS_IOC_FSSETXATTR:
                if (!VFS_OWNS_FILEATTR) return -Errno.ENOTTY;
                if (data == null) return -Errno.EFAULT;
                return Posix.check(Posix.C.ioctl(fd, cmd & 0xffffffffL, data));
            default:
                return -Errno.ENOTTY;
        }
    }

    /** Linux 5.13+ routes the file-attribute ioctls through the VFS (exact sizes). */
    static final boolean VFS_OWNS_FILEATTR = kernelAtLeast(System.getProperty("os.version", ""), 5, 13);

    static boolean kernelAtLeast(String release, int major, int minor) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d+)\\.(\\d+)").matcher(release);
        if (!m.find()) return false;
        int a = Integer.parseInt(m.group(1)), b = Integer.parseInt(m.group(2));
        return a > major || (a == major && b >= minor);
    }
}
