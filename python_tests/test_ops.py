"""Core file operations through a pool, checked against the real files on the branches.

Default pool: three branches on the same filesystem, category.create=epmfs, so every create at a
path whose parent exists on all branches lands on the LAST branch (QUIRK-04, OP-CR-08); that is
index 2 below.
"""

import errno
import fcntl
import mmap
import os
import stat
import subprocess
import sys
import time

import pytest

from mfstest import errno_of, sha256_file

LAST = 2


def _setup(*entries):
    """branch_setup helper: entries are (branch_index, relpath, content|None for a dir)."""
    def setup(branches):
        for k, rel, data in entries:
            path = os.path.join(branches[k], rel)
            if data is None:
                os.makedirs(path, exist_ok=True)
            else:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as f:
                    f.write(data if isinstance(data, bytes) else data.encode())
    return setup


# ---------------------------------------------------------------------------------------------
# create / read / write / truncate

def test_create_write_read_lands_on_one_branch(pool):
    pool.write("f", b"hello")
    pool.assert_on("f", [LAST])
    assert pool.read_branch(LAST, "f") == b"hello"
    assert pool.read("f") == b"hello"
    st = os.stat(pool.p("f"))
    assert stat.S_ISREG(st.st_mode) and st.st_size == 5


def test_overwrite_append_truncate(pool):
    pool.write("f", b"hello")
    with open(pool.p("f"), "r+b") as f:
        f.seek(2)
        f.write(b"XY")
    assert pool.read_branch(LAST, "f") == b"heXYo"
    with open(pool.p("f"), "ab") as f:
        f.write(b"!")
    assert pool.read_branch(LAST, "f") == b"heXYo!"
    os.truncate(pool.p("f"), 3)
    assert pool.read_branch(LAST, "f") == b"heX"
    os.truncate(pool.p("f"), 8)
    assert pool.read_branch(LAST, "f") == b"heX" + b"\0" * 5
    fd = os.open(pool.p("f"), os.O_RDWR)
    try:
        os.ftruncate(fd, 1)
    finally:
        os.close(fd)
    assert pool.read("f") == b"h"
    # O_TRUNC on open empties it
    os.close(os.open(pool.p("f"), os.O_WRONLY | os.O_TRUNC))
    assert pool.read_branch(LAST, "f") == b""


def test_create_errors(pool):
    pool.write("f", b"x")
    os.mkdir(pool.p("d"))
    assert errno_of(os.open, pool.p("f"), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644) == errno.EEXIST
    assert errno_of(os.open, pool.p("missing"), os.O_RDONLY) == errno.ENOENT
    assert errno_of(os.open, pool.p("nodir/f"), os.O_WRONLY | os.O_CREAT, 0o644) == errno.ENOENT
    assert errno_of(os.open, pool.p("d"), os.O_WRONLY) == errno.EISDIR
    assert errno_of(os.open, pool.p("f/x"), os.O_WRONLY | os.O_CREAT, 0o644) == errno.ENOTDIR
    assert errno_of(os.stat, pool.p("missing")) == errno.ENOENT


def test_create_mode_is_applied(pool):
    fd = os.open(pool.p("f"), os.O_WRONLY | os.O_CREAT, 0o640)
    os.close(fd)
    assert stat.S_IMODE(os.stat(pool.b(LAST, "f")).st_mode) == 0o640 & ~_umask()


def _umask():
    old = os.umask(0)
    os.umask(old)
    return old


def test_read_prefers_first_branch(make_pool):
    # TOP-03: the search policy (ff) answers from the first branch holding the path
    pool = make_pool(branch_setup=_setup((1, "f", b"second"), (2, "f", b"third!")))
    assert pool.read("f") == b"second"
    assert os.stat(pool.p("f")).st_size == 6


# ---------------------------------------------------------------------------------------------
# directories

