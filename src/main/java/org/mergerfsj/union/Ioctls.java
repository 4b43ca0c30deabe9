package org.mergerfsj.union;

import java.io.ByteArrayOutputStream;
import jnr.ffi.Memory;
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
 * <p>Other commands are forwarded to the branch only from a short allow-list. libfuse2 sizes every reply
 * from the command number and gives the filesystem no way to shrink it, and FUSE passes no user pointers
 * through, so a generic pass-through would either write past a caller's variable (FS_IOC_GETFLAGS is
 * declared {@code long} but callers such as lsattr pass an {@code int}: the kernel would copy 8 bytes into
 * 4) or hand the branch filesystem pointers into the wrong address space. Hence:
 * FS_IOC_SETFLAGS (input only, 4 bytes used) and FS_IOC_FSGETXATTR (a flat 28-byte struct) are forwarded;
 * FS_IOC_GETFLAGS/GETVERSION and everything else answer ENOTTY. 2.33.5 patched its libfuse fork to clamp
 * GETFLAGS to 4 bytes; libfuse2 cannot.
 */
final class Ioctls {
    private Ioctls() {}

    static final int TYPE_MERGERFS = 0xDF;
    static final int FILE_INFO = 0xD000DF00; // _IOWR(0xDF, 0, char[4096])
    static final int BUF = 4096;
    static final int FS_IOC_GETFLAGS = 0x80086601, FS_IOC_SETFLAGS = 0x40086602, FS_IOC_GETVERSION = 0x80087601,
            FS_IOC_FSGETXATTR = 0x801c581f;
    static final int FUSE_IOCTL_DIR = 1 << 4;
    private static final int FS_IMMUTABLE_FL = 0x10, FS_APPEND_FL = 0x20;

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
    static int forward(int fd, int cmd, Pointer data, int callerUid) {
        switch (cmd) {
            case FS_IOC_FSGETXATTR:
                if (data == null) return -Errno.EFAULT;
                return Posix.check(Posix.C.ioctl(fd, cmd & 0xffffffffL, data));
            case FS_IOC_SETFLAGS: {
                if (data == null) return -Errno.EFAULT;
                Pointer flags = Memory.allocateDirect(Posix.RT, 8, true);
                flags.putInt(0, data.getInt(0));
                if (callerUid != 0) {
                    // we keep CAP_LINUX_IMMUTABLE under setfsuid: a non-root caller must not use it
                    Pointer now = Memory.allocateDirect(Posix.RT, 8, true);
                    if (Posix.C.ioctl(fd, FS_IOC_GETFLAGS & 0xffffffffL, now) != 0) return -Posix.errno();
                    int changed = now.getInt(0) ^ flags.getInt(0);
                    if ((changed & (FS_IMMUTABLE_FL | FS_APPEND_FL)) != 0) return -Errno.EPERM;
                }
                return Posix.check(Posix.C.ioctl(fd, cmd & 0xffffffffL, flags));
            }
            default:
                return -Errno.ENOTTY;
        }
    }
}
