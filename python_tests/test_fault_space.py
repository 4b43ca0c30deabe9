"""Full branches (MFS-01..03, MOVE-01..05) and read-only branch filesystems (POL-03), on small tmpfs branches.

b1 is a small tmpfs, b2 a bigger one. With category.create=ff a new file lands on b1 while b1 has
minfreespace left, so writing past b1's size is what fills it.
"""

import errno
import os
import random
import shutil
import threading

import pytest

import faultutil as fu

MiB = fu.MiB


def _fill(path, leave_bytes):
    """Fills the filesystem at path with a filler file until about leave_bytes are free (behind the pool)."""
    st = os.statvfs(path)
    free = st.f_bavail * st.f_frsize
    if free > leave_bytes:
        fu.write_file(os.path.join(path, ".filler"), b"\0" * (free - leave_bytes))


def _free(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def _pattern(seed, n):
    return random.Random(seed).randbytes(n)


def _append_mib_until_error(fd, fill, most):
    """Writes up to most MiB of the fill byte to fd, a MiB a call; the errno of the write that failed, or 0."""
    def go():
        for _ in range(most):
            os.write(fd, fill * MiB)
    return fu.errno_of(go)


# ------------------------------------------------------------------------------------ minfreespace


def test_create_policies_skip_a_branch_below_minfreespace_and_fail_enospc_when_all_are():
    with fu.Pool(["8m", "16m"], fu.NO_CACHE + ",minfreespace=2M,category.create=ff") as pool:
        fu.write_file(pool.p("first"), b"1")
        assert os.path.exists(pool.b(0, "first")), "ff with room on b1 picks b1"
        _fill(pool.branches[0], 1 * MiB)
        for pol in ("ff", "mfs", "lfs", "lus", "rand", "pfrd", "epmfs"):
            pool.setopt("category.create", pol)
            name = "after-" + pol
            fu.write_file(pool.p(name), b"2")
            assert not os.path.exists(pool.b(0, name)), "%s placed a file on the full branch" % pol
            assert os.path.exists(pool.b(1, name)), pol
        # a mkdir is a create too
        os.mkdir(pool.p("newdir"))
        assert os.path.isdir(pool.b(1, "newdir")) and not os.path.exists(pool.b(0, "newdir"))
        # all branches below minfreespace: ENOSPC before anything is created (POL-03/04)
        _fill(pool.branches[1], 1 * MiB)
        pool.setopt("category.create", "mfs")
        assert fu.errno_of(lambda: fu.write_file(pool.p("none"), b"3")) == errno.ENOSPC
        assert fu.errno_of(lambda: os.mkdir(pool.p("nodir"))) == errno.ENOSPC
        assert not any(os.path.exists(pool.b(i, n)) for i in (0, 1) for n in ("none", "nodir"))
        # action and search functions never look at free space (MFS-01)
        assert fu.read_file(pool.p("first")) == b"1"
        os.chmod(pool.p("first"), 0o600)
        os.unlink(pool.p("first"))


# ------------------------------------------------------------------------------------ moveonenospc


@pytest.mark.parametrize("cache", ["off", "partial"])
def test_moveonenospc_moves_the_file_being_written_and_the_handle_keeps_working(cache):
    opts = fu.NO_CACHE + ",minfreespace=1M,category.create=ff,moveonenospc=mfs,cache.files=" + cache
    with fu.Pool(["8m", "64m"], opts) as pool:
        data = _pattern(1, 12 * MiB)
        os.mkdir(pool.p("dir"))
        fd = os.open(pool.p("dir/grow.bin"), os.O_RDWR | os.O_CREAT, 0o640)
        try:
            assert os.path.exists(pool.b(0, "dir/grow.bin")), "starts on b1"
            for off in range(0, len(data), MiB):
                assert os.write(fd, data[off:off + MiB]) == MiB
            # moved: only on b2 now, complete; and the same fd keeps reading and writing
            assert not os.path.exists(pool.b(0, "dir/grow.bin"))
            assert fu.read_file(pool.b(1, "dir/grow.bin")) == data
            assert os.pread(fd, 4096, 5 * MiB) == data[5 * MiB:5 * MiB + 4096]
            os.pwrite(fd, b"patched", 100)
            os.write(fd, b"tail")
            os.fsync(fd)
            assert os.fstat(fd).st_size == len(data) + 4
        finally:
            os.close(fd)
        want = data[:100] + b"patched" + data[107:] + b"tail"
        assert fu.read_file(pool.b(1, "dir/grow.bin")) == want
        assert fu.read_file(pool.p("dir/grow.bin")) == want
        st = os.stat(pool.b(1, "dir/grow.bin"))
        assert st.st_mode & 0o777 == 0o640, "metadata copied"
        # no temp files left behind on either branch
        assert os.listdir(pool.b(1, "dir")) == ["grow.bin"]
        assert os.listdir(pool.b(0, "dir")) == []
        assert not pool.log_problems(), pool.log_problems()


def test_moveonenospc_with_concurrent_writers_on_one_handle_loses_nothing():
    """Four threads write disjoint 256 KiB blocks through one fd while the move happens (MOVE-05).

    The kernel already serializes writes to one FUSE inode, so this checks that data survives a move with
    several writers queued on the handle; the daemon's own per-handle lock is defence in depth for
    writeback and parallel-direct-write modes where that kernel serialization does not hold."""
    opts = fu.NO_CACHE + ",minfreespace=1M,category.create=ff,moveonenospc=true,cache.files=off"
    with fu.Pool(["6m", "64m"], opts) as pool:
        blk, nblocks, nthreads = 256 * 1024, 64, 4      # 16 MiB in total, b1 holds 6
        fd = os.open(pool.p("shared.bin"), os.O_RDWR | os.O_CREAT, 0o644)
        errors = []

        def writer(t):
            try:
                for i in range(t, nblocks, nthreads):
                    buf = _pattern(i, blk)
                    assert os.pwrite(fd, buf, i * blk) == blk
            except BaseException as e:  # noqa: B902 - reported below
                errors.append(e)

        threads = [threading.Thread(target=writer, args=(t,)) for t in range(nthreads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        try:
            assert not errors, errors
            assert not any(t.is_alive() for t in threads)
            os.fsync(fd)
        finally:
            os.close(fd)
        assert not os.path.exists(pool.b(0, "shared.bin"))
        got = fu.read_file(pool.b(1, "shared.bin"))
        assert len(got) == nblocks * blk
        bad = [i for i in range(nblocks) if got[i * blk:(i + 1) * blk] != _pattern(i, blk)]
        assert not bad, "blocks lost or torn by the move: %s" % bad


def test_without_moveonenospc_the_writer_gets_enospc_and_existing_data_is_intact():
    opts = fu.NO_CACHE + ",minfreespace=1M,category.create=ff,moveonenospc=false,cache.files=off"
    with fu.Pool(["8m", "64m"], opts) as pool:
        data = _pattern(2, 2 * MiB)
        fd = os.open(pool.p("f.bin"), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            os.write(fd, data)
            os.fsync(fd)
            assert _append_mib_until_error(fd, b"\xff", 16) == errno.ENOSPC
            # the handle still reads, the acknowledged prefix is intact, and the file stayed put
            assert os.pread(fd, len(data), 0) == data
        finally:
            os.close(fd)
        on_b1 = fu.read_file(pool.b(0, "f.bin"))
        assert on_b1[:len(data)] == data
        assert set(on_b1[len(data):]) <= {0xff}
        assert not os.path.exists(pool.b(1, "f.bin"))


def test_moveonenospc_that_cannot_move_returns_the_original_enospc_and_changes_nothing():
    """No other branch has room for the file: the write fails ENOSPC, the file is untouched (MOVE-03)."""
    opts = fu.NO_CACHE + ",minfreespace=1M,category.create=ff,moveonenospc=true,cache.files=off"
    with fu.Pool(["8m", "4m"], opts) as pool:
        data = _pattern(3, 5 * MiB)
        fd = os.open(pool.p("big.bin"), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            os.write(fd, data)
            assert _append_mib_until_error(fd, b"\xee", 8) == errno.ENOSPC
            assert os.pread(fd, len(data), 0) == data
        finally:
            os.close(fd)
        assert fu.read_file(pool.b(0, "big.bin"))[:len(data)] == data
        assert os.listdir(pool.branches[1]) in ([], ["lost+found"])


# ------------------------------------------------------------------------------------ read-only branch fs


def _remount(path, mode):
    fu.run(["mount", "-o", "remount," + mode, path])


def test_read_only_branch_fs_creates_go_elsewhere_and_writes_there_fail_erofs():
    with fu.Pool(["16m", "16m"], fu.NO_CACHE + ",minfreespace=1M,category.create=ff") as pool:
        fu.write_file(pool.p("old"), b"old data")
        assert os.path.exists(pool.b(0, "old"))
        _remount(pool.branches[0], "ro")
        for pol in ("ff", "mfs", "epmfs", "lfs", "rand"):
            pool.setopt("category.create", pol)
            fu.write_file(pool.p("new-" + pol), b"n")
            assert os.path.exists(pool.b(1, "new-" + pol)), pol
        os.mkdir(pool.p("d"))
        assert os.path.isdir(pool.b(1, "d"))
        # the file on the read-only branch: readable; changes fail with EROFS (action policy skips RO fs)
        assert fu.read_file(pool.p("old")) == b"old data"
        assert fu.errno_of(lambda: os.chmod(pool.p("old"), 0o600)) == errno.EROFS
        assert fu.errno_of(lambda: os.unlink(pool.p("old"))) == errno.EROFS
        assert fu.errno_of(lambda: os.open(pool.p("old"), os.O_WRONLY)) == errno.EROFS
        # and back to read-write: b1 is used again
        _remount(pool.branches[0], "rw")
        pool.setopt("category.create", "ff")
        fu.write_file(pool.p("again"), b"a")
        assert os.path.exists(pool.b(0, "again"))


PRIORITY_CASES = [
    # (state of b1, state of b2, errno of a create when neither qualifies) -- EROFS > ENOSPC > ENOENT
    ("ro", "full", errno.EROFS),
    ("full", "ro", errno.EROFS),
    ("full", "full", errno.ENOSPC),
    ("ro", "noparent", errno.EROFS),
    ("full", "noparent", errno.ENOSPC),
    ("noparent", "noparent", errno.ENOENT),
]


def test_error_priority_when_no_branch_qualifies():
    """One pool, the branch states rebuilt for each case (a mount per case would cost seconds each)."""
    with fu.Pool(["8m", "8m"], fu.NO_CACHE + ",minfreespace=2M,category.create=epmfs") as pool:
        for b1, b2, want in PRIORITY_CASES:
            for i, state in enumerate((b1, b2)):
                br = pool.branches[i]
                _remount(br, "rw")
                for leftover in (".filler", "p/f"):
                    if os.path.exists(os.path.join(br, leftover)):
                        os.unlink(os.path.join(br, leftover))
                if os.path.isdir(os.path.join(br, "p/d")):
                    os.rmdir(os.path.join(br, "p/d"))
                if os.path.isdir(os.path.join(br, "p")):
                    os.rmdir(os.path.join(br, "p"))
                if state != "noparent":
                    os.mkdir(os.path.join(br, "p"))
                if state == "full":
                    _fill(br, 1 * MiB)
                elif state == "ro":
                    _remount(br, "ro")
            for name in ("f", "d"):
                make = (lambda: fu.write_file(pool.p("p/f"), b"x")) if name == "f" else (lambda: os.mkdir(pool.p("p/d")))
                assert fu.errno_of(make) == want, (b1, b2, name)
            assert not any(os.path.exists(pool.b(i, "p/" + n)) for i in (0, 1) for n in ("f", "d"))


@pytest.mark.skipif(not shutil.which("mergerfs"), reason="needs mergerfs for a FUSE branch")
@pytest.mark.parametrize("other,moves", [("64m", True), ("fuse", False)])
def test_moveonenospc_turned_on_later_moves_a_file_without_flush_only_onto_a_quiet_branch(other, moves):
    # Opened while moveonenospc was off on a tmpfs branch, the file's close sends no FLUSH (tmpfs's close
    # does nothing). Moved onto a FUSE or network branch its close would matter, and nobody would ask:
    # such a move is refused and the write fails ENOSPC; onto another quiet branch it goes ahead.
    opts = fu.NO_CACHE + ",minfreespace=1M,category.create=ff"
    with fu.Pool(["8m", other], opts) as pool:
        data = _pattern(2, 12 * MiB)
        fd = os.open(pool.p("grow.bin"), os.O_RDWR | os.O_CREAT, 0o640)
        err = None
        try:
            assert os.path.exists(pool.b(0, "grow.bin")), "starts on b1"
            pool.setopt("moveonenospc", "mfs")
            for off in range(0, len(data), MiB):
                try:
                    assert os.write(fd, data[off:off + MiB]) == MiB
                except OSError as e:
                    err = e.errno
                    break
        finally:
            os.close(fd)
        if moves:
            assert err is None
            assert fu.read_file(pool.b(1, "grow.bin")) == data
            assert not os.path.exists(pool.b(0, "grow.bin"))
        else:
            assert err == errno.ENOSPC
            assert os.path.exists(pool.b(0, "grow.bin"))
            assert os.listdir(pool.b(1)) == [], "nothing left on the FUSE branch"
