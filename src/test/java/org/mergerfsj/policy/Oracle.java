package org.mergerfsj.policy;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.mergerfsj.branch.Mode;
import org.mergerfsj.posix.Errno;

/**
 * A deliberately naive reading of spec section 4, written apart from the production code: list the branches
 * that qualify, then apply the policy's rule by scanning that list. Random policies get their candidate set.
 */
final class Oracle {
    private Oracle() {}

    /** Expected outcome; for rand/pfrd families {@code branches} are the candidates one of which must be picked. */
    static Outcome expect(String policy, Outcome.Category category, Scenario sc) {
        if (policy.equals("erofs")) return Outcome.failed(Errno.EROFS);
        String base = baseOf(policy);
        boolean parentMustExist = !base.equals(policy) || policy.equals("newest");
        boolean walks = policy.startsWith("msp") && category == Outcome.Category.CREATE;

        int error = Errno.ENOENT;
        int depth = sc.pathDepth();
        while (true) {
            List<Integer> ok = new ArrayList<>();
            for (int i = 0; i < sc.specs().size(); i++) {
                int why = reason(category, parentMustExist, spaceBased(base), sc, i, depth);
                if (why == 0) ok.add(i);
                else if (strength(why) > strength(error)) error = why;
            }
            if (base.equals("pfrd")) ok.removeIf(i -> sc.specs().get(i).space().avail() == 0);
            if (!ok.isEmpty()) {
                List<Integer> chosen = choose(base, ok, sc);
                List<org.mergerfsj.branch.Branch> out = new ArrayList<>();
                for (int i : chosen) out.add(sc.branch(i));
                return new Outcome(out, 0);
            }
            if (!walks || depth == 0) break;
            depth--;
        }
        return Outcome.failed(category == Outcome.Category.SEARCH ? Errno.ENOENT : error);
    }

    static boolean isRandom(String policy) {
        String base = baseOf(policy);
        return base.equals("rand") || base.equals("pfrd");
    }

    static String baseOf(String policy) {
        if (policy.startsWith("msp")) return policy.substring(3);
        if (policy.startsWith("ep")) return policy.substring(2);
        return policy;
    }

    static boolean spaceBased(String base) {
        return List.of("mfs", "lfs", "lus", "lup", "pfrd").contains(base);
    }

    /** 0 when branch i qualifies for the category at PATHS[depth], else the errno it is skipped with. */
    static int reason(Outcome.Category category, boolean parentMustExist, boolean spaceBased, Scenario sc, int i,
                      int depth) {
        Scenario.Spec s = sc.specs().get(i);
        boolean exists = s.depth() >= depth;
        long minFree = s.minFreeSpace() >= 0 ? s.minFreeSpace() : sc.globalMinFreeSpace();
        switch (category) {
            case CREATE:
                if (s.mode() == Mode.RO || s.mode() == Mode.NC) return Errno.EROFS;
                if (parentMustExist && !exists) return Errno.ENOENT;
                if (s.space() == null) return Errno.ENOENT;
                if (s.space().readOnly()) return Errno.EROFS;
                if (s.space().avail() < minFree) return Errno.ENOSPC;
                return 0;
            case ACTION:
                if (s.mode() == Mode.RO) return Errno.EROFS;
                if (!exists) return Errno.ENOENT;
                if (s.space() == null) return Errno.ENOENT;
                if (s.space().readOnly()) return Errno.EROFS;
                return 0;
            default:
                if (!exists) return Errno.ENOENT;
                if (spaceBased && s.space() == null) return Errno.ENOENT;
                return 0;
        }
    }

    private static int strength(int errno) {
        return errno == Errno.EROFS ? 3 : errno == Errno.ENOSPC ? 2 : 1;
    }

    private static List<Integer> choose(String base, List<Integer> ok, Scenario sc) {
        switch (base) {
            case "ff": return List.of(ok.get(0));
            case "all": case "rand": case "pfrd": return ok;
            case "mfs": return List.of(lastWith(ok, sc, "avail", ok.stream().mapToLong(i -> avail(sc, i)).max().getAsLong()));
            case "lfs": return List.of(lastWith(ok, sc, "avail", ok.stream().mapToLong(i -> avail(sc, i)).min().getAsLong()));
            case "newest": return List.of(lastWith(ok, sc, "mtime", ok.stream().mapToLong(i -> mtime(sc, i)).max().getAsLong()));
            case "lus": {
                long min = ok.stream().mapToLong(i -> used(sc, i)).min().getAsLong();
                for (int i : ok) if (used(sc, i) == min) return List.of(i);
                throw new AssertionError();
            }
            case "lup": {
                int best = ok.get(0);
                for (int i : ok) if (shareLess(sc, i, best)) best = i;
                return List.of(best);
            }
            default: throw new AssertionError(base);
        }
    }

    private static int lastWith(List<Integer> ok, Scenario sc, String metric, long value) {
        int found = -1;
        for (int i : ok) {
            long v = metric.equals("avail") ? avail(sc, i) : mtime(sc, i);
            if (v == value) found = i;
        }
        return found;
    }

    /** used/(used+avail) of i strictly below that of j; an empty filesystem counts as 0/1. */
    private static boolean shareLess(Scenario sc, int i, int j) {
        BigInteger ui = BigInteger.valueOf(used(sc, i)), ti = ui.add(BigInteger.valueOf(avail(sc, i)));
        BigInteger uj = BigInteger.valueOf(used(sc, j)), tj = uj.add(BigInteger.valueOf(avail(sc, j)));
        if (ti.signum() == 0) ti = BigInteger.ONE;
        if (tj.signum() == 0) tj = BigInteger.ONE;
        return ui.multiply(tj).compareTo(uj.multiply(ti)) < 0;
    }

    private static long avail(Scenario sc, int i) {
        return sc.specs().get(i).space().avail();
    }

    private static long used(Scenario sc, int i) {
        return sc.specs().get(i).space().used();
    }

    private static long mtime(Scenario sc, int i) {
        return sc.specs().get(i).mtime();
    }
}
