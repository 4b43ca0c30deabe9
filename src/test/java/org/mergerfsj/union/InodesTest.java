package org.mergerfsj.union;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.mergerfsj.config.InodeCalc;
import org.mergerfsj.posix.Posix;

/**
 * Inode values recorded from a live mergerfs 2.33.5 mount (-o use_ino,inodecalc=...). path-hash depends only
 * on the path, devino-hash only on (st_dev, st_ino), so these are fixed numbers.
 */
class InodesTest {
    private static long u(String s) {
        return Long.parseUnsignedLong(s);
    }

    @Test
    void pathHashMatches2335ForShortMediumAndLongPaths() {
        assertEquals(u("5424983562661234939"), Inodes.pathHash("/"));
        assertEquals(u("11699274122422669391"), Inodes.pathHash("/a"));
        assertEquals(u("18180971592494783915"), Inodes.pathHash("/dir"));
        assertEquals(u("4174666710819794023"), Inodes.pathHash("/dir/file"));
        assertEquals(u("3400856897811154477"), Inodes.pathHash("/dir/sub"));
        assertEquals(u("9278916045568983902"), Inodes.pathHash("/abcdefghijklmnopqrstu"));
        String x40 = "/" + "x".repeat(40);
        assertEquals(u("16723832834884618030"), Inodes.pathHash(x40));
        assertEquals(u("1024594366155226711"), Inodes.pathHash(x40 + "/" + "y".repeat(50)));
    }

    @Test
    void thirtyTwoBitFoldMatches2335() {
        assertEquals(1769479981L, Inodes.fold32(Inodes.pathHash("/")));
        assertEquals(634311765L, Inodes.fold32(Inodes.pathHash("/dir")));
        assertEquals(404784934L, Inodes.fold32(Inodes.pathHash("/dir/file")));
        assertEquals(2554522310L, Inodes.fold32(Inodes.devinoHash(65024, 4243467)));
    }

    @Test
    void devinoHashMatches2335() {
        assertEquals(u("4310036248150621671"), Inodes.devinoHash(65024, 4243467));
        assertEquals(u("16858501282820314508"), Inodes.devinoHash(65024, 4243463));
        assertEquals(u("10961954742515705995"), Inodes.devinoHash(65024, 4243468));
    }

    @Test
    void hybridUsesPathForDirectoriesOnly() {
        int dir = Posix.S_IFDIR | 0755, reg = Posix.S_IFREG | 0644;
        assertEquals(Inodes.pathHash("/dir"), Inodes.calc(InodeCalc.HYBRID_HASH, "/dir", dir, 65024, 4243463));
        assertEquals(Inodes.devinoHash(65024, 4243467), Inodes.calc(InodeCalc.HYBRID_HASH, "/dir/file", reg, 65024, 4243467));
        assertEquals(4243467L, Inodes.calc(InodeCalc.PASSTHROUGH, "/dir/file", reg, 65024, 4243467));
        assertEquals(Inodes.fold32(Inodes.pathHash("/d")), Inodes.calc(InodeCalc.HYBRID_HASH32, "/d", dir, 1, 2));
    }
}
