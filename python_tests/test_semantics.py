"""Operation semantics on real mounts (issue #4), run against mergerfs-j and, where 2.33.5 implements the
behaviour the same way, against the real mergerfs 2.33.5 too. Every test checks the branches' real files.

Run: /usr/bin/python3 -m pytest python_tests/test_semantics.py
"""
import contextlib
import ctypes
import shutil
import tempfile
import errno
import fcntl
import mmap
import os
import signal
import stat
import struct
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mfstest import errno_of  # noqa: E402
from semutil import Pool, SharedPool, have_mergerfs, read, tree, write  # noqa: E402

BOTH = ["mergerfs-j"] + (["mergerfs"] if have_mergerfs() else [])
FRESH = "cache.attr=0,cache.entry=0,cache.negative_entry=0"


@pytest.fixture(autouse=True)
def _alarm():
    """A test that runs away is interrupted (the pool watchdog unblocks FUSE calls by killing the daemon)."""

    def boom(*_):
        raise TimeoutError("test took more than 150 s")

    old = signal.signal(signal.SIGALRM, boom)
    signal.alarm(150)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


@pytest.fixture(scope="session")
def _shared():
    pools = {}
    yield pools
    for p in pools.values():
        p.__exit__(None, None, None)


@pytest.fixture
def use(_shared):
    """use(impl, n, opts, modes): the shared mount of impl with its first n branches, options set at runtime;
    branches are wiped and options restored after the test."""
    active = []

    @contextlib.contextmanager
    def make(impl, n=2, opts="", modes=None):
        p = _shared.get(impl)
        if p is None:
            p = SharedPool(impl, 3, FRESH + ",allow_other").__enter__()
            _shared[impl] = p
        active.append(p)
        yield p.use(n, modes, opts)

    yield make
    for p in active:
        p.reset()


def both(fn):
    return pytest.mark.parametrize("impl", BOTH)(fn)


def mk(path, data="x"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    write(path, data)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=30, **kw)


# ---------------------------------------------------------------------------------------------- rename


@both
def test_pp_rename_appendix_b_removes_unrenamable_source(use, impl):
    # a/f on b1 and b2, c/ only on b2, epmfs: rename where possible, delete the copy that could not move
    with use(impl, 2) as p:
        mk(p.b(0, "a/f"), "one")
        mk(p.b(1, "a/f"), "two")
        os.makedirs(p.b(1, "c"))
        os.rename(p.p("a/f"), p.p("c/f"))
        assert read(p.b(1, "c/f")) == "two"
        assert not os.path.exists(p.b(0, "a/f"))
        assert not os.path.exists(p.b(0, "c"))  # pp mode clones nothing
        assert read(p.p("c/f")) == "two"


@both
def test_pp_rename_exdev_when_target_dir_on_no_source_branch(use, impl):
    with use(impl, 2) as p:
        mk(p.b(0, "a/f"))
        os.makedirs(p.b(1, "c"))
        assert errno_of(os.rename, p.p("a/f"), p.p("c/f")) == errno.EXDEV
        assert os.path.exists(p.b(0, "a/f"))  # nothing lost
        assert not os.path.exists(p.b(1, "c/f"))


@both
def test_pp_rename_removes_stale_destination_on_other_branches(use, impl):
    with use(impl, 3) as p:
        mk(p.b(0, "d/new"), "stale1")
        mk(p.b(1, "d/old"), "fresh")
        mk(p.b(2, "d/new"), "stale3")
        os.rename(p.p("d/old"), p.p("d/new"))
        assert read(p.b(1, "d/new")) == "fresh"
        assert not os.path.exists(p.b(0, "d/new"))
        assert not os.path.exists(p.b(2, "d/new"))
        assert read(p.p("d/new")) == "fresh"


@pytest.mark.parametrize("impl", BOTH)
@pytest.mark.parametrize("opts", ["category.create=mfs", "ignorepponrename=true"])
def test_create_path_rename_appendix_b_clones_parent(use, impl, opts):
    # a/f on b1 and b2; c/ on b2 and b3 with an old c/f2 on b3: c is cloned to b1, renamed on b1 and b2,
    # b3/c/f2 deleted
    with use(impl, 3, "" + opts) as p:
        mk(p.b(0, "a/f"), "1")
        mk(p.b(1, "a/f"), "2")
        os.makedirs(p.b(1, "c"))
        os.chmod(p.b(1, "c"), 0o750)
        mk(p.b(2, "c/f2"), "old")
        os.rename(p.p("a/f"), p.p("c/f2"))
        assert read(p.b(0, "c/f2")) == "1"
        assert read(p.b(1, "c/f2")) == "2"
        assert not os.path.exists(p.b(2, "c/f2"))
        assert stat.S_IMODE(os.stat(p.b(0, "c")).st_mode) == 0o750  # cloned from the getattr branch (b2)
        assert not os.path.exists(p.b(0, "a/f")) and not os.path.exists(p.b(1, "a/f"))


@both
def test_directory_rename_on_every_branch(use, impl):
    with use(impl, 2) as p:
        mk(p.b(0, "d/x"), "1")
        mk(p.b(1, "d/y"), "2")
        os.rename(p.p("d"), p.p("e"))
        assert tree(p.b(0)) == ["e/", "e/x"]
        assert tree(p.b(1)) == ["e/", "e/y"]
        assert sorted(os.listdir(p.p("e"))) == ["x", "y"]


