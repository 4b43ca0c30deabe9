package org.mergerfsj.union;

import org.mergerfsj.config.InodeCalc;
import org.mergerfsj.posix.Posix;

/** Inode numbers reported with use_ino (INO-xx). Hashes are 64-bit FNV-1a based, not 2.33.5's wyhash. */
final class Inodes {
    private Inodes() {}

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

    static long pathHash(String s) {
        long h = 0xcbf29ce484222325L ^ 0x7472617065786974L;
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i) & 0xff;
            h *= 0x100000001b3L;
        }
        return mix(h);
    }

    static long devinoHash(long dev, long ino) {
        return mix(mix(dev ^ 0x7472617065786974L) ^ ino);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    static long fold32(long h) {
        return (h - (h >>> 32)) & 0xffffffffL;
    }
}
