package org.mergerfsj.union;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The borrow protocol behind fstat of a file whose name went away (py:test_semantics.py covers it live):
 * a borrowed handle stays open and findable through a concurrent release, and is closed exactly once.
 */
class HandlesTest {
    private static Handles.OpenFile file(String path) {
        return new Handles.OpenFile(-1, null, path, 0);
    }

    /** Opens f in h as the kernel's node nodeid (the OPEN reply's bookkeeping); returns its fh. */
    private static long openOnNode(Handles h, Handles.OpenFile f, long nodeid) {
        long fh = h.add(f);
        h.noteNode(fh, nodeid);
        return fh;
    }

    @Test
    void onlyOrphanedNodesLendAHandle() {
        Handles h = new Handles();
        Handles.OpenFile f = file("/a");
        long fh = openOnNode(h, f, 7);
        assertNull(h.pinOrphan(7), "its name is still there");
        h.orphan("/b");
        assertNull(h.pinOrphan(7), "another name went away");
        h.orphan("/a");
        assertSame(f, h.pinOrphan(7));
        assertNull(h.pinOrphan(8));
        assertFalse(h.unpin(f));
        assertTrue(h.release(f), "not borrowed: closed at once");
        h.forget(f);
        assertNull(h.file(fh));
        assertNull(h.pinOrphan(7), "nothing left to lend");
    }

    @Test
    void aReleaseWhileBorrowedWaitsForTheBorrowerAndClosesOnce() {
        Handles h = new Handles();
        Handles.OpenFile f = file("/a");
        long fh = openOnNode(h, f, 7);
        h.orphan("/a");
        Handles.OpenFile pinned = h.pinOrphan(7);
        assertSame(f, pinned);
        assertFalse(h.release(f), "borrowed: the release does not close it");
        assertSame(f, h.file(fh), "and the borrower's fgetattr still finds it");
        assertNull(h.pinOrphan(7), "a released handle is not lent again");
        assertFalse(h.release(f), "a second release closes nothing");
        assertTrue(h.unpin(f), "the last borrower closes it");
        h.forget(f);
        assertNull(h.file(fh));
    }

    @Test
    void aSecondHandleOnTheNodeTakesOverWhenTheFirstIsReleased() {
        Handles h = new Handles();
        Handles.OpenFile f = file("/a"), g = file("/a");
        openOnNode(h, f, 7);
        openOnNode(h, g, 7);
        h.orphan("/a");
        Handles.OpenFile first = h.pinOrphan(7);
        assertNotNull(first);
        assertFalse(h.unpin(first));
        Handles.OpenFile other = first == f ? g : f;
        assertTrue(h.release(first));
        h.forget(first);
        assertSame(other, h.pinOrphan(7), "the remaining handle answers");
        assertFalse(h.unpin(other));
        assertTrue(h.release(other));
        h.forget(other);
        assertNull(h.pinOrphan(7));
    }

    @Test
    void directoriesAreRemovedAsBefore() {
        Handles h = new Handles();
        long dh = h.add(new Handles.OpenDir("/d"));
        assertNotNull(h.dir(dh));
        assertNotNull(h.remove(dh));
        assertNull(h.dir(dh));
        Handles.OpenFile f = file("/a");
        long fh = h.add(f);
        assertNull(h.remove(fh), "files go through release and forget");
        assertEquals(f, h.file(fh));
    }
}