@pytest.mark.parametrize("impl", BOTH)
@pytest.mark.parametrize("mode", ["rel-symlink", "abs-symlink"])
def test_rename_exdev_symlink_modes(use, impl, mode):
    with use(impl, 2, "rename-exdev=" + mode) as p:
        mk(p.b(0, "a/f"), "data")
        os.makedirs(p.b(1, "c"))
        os.rename(p.p("a/f"), p.p("c/f"))
        staged = p.b(0, ".mergerfs_rename_exdev/a/f")
        assert read(staged) == "data"
        assert not os.path.exists(p.b(0, "a/f"))
        target = os.readlink(p.p("c/f"))
        if mode == "rel-symlink":
            assert target == "../.mergerfs_rename_exdev/a/f"
        else:
            assert target == os.path.join(p.mnt, ".mergerfs_rename_exdev/a/f")
        assert read(p.p("c/f")) == "data"
        assert stat.S_IMODE(os.stat(p.b(0, ".mergerfs_rename_exdev")).st_mode) == 0o1777


@both
def test_rename_exdev_passthrough_is_default(use, impl):
    with use(impl, 2) as p:
        mk(p.b(0, "a/f"))
        os.makedirs(p.b(1, "c"))
        assert errno_of(os.rename, p.p("a/f"), p.p("c/f")) == errno.EXDEV
        assert not os.path.exists(p.b(0, ".mergerfs_rename_exdev"))


def test_rename_exdev_never_overwrites_an_earlier_staged_file(use):
    # mergerfs-j only: 2.33.5 would replace the staged file a symlink still points at
    with use("mergerfs-j", 2, "rename-exdev=rel-symlink") as p:
        mk(p.b(0, "a/f"), "first")
        os.makedirs(p.b(1, "c"))
        os.rename(p.p("a/f"), p.p("c/f"))
        mk(p.b(0, "a/f"), "second")
        assert errno_of(os.rename, p.p("a/f"), p.p("c/g")) == errno.EXDEV
        assert read(p.p("c/f")) == "first"
        assert read(p.b(0, "a/f")) == "second"


# ---------------------------------------------------------------------------------------------- link


@both
def test_link_pp_same_branch_and_exdev(use, impl):
    with use(impl, 2) as p:
        mk(p.b(0, "a/f"), "x")
        os.link(p.p("a/f"), p.p("a/g"))
        assert os.stat(p.b(0, "a/g")).st_ino == os.stat(p.b(0, "a/f")).st_ino
        os.makedirs(p.b(1, "c"))
        assert errno_of(os.link, p.p("a/f"), p.p("c/h")) == errno.EXDEV
        assert not os.path.exists(p.b(0, "c"))


@both
def test_link_create_path_clones_parent(use, impl):
    with use(impl, 2, "category.create=ff") as p:
        mk(p.b(0, "a/f"), "x")
        os.makedirs(p.b(1, "c"))
        os.link(p.p("a/f"), p.p("c/h"))
        assert os.stat(p.b(0, "c/h")).st_ino == os.stat(p.b(0, "a/f")).st_ino
        assert not os.path.exists(p.b(1, "c/h"))


@pytest.mark.parametrize("impl", BOTH)
@pytest.mark.parametrize("mode", ["rel-symlink", "abs-base-symlink", "abs-pool-symlink"])
def test_link_exdev_modes(use, impl, mode):
    with use(impl, 2, "link-exdev=" + mode) as p:
        mk(p.b(0, "a/f"), "data")
        os.makedirs(p.b(1, "c"))
        os.link(p.p("a/f"), p.p("c/h"))
        want = {
            "rel-symlink": "../a/f",
            "abs-base-symlink": p.b(0, "a/f"),
            "abs-pool-symlink": os.path.join(p.mnt, "a/f"),
        }[mode]
        assert os.readlink(p.b(1, "c/h")) == want
        assert read(p.p("c/h")) == "data"


# ---------------------------------------------------------------------------------------------- unlink/rmdir


@both
def test_unlink_ro_branch_copy_stays_visible_and_ro_only_is_erofs(use, impl):
    with use(impl, 2, modes=["", "=RO"]) as p:
        mk(p.b(0, "f"), "rw")
        mk(p.b(1, "f"), "ro")
        mk(p.b(1, "g"), "ro")
        os.unlink(p.p("f"))
        assert not os.path.exists(p.b(0, "f"))
        assert read(p.p("f")) == "ro"
        assert errno_of(os.unlink, p.p("g")) == errno.EROFS
        assert os.path.exists(p.b(1, "g"))


@both
def test_unlink_reports_first_error_but_removes_the_rest(use, impl):
    with use(impl, 2) as p:
        mk(p.b(0, "f"))
        mk(p.b(1, "f"))
        assert run(["chattr", "+i", p.b(0, "f")]).returncode == 0
        try:
            assert errno_of(os.unlink, p.p("f")) == errno.EPERM
            assert os.path.exists(p.b(0, "f"))
            assert not os.path.exists(p.b(1, "f"))
        finally:
            run(["chattr", "-i", p.b(0, "f")])


