"""cache.readdir (OPT-08) and cache.symlinks (OPT-09): kernel caches of listings and symlink targets.

libfuse2 cannot ask for either (protocol 7.19); mergerfs-j sets FOPEN_CACHE_DIR|FOPEN_KEEP_CACHE on its
OPENDIR replies (fuse/DirCache.java) and FUSE_CACHE_SYMLINKS in its rewritten INIT reply. These tests
read the daemon's TRACE log: with the option the second listing (readlink) of an unchanged directory
(symlink) never reaches the daemon, without it every one does, and a change made through the pool is
seen at once either way.
"""

import os
import re

import pytest

import faultutil as fu

CACHED = "cache.attr=30,cache.entry=30"


def _count(pool, what, fn):
    pool.setopt("log.level", "trace")
    mark = len(pool.log())
    fn()
    n = len(re.findall(r" TRACE .*?: %s " % what, pool.log()[mark:]))
    pool.setopt("log.level", "info")
    return n


@pytest.mark.parametrize("cached", [True, False])
def test_cache_readdir_answers_repeated_listings_in_the_kernel(cached):
    opts = "%s,cache.readdir=%s" % (CACHED, "true" if cached else "false")
    with fu.Pool([None, None], opts) as pool:
        os.mkdir(pool.b(0, "d"))
        os.mkdir(pool.b(1, "d"))
        for i in range(50):
            fu.write_file(pool.b(i % 2, "d/f%02d" % i), b"x")
        want = sorted("f%02d" % i for i in range(50))
        assert sorted(os.listdir(pool.p("d"))) == want  # fills the cache when there is one
        n = _count(pool, "readdir", lambda: [os.listdir(pool.p("d")) for _ in range(3)])
        assert n == (0 if cached else 3)
        # a change through the pool moves the directory's mtime: the next listing is fresh
        fu.write_file(pool.p("d/new"), b"y")
        assert sorted(os.listdir(pool.p("d"))) == sorted(want + ["new"])
        os.unlink(pool.p("d/f07"))
        assert "f07" not in os.listdir(pool.p("d"))
        assert not pool.log_problems(), pool.log_problems()


def test_cache_readdir_can_be_switched_at_runtime():
    with fu.Pool([None], CACHED) as pool:
        os.mkdir(pool.b(0, "d"))
        fu.write_file(pool.b(0, "d/a"), b"x")
        os.listdir(pool.p("d"))
        assert _count(pool, "readdir", lambda: os.listdir(pool.p("d"))) == 1
        pool.setopt("cache.readdir", "true")
        os.listdir(pool.p("d"))  # opened with the flags now: fills the cache
        assert _count(pool, "readdir", lambda: os.listdir(pool.p("d"))) == 0


@pytest.mark.parametrize("cached", [True, False])
def test_cache_symlinks_answers_repeated_readlinks_in_the_kernel(cached):
    opts = "%s,cache.symlinks=%s" % (CACHED, "true" if cached else "false")
    with fu.Pool([None], opts) as pool:
        os.symlink("target/of/link", pool.b(0, "l"))
        assert os.readlink(pool.p("l")) == "target/of/link"
        n = _count(pool, "readlink", lambda: [os.readlink(pool.p("l")) for _ in range(3)])
        assert n == (0 if cached else 3)
        # replaced through the pool: the kernel drops the old inode's cached target
        os.unlink(pool.p("l"))
        os.symlink("elsewhere", pool.p("l"))
        assert os.readlink(pool.p("l")) == "elsewhere"
        assert not pool.log_problems(), pool.log_problems()
