package org.mergerfsj.branch;

/**
 * One underlying directory of the pool.
 *
 * @param path         absolute path of the branch root, without a trailing slash (except "/")
 * @param mode         RW, RO or NC
 * @param minFreeSpace per-branch minimum free bytes for create policies, or -1 to follow the global option
 */
public record Branch(String path, Mode mode, long minFreeSpace) {
    public static final long GLOBAL = -1;

    public Branch {
        if (path == null || mode == null) throw new NullPointerException();
    }

    public Branch(String path, Mode mode) {
        this(path, mode, GLOBAL);
    }

    /** The full path of a pool path (leading '/') on this branch. */
    public String full(String fusePath) {
        if (fusePath.equals("/")) return path;
        return path.equals("/") ? fusePath : path + fusePath;
    }

    /** The minimum free space that applies to this branch given the global option. */
    public long minFreeSpace(long global) {
        return minFreeSpace >= 0 ? minFreeSpace : global;
    }
}
