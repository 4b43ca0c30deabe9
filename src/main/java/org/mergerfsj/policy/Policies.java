package org.mergerfsj.policy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * The policy catalogue (spec 4.2): looks policies up by their exact, case-sensitive name. Any policy may
 * be used for any category (POL-42). Unknown names give null so that option parsing can reject them with
 * EINVAL instead of storing a null policy (QUIRK-01).
 */
public final class Policies {
    private Policies() {}

    private static final List<String> NAMES = List.of(
            "all", "epall", "epff", "eplfs", "eplus", "epmfs", "eppfrd", "eprand", "erofs", "ff", "lfs",
            "lup", "lus", "mfs", "msplfs", "msplus", "mspmfs", "msppfrd", "newest", "pfrd", "rand");

    /**
     * rand and pfrd run on many FUSE threads at once; each thread draws from its own ThreadLocalRandom
     * (fetched per call, as ThreadLocalRandom requires). The exact sequence is unobservable (POL-46).
     */
    private static final RandomGenerator PER_THREAD = new RandomGenerator() {
        @Override public long nextLong() {
            return ThreadLocalRandom.current().nextLong();
        }

        @Override public int nextInt(int bound) {
            return ThreadLocalRandom.current().nextInt(bound);
        }

        @Override public long nextLong(long bound) {
            return ThreadLocalRandom.current().nextLong(bound);
        }
    };

    private static final Map<String, Policy> DEFAULTS = build(PER_THREAD);

    /** The policy called {@code name}, or null when there is none. Instances are shared and thread-safe. */
    public static Policy byName(String name) {
        return name == null ? null : DEFAULTS.get(name);
    }

    /** Like {@link #byName(String)}, but rand/eprand/pfrd/eppfrd/msppfrd draw from {@code random} (for tests). */
    public static Policy byName(String name, RandomGenerator random) {
        if (random == null) throw new NullPointerException("random");
        return name == null ? null : make(name, random);
    }

    /** The 21 policy names, sorted. */
    public static List<String> names() {
        return NAMES;
    }

    /** Whether rename/link treat create policy {@code name} as path preserving (ep* and msp*); false if unknown. */
    public static boolean isPathPreserving(String name) {
        Policy policy = byName(name);
        return policy != null && policy.pathPreserving();
    }

    private static Map<String, Policy> build(RandomGenerator random) {
        Map<String, Policy> byName = new HashMap<>();
        for (String name : NAMES) byName.put(name, make(name, random));
        return Map.copyOf(byName);
    }

    /** The catalogue itself: one line per policy. */
    private static Policy make(String name, RandomGenerator random) {
        switch (name) {
            case "ff": return anyPath(name, Pick.FIRST, random);
            case "epff": return existingPath(name, Pick.FIRST, random);
            case "mfs": return anyPath(name, Pick.MOST_FREE, random);
            case "epmfs": return existingPath(name, Pick.MOST_FREE, random);
            case "mspmfs": return mostSharedPath(name, Pick.MOST_FREE, random);
            case "lfs": return anyPath(name, Pick.LEAST_FREE, random);
            case "eplfs": return existingPath(name, Pick.LEAST_FREE, random);
            case "msplfs": return mostSharedPath(name, Pick.LEAST_FREE, random);
            case "lus": return anyPath(name, Pick.LEAST_USED, random);
            case "eplus": return existingPath(name, Pick.LEAST_USED, random);
            case "msplus": return mostSharedPath(name, Pick.LEAST_USED, random);
            case "lup": return anyPath(name, Pick.LEAST_USED_SHARE, random);
            case "pfrd": return anyPath(name, Pick.PROPORTIONAL, random);
            case "eppfrd": return existingPath(name, Pick.PROPORTIONAL, random);
            case "msppfrd": return mostSharedPath(name, Pick.PROPORTIONAL, random);
            case "rand": return anyPath(name, Pick.RANDOM, random);
            case "eprand": return existingPath(name, Pick.RANDOM, random);
            case "all": return anyPath(name, Pick.ALL, random);
            case "epall": return existingPath(name, Pick.ALL, random);
            // newest needs the entry to compare mtimes, yet rename/link do not count it as path preserving.
            case "newest": return new FilteredPolicy(name, false, Filter.CREATE_EXISTING, false, Pick.NEWEST, random);
            case "erofs": return ReadOnlyPolicy.INSTANCE;
            default: return null;
        }
    }

    private static Policy anyPath(String name, Pick pick, RandomGenerator random) {
        return new FilteredPolicy(name, false, Filter.CREATE, false, pick, random);
    }

    private static Policy existingPath(String name, Pick pick, RandomGenerator random) {
        return new FilteredPolicy(name, true, Filter.CREATE_EXISTING, false, pick, random);
    }

    private static Policy mostSharedPath(String name, Pick pick, RandomGenerator random) {
        return new FilteredPolicy(name, true, Filter.CREATE_EXISTING, true, pick, random);
    }
}