@both
def test_rmdir_first_error(use, impl):
    with use(impl, 2) as p:
        os.makedirs(p.b(0, "d"))
        mk(p.b(1, "d/x"))
        assert errno_of(os.rmdir, p.p("d")) == errno.ENOTEMPTY
        assert not os.path.exists(p.b(0, "d"))
        assert os.path.exists(p.b(1, "d/x"))


@both
def test_rmdir_on_followed_symlink_unlinks_the_link_only(use, impl):
    with use(impl, 1, "follow-symlinks=directory") as p:
        os.makedirs(p.b(0, "real"))
        os.symlink("real", p.b(0, "l"))
        assert stat.S_ISDIR(os.stat(p.p("l"), follow_symlinks=False).st_mode)
        os.rmdir(p.p("l"))
        assert not os.path.lexists(p.b(0, "l"))
        assert os.path.isdir(p.b(0, "real"))


# ---------------------------------------------------------------------------------------------- symlinks


@both
def test_follow_symlinks_modes(use, impl):
    kinds = {}
    with use(impl, 1) as p:
        os.makedirs(p.b(0, "d"))
        mk(p.b(0, "f"))
        os.symlink("d", p.b(0, "ld"))
        os.symlink("f", p.b(0, "lf"))
        os.symlink("nowhere", p.b(0, "dangling"))
        for mode in ["never", "directory", "regular", "all"]:
            p.ctl("follow-symlinks", mode)
            kinds[mode] = tuple(stat.S_IFMT(os.lstat(p.p(n)).st_mode) for n in ["ld", "lf", "dangling"])
            assert os.readlink(p.p("dangling")) == "nowhere"
    L, D, R = stat.S_IFLNK, stat.S_IFDIR, stat.S_IFREG
    assert kinds == {"never": (L, L, L), "directory": (D, L, L), "regular": (L, R, L), "all": (D, R, L)}


@both
def test_symlinkify_reports_old_readonly_files_as_links_to_the_branch(use, impl):
    with use(impl, 1, "symlinkify=true,symlinkify_timeout=1") as p:
        mk(p.b(0, "ro"), "data")
        mk(p.b(0, "rw"), "data")
        os.chmod(p.b(0, "ro"), 0o444)
        old = time.time() - 3600
        os.utime(p.b(0, "ro"), (old, old))
        time.sleep(2.2)  # ctime cannot be set back; let it age past the timeout
        assert stat.S_ISLNK(os.lstat(p.p("ro")).st_mode)
        assert os.readlink(p.p("ro")) == p.b(0, "ro")
        assert stat.S_ISREG(os.lstat(p.p("rw")).st_mode)
        assert read(p.p("ro")) == "data"


@both
def test_symlink_and_readlink_verbatim(use, impl):
    with use(impl, 2) as p:
        os.symlink("../some/where", p.p("l"))
        assert os.readlink(p.b(1, "l")) == "../some/where"  # epmfs ties: last branch
        assert os.readlink(p.p("l")) == "../some/where"


# ---------------------------------------------------------------------------------------------- inodes

MODES = ["passthrough", "path-hash", "path-hash32", "devino-hash", "devino-hash32", "hybrid-hash", "hybrid-hash32"]


def _inode_fixture(p):
    mk(p.b(0, "dir/file"), "1")
    mk(p.b(1, "dir/other"), "2")
    os.makedirs(p.b(0, "x" * 40 + "/" + "y" * 50))
    os.link(p.b(0, "dir/file"), p.b(0, "dir/hard"))


def _inodes(mnt):
    out = {}
    for rel in ["", "dir", "dir/file", "dir/hard", "dir/other", "x" * 40, "x" * 40 + "/" + "y" * 50]:
        out["stat:" + rel] = os.lstat(os.path.join(mnt, rel)).st_ino
    with os.scandir(os.path.join(mnt, "dir")) as it:
        for e in it:
            out["readdir:" + e.name] = e.inode()
    return out


@pytest.mark.skipif(not have_mergerfs(), reason="needs mergerfs 2.33.5")
def test_inodecalc_all_modes_bit_exact_with_2335():
    # both daemons serve the same branch files, so devino modes see the same st_dev/st_ino
    opts = FRESH + ",use_ino"
    with Pool("mergerfs-j", 2, opts) as j:
        _inode_fixture(j)
        with Pool("mergerfs", opts=opts, share=j) as m:
            for mode in MODES:
                j.ctl("inodecalc", mode)
                m.ctl("inodecalc", mode)
                ours, theirs = _inodes(j.mnt), _inodes(m.mnt)
                assert ours == theirs, mode
                for name in ["file", "hard", "other"]:
                    assert ours["readdir:" + name] == ours["stat:dir/" + name], mode
                assert len({ours["stat:"], ours["stat:dir"], ours["stat:dir/file"], ours["stat:dir/other"]}) == 4
                if mode.startswith(("devino", "hybrid", "passthrough")):
                    assert ours["stat:dir/file"] == ours["stat:dir/hard"] == ours["readdir:hard"], mode
                if mode.endswith("32"):
                    assert all(v < 2 ** 32 for v in ours.values()), mode