def test_mkdir_rmdir(pool):
    os.mkdir(pool.p("d"), 0o750)
    pool.assert_on("d", [LAST])
    assert stat.S_IMODE(os.stat(pool.b(LAST, "d")).st_mode) == 0o750 & ~_umask()
    assert errno_of(os.mkdir, pool.p("d")) == errno.EEXIST
    pool.write("d/f", b"x")
    pool.assert_on("d/f", [LAST])
    assert errno_of(os.rmdir, pool.p("d")) == errno.ENOTEMPTY
    os.unlink(pool.p("d/f"))
    os.rmdir(pool.p("d"))
    pool.assert_on("d", [])
    assert errno_of(os.rmdir, pool.p("d")) == errno.ENOENT
    pool.write("f", b"")
    assert errno_of(os.rmdir, pool.p("f")) == errno.ENOTDIR


def test_rmdir_removes_every_copy(make_pool):
    pool = make_pool(branch_setup=_setup((0, "d", None), (1, "d", None), (2, "d", None)))
    os.rmdir(pool.p("d"))
    pool.assert_on("d", [])


def test_rmdir_hidden_content_on_another_branch_is_enotempty(make_pool):
    # OP-UL-02 (2.33.5): the first error wins, so a copy that is not empty keeps rmdir failing
    pool = make_pool(branch_setup=_setup((0, "d", None), (1, "d/x", b"1")))
    assert errno_of(os.rmdir, pool.p("d")) == errno.ENOTEMPTY
    assert os.path.isdir(pool.p("d"))
    assert os.listdir(pool.p("d")) == ["x"]


def test_mkdir_in_subdir_follows_parent(make_pool):
    # epmfs: only branches where the parent exists qualify (POL-06)
    pool = make_pool(branch_setup=_setup((0, "p", None)))
    os.mkdir(pool.p("p/q"))
    pool.assert_on("p/q", [0])


# ---------------------------------------------------------------------------------------------
# unlink

def test_unlink_removes_all_copies(make_pool):
    pool = make_pool(branch_setup=_setup((0, "f", b"1"), (1, "f", b"2")))
    os.unlink(pool.p("f"))
    pool.assert_on("f", [])
    assert errno_of(os.stat, pool.p("f")) == errno.ENOENT
    assert errno_of(os.unlink, pool.p("f")) == errno.ENOENT


def test_unlink_directory_is_eisdir(make_pool):
    pool = make_pool(branch_setup=_setup((0, "d", None)))
    assert errno_of(os.unlink, pool.p("d")) == errno.EISDIR
    pool.assert_on("d", [0])


def test_open_file_survives_unlink(pool):
    # OP-UL-04: the branch fd is kept; no .fuse_hidden files appear
    pool.write("f", b"keep")
    with open(pool.p("f"), "r+b") as f:
        os.unlink(pool.p("f"))
        pool.assert_on("f", [])
        assert f.read() == b"keep"
        f.write(b"+more")
        f.flush()
        f.seek(0)
        assert f.read() == b"keep+more"
    assert os.listdir(pool.mnt) == []
    assert all(os.listdir(b) == [] for b in pool.branches)


# ---------------------------------------------------------------------------------------------
# rename (OP-RN)

def test_rename_within_branch(pool):
    pool.write("a", b"data")
    os.rename(pool.p("a"), pool.p("b"))
    pool.assert_on("a", [])
    pool.assert_on("b", [LAST])
    assert pool.read_branch(LAST, "b") == b"data"
    assert errno_of(os.rename, pool.p("a"), pool.p("c")) == errno.ENOENT


def test_rename_path_preserving_appendix_b(make_pool):
    # Appendix B / OP-RN-04: a/f on b1 and b2, c/ only on b2, epmfs (path preserving):
    # mv a/f c/f keeps b2/c/f and deletes b1/a/f (it could not be renamed there)
    pool = make_pool(branch_setup=_setup((0, "a/f", b"one"), (1, "a/f", b"two"), (1, "c", None)))
    os.rename(pool.p("a/f"), pool.p("c/f"))
    pool.assert_on("c/f", [1])
    pool.assert_on("a/f", [])
    pool.assert_on("c", [1])          # no clone in path-preserving mode
    assert pool.read("c/f") == b"two"


