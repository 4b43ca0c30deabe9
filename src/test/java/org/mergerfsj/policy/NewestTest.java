package org.mergerfsj.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.mergerfsj.branch.Branch;
import org.mergerfsj.branch.Mode;
import org.mergerfsj.posix.Errno;

/** newest: existence from the mtime lookup itself, and the mtime comparison ahead of statvfs (POL-24). */
class NewestTest {
    private final Branch b1 = new Branch("/mnt/b1", Mode.RW);
    private final Branch b2 = new Branch("/mnt/b2", Mode.RW);
    private final Branch b3 = new Branch("/mnt/b3", Mode.RW);

    @Test
    void olderEntriesAreDroppedBeforeTheirStatvfsIsRead() {
        FakeFacts facts = new FakeFacts()
                .branch(b1, new Space(10, 0, false)).entry(b1, "/d", 50)
                .branch(b2, new Space(10, 0, false)).entry(b2, "/d", 30)
                .branch(b3, new Space(10, 0, false)).entry(b3, "/d", 50);
        Outcome got = Outcome.of(Policies.byName("newest"), Outcome.Category.CREATE, List.of(b1, b2, b3), "/d", facts, 0);
        assertEquals(List.of(b3), got.branches());
        assertEquals(2, facts.spaceCalls, "b2 is older than b1 and must not be statvfs'd");
        assertEquals(0, facts.existsCalls, "the mtime lookup already tells existence");
    }

    @Test
    void aNewerEntryOnAnUnusableBranchDoesNotWin() {
        FakeFacts facts = new FakeFacts()
                .branch(b1, new Space(10, 0, false)).entry(b1, "/d", 10)
                .branch(b2, new Space(10, 0, true)).entry(b2, "/d", 99);
        Outcome create = Outcome.of(Policies.byName("newest"), Outcome.Category.CREATE, List.of(b1, b2), "/d", facts, 0);
        assertEquals(List.of(b1), create.branches());
        Outcome search = Outcome.of(Policies.byName("newest"), Outcome.Category.SEARCH, List.of(b1, b2), "/d", facts, 0);
        assertEquals(List.of(b2), search.branches());
        Outcome onlyRo = Outcome.of(Policies.byName("newest"), Outcome.Category.ACTION, List.of(b2), "/d", facts, 0);
        assertEquals(Errno.EROFS, onlyRo.errno());
    }
}