@both
def test_inode_stability_across_rename(impl):
    with Pool(impl, 1, FRESH + ",use_ino,inodecalc=hybrid-hash") as p:
        mk(p.b(0, "d/f"))
        mk(p.b(0, "h"))
        before_f, before_d = os.lstat(p.p("d/f")).st_ino, os.lstat(p.p("d")).st_ino
        os.rename(p.p("d/f"), p.p("d/g"))
        assert os.lstat(p.p("d/g")).st_ino == before_f  # files: dev+ino, unchanged by a rename
        os.rename(p.p("d"), p.p("e"))
        assert os.lstat(p.p("e")).st_ino != before_d  # directories: path hash, follows the name
        p.ctl("inodecalc", "path-hash")
        before = os.lstat(p.p("h")).st_ino
        os.rename(p.p("h"), p.p("i"))
        assert os.lstat(p.p("i")).st_ino != before  # path-hash: a file's number follows its name


# ---------------------------------------------------------------------------------------------- statfs


class Tmpfs:
    """Two small tmpfs mounts as branches, so statfs sums and ignores can be seen."""

    def __init__(self, base, sizes):
        self.paths = []
        for i, size in enumerate(sizes):
            path = os.path.join(base, "fs%d" % i)
            os.makedirs(path)
            r = run(["mount", "-t", "tmpfs", "-o", "size=%s" % size, "tmpfs", path])
            if r.returncode != 0:
                self.close()
                pytest.skip("cannot mount tmpfs: " + r.stderr)
            self.paths.append(path)

    def close(self):
        for path in self.paths:
            run(["umount", "-l", path])


class _TempRoot:
    def __enter__(self):
        self.root = tempfile.mkdtemp(prefix="semtest-statfs-")
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.root, ignore_errors=True)


@both
def test_statfs_sums_devices_and_ignores_tagged_branches(impl):
    with _TempRoot() as base:
        fs = Tmpfs(base.root, ["8m", "16m", "32m"])
        try:
            for i, path in enumerate(fs.paths):
                os.makedirs(os.path.join(path, "only%d" % i))
            spec = "%s=RW:%s=RO:%s=NC" % tuple(fs.paths)
            pool_mnt = os.path.join(base.root, "pmnt")
            os.mkdir(pool_mnt)
            exe = {"mergerfs-j": os.path.join(os.path.dirname(__file__), "..", "bin", "mergerfs-j"),
                   "mergerfs": "/usr/bin/mergerfs"}[impl]
            assert run([exe, "-o", FRESH, spec, pool_mnt]).returncode == 0
            pid = int(os.getxattr(os.path.join(pool_mnt, ".mergerfs"), "user.mergerfs.pid"))
            try:
                st = [os.statvfs(x) for x in fs.paths]
                for ignore, zeroed in [("none", set()), ("ro", {1, 2}), ("nc", {2})]:
                    os.setxattr(os.path.join(pool_mnt, ".mergerfs"), "user.mergerfs.statfs_ignore", ignore.encode())
                    got = os.statvfs(pool_mnt)
                    assert got.f_blocks == sum(s.f_blocks for s in st), ignore
                    assert got.f_bavail == sum(s.f_bavail for i, s in enumerate(st) if i not in zeroed), ignore
                # statfs=full: only the branches holding the path count
                os.setxattr(os.path.join(pool_mnt, ".mergerfs"), "user.mergerfs.statfs", b"full")
                assert os.statvfs(os.path.join(pool_mnt, "only1")).f_blocks == st[1].f_blocks
                os.setxattr(os.path.join(pool_mnt, ".mergerfs"), "user.mergerfs.statfs", b"base")
                assert os.statvfs(os.path.join(pool_mnt, "only1")).f_blocks == got.f_blocks
            finally:
                run(["fusermount", "-uz", pool_mnt])
                for _ in range(400):
                    if not os.path.exists("/proc/%d" % pid):
                        break
                    time.sleep(0.05)
        finally:
            fs.close()


@both
def test_statfs_one_device_reported_once(use, impl):
    with use(impl, 3) as p:
        a, b = os.statvfs(p.mnt), os.statvfs(p.b(0))
        assert (a.f_blocks, a.f_frsize, a.f_files) == (b.f_blocks, b.f_frsize, b.f_files)


# ---------------------------------------------------------------------------------------------- misc options


@both
def test_nullrw_discards_writes(impl):
    with Pool(impl, 1, FRESH + ",nullrw=true") as p:
        fd = os.open(p.p("f"), os.O_CREAT | os.O_WRONLY, 0o644)
        try:
            assert os.write(fd, b"z" * 5000) == 5000
        finally:
            os.close(fd)
        assert os.path.getsize(p.b(0, "f")) == 0


@both
def test_xattr_modes_and_security_capability(use, impl):
    with use(impl, 1) as p:
        mk(p.b(0, "f"))
        os.setxattr(p.p("f"), "user.k", b"v")
        assert os.getxattr(p.b(0, "f"), "user.k") == b"v"
        assert "user.k" in os.listxattr(p.p("f"))
        p.ctl("security_capability", "false")
        assert errno_of(os.getxattr, p.p("f"), "security.capability") == errno.ENODATA
        caps_v2 = struct.pack("<5I", 0x02000000, 0, 0, 0, 0)  # a well-formed value, or the kernel says EINVAL
        assert errno_of(os.setxattr, p.p("f"), "security.capability", caps_v2) == errno.ENODATA
        p.ctl("xattr", "noattr")
        assert errno_of(os.getxattr, p.p("f"), "user.k") == errno.ENODATA
        assert os.listxattr(p.p("f")) == []
        assert errno_of(os.setxattr, p.p("f"), "user.k2", b"v") == errno.ENODATA
        assert p.ctl("xattr") == "noattr"  # the control file still answers