def test_rename_path_preserving_exdev(make_pool):
    # OP-RN-02/06: target dir exists on no branch that holds the source -> EXDEV, nothing changes
    pool = make_pool(branch_setup=_setup((0, "a/f", b"one"), (1, "c", None)))
    assert errno_of(os.rename, pool.p("a/f"), pool.p("c/f")) == errno.EXDEV
    pool.assert_on("a/f", [0])
    pool.assert_on("c/f", [])
    pool.assert_on("c", [1])


def test_rename_removes_stale_destination_copies(make_pool):
    # OP-RN-04: copies of the destination on branches without the source are deleted
    pool = make_pool(branch_setup=_setup((2, "a", b"new"), (0, "b", b"old0"), (1, "b", b"old1")))
    os.rename(pool.p("a"), pool.p("b"))
    pool.assert_on("b", [2])
    pool.assert_on("a", [])
    assert pool.read("b") == b"new"


def test_rename_create_path_appendix_b(make_pool):
    # Appendix B: non path-preserving (mfs) rename a/f -> c/f2 with an old c/f2 on b3:
    # c is cloned onto b1, the rename happens on b1 and b2, b3/c/f2 is deleted
    pool = make_pool(opts="category.create=mfs", branch_setup=_setup(
        (0, "a/f", b"one"), (1, "a/f", b"two"), (1, "c", None), (2, "c/f2", b"old")))
    os.rename(pool.p("a/f"), pool.p("c/f2"))
    pool.assert_on("c/f2", [0, 1])
    pool.assert_on("a/f", [])
    pool.assert_on("c", [0, 1, 2])
    assert pool.read_branch(0, "c/f2") == b"one"
    assert pool.read_branch(1, "c/f2") == b"two"
    assert pool.read("c/f2") == b"one"


def test_rename_ignorepponrename_clones_instead_of_exdev(make_pool):
    # OPT-13: ignorepponrename forces the create-path algorithm even for epmfs
    pool = make_pool(opts="ignorepponrename=true",
                     branch_setup=_setup((0, "a/f", b"one"), (1, "c", None)))
    os.rename(pool.p("a/f"), pool.p("c/f"))
    pool.assert_on("c/f", [0])
    pool.assert_on("a/f", [])
    assert pool.read("c/f") == b"one"


def test_rename_directory_all_copies(make_pool):
    pool = make_pool(branch_setup=_setup((0, "d/x", b"1"), (2, "d/y", b"2")))
    os.rename(pool.p("d"), pool.p("e"))
    pool.assert_on("d", [])
    pool.assert_on("e/x", [0])
    pool.assert_on("e/y", [2])
    assert sorted(os.listdir(pool.p("e"))) == ["x", "y"]


# ---------------------------------------------------------------------------------------------
# links

def test_hard_link_same_branch(pool):
    pool.write("f", b"data")
    os.link(pool.p("f"), pool.p("g"))
    pool.assert_on("g", [LAST])
    bf, bg = os.stat(pool.b(LAST, "f")), os.stat(pool.b(LAST, "g"))
    assert bf.st_ino == bg.st_ino and bf.st_nlink == 2
    assert os.stat(pool.p("g")).st_nlink == 2
    assert errno_of(os.link, pool.p("f"), pool.p("g")) == errno.EEXIST
    assert errno_of(os.link, pool.p("missing"), pool.p("h")) == errno.ENOENT


