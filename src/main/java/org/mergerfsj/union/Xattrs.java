package org.mergerfsj.union;

import org.mergerfsj.posix.Posix;

/** Copying extended attributes between branch paths. */
final class Xattrs {
    private Xattrs() {}

    static void copyAll(String from, String to) {
        byte[] list = Posix.llistxattr(from);
        if (list == null || list.length == 0) return;
        int start = 0;
        for (int i = 0; i < list.length; i++) {
            if (list[i] != 0) continue;
            if (i > start) {
                String name = Posix.string(list, start, i - start);
                byte[] v = Posix.lgetxattr(from, name);
                if (v != null) Posix.lsetxattr(to, name, v, 0);
            }
            start = i + 1;
        }
    }
}
