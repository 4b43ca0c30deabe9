"""link_cow (OP-COW-01) through a real pool, checked on the branch files.

nfsopenhack (OP-OP-03) is not tested here: with default_permissions the kernel refuses a local
open-for-write of a read-only file before it reaches the daemon (on mergerfs 2.33.5 too), so only an
NFS server's open exercises it."""

import os


def _write_through_the_second_name(pool, link_cow):
    """On the branch, b is a hard link to a ("original"); with link_cow set as given, b is opened for
    write through the pool and overwritten with "CHANGED!"."""
    pool.ctl_set("link_cow", link_cow)
    pool.write_branch(0, "a", b"original")
    os.link(pool.b(0, "a"), pool.b(0, "b"))
    with open(os.path.join(pool.mnt, "b"), "r+b") as f:
        f.write(b"CHANGED!")


def test_link_cow_breaks_the_hard_link_on_open_for_write(make_pool):
    pool = make_pool(nbranches=1)
    _write_through_the_second_name(pool, "true")
    # the write went to b's own copy; a, the other name of the old inode, is untouched
    assert open(pool.b(0, "a"), "rb").read() == b"original"
    assert open(pool.b(0, "b"), "rb").read() == b"CHANGED!"
    assert os.stat(pool.b(0, "a")).st_ino != os.stat(pool.b(0, "b")).st_ino
    assert os.stat(pool.b(0, "a")).st_nlink == 1


def test_without_link_cow_a_write_reaches_every_name(make_pool):
    pool = make_pool(nbranches=1)
    _write_through_the_second_name(pool, "false")
    assert open(pool.b(0, "a"), "rb").read() == b"CHANGED!"