def test_hard_link_same_inode_with_use_ino(make_pool):
    # TOP-09 / INO-04: hybrid-hash (default inodecalc) gives hard links the same st_ino
    pool = make_pool(opts="use_ino")
    pool.write("f", b"data")
    os.link(pool.p("f"), pool.p("g"))
    pool.write("other", b"x")
    sf, sg, so = os.stat(pool.p("f")), os.stat(pool.p("g")), os.stat(pool.p("other"))
    assert sf.st_ino == sg.st_ino
    assert sf.st_ino != so.st_ino


def test_hard_link_path_preserving_exdev(make_pool):
    # OP-LN-02: ENOENT (target dir missing on the source branch) becomes EXDEV
    pool = make_pool(branch_setup=_setup((0, "f", b"1"), (1, "d", None)))
    assert errno_of(os.link, pool.p("f"), pool.p("d/g")) == errno.EXDEV
    pool.assert_on("d/g", [])


def test_hard_link_create_path_clones_dir(make_pool):
    # OP-LN-03: create-path mode clones the target dir onto the source's branch
    pool = make_pool(opts="category.create=ff", branch_setup=_setup((0, "f", b"1"), (1, "d", None)))
    os.link(pool.p("f"), pool.p("d/g"))
    pool.assert_on("d/g", [0])
    assert os.stat(pool.b(0, "d/g")).st_ino == os.stat(pool.b(0, "f")).st_ino


def test_symlink_readlink(pool):
    os.symlink("some/target/../x", pool.p("l"))
    pool.assert_on("l", [LAST])
    assert os.readlink(pool.b(LAST, "l")) == "some/target/../x"
    assert os.readlink(pool.p("l")) == "some/target/../x"
    assert stat.S_ISLNK(os.lstat(pool.p("l")).st_mode)
    # dangling link: stat follows and fails, lstat works
    assert errno_of(os.stat, pool.p("l")) == errno.ENOENT
    assert errno_of(os.symlink, "x", pool.p("l")) == errno.EEXIST
    pool.write("t", b"target")
    os.symlink("t", pool.p("l2"))
    assert pool.read("l2") == b"target"
    assert errno_of(os.readlink, pool.p("t")) == errno.EINVAL


# ---------------------------------------------------------------------------------------------
# attributes on every copy (OP-AT, TOP-07)

def two_copies():
    return _setup((0, "f", b"one"), (1, "f", b"two"))


def test_chmod_all_copies(make_pool):
    pool = make_pool(branch_setup=two_copies())
    os.chmod(pool.p("f"), 0o600)
    for k in (0, 1):
        assert stat.S_IMODE(os.stat(pool.b(k, "f")).st_mode) == 0o600
    pool.assert_on("f", [0, 1])
    os.chmod(pool.p("f"), 0o4751)
    assert stat.S_IMODE(os.stat(pool.p("f")).st_mode) == 0o4751
    assert stat.S_IMODE(os.stat(pool.b(1, "f")).st_mode) == 0o4751
    assert errno_of(os.chmod, pool.p("missing"), 0o600) == errno.ENOENT


def test_chown_all_copies(make_pool):
    pool = make_pool(branch_setup=two_copies())
    os.chown(pool.p("f"), 1234, 5678)
    for k in (0, 1):
        st = os.stat(pool.b(k, "f"))
        assert (st.st_uid, st.st_gid) == (1234, 5678)
    os.chown(pool.p("f"), -1, 99)          # -1 = leave the uid alone (OP-AT-03)
    for k in (0, 1):
        st = os.stat(pool.b(k, "f"))
        assert (st.st_uid, st.st_gid) == (1234, 99)
    st = os.stat(pool.p("f"))
    assert (st.st_uid, st.st_gid) == (1234, 99)


def test_lchown_symlink_not_target(make_pool):
    pool = make_pool(branch_setup=_setup((0, "t", b"x")))
    os.symlink("t", pool.b(0, "l"))
    os.lchown(pool.p("l"), 4321, 4321)
    assert os.lstat(pool.b(0, "l")).st_uid == 4321
    assert os.stat(pool.b(0, "t")).st_uid == 0


