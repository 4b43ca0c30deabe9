package org.mergerfsj.policy;

import java.util.random.RandomGenerator;

/** What a policy does with the branches that pass its filter: the part that differs between policy families. */
enum Pick {
    FIRST(false),
    ALL(false),
    RANDOM(false),
    PROPORTIONAL(true),
    MOST_FREE(true),
    LEAST_FREE(true),
    LEAST_USED(true),
    LEAST_USED_SHARE(true),
    NEWEST(false);

    private final boolean readsSpace;

    Pick(boolean readsSpace) {
        this.readsSpace = readsSpace;
    }

    /** Whether the pick needs statvfs figures, so that a search must also skip branches whose statvfs fails. */
    boolean readsSpace() {
        return readsSpace;
    }

    /** A fresh selection for one policy call. */
    Selection start(RandomGenerator random) {
        switch (this) {
            case FIRST: return new Selection.First();
            case ALL: return new Selection.Every();
            case RANDOM: return new Selection.Uniform(random);
            case PROPORTIONAL: return new Selection.Proportional(random);
            case MOST_FREE: return new Selection.Best(Ranking.MOST_FREE);
            case LEAST_FREE: return new Selection.Best(Ranking.LEAST_FREE);
            case LEAST_USED: return new Selection.Best(Ranking.LEAST_USED);
            case LEAST_USED_SHARE: return new Selection.Best(Ranking.LEAST_USED_SHARE);
            case NEWEST: return new Selection.Best(Ranking.NEWEST);
            default: throw new AssertionError(this);
        }
    }
}
