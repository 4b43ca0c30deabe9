"""fuse_msg_size (OPT-28): the largest FUSE request in pages, negotiated with the kernel (FUSE_MAX_PAGES).

libfuse2 alone caps reads and writes at 32 pages (128 KiB); mergerfs-j negotiates fuse_msg_size pages
(default 256 = 1 MiB, as mergerfs 2.33.5) by rewriting libfuse's INIT reply (fuse/InitReply.java). These
tests look at the sizes the daemon really receives: with direct_io (cache.files=off) one 2 MiB write(2)
reaches the daemon as FUSE write requests of at most fuse_msg_size pages, which its TRACE log records,
and the data lands intact on the branch.
"""

import os
import re

import pytest

import faultutil as fu

MIB = 1024 * 1024


# FUSE_MAX_PAGES (protocol 7.28) arrived in Linux 4.20
needs_max_pages = pytest.mark.skipif(not fu.kernel_at_least(4, 20), reason="kernel older than 4.20: no FUSE_MAX_PAGES")


def _write_sizes(pool, data):
    pool.setopt("log.level", "trace")
    fd = os.open(pool.p("big"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        assert fu.call_with_timeout(lambda: os.write(fd, data), 20) == len(data)
    finally:
        os.close(fd)
    pool.setopt("log.level", "info")
    assert fu.read_file(pool.b(0, "big")) == data
    return [int(s) for s in re.findall(r"write fh=\d+ size=(\d+)", pool.log())]


@needs_max_pages
def test_default_fuse_msg_size_gives_1_mib_write_requests():
    data = os.urandom(2 * MIB)
    with fu.Pool([None], "cache.files=off") as pool:
        sizes = _write_sizes(pool, data)
        assert sizes and max(sizes) == MIB, sizes
        assert sum(sizes) == len(data)
        assert not pool.log_problems(), pool.log_problems()


@pytest.mark.parametrize("pages", [
    32,                                   # libfuse2's own limit: nothing negotiated
    pytest.param(64, marks=needs_max_pages),
])
def test_fuse_msg_size_sets_the_largest_write_request(pages):
    data = os.urandom(2 * MIB)
    with fu.Pool([None], "cache.files=off,fuse_msg_size=%d" % pages) as pool:
        sizes = _write_sizes(pool, data)
        assert sizes and max(sizes) == pages * 4096, sizes
        assert sum(sizes) == len(data)