def test_utimens_nanoseconds_all_copies(make_pool):
    pool = make_pool(branch_setup=two_copies())
    atime, mtime = 1_000_000_123_456_789, 1_500_000_987_654_321
    os.utime(pool.p("f"), ns=(atime, mtime))
    for k in (0, 1):
        st = os.stat(pool.b(k, "f"))
        assert (st.st_atime_ns, st.st_mtime_ns) == (atime, mtime)
    st = os.stat(pool.p("f"))
    assert (st.st_atime_ns, st.st_mtime_ns) == (atime, mtime)


def test_utimens_now_and_omit(make_pool):
    pool = make_pool(branch_setup=two_copies())
    os.utime(pool.p("f"), ns=(10**18, 2 * 10**18))
    # touch -m: mtime set, atime UTIME_OMIT
    subprocess.run(["touch", "-m", "-d", "@1000000000", pool.p("f")], check=True, timeout=10)
    for k in (0, 1):
        st = os.stat(pool.b(k, "f"))
        assert (st.st_atime_ns, st.st_mtime_ns) == (10**18, 1000000000 * 10**9)
    # no times: UTIME_NOW for both
    os.utime(pool.p("f"))
    for k in (0, 1):
        st = os.stat(pool.b(k, "f"))
        assert abs(st.st_mtime - time.time()) < 60 and abs(st.st_atime - time.time()) < 60


def test_truncate_mixed_result_follows_getattr_branch(make_pool):
    # OP-AT-02: some copies fail (b2 holds a directory of that name -> EISDIR), so the result
    # is the one recorded for the branch func.getattr (ff) picks: b1, which succeeded.
    pool = make_pool(branch_setup=_setup((0, "f", b"12345"), (1, "f", None)))
    os.truncate(pool.p("f"), 2)
    assert pool.read_branch(0, "f") == b"12"
    assert os.path.isdir(pool.b(1, "f"))


# ---------------------------------------------------------------------------------------------
# extended attributes (passthrough)

def test_xattr_passthrough(make_pool):
    pool = make_pool(branch_setup=two_copies())
    f = pool.p("f")
    os.setxattr(f, "user.test", b"value")
    for k in (0, 1):
        assert os.getxattr(pool.b(k, "f"), "user.test") == b"value"
    assert os.getxattr(f, "user.test") == b"value"
    names = os.listxattr(f)
    assert "user.test" in names
    assert not [n for n in names if n.startswith("user.mergerfs.")]
    assert errno_of(os.setxattr, f, "user.test", b"x", os.XATTR_CREATE) == errno.EEXIST
    assert errno_of(os.setxattr, f, "user.none", b"x", os.XATTR_REPLACE) == errno.ENODATA
    os.setxattr(f, "user.test", b"v2", os.XATTR_REPLACE)
    assert os.getxattr(pool.b(1, "f"), "user.test") == b"v2"
    os.removexattr(f, "user.test")
    for k in (0, 1):
        assert "user.test" not in os.listxattr(pool.b(k, "f"))
    assert errno_of(os.getxattr, f, "user.test") == errno.ENODATA
    assert errno_of(os.removexattr, f, "user.test") == errno.ENODATA


def test_xattr_read_from_first_branch(make_pool):
    pool = make_pool(branch_setup=two_copies())
    os.setxattr(pool.b(1, "f"), "user.only2", b"2")
    # func.getxattr=ff: b1 answers, and b1 has no such attribute
    assert errno_of(os.getxattr, pool.p("f"), "user.only2") == errno.ENODATA
    os.setxattr(pool.b(0, "f"), "user.only1", b"1")
    assert os.getxattr(pool.p("f"), "user.only1") == b"1"
    assert "user.only1" in os.listxattr(pool.p("f"))
    assert "user.only2" not in os.listxattr(pool.p("f"))


