package org.mergerfsj.fuse;

import java.util.List;
import jnr.ffi.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies runtime changes of the options libfuse2 takes only at mount: cache.entry,
 * cache.negative_entry and cache.attr (OPT-18..20), and auto_cache under cache.files=libfuse (OPT-26),
 * which 2.33.5 all applies to later replies and opens.
 *
 * <p>libfuse2's high-level layer copies these into its private struct fuse (its {@code conf}) at fuse_new,
 * and every LOOKUP, GETATTR, create-type reply and OPEN reads them from there; it has no call to change
 * them. The struct's layout is libfuse 2.9's on x86_64 (checked against Debian's 2.9.9 binary:
 * fuse_new_common, lookup_path, fuse_lib_getattr). Before any value is written, {@link #locate} checks
 * that layout against what is known for certain about this mount: the three timeouts exactly as given,
 * ac_attr_timeout, hard_remove on, use_ino, direct_io, kernel_cache and auto_cache as given, nopath,
 * nullpath_ok and utime_omit_ok on (FuseMount sets the three operation flags), intr_signal, the fs
 * pointer and the page size. If anything differs (another libfuse build or architecture), nothing is ever
 * written and a change applies at the next mount, as before. A double is written with one aligned 8-byte
 * store and an int with a 4-byte one, which x86_64 makes atomic, so a reply built meanwhile reads either
 * the old or the new value.
 */
final class LibfuseConf {
    private static final Logger LOG = LoggerFactory.getLogger(LibfuseConf.class);

    /** Offsets in libfuse 2.9's struct fuse on x86_64 (conf, struct fuse_config, starts at 144). */
    static final int SE = 0, ENTRY = 160, NEGATIVE = 168, ATTR = 176, AC_ATTR = 184, AC_ATTR_SET = 192,
            NOPATH = 200, HARD_REMOVE = 208, USE_INO = 212, DIRECT_IO = 232, KERNEL_CACHE = 236, AUTO_CACHE = 240,
            INTR_SIGNAL = 248, FS = 272, NULLPATH_OK = 280, UTIME_OMIT_OK = 284, PAGESIZE = 296;
    /** libfuse's default intr_signal, SIGUSR1. */
    private static final int SIGUSR1 = 10;
    static final int SIZE = 304;

    private final Pointer fuse;

    private LibfuseConf(Pointer fuse) {
        this.fuse = fuse;
    }

    /**
     * The options of the struct fuse at {@code fuse}, or null when its layout is not the one known here.
     * {@code options} are the mount options given to fuse_new: what libfuse parsed from them is what the
     * struct must hold.
     */
    static LibfuseConf locate(Pointer fuse, long session, List<String> options) {
        Double entry = option(options, "entry_timeout"), negative = option(options, "negative_timeout"),
                attr = option(options, "attr_timeout");
        Double intrSignal = option(options, "intr_signal");
        boolean useIno = flag(options, "use_ino"), acSet = options.stream().anyMatch(o -> o.startsWith("ac_attr_timeout="));
        String why = null;
        if (!"amd64".equals(System.getProperty("os.arch"))) {
            why = "not x86_64";
        } else if (entry == null || negative == null || attr == null || !flag(options, "hard_remove")) {
            why = "mount options without the timeouts or hard_remove";
        } else if (fuse == null || fuse.address() == 0 || fuse.getLong(SE) != session) {
            // fuse_get_session reads this very field: a sanity check of the pointer, not of the layout
            why = "no session pointer at the start";
        } else if (fuse.getDouble(ENTRY) != entry || fuse.getDouble(NEGATIVE) != negative
                || fuse.getDouble(ATTR) != attr) {
            why = "timeouts not where expected";
        } else if (fuse.getInt(AC_ATTR_SET) != (acSet ? 1 : 0) || (!acSet && fuse.getDouble(AC_ATTR) != attr)) {
            why = "ac_attr_timeout not where expected";
        } else if (fuse.getInt(HARD_REMOVE) != 1 || fuse.getInt(USE_INO) != (useIno ? 1 : 0)) {
            why = "hard_remove/use_ino not where expected";
        } else if (fuse.getInt(DIRECT_IO) != bit(options, "direct_io") || fuse.getInt(KERNEL_CACHE) != bit(options, "kernel_cache")
                || fuse.getInt(AUTO_CACHE) != bit(options, "auto_cache")) {
            why = "direct_io/kernel_cache/auto_cache not where expected";
        } else if (fuse.getInt(NOPATH) != 1 || fuse.getInt(NULLPATH_OK) != 1 || fuse.getInt(UTIME_OMIT_OK) != 1) {
            why = "nopath/nullpath_ok/utime_omit_ok not where expected";
        } else if (fuse.getInt(INTR_SIGNAL) != (intrSignal != null ? intrSignal.intValue() : SIGUSR1)) {
            why = "intr_signal not where expected";
        } else if (fuse.getLong(FS) == 0 || (fuse.getLong(FS) & 7) != 0) {
            why = "no fs pointer where expected";
        } else {
            int page = fuse.getInt(PAGESIZE);
            if (page < 4096 || Integer.bitCount(page) != 1) why = "no page size where expected";
        }
        if (why != null) {
            LOG.info("cache.entry, cache.negative_entry, cache.attr and auto_cache changed at runtime apply at the next"
                    + " mount (libfuse's struct fuse is not the known 2.9 layout: {})", why);
            return null;
        }
        return new LibfuseConf(fuse);
    }

    /**
     * Sets the timeouts later replies carry (seconds) and whether later opens keep the page cache while a
     * file's size and mtime stay as libfuse last saw them (libfuse's auto_cache).
     */
    void set(long entry, long negative, long attr, boolean autoCache) {
        fuse.putDouble(ENTRY, entry);
        fuse.putDouble(NEGATIVE, negative);
        // ac_attr_timeout (auto_cache's check interval) follows attr_timeout unless it was given itself
        if (fuse.getInt(AC_ATTR_SET) == 0) fuse.putDouble(AC_ATTR, attr);
        fuse.putDouble(ATTR, attr);
        fuse.putInt(AUTO_CACHE, autoCache ? 1 : 0);
    }

    boolean autoCache() {
        return fuse.getInt(AUTO_CACHE) != 0;
    }

    /** The timeouts replies carry now: entry, negative, attr. */
    double[] get() {
        return new double[] {fuse.getDouble(ENTRY), fuse.getDouble(NEGATIVE), fuse.getDouble(ATTR)};
    }

    /** The last {@code key=value} of a numeric mount option, or null. */
    private static Double option(List<String> options, String key) {
        Double v = null;
        for (String o : options) {
            if (!o.startsWith(key + "=")) continue;
            try {
                v = Double.valueOf(o.substring(key.length() + 1));
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return v;
    }

    private static boolean flag(List<String> options, String key) {
        return options.contains(key);
    }

    private static int bit(List<String> options, String key) {
        return flag(options, key) ? 1 : 0;
    }
}
