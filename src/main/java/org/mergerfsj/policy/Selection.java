package org.mergerfsj.policy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.random.RandomGenerator;
import org.mergerfsj.branch.Branch;
import org.mergerfsj.posix.Errno;

/**
 * The state of one policy call: which branches have been chosen so far and the strongest reason any branch
 * was skipped. A {@link Filter} feeds it; one instance lives for one call (and for every level of an msp*
 * walk-up, which is how the levels share one error accumulator, POL-40).
 */
abstract class Selection {
    private int error = ErrorRank.INITIAL;

    /** Records why a branch was skipped. */
    final void skip(int reason) {
        error = ErrorRank.fold(error, reason);
    }

    /** Takes a branch that passed every check; returns true when the scan can stop. */
    abstract boolean offer(Branch branch, Space space, long mtimeSeconds);

    /** The choice so far, in branch order, or null when nothing has been chosen. */
    abstract List<Branch> chosen();

    /** Whether offers need the entry's mtime (then existence is read from the mtime, not a second lstat). */
    boolean ranksByMtime() {
        return false;
    }

    /** Whether an entry with this mtime can be dropped before its statvfs is read (newest only). */
    boolean outranks(long mtimeSeconds) {
        return false;
    }

    /** The chosen branches, or the folded error when nothing was chosen. */
    final List<Branch> result() throws PolicyException {
        List<Branch> chosen = chosen();
        if (chosen == null) throw ErrorRank.failure(error);
        return chosen;
    }

    /** Like {@link #result()}, but a search miss is always ENOENT whatever was skipped (POL-03). */
    final List<Branch> searchResult() throws PolicyException {
        List<Branch> chosen = chosen();
        if (chosen == null) throw ErrorRank.failure(Errno.ENOENT);
        return chosen;
    }

    /** The first qualifying branch (ff, epff). */
    static final class First extends Selection {
        private Branch first;

        @Override boolean offer(Branch branch, Space space, long mtimeSeconds) {
            first = branch;
            return true;
        }

        @Override List<Branch> chosen() {
            return first == null ? null : List.of(first);
        }
    }

    /** Every qualifying branch, in branch order (all, epall). */
    static final class Every extends Selection {
        private final ArrayList<Branch> all = new ArrayList<>(4);

        @Override boolean offer(Branch branch, Space space, long mtimeSeconds) {
            all.add(branch);
            return false;
        }

        @Override List<Branch> chosen() {
            if (all.isEmpty()) return null;
            return all.size() == 1 ? List.of(all.get(0)) : Collections.unmodifiableList(all);
        }
    }

    /**
     * One qualifying branch, uniformly at random (rand, eprand). Reservoir sampling: the k-th candidate
     * replaces the current pick with probability 1/k, so no candidate list is built.
     */
    static final class Uniform extends Selection {
        private final RandomGenerator random;
        private Branch pick;
        private int seen;

        Uniform(RandomGenerator random) {
            this.random = random;
        }

        @Override boolean offer(Branch branch, Space space, long mtimeSeconds) {
            seen++;
            if (seen == 1 || random.nextInt(seen) == 0) pick = branch;
            return false;
        }

        @Override List<Branch> chosen() {
            return pick == null ? null : List.of(pick);
        }
    }

    /**
     * One qualifying branch at random, weighted by its available bytes (pfrd, eppfrd, msppfrd). Weighted
     * reservoir sampling: a candidate of weight w replaces the pick with probability w / (running total),
     * which gives each branch exactly avail / sum overall. A zero-avail branch is never picked; when every
     * candidate has zero avail nothing is chosen and the folded error is reported.
     */
    static final class Proportional extends Selection {
        private final RandomGenerator random;
        private Branch pick;
        private long total;

        Proportional(RandomGenerator random) {
            this.random = random;
        }

        @Override boolean offer(Branch branch, Space space, long mtimeSeconds) {
            long weight = space.avail();
            if (weight <= 0) return false;
            // Saturate instead of wrapping: only reachable with exabyte-sized branches, where a slight bias is harmless.
            total = total > Long.MAX_VALUE - weight ? Long.MAX_VALUE : total + weight;
            if (random.nextLong(total) < weight) pick = branch;
            return false;
        }

        @Override List<Branch> chosen() {
            return pick == null ? null : List.of(pick);
        }
    }

    /** The best branch under a {@link Ranking}, breaking ties the way that ranking prescribes. */
    static final class Best extends Selection {
        private final Ranking ranking;
        private Branch best;
        private Space bestSpace;
        private long bestMtime;

        Best(Ranking ranking) {
            this.ranking = ranking;
        }

        @Override boolean offer(Branch branch, Space space, long mtimeSeconds) {
            if (best == null || ranking.replaces(space, mtimeSeconds, bestSpace, bestMtime)) {
                best = branch;
                bestSpace = space;
                bestMtime = mtimeSeconds;
            }
            return false;
        }

        @Override boolean ranksByMtime() {
            return ranking == Ranking.NEWEST;
        }

        @Override boolean outranks(long mtimeSeconds) {
            return best != null && ranking == Ranking.NEWEST && mtimeSeconds < bestMtime;
        }

        @Override List<Branch> chosen() {
            return best == null ? null : List.of(best);
        }
    }
}