def test_xattr_ff_finds_the_first_branch_that_has_the_path(make_pool):
    # ff's getxattr tries lgetxattr branch by branch (no lstat first): a branch without the path (or
    # without its parent directory) is skipped, the first one with it answers, value or ENODATA
    pool = make_pool(branch_setup=_setup((2, "only3", b"x"), (1, "d", None), (2, "d", None), (2, "d/g", b"g"),
                                         (1, "both", b"1"), (2, "both", b"2")))
    os.setxattr(pool.b(2, "only3"), "user.v", b"three")
    os.setxattr(pool.b(2, "d/g"), "user.v", b"deep")
    os.setxattr(pool.b(2, "both"), "user.v", b"two")
    assert os.getxattr(pool.p("only3"), "user.v") == b"three"
    assert os.getxattr(pool.p("d/g"), "user.v") == b"deep"
    assert errno_of(os.getxattr, pool.p("both"), "user.v") == errno.ENODATA   # b2 has the path
    assert errno_of(os.getxattr, pool.p("only3"), "user.none") == errno.ENODATA
    # a buffer too small for the value: ERANGE from the branch that has it
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    buf = ctypes.create_string_buffer(2)
    assert libc.lgetxattr(pool.p("only3").encode(), b"user.v", buf, 2) == -1
    assert ctypes.get_errno() == errno.ERANGE
    assert libc.lgetxattr(pool.p("only3").encode(), b"user.v", None, 0) == 5   # size query
    os.unlink(pool.b(2, "only3"))
    assert errno_of(os.getxattr, pool.p("only3"), "user.v") == errno.ENOENT


# ---------------------------------------------------------------------------------------------
# special files, statfs

def test_mkfifo(pool):
    os.mkfifo(pool.p("fifo"), 0o600)
    pool.assert_on("fifo", [LAST])
    assert stat.S_ISFIFO(os.lstat(pool.b(LAST, "fifo")).st_mode)
    assert stat.S_ISFIFO(os.stat(pool.p("fifo")).st_mode)


def _blocks_bytes(sv):
    return sv.f_blocks * sv.f_frsize


def test_statfs_one_filesystem_counted_once(pool):
    # OP-SF-04/05, TOP-10: three branches on one fs report that fs once
    sp, sb = os.statvfs(pool.mnt), os.statvfs(pool.branches[0])
    assert _blocks_bytes(sp) == _blocks_bytes(sb)
    assert sp.f_files == sb.f_files
    assert sp.f_namemax == sb.f_namemax
    # free space moves while the suite runs; it must be the single fs's, not three times it
    assert abs(sp.f_bavail * sp.f_frsize - sb.f_bavail * sb.f_frsize) < 256 * 2**20


def test_statfs_sums_distinct_filesystems(make_pool):
    # two tmpfs branches + two branches on /tmp's fs: 8M + 16M + /tmp once
    pool = make_pool(nbranches=4, tmpfs=["8m", "16m", None, None], opts="minfreespace=0")
    s = [os.statvfs(b) for b in pool.branches]
    sp = os.statvfs(pool.mnt)
    frsize = min(x.f_frsize for x in s)
    assert sp.f_frsize == frsize
    expect_blocks = sum(_blocks_bytes(x) for x in s[:3]) // frsize
    assert sp.f_blocks == expect_blocks
    assert sp.f_files == s[0].f_files + s[1].f_files + s[2].f_files
    tmpfs_free = (s[0].f_bavail + s[1].f_bavail) * s[0].f_frsize
    assert abs(sp.f_bavail * frsize - tmpfs_free - s[2].f_bavail * s[2].f_frsize) < 256 * 2**20


# ---------------------------------------------------------------------------------------------
# readdir (OP-RD)