@both
def test_xattr_nosys(impl):
    # own mount: once the kernel has seen ENOSYS it sends no xattr call at all, control file included
    with Pool(impl, 1, FRESH + ",xattr=nosys") as p:
        mk(p.b(0, "f"))
        os.setxattr(p.b(0, "f"), "user.k", b"v")
        assert errno_of(os.getxattr, p.p("f"), "user.k") == errno.EOPNOTSUPP
        assert errno_of(os.listxattr, p.p("f")) == errno.EOPNOTSUPP
        assert errno_of(os.getxattr, p.p(".mergerfs"), "user.mergerfs.xattr") == errno.EOPNOTSUPP


def _resident_pages(path):
    r = run(["fincore", "-n", "-o", "PAGES", "-b", path])
    return int(r.stdout.split()[0])


@both
def test_dropcacheonclose(use, impl):
    for flag, expect_cached in [("false", True), ("true", False)]:
        with use(impl, 1, "dropcacheonclose=" + flag) as p:
            with open(p.p("f"), "wb") as f:
                f.write(os.urandom(1 << 20))
                f.flush()
                # clean pages: fadvise(DONTNEED) leaves dirty ones, so without this the answer depended on
                # whether writeback had finished by the time the reader closed
                os.fsync(f.fileno())
            with open(p.p("f"), "rb") as f:
                f.read()
            time.sleep(0.2)  # release is asynchronous to close
            pages = _resident_pages(p.b(0, "f"))
            assert (pages > 0) == expect_cached, pages


# ---------------------------------------------------------------------------------------------- caching


_names = iter(range(1 << 30))


def _fresh_name():
    # a name the kernel has never seen on this mount: no inode (and no page cache) left by an earlier test
    return "cachefile-%d-%d" % (os.getpid(), next(_names))


def _stale_after_reopen(p, name=None):
    """Read through the pool, change the branch file behind its back keeping size and mtime, reopen, read."""
    name = name or _fresh_name()
    write(p.b(0, name), "A" * 8192)
    with open(p.p(name), "rb") as f:
        assert f.read() == b"A" * 8192
    st = os.stat(p.b(0, name))
    write(p.b(0, name), "B" * 8192)
    os.utime(p.b(0, name), ns=(st.st_atime_ns, st.st_mtime_ns))
    with open(p.p(name), "rb") as f:
        return f.read(1) == b"A"


def _same_fd_sees_change(p):
    g = _fresh_name()
    write(p.b(0, g), "A" * 8192)
    fd = os.open(p.p(g), os.O_RDONLY)
    try:
        assert os.pread(fd, 8192, 0) == b"A" * 8192
        with open(p.b(0, g), "r+b") as f:
            f.write(b"B" * 8192)
        return os.pread(fd, 1, 0) == b"B"
    finally:
        os.close(fd)


@pytest.mark.parametrize("impl", BOTH)
@pytest.mark.parametrize("opts,stale,direct", [
    ("cache.files=off", False, True),
    ("cache.files=partial", False, False),
    ("cache.files=full", True, False),
    ("cache.files=libfuse", False, False),
    ("cache.files=libfuse,direct_io=true", False, True),
    ("cache.files=libfuse,kernel_cache=true", True, False),
    ("cache.files=libfuse,auto_cache=true", True, False),
])
def test_cache_files_sets_direct_io_and_keep_cache(use, impl, opts, stale, direct):
    with use(impl, 1, opts) as p:
        assert _stale_after_reopen(p) == stale
        if direct:
            assert _same_fd_sees_change(p)
        else:
            # the page cache is in use: shared mmap works and writes reach the branch
            write(p.p("m"), b"\0" * 4096)
            with open(p.p("m"), "r+b") as f:
                mm = mmap.mmap(f.fileno(), 4096)
                mm[0:5] = b"hello"
                mm.flush()
                mm.close()
            assert read(p.b(0, "m"))[:5] == "hello"


def test_cache_files_auto_full_keeps_cache_only_when_unchanged(use):
    with use("mergerfs-j", 1, "cache.files=auto-full") as p:
        name = _fresh_name()
        write(p.b(0, name), "A" * 8192)
        with open(p.p(name), "rb") as f:
            assert f.read(1) == b"A"
        time.sleep(0.5)  # FUSE sends RELEASE after close() returns; that close records size and mtime
        st = os.stat(p.b(0, name))
        write(p.b(0, name), "B" * 8192)
        os.utime(p.b(0, name), ns=(st.st_atime_ns, st.st_mtime_ns))
        with open(p.p(name), "rb") as f:
            assert f.read(1) == b"A"  # size and mtime as at the last close: the page cache is kept
        time.sleep(0.5)
        write(p.b(0, name), "C" * 9000)  # size and mtime change: the cache must go
        os.utime(p.b(0, name), (time.time() + 5, time.time() + 5))
        with open(p.p(name), "rb") as f:
            assert f.read(1) == b"C"


