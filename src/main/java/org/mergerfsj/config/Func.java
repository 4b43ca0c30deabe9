package org.mergerfsj.config;

/**
 * The policy-bearing FUSE functions (FN-01..03), each configurable as {@code func.<key>}. mergerfs 2.33.5
 * has 20 of them: 4 create, 10 action, 6 search.
 */
public enum Func {
    ACCESS(Category.SEARCH),
    CHMOD(Category.ACTION),
    CHOWN(Category.ACTION),
    CREATE(Category.CREATE),
    GETATTR(Category.SEARCH),
    GETXATTR(Category.SEARCH),
    LINK(Category.ACTION),
    LISTXATTR(Category.SEARCH),
    MKDIR(Category.CREATE),
    MKNOD(Category.CREATE),
    OPEN(Category.SEARCH),
    READLINK(Category.SEARCH),
    REMOVEXATTR(Category.ACTION),
    RENAME(Category.ACTION),
    RMDIR(Category.ACTION),
    SETXATTR(Category.ACTION),
    SYMLINK(Category.CREATE),
    TRUNCATE(Category.ACTION),
    UNLINK(Category.ACTION),
    UTIMENS(Category.ACTION);

    private final Category category;
    private final String key;

    Func(Category category) {
        this.category = category;
        this.key = name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The key suffix, e.g. "create" for {@code func.create}. */
    public String key() {
        return key;
    }

    public Category category() {
        return category;
    }
}