def test_readdir_union_dedup_first_branch_wins(make_pool):
    pool = make_pool(branch_setup=_setup(
        (0, "x", b"1"), (0, "d/p", b"p0"),
        (1, "x/inner", b"dir on b2"), (1, "y", b"22"), (1, "d/p", b"p1"),
        (2, "z", b"333"), (2, "d/q", b"q"), (2, "y", b"other")))
    names = os.listdir(pool.mnt)
    assert sorted(names) == ["d", "x", "y", "z"]
    assert len(names) == len(set(names))
    entries = {e.name: e for e in os.scandir(pool.mnt)}
    assert entries["x"].is_file(follow_symlinks=False)      # b1's file shadows b2's dir
    assert entries["d"].is_dir(follow_symlinks=False)
    assert os.stat(pool.p("x")).st_size == 1
    assert pool.read("y") == b"22"
    assert sorted(os.listdir(pool.p("d"))) == ["p", "q"]
    assert pool.read("d/p") == b"p0"
    assert ".mergerfs" not in names


def test_readdir_large_directory(pool):
    # entries spread over all branches; several getdents rounds
    for i in range(600):
        pool.write_branch(i % 3, "big/f%04d" % i, b"")
    names = os.listdir(pool.p("big"))
    assert sorted(names) == ["f%04d" % i for i in range(600)]


def test_readdir_empty_and_missing(pool):
    os.mkdir(pool.p("e"))
    assert os.listdir(pool.p("e")) == []
    assert errno_of(os.listdir, pool.p("nope")) == errno.ENOENT
    pool.write("f", b"")
    assert errno_of(os.listdir, pool.p("f")) == errno.ENOTDIR


# ---------------------------------------------------------------------------------------------
# data paths

def test_large_file_checksum(pool):
    data = os.urandom(8 * 2**20)
    with open(pool.p("big"), "wb") as f:
        for off in range(0, len(data), 1 << 20):
            f.write(data[off:off + (1 << 20)])
    import hashlib
    want = hashlib.sha256(data).hexdigest()
    assert sha256_file(pool.b(LAST, "big")) == want
    assert sha256_file(pool.p("big")) == want
    assert os.stat(pool.p("big")).st_size == len(data)
    # random-access read back
    with open(pool.p("big"), "rb") as f:
        f.seek(5 * 2**20 + 17)
        assert f.read(4096) == data[5 * 2**20 + 17:5 * 2**20 + 17 + 4096]


def test_mmap_read_write(pool):
    pool.write("m", b"\0" * 8192)
    with open(pool.p("m"), "r+b") as f:
        mm = mmap.mmap(f.fileno(), 8192)
        mm[0:5] = b"hello"
        mm[4096:4101] = b"world"
        mm.flush()
        mm.close()
    data = pool.read_branch(LAST, "m")
    assert data[0:5] == b"hello" and data[4096:4101] == b"world" and len(data) == 8192
    pool.write_branch(0, "r", b"read me via mmap")
    with open(pool.p("r"), "rb") as f:
        mm = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
        assert mm[:] == b"read me via mmap"
        mm.close()


def test_fallocate(pool):
    pool.write("fa", b"")
    fd = os.open(pool.p("fa"), os.O_RDWR)
    try:
        os.posix_fallocate(fd, 0, 2**20)
    finally:
        os.close(fd)
    st = os.stat(pool.b(LAST, "fa"))
    assert st.st_size == 2**20
    assert st.st_blocks * 512 >= 2**20
    assert os.stat(pool.p("fa")).st_size == 2**20