@both
def test_auto_cache_set_at_runtime_drops_the_cache_when_size_or_mtime_change(use, impl):
    """auto_cache (cache.files=libfuse) keeps the page cache across opens only while a file's size and
    mtime are what libfuse last saw; set at runtime, as the shared pool does, it applies to later opens."""
    with use(impl, 1, "cache.files=libfuse,auto_cache=true") as p:
        assert _stale_after_reopen(p)  # unchanged size and mtime: kept (without auto_cache every open drops it)
        name = _fresh_name()
        write(p.b(0, name), "A" * 8192)
        for _ in range(2):  # the first open fills the cache, the second finds it valid
            with open(p.p(name), "rb") as f:
                assert f.read(1) == b"A"
        # same size (a size change alone makes the kernel drop the pages), a new mtime
        write(p.b(0, name), "C" * 8192)
        os.utime(p.b(0, name), (time.time() + 5, time.time() + 5))
        with open(p.p(name), "rb") as f:  # cache.attr=0 here: the open asks for attributes at once
            assert f.read(1) == b"C"


@both
def test_cache_attr_and_negative_entry_timeouts_reach_the_kernel(use, impl):
    with Pool(impl, 1, "allow_other,cache.attr=60,cache.entry=60,cache.negative_entry=60") as p:
        mk(p.b(0, "f"))
        os.chmod(p.b(0, "f"), 0o600)
        assert stat.S_IMODE(os.stat(p.p("f")).st_mode) == 0o600
        os.chmod(p.b(0, "f"), 0o640)
        assert stat.S_IMODE(os.stat(p.p("f")).st_mode) == 0o600  # cached for 60 s
        assert errno_of(os.stat, p.p("late")) == errno.ENOENT
        mk(p.b(0, "late"))
        assert errno_of(os.stat, p.p("late")) == errno.ENOENT  # negative entry cached
    with use(impl, 1) as p:
        mk(p.b(0, "f"))
        os.stat(p.p("f"))
        os.chmod(p.b(0, "f"), 0o640)
        assert stat.S_IMODE(os.stat(p.p("f")).st_mode) == 0o640
        assert errno_of(os.stat, p.p("late")) == errno.ENOENT
        mk(p.b(0, "late"))
        assert errno_of(os.stat, p.p("late")) == 0


# ---------------------------------------------------------------------------------------------- data path

LOCKER = r"""
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
if sys.argv[2] == "flock":
    fcntl.flock(fd, fcntl.LOCK_EX)
else:
    fcntl.lockf(fd, fcntl.LOCK_EX, 10, 0)
print("locked", flush=True)
sys.stdin.readline()
"""


@pytest.mark.parametrize("impl", BOTH)
@pytest.mark.parametrize("kind", ["flock", "posix"])
def test_locks_between_two_processes(use, impl, kind):
    with use(impl, 1) as p:
        write(p.p("f"), "x" * 100)
        holder = subprocess.Popen([sys.executable, "-c", LOCKER, p.p("f"), kind],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout.readline().strip() == "locked"
            fd = os.open(p.p("f"), os.O_RDWR)
            try:
                if kind == "flock":
                    assert errno_of(fcntl.flock, fd, fcntl.LOCK_EX | fcntl.LOCK_NB) in (errno.EAGAIN, errno.EWOULDBLOCK)
                else:
                    assert errno_of(fcntl.lockf, fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 10, 0) in (errno.EAGAIN, errno.EACCES)
                    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 10, 20)  # a disjoint range is free
                holder.stdin.write("\n")
                holder.stdin.flush()
                holder.wait(timeout=20)
                if kind == "flock":
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                else:
                    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 10, 0)
            finally:
                os.close(fd)
        finally:
            holder.kill()
            holder.wait(timeout=20)


@both
def test_fallocate_ftruncate_fgetattr(use, impl):
    with use(impl, 1) as p:
        fd = os.open(p.p("f"), os.O_CREAT | os.O_RDWR, 0o644)
        try:
            os.posix_fallocate(fd, 0, 1 << 20)
            assert os.path.getsize(p.b(0, "f")) == 1 << 20
            os.ftruncate(fd, 123)
            assert os.path.getsize(p.b(0, "f")) == 123
            os.unlink(p.p("f"))
            assert not os.path.exists(p.b(0, "f"))
            # SEEK_END makes the kernel refresh the size by file handle: fgetattr on an unlinked open file
            assert os.lseek(fd, 0, os.SEEK_END) == 123
            assert os.pwrite(fd, b"still works", 200) == 11
            assert os.lseek(fd, 0, os.SEEK_END) == 211
        finally:
            os.close(fd)


