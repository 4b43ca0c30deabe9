package org.mergerfsj.config;

import java.util.HashMap;
import java.util.Map;

/**
 * The libfuse options mergerfs 2.33.5 lets through to the FUSE layer (CLI-07). Values are checked here, so
 * a typo fails with a message naming the item before anything is mounted, like libfuse would.
 */
final class FuseOptions {
    private FuseOptions() {}

    private enum Kind { FLAG, UINT, INT, OCTAL, STR }

    private record Known(String name, Kind kind) {}

    private static final Map<String, Known> KNOWN = new HashMap<>();

    static {
        for (String flag : new String[] {"allow_other", "nonempty", "auto_unmount", "blkdev", "default_permissions",
                "ro", "rw", "suid", "nosuid", "dev", "nodev", "exec", "noexec", "async", "sync", "dirsync", "atime",
                "noatime", "large_read", "use_ino", "noforget", "splice_read", "no_splice_read", "splice_write",
                "no_splice_write", "splice_move", "no_splice_move", "no_remote_lock", "debug"}) {
            add(flag, Kind.FLAG);
        }
        for (String s : new String[] {"subtype", "context", "fscontext", "defcontext", "rootcontext", "user"}) {
            add(s, Kind.STR);
        }
        for (String u : new String[] {"max_read", "blksize", "uid", "gid", "max_readahead", "max_background",
                "congestion_threshold"}) {
            add(u, Kind.UINT);
        }
        add("remember", Kind.INT);
        add("umask", Kind.OCTAL);
    }

    private static void add(String name, Kind kind) {
        KNOWN.put(Opt.normalize(name), new Known(name, kind));
    }

    /**
     * The item to hand to libfuse for {@code key[=value]} (value null when bare), in libfuse's own spelling;
     * null if libfuse does not know the key.
     */
    static String item(String key, String value) throws BadValueException {
        Known k = KNOWN.get(Opt.normalize(key));
        if (k == null) return null;
        String shown = value == null ? key : key + "=" + value;
        if (k.kind == Kind.FLAG) {
            if (value != null) throw new BadValueException("option '" + k.name + "' takes no value: '" + shown + "'");
            return k.name;
        }
        if (value == null || value.isEmpty()) throw new BadValueException("option '" + k.name + "' needs a value");
        boolean ok;
        switch (k.kind) {
            case UINT: ok = value.matches("[0-9]{1,10}"); break;
            case INT: ok = value.matches("-?[0-9]{1,10}"); break;
            case OCTAL: ok = value.matches("[0-7]{1,4}"); break;
            default: ok = true;
        }
        if (!ok) throw new BadValueException("invalid value for '" + shown + "'");
        return k.name + "=" + value;
    }
}
