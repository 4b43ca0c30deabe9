package org.mergerfsj.union;

/**
 * Named rules for folding the results of one operation applied on several branches (results are 0 or
 * -errno). 2.33.5 semantics: see MERGERFS_SPEC OP-CR-04, OP-UL-01, OP-AT-02.
 */
final class Errors {
    private Errors() {}

    /** Any success wins; otherwise the last error (mkdir, mknod, symlink, link, create-path rename in 2.33.5). */
    static final class AnySuccessLastError {
        private boolean ok;
        private int last = -org.mergerfsj.posix.Errno.ENOENT;

        void add(int r) {
            if (r >= 0) ok = true;
            else last = r;
        }

        int result() {
            return ok ? 0 : last;
        }
    }

    /** All must succeed; otherwise the first error (unlink, rmdir in 2.33.5). */
    static final class FirstError {
        private int first = 0;

        void add(int r) {
            if (r < 0 && first == 0) first = r;
        }

        int result() {
            return first;
        }
    }
}