@both
def test_fstat_of_a_file_whose_name_went_away_while_open(use, impl):
    """fstat(2) on an open file whose name was unlinked, or replaced by a rename, through the pool answers
    from the open file, as a local filesystem does (st_nlink 0), in 2.33.5 too. The kernel asks by node,
    and libfuse2 has no path for that node any more: mergerfs-j hands the request one of the file's open
    handles (FuseFs.adoptOrphan)."""
    with use(impl, 1) as p:  # attributes expire at once: every fstat asks the daemon
        fd = os.open(p.p("made"), os.O_CREAT | os.O_RDWR, 0o644)  # CREATE
        try:
            os.write(fd, b"x" * 1000)
            os.unlink(p.p("made"))
            assert not os.path.exists(p.b(0, "made"))
            st = os.fstat(fd)
            assert (st.st_size, st.st_nlink) == (1000, 0)
            os.write(fd, b"y" * 24)
            assert os.fstat(fd).st_size == 1024
        finally:
            os.close(fd)
        # OPEN twice, then a rename over the name: both handles keep answering, also after one closes
        write(p.b(0, "t"), "old")
        write(p.b(0, "s"), "newer")
        fd1 = os.open(p.p("t"), os.O_RDONLY)
        fd2 = os.open(p.p("t"), os.O_RDONLY)
        try:
            os.rename(p.p("s"), p.p("t"))
            assert os.stat(p.p("t")).st_size == 5
            assert (os.fstat(fd1).st_size, os.fstat(fd1).st_nlink) == (3, 0)
            os.close(fd1)
            fd1 = -1
            assert os.fstat(fd2).st_size == 3
            assert os.read(fd2, 10) == b"old"
        finally:
            for fd in (fd1, fd2):
                if fd >= 0:
                    os.close(fd)
        # a file that keeps its name is still answered by its path (as 2.33.5): replaced on the branch
        # behind the pool, fstat shows the new file, not the open one
        write(p.b(0, "kept"), "abc")
        fd = os.open(p.p("kept"), os.O_RDONLY)
        try:
            write(p.b(0, "kept.new"), "abcdef")
            os.rename(p.b(0, "kept.new"), p.b(0, "kept"))
            assert os.fstat(fd).st_size == 6
        finally:
            os.close(fd)


def test_o_direct_reads_and_writes_work(use):
    # mergerfs 2.33.5 fails O_DIRECT writes with EINVAL (it opens the branch O_DIRECT too)
    with use("mergerfs-j", 1) as p:
        fd = os.open(p.p("f"), os.O_CREAT | os.O_RDWR | os.O_DIRECT, 0o644)
        try:
            buf = mmap.mmap(-1, 8192)
            buf.write(b"D" * 8192)
            assert os.pwritev(fd, [buf], 0) == 8192
            assert os.pwrite(fd, b"odd", 8192) == 3  # unaligned too
            out = mmap.mmap(-1, 12288)
            n = os.preadv(fd, [out], 0)
            assert n == 8195 and out[:8192] == b"D" * 8192 and out[8192:8195] == b"odd"
        finally:
            os.close(fd)
        assert read(p.b(0, "f")) == "D" * 8192 + "odd"


class Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


UTIME_NOW, UTIME_OMIT = (1 << 30) - 1, (1 << 30) - 2
libc = ctypes.CDLL(None, use_errno=True)


def utimensat(path, atime, mtime):
    ts = (Timespec * 2)(Timespec(*atime), Timespec(*mtime))
    if libc.utimensat(-100, path.encode(), ts, 0) != 0:
        raise OSError(ctypes.get_errno(), "utimensat")


@both
def test_utimens_nanoseconds_now_and_omit(use, impl):
    with use(impl, 2) as p:
        mk(p.b(0, "f"))
        mk(p.b(1, "f"))
        os.utime(p.p("f"), ns=(1_000_000_123, 2_000_000_456))
        for i in (0, 1):
            st = os.stat(p.b(i, "f"))
            assert (st.st_atime_ns, st.st_mtime_ns) == (1_000_000_123, 2_000_000_456)
        utimensat(p.p("f"), (0, UTIME_OMIT), (5, 789))
        st = os.stat(p.b(0, "f"))
        assert (st.st_atime_ns, st.st_mtime_ns) == (1_000_000_123, 5_000_000_789)
        before = time.time()
        utimensat(p.p("f"), (0, UTIME_NOW), (0, UTIME_OMIT))
        st = os.stat(p.b(1, "f"))
        assert st.st_atime >= before - 1 and st.st_mtime_ns == 5_000_000_789


@both
def test_mknod_fifo_and_char_device(use, impl):
    with use(impl, 1) as p:
        os.mkfifo(p.p("fifo"), 0o640)
        assert stat.S_ISFIFO(os.lstat(p.b(0, "fifo")).st_mode)
        os.mknod(p.p("null"), 0o600 | stat.S_IFCHR, os.makedev(1, 3))
        st = os.lstat(p.b(0, "null"))
        assert stat.S_ISCHR(st.st_mode) and st.st_rdev == os.makedev(1, 3)
        # a FIFO through the pool carries data between two opens
        child = subprocess.Popen([sys.executable, "-c",
                                  "import sys; open(sys.argv[1], 'w').write('through')", p.p("fifo")])
        try:
            assert read(p.p("fifo")) == "through"
        finally:
            child.wait(timeout=20)


@both
def test_copy_file_range_through_the_pool(use, impl):
    with use(impl, 1) as p:
        write(p.p("src"), b"0123456789" * 1000)
        a = os.open(p.p("src"), os.O_RDONLY)
        b = os.open(p.p("dst"), os.O_CREAT | os.O_WRONLY, 0o644)
        try:
            done = 0
            while done < 10000:
                n = os.copy_file_range(a, b, 10000 - done)
                assert n > 0
                done += n
        finally:
            os.close(a)
            os.close(b)
        assert read(p.b(0, "dst")) == "0123456789" * 1000


# ---------------------------------------------------------------------------------------------- ioctl (CTL-20)

