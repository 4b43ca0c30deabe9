package org.mergerfsj.branch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class BranchSpecProperties {
    /** Under a root that does not exist, so neither realpath nor glob changes the text. */
    private static final String ROOT = "/nonexistent-mergerfs-j-test";

    @Provide
    Arbitrary<List<Branch>> branchLists() {
        Arbitrary<String> segment = Arbitraries.strings().withChars("abcxyz019._-=, ").ofMinLength(1).ofMaxLength(8)
                .filter(s -> !s.equals(".") && !s.equals(".."));
        Arbitrary<String> path = segment.list().ofMinSize(1).ofMaxSize(4).map(l -> ROOT + "/" + String.join("/", l));
        Arbitrary<Long> minFree = Arbitraries.oneOf(Arbitraries.just(Branch.GLOBAL),
                Arbitraries.longs().between(0, Long.MAX_VALUE),
                Arbitraries.longs().between(0, 4096).map(n -> n * Sizes.G));
        Arbitrary<Branch> branch = Combinators.combine(path, Arbitraries.of(Mode.class), minFree).as(Branch::new);
        return branch.list().ofMaxSize(6);
    }

    @Property(tries = 300)
    void renderThenParseIsIdentity(@ForAll("branchLists") List<Branch> branches) throws Exception {
        assertEquals(branches, BranchSpec.parse(BranchSpec.render(branches)));
    }

    @Property(tries = 300)
    void appendPrependAndRemove(@ForAll("branchLists") List<Branch> a, @ForAll("branchLists") List<Branch> b)
            throws Exception {
        List<Branch> ab = new ArrayList<>(a);
        ab.addAll(b);
        List<Branch> ba = new ArrayList<>(b);
        ba.addAll(a);
        assertEquals(ab, BranchSpec.edit(a, "+>" + BranchSpec.render(b)));
        assertEquals(ab, BranchSpec.edit(a, "+" + BranchSpec.render(b)));
        assertEquals(ba, BranchSpec.edit(a, "+<" + BranchSpec.render(b)));
        List<Branch> back = ab;
        for (int i = 0; i < b.size(); i++) back = BranchSpec.edit(back, "->");
        assertEquals(a, back);
        back = ba;
        for (int i = 0; i < b.size(); i++) back = BranchSpec.edit(back, "-<");
        assertEquals(a, back);
    }
}
