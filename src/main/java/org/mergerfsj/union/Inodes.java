package org.mergerfsj.union;

import org.mergerfsj.config.InodeCalc;
import org.mergerfsj.posix.Posix;

/**
 * Inode numbers reported with use_ino (INO-01..05), bit-for-bit those of mergerfs 2.33.5.
 *
 * <p>2.33.5 hashes with the wyhash revision it bundles (the "final version" with five secret words, built
 * so that short inputs are read with 4/3-byte loads rather than over-long 8-byte ones), seeded with
 * 0x7472617065786974. path-hash hashes the pool path bytes ("/dir/file"), devino-hash the 16 bytes
 * {st_dev, st_ino} little endian. The values were checked against a live 2.33.5 mount for paths of 1 to
 * 90 bytes and for device/inode pairs (see InodesTest and python_tests/test_semantics.py).
 */
final class Inodes {
    private Inodes() {}

    static final long SEED = 0x7472617065786974L;
    private static final long[] SECRET = {
        0xa0761d6478bd642fL, 0xe7037ed1a0b428dbL, 0x8ebc6af09c88c6e3L, 0x589965cc75374cc3L, 0x1d8e4e27c47d124fL
    };

    static long calc(InodeCalc mode, String fusePath, int stMode, long dev, long ino) {
        switch (mode) {
            case PASSTHROUGH:
                return ino;
            case PATH_HASH:
                return pathHash(fusePath);
            case PATH_HASH32:
                return fold32(pathHash(fusePath));
            case DEVINO_HASH:
                return devinoHash(dev, ino);
            case DEVINO_HASH32:
                return fold32(devinoHash(dev, ino));
            case HYBRID_HASH32:
                return fold32(isDir(stMode) ? pathHash(fusePath) : devinoHash(dev, ino));
            case HYBRID_HASH:
            default:
                return isDir(stMode) ? pathHash(fusePath) : devinoHash(dev, ino);
        }
    }

    private static boolean isDir(int mode) {
        return (mode & Posix.S_IFMT) == Posix.S_IFDIR;
    }

    /** The pool path's bytes (ISO-8859-1 chars are bytes) hashed. */
    static long pathHash(String fusePath) {
        byte[] b = new byte[fusePath.length()];
        for (int i = 0; i < b.length; i++) b[i] = (byte) fusePath.charAt(i);
        return wyhash(b, SEED);
    }

    static long devinoHash(long dev, long ino) {
        byte[] b = new byte[16];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (dev >>> (8 * i));
            b[8 + i] = (byte) (ino >>> (8 * i));
        }
        return wyhash(b, SEED);
    }

    /** 2.33.5's 64 to 32 bit fold: (uint32)(h - (h >> 32)). */
    static long fold32(long h) {
        return (h - (h >>> 32)) & 0xffffffffL;
    }

    // ------------------------------------------------------------------ the hash

    /** 128-bit product of a and b, folded by xor of its halves (wyhash's "mix"). */
    static long mix(long a, long b) {
        long lo = a * b;
        long hi = Math.multiplyHigh(a, b) + ((a >> 63) & b) + ((b >> 63) & a); // unsigned high word
        return lo ^ hi;
    }

    private static long le(byte[] p, int off, int n) {
        long v = 0;
        for (int i = n - 1; i >= 0; i--) v = (v << 8) | (p[off + i] & 0xff);
        return v;
    }

    private static long three(byte[] p, int off, int k) {
        return ((long) (p[off] & 0xff) << 16) | ((long) (p[off + (k >> 1)] & 0xff) << 8) | (p[off + k - 1] & 0xff);
    }

    static long wyhash(byte[] p, long seed) {
        final int len = p.length;
        int off = 0, left = len;
        seed ^= SECRET[0];
        if (left > 64) {
            long other = seed;
            do {
                seed = mix(le(p, off, 8) ^ SECRET[1], le(p, off + 8, 8) ^ seed)
                        ^ mix(le(p, off + 16, 8) ^ SECRET[2], le(p, off + 24, 8) ^ seed);
                other = mix(le(p, off + 32, 8) ^ SECRET[3], le(p, off + 40, 8) ^ other)
                        ^ mix(le(p, off + 48, 8) ^ SECRET[4], le(p, off + 56, 8) ^ other);
                off += 64;
                left -= 64;
            } while (left > 64);
            seed ^= other;
        }
        while (left > 16) {
            seed = mix(le(p, off, 8) ^ SECRET[1], le(p, off + 8, 8) ^ seed);
            off += 16;
            left -= 16;
        }
        long a, b;
        if (left > 8) {
            a = le(p, off, 8);
            b = le(p, off + left - 8, 8);
        } else if (left >= 4) {
            a = le(p, off, 4);
            b = le(p, off + left - 4, 4);
        } else if (left > 0) {
            a = three(p, off, left);
            b = 0;
        } else {
            a = 0;
            b = 0;
        }
        return mix(SECRET[1] ^ len, mix(a ^ SECRET[1], b ^ seed));
    }
}