FILE_INFO = 0xD000DF00


def info_ioctl(path, key):
    fd = os.open(path, os.O_RDONLY)
    try:
        buf = bytearray(4096)
        buf[:len(key) + 1] = key.encode() + b"\0"
        n = fcntl.ioctl(fd, FILE_INFO, buf, True)
        return n, bytes(buf[:max(n, 0) + 1])
    finally:
        os.close(fd)


def ioctl_errno(path, request, arg, *mutate):
    """0 if the ioctl on path (opened read-only) succeeds, else its errno."""
    fd = os.open(path, os.O_RDONLY)
    try:
        return errno_of(fcntl.ioctl, fd, request, arg, *mutate)
    finally:
        os.close(fd)


@both
def test_mergerfs_ioctl_file_info(use, impl):
    with use(impl, 2) as p:
        mk(p.b(0, "d/f"), "1")
        mk(p.b(1, "d/f"), "2")
        assert info_ioctl(p.p("d/f"), "relpath") == (4, b"/d/f\0")
        assert info_ioctl(p.p("d/f"), "basepath") == (len(p.b(0)), p.b(0).encode() + b"\0")
        full = p.b(0, "d/f").encode()
        assert info_ioctl(p.p("d/f"), "fullpath") == (len(full), full + b"\0")
        allp = p.b(0, "d/f").encode() + b"\0" + p.b(1, "d/f").encode()
        assert info_ioctl(p.p("d/f"), "allpaths") == (len(allp), allp + b"\0")
        assert errno_of(info_ioctl, p.p("d/f"), "nope") == errno.ENODATA
        # another 0xDF command
        assert ioctl_errno(p.p("d/f"), 0xD000DF01, bytearray(4096), True) == errno.ENOTTY


@both
def test_mergerfs_ioctl_erange(use, impl):
    # the answer buffer is 4096 bytes: allpaths of a 1.4 KB path on three branches does not fit
    with use(impl, 3) as p:
        deep = "/".join(["n" * 200] * 7) + "/f"
        for i in range(3):
            mk(p.b(i, deep))
        n, _ = info_ioctl(p.p(deep), "relpath")
        assert n == len(deep) + 1
        assert errno_of(info_ioctl, p.p(deep), "allpaths") == errno.ERANGE


@both
def test_chattr_lsattr_through_the_pool(use, impl):
    # the kernel turns FS_IOC_GETFLAGS/SETFLAGS into FUSE ioctls with a 4-byte int itself
    with use(impl, 1) as p:
        mk(p.b(0, "f"))
        assert run(["chattr", "+A", p.p("f")]).returncode == 0
        assert "A" in run(["lsattr", p.b(0, "f")]).stdout.split()[0]
        assert "A" in run(["lsattr", p.p("f")]).stdout.split()[0]
        assert run(["chattr", "-A", p.p("f")]).returncode == 0
        assert "A" not in run(["lsattr", p.b(0, "f")]).stdout.split()[0]
        # the owner may not set immutable without CAP_LINUX_IMMUTABLE, through the pool either
        os.chown(p.b(0, "f"), 65534, 65534)
        os.chmod(p.root, 0o755)
        r = run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "chattr", "+i", p.p("f")])
        assert r.returncode != 0 and "not permitted" in r.stderr
        assert "i" not in run(["lsattr", p.b(0, "f")]).stdout.split()[0]


def test_unknown_file_ioctls_are_enotty(use):
    with use("mergerfs-j", 1) as p:
        mk(p.b(0, "f"))
        # FS_IOC_GETVERSION: not allow-listed
        assert ioctl_errno(p.p("f"), 0x80087601, bytes(8)) == errno.ENOTTY


# ---------------------------------------------------------------------------------------------- readdir


@both
def test_readdir_union_first_branch_wins_dots_once(use, impl):
    with use(impl, 2) as p:
        os.makedirs(p.b(0, "d/x"))
        mk(p.b(1, "d/x"))  # same name, a file on b2: b1's directory wins
        mk(p.b(1, "d/only2"))
        mk(p.b(0, "d/only1"))
        names = run(["ls", "-a1", p.p("d")]).stdout.split()
        assert sorted(names) == [".", "..", "only1", "only2", "x"]
        with os.scandir(p.p("d")) as it:
            kinds = {e.name: e.is_dir(follow_symlinks=False) for e in it}
        assert kinds == {"x": True, "only1": False, "only2": False}
        assert ".mergerfs" not in os.listdir(p.mnt)


@both
def test_readdir_skips_branch_dirs_the_caller_cannot_read(use, impl):
    with use(impl, 2) as p:
        os.makedirs(p.b(0, "d"))
        os.chmod(p.b(0, "d"), 0o755)
        mk(p.b(0, "d/visible"))
        os.makedirs(p.b(1, "d"))
        mk(p.b(1, "d/hidden"))
        os.chmod(p.b(1, "d"), 0o700)
        os.chmod(p.root, 0o755)
        r = run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                 sys.executable, "-c", "import os,sys; print(sorted(os.listdir(sys.argv[1])))", p.p("d")])
        assert r.returncode == 0, r.stderr
        assert r.stdout.strip() == "['visible']"
        assert sorted(os.listdir(p.p("d"))) == ["hidden", "visible"]
