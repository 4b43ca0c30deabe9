package org.mergerfsj.policy;

import org.mergerfsj.posix.Errno;

/**
 * The rule that decides which errno a policy reports when no branch qualifies (POL-03): every skipped
 * branch contributes a reason, and the strongest reason wins, ENOENT &lt; ENOSPC &lt; EROFS. Folding starts
 * at ENOENT, so an empty branch list or a path missing everywhere is ENOENT.
 */
final class ErrorRank {
    private ErrorRank() {}

    /** What a fold starts from before any branch was skipped. */
    static final int INITIAL = Errno.ENOENT;

    /* Failures are immutable, stackless values; sharing them keeps the very common ENOENT miss allocation-free. */
    private static final PolicyException NOT_FOUND = new PolicyException(Errno.ENOENT);
    private static final PolicyException NO_SPACE = new PolicyException(Errno.ENOSPC);
    private static final PolicyException READ_ONLY = new PolicyException(Errno.EROFS);

    /** 0 for ENOENT, 1 for ENOSPC, 2 for EROFS; any other errno ranks below ENOENT and never wins a fold. */
    static int rank(int errno) {
        switch (errno) {
            case Errno.EROFS: return 2;
            case Errno.ENOSPC: return 1;
            case Errno.ENOENT: return 0;
            default: return -1;
        }
    }

    /** The folded errno after a branch was skipped for {@code reason}: a stronger reason is never replaced. */
    static int fold(int current, int reason) {
        return rank(reason) > rank(current) ? reason : current;
    }

    /** The exception carrying {@code errno}; shared instances for the three policy errnos. */
    static PolicyException failure(int errno) {
        switch (errno) {
            case Errno.ENOENT: return NOT_FOUND;
            case Errno.ENOSPC: return NO_SPACE;
            case Errno.EROFS: return READ_ONLY;
            default: return new PolicyException(errno);
        }
    }
}