def test_flock(pool):
    pool.write("lk", b"")
    fd1 = os.open(pool.p("lk"), os.O_RDWR)
    fd2 = os.open(pool.p("lk"), os.O_RDWR)
    try:
        fcntl.flock(fd1, fcntl.LOCK_EX)
        with pytest.raises(OSError) as ei:
            fcntl.flock(fd2, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert ei.value.errno in (errno.EWOULDBLOCK, errno.EAGAIN)
        fcntl.flock(fd1, fcntl.LOCK_UN)
        fcntl.flock(fd2, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd2, fcntl.LOCK_UN)
        # shared locks coexist
        fcntl.flock(fd1, fcntl.LOCK_SH | fcntl.LOCK_NB)
        fcntl.flock(fd2, fcntl.LOCK_SH | fcntl.LOCK_NB)
    finally:
        os.close(fd1)
        os.close(fd2)


def test_posix_lock(pool):
    pool.write("pl", b"0123456789")
    fd = os.open(pool.p("pl"), os.O_RDWR)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 5, 0)
        fcntl.lockf(fd, fcntl.LOCK_UN, 5, 0)
    finally:
        os.close(fd)


def test_o_append(pool):
    pool.write("ap", b"xyz")
    fa = os.open(pool.p("ap"), os.O_WRONLY | os.O_APPEND)
    fw = os.open(pool.p("ap"), os.O_WRONLY)
    try:
        os.write(fa, b"1")
        assert pool.read_branch(LAST, "ap") == b"xyz1"
        os.pwrite(fw, b"QQQQQQ", 0)
        os.write(fa, b"2")
        assert pool.read_branch(LAST, "ap") == b"QQQQQQ2"
        os.lseek(fa, 0, os.SEEK_SET)
        os.write(fa, b"3")           # O_APPEND ignores the file offset
        assert pool.read_branch(LAST, "ap") == b"QQQQQQ23"
    finally:
        os.close(fa)
        os.close(fw)


def test_fsync_and_fdatasync(pool):
    fd = os.open(pool.p("s"), os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        os.write(fd, b"sync")
        os.fsync(fd)
        os.fdatasync(fd)
    finally:
        os.close(fd)
    assert pool.read_branch(LAST, "s") == b"sync"


def test_copy_file_range(pool):
    pool.write("src", b"copy me please")
    fi = os.open(pool.p("src"), os.O_RDONLY)
    fo = os.open(pool.p("dst"), os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        n = os.copy_file_range(fi, fo, 14)
    finally:
        os.close(fi)
        os.close(fo)
    assert n == 14
    assert pool.read_branch(LAST, "dst") == b"copy me please"


# ---------------------------------------------------------------------------------------------
# credentials (CRED-01, OP-CR-07, TOP-13)

CHILD = r"""
import os, sys
mnt = sys.argv[1]
os.umask(0o022)
fd = os.open(os.path.join(mnt, "pub/mine"), os.O_WRONLY | os.O_CREAT, 0o666)
os.close(fd)
os.mkdir(os.path.join(mnt, "pub/mydir"), 0o777)
try:
    os.open(os.path.join(mnt, "priv/x"), os.O_WRONLY | os.O_CREAT, 0o644)
    print("no-error")
except OSError as e:
    print(e.errno)
"""


def test_entries_belong_to_the_caller(make_pool):
    def setup(branches):
        for b in branches:
            os.mkdir(os.path.join(b, "pub"))
            os.chmod(os.path.join(b, "pub"), 0o777)
            os.mkdir(os.path.join(b, "priv"), 0o700)
    pool = make_pool(branch_setup=setup)

    def drop():
        os.setgroups([])
        os.setgid(4242)
        os.setuid(4242)

    cp = subprocess.run([sys.executable, "-c", CHILD, pool.mnt], preexec_fn=drop,
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30,
                        universal_newlines=True)
    assert cp.returncode == 0, cp.stderr
    assert cp.stdout.strip() == str(errno.EACCES)
    st = os.stat(pool.b(LAST, "pub/mine"))
    assert (st.st_uid, st.st_gid) == (4242, 4242)
    assert stat.S_IMODE(st.st_mode) == 0o644          # caller's umask applied (CRED-04)
    st = os.stat(pool.b(LAST, "pub/mydir"))
    assert (st.st_uid, st.st_gid) == (4242, 4242)
    assert stat.S_IMODE(st.st_mode) == 0o755
    pool.assert_on("priv/x", [])
