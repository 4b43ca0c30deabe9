"""Open flags set in OPEN/CREATE replies (fuse/OpenReply.java): flush-on-close (OPT-65) and
passthrough.io (OPT-69), options of newer mergerfs that 2.33.5 does not have.

flush-on-close decides which close(2) calls the kernel reports to the daemon with a FLUSH request (which
mergerfs answers by closing a dup of the branch fd, so close-time errors of NFS-like branches reach the
caller). The daemon's TRACE log shows each FLUSH it serves ("flush fh=").

passthrough.io makes the kernel read and write the branch file itself (Linux 6.9+, FUSE_PASSTHROUGH).
The proof used here: with the daemon stopped (SIGSTOP), reads and writes on a file opened before keep
working, because no request reaches the daemon; an open the kernel did not pass through would block.
The daemon is always continued (SIGCONT) in a finally block, and every call into the mount runs with a
timeout, so a regression fails the test instead of hanging it.
"""

import errno
import mmap
import os
import random
import re
import shutil
import threading
import time

import pytest

import faultutil as fu
import permtools

MiB = 1 << 20


def _wait_released(pool, n, timeout=15):
    """Waits until the daemon's TRACE log shows n finished passthrough releases in all (the kernel sends
    RELEASE in the background, so a close returns before the daemon has seen it)."""
    deadline = time.time() + timeout
    while pool.log().count("passthrough released fh=") < n:
        assert time.time() < deadline, "releases not seen: %s" % pool.log()[-2000:]
        time.sleep(0.05)


def _flushes(pool):
    return len(re.findall(r"flush fh=\d+", pool.log()))


def _open_close(path, flags):
    fd = fu.call_with_timeout(lambda: os.open(path, flags), 10)
    fu.call_with_timeout(lambda: os.close(fd), 10)


# ------------------------------------------------------------------------------------- flush-on-close

needs_noflush = pytest.mark.skipif(not fu.kernel_at_least(5, 16), reason="FOPEN_NOFLUSH needs Linux 5.16+")


needs_mergerfs = pytest.mark.skipif(not shutil.which("mergerfs"), reason="needs mergerfs for a FUSE branch")


@pytest.mark.parametrize("branch,mode,ro_flushes,rw_flushes", [
    pytest.param("8m", "never", 0, 0, marks=needs_noflush),
    ("8m", "always", 1, 1),
    # tmpfs files have no flush method: a FLUSH there could do and report nothing
    pytest.param("8m", "opened-for-write", 0, 0, marks=needs_noflush),
    # a FUSE branch's close goes to its daemon, as an NFS close goes to the server
    pytest.param("fuse", "opened-for-write", 0, 1, marks=[needs_noflush, needs_mergerfs]),
    pytest.param("fuse", "never", 0, 0, marks=[needs_noflush, needs_mergerfs]),
    pytest.param("fuse", "always", 1, 1, marks=needs_mergerfs),
])
def test_flush_on_close_decides_which_closes_reach_the_daemon(branch, mode, ro_flushes, rw_flushes):
    with fu.Pool([branch], "minfreespace=0,flush-on-close=%s" % mode) as pool:
        fu.write_file(pool.p("f"), b"data")
        pool.setopt("log.level", "trace")
        before = _flushes(pool)
        _open_close(pool.p("f"), os.O_RDONLY)
        after_ro = _flushes(pool)
        _open_close(pool.p("f"), os.O_WRONLY)
        after_rw = _flushes(pool)
        _open_close(pool.p("g"), os.O_RDWR | os.O_CREAT)
        after_create = _flushes(pool)
        pool.setopt("log.level", "info")
        assert (after_ro - before, after_rw - after_ro, after_create - after_rw) == \
            (ro_flushes, rw_flushes, rw_flushes), pool.log()[-3000:]
        assert not pool.log_problems(), pool.log_problems()


@needs_noflush
def test_flush_on_close_flushes_write_opens_when_moveonenospc_may_move_the_file():
    # a write may move the file to another branch before close, whose filesystem was not looked at
    with fu.Pool(["8m"], "minfreespace=0,moveonenospc=true") as pool:
        fu.write_file(pool.p("f"), b"data")
        pool.setopt("log.level", "trace")
        before = _flushes(pool)
        _open_close(pool.p("f"), os.O_WRONLY)
        _open_close(pool.p("f"), os.O_RDONLY)
        assert _flushes(pool) - before == 1, pool.log()[-3000:]
        pool.setopt("moveonenospc", "false")
        _open_close(pool.p("f"), os.O_WRONLY)
        assert _flushes(pool) - before == 1, pool.log()[-3000:]


@needs_noflush
@needs_mergerfs
def test_flush_on_close_asks_each_write_open_for_its_own_filesystem():
    # the same pool, one quiet branch and one that is not: each file is judged by where it lives
    with fu.Pool(["8m", "fuse"], "minfreespace=0") as pool:
        fu.write_file(os.path.join(pool.branches[0], "quiet"), b"a")
        fu.write_file(os.path.join(pool.branches[1], "loud"), b"b")
        pool.setopt("log.level", "trace")
        before = _flushes(pool)
        for _ in range(3):
            _open_close(pool.p("quiet"), os.O_WRONLY)
        mid = _flushes(pool)
        for _ in range(3):
            _open_close(pool.p("loud"), os.O_WRONLY)
            _open_close(pool.p("quiet"), os.O_WRONLY)
        assert (mid - before, _flushes(pool) - mid) == (0, 3), pool.log()[-3000:]


@needs_noflush
def test_flush_on_close_changes_at_runtime_for_new_opens():
    with fu.Pool([None]) as pool:
        fu.write_file(pool.p("f"), b"data")
        assert os.getxattr(pool.p(".mergerfs"), "user.mergerfs.flush-on-close") == b"opened-for-write"
        pool.setopt("log.level", "trace")
        pool.setopt("flush-on-close", "always")
        before = _flushes(pool)
        _open_close(pool.p("f"), os.O_RDONLY)
        assert _flushes(pool) - before == 1
        pool.setopt("flush-on-close", "never")
        _open_close(pool.p("f"), os.O_WRONLY)
        _open_close(pool.p("f"), os.O_RDONLY)
        assert _flushes(pool) - before == 1
        with pytest.raises(OSError) as e:
            pool.setopt("flush-on-close", "sometimes")
        assert e.value.errno == errno.EINVAL


# ------------------------------------------------------------------------------------- passthrough.io

def _pt_pool(sizes, opts):
    """A pool with passthrough asked for; skips when this kernel or daemon cannot give it."""
    if not fu.kernel_at_least(6, 9):
        pytest.skip("FUSE passthrough needs Linux 6.9+")
    pool = fu.Pool(sizes, opts)
    try:
        if "FUSE passthrough on" not in pool.log():
            pytest.skip("kernel did not offer FUSE passthrough: " + pool.log()[-500:])
        # the kernel may still refuse backing files (a daemon without CAP_SYS_ADMIN, in a container)
        pool.setopt("log.level", "trace")
        fu.write_file(pool.b(0, ".probe"), b"p")  # on the branch: no earlier open of it through the pool
        fu.call_with_timeout(lambda: os.close(os.open(pool.p(".probe"), os.O_RDONLY)), 10)
        if "refused a backing file" in pool.log():
            pytest.skip("kernel refused backing files: " + pool.log()[-500:])
        # its release comes in the background: let it pass before the test counts releases
        _wait_released(pool, 1)
        os.unlink(pool.p(".probe"))
        pool.setopt("log.level", "info")
    except BaseException:
        pool.close()
        raise
    return pool


@pytest.mark.parametrize("extra", ["", ",cache.files=off", ",cache.files=full"])
def test_passthrough_reads_and_writes_do_not_reach_the_daemon(extra):
    pool = _pt_pool([None, None], "passthrough.io=rw,category.create=ff" + extra)
    with pool:
        data = os.urandom(3 * MiB)
        fu.write_file(pool.p("f"), data)
        assert fu.read_file(pool.b(0, "f")) == data
        fd = os.open(pool.p("f"), os.O_RDWR)
        try:
            # the first write after the attributes were refreshed makes the kernel ask the daemon for
            # security.capability once (its kill-privileges check): make it before stopping the daemon
            assert fu.call_with_timeout(lambda: os.pwrite(fd, data[:1], 0), 5) == 1
            with fu.stopped(pool):
                got = fu.call_with_timeout(lambda: os.pread(fd, 3 * MiB, 0), 5)
                n = fu.call_with_timeout(lambda: os.pwrite(fd, b"X" * 4096, MiB), 5)
            assert got == data
            assert n == 4096
        finally:
            fu.call_with_timeout(lambda: os.close(fd), 10)
        expect = data[:MiB] + b"X" * 4096 + data[MiB + 4096:]
        assert fu.read_file(pool.b(0, "f")) == expect
        assert fu.read_file(pool.p("f")) == expect
        assert not pool.log_problems(), pool.log_problems()


def test_passthrough_file_can_be_mapped():
    pool = _pt_pool([None], "passthrough.io=rw")
    with pool:
        fu.write_file(pool.p("m"), b"a" * 8192)
        with open(pool.p("m"), "r+b") as f:
            m = mmap.mmap(f.fileno(), 8192)
            try:
                with fu.stopped(pool):  # page faults and msync go to the branch file, not to the daemon
                    def touch():
                        m[100:105] = b"hello"
                        m.flush()
                        return bytes(m[96:109])
                    assert fu.call_with_timeout(touch, 5) == b"aaaahelloaaaa"
            finally:
                m.close()
        assert fu.read_file(pool.b(0, "m"))[98:107] == b"aahelloaa"


def test_passthrough_ro_leaves_writers_to_the_daemon_and_mixed_opens_work():
    """passthrough.io=ro: O_RDONLY opens are passed through. The kernel fails an open that would mix
    passthrough and page-cached opens of one inode, so opens of an inode follow the ones still open."""
    pool = _pt_pool([None], "passthrough.io=ro")
    with pool:
        # files made on the branch: no earlier open through the pool whose release could still be on its way
        fu.write_file(pool.b(0, "a"), b"A" * 65536)
        fu.write_file(pool.b(0, "b"), b"B" * 65536)
        pool.setopt("log.level", "trace")
        base = pool.log().count("passthrough released fh=")
        # a: reader first -> passed through; the writer that follows shares it
        r = os.open(pool.p("a"), os.O_RDONLY)
        w = fu.call_with_timeout(lambda: os.open(pool.p("a"), os.O_RDWR), 10)
        try:
            # the first write to an inode makes the kernel ask the daemon for security.capability once
            # (its kill-privileges check; the answer is remembered until the attributes change)
            assert fu.call_with_timeout(lambda: os.pwrite(w, b"A", 0), 5) == 1
            with fu.stopped(pool):
                assert fu.call_with_timeout(lambda: os.pread(r, 4, 0), 5) == b"AAAA"
                assert fu.call_with_timeout(lambda: os.pwrite(w, b"z", 0), 5) == 1
        finally:
            os.close(w)
            os.close(r)
        assert fu.read_file(pool.b(0, "a"))[:2] == b"zA"
        _wait_released(pool, base + 2)
        # b: writer first -> through the daemon; a reader opened meanwhile must still open and read
        w = os.open(pool.p("b"), os.O_RDWR)
        try:
            r = fu.call_with_timeout(lambda: os.open(pool.p("b"), os.O_RDONLY), 10)
            try:
                assert fu.call_with_timeout(lambda: os.pwrite(w, b"y", 1), 5) == 1
                assert fu.call_with_timeout(lambda: os.pread(r, 3, 0), 5) == b"ByB"
            finally:
                os.close(r)
        finally:
            os.close(w)
        # once the daemon has seen both releases, a new reader of b is passed through again
        _wait_released(pool, base + 4)
        r = os.open(pool.p("b"), os.O_RDONLY)
        try:
            with fu.stopped(pool):
                assert fu.call_with_timeout(lambda: os.pread(r, 3, 0), 5) == b"ByB"
        finally:
            os.close(r)
        assert not pool.log_problems(), pool.log_problems()


def test_passthrough_setuid_file_goes_through_the_daemon():
    """A set-user-ID file is not passed through (the kernel would write it with the credentials of
    whoever opened it first): its reads reach the daemon, which logs each at TRACE level. A plain file
    beside it is passed through and its read is not logged."""
    pool = _pt_pool([None], "passthrough.io=rw")
    with pool:
        for name, mode in (("s", 0o4755), ("p", 0o755)):
            fu.write_file(pool.b(0, name), name.encode() * 4096)
            os.chmod(pool.b(0, name), mode)
        pool.setopt("log.level", "trace")
        reads = {}
        for name in ("s", "p"):
            before = len(re.findall(r"read fh=\d+ size=", pool.log()))
            fd = os.open(pool.p(name), os.O_RDONLY)
            try:
                assert fu.call_with_timeout(lambda: os.pread(fd, 4, 0), 10) == name.encode() * 4
            finally:
                os.close(fd)
            reads[name] = len(re.findall(r"read fh=\d+ size=", pool.log())) - before
        assert reads["s"] >= 1 and reads["p"] == 0, reads


def test_passthrough_o_direct_open_goes_through_the_daemon():
    """An O_DIRECT open does not start passthrough (the kernel would reopen the branch file O_DIRECT, which
    some branches refuse, and it would demand aligned buffers): its reads reach the daemon."""
    pool = _pt_pool([None], "passthrough.io=rw")
    with pool:
        fu.write_file(pool.b(0, "d"), b"D" * 8192)
        pool.setopt("log.level", "trace")
        before = len(re.findall(r"read fh=\d+ size=", pool.log()))
        fd = os.open(pool.p("d"), os.O_RDONLY | os.O_DIRECT)
        try:
            assert fu.call_with_timeout(lambda: os.pread(fd, 4096, 0), 10) == b"D" * 4096
        finally:
            os.close(fd)
        assert len(re.findall(r"read fh=\d+ size=", pool.log())) > before


def test_passthrough_backing_file_is_let_go_after_the_last_close():
    """The kernel keeps a registered backing file open until its id is closed: space of a file unlinked
    while open must come back once the last open of it is closed."""
    pool = _pt_pool(["32m"], "passthrough.io=rw,minfreespace=1M")
    with pool:
        def free():
            st = os.statvfs(pool.b(0))
            return st.f_bavail * st.f_frsize

        empty = free()
        fu.write_file(pool.p("big"), os.urandom(16 * MiB))
        fds = [os.open(pool.p("big"), os.O_RDONLY) for _ in range(2)]
        with fu.stopped(pool):  # both opens are passed through
            assert fu.call_with_timeout(lambda: os.pread(fds[0], 16, 0) and os.pread(fds[1], 16, 0), 5)
        os.unlink(pool.p("big"))
        assert free() < empty - 8 * MiB
        os.close(fds[0])
        assert free() < empty - 8 * MiB  # one open left: still in use
        os.close(fds[1])
        ok = False
        for _ in range(100):
            if free() > empty - MiB:
                ok = True
                break
            time.sleep(0.05)
        assert ok, "branch space not returned: %d of %d bytes free" % (free(), empty)


def test_passthrough_is_read_only_at_runtime():
    with fu.Pool([None]) as pool:
        assert os.getxattr(pool.p(".mergerfs"), "user.mergerfs.passthrough.io") == b"off"
        with pytest.raises(OSError) as e:
            pool.setopt("passthrough.io", "rw")
        assert e.value.errno == errno.EROFS
        assert os.getxattr(pool.p(".mergerfs"), "user.mergerfs.passthrough.io") == b"off"


def test_passthrough_open_of_a_replaced_branch_file_fails_ebusy():
    """An inode's later opens must share its backing file; if the branch file was replaced meanwhile,
    sharing would send the new writer's data into the old file. The open fails EBUSY instead."""
    pool = _pt_pool([None], "passthrough.io=rw")
    with pool:
        fu.write_file(pool.p("f"), b"old")
        r = os.open(pool.p("f"), os.O_RDONLY)
        try:
            fu.write_file(pool.b(0, "f.new"), b"new!")
            os.rename(pool.b(0, "f.new"), pool.b(0, "f"))
            with pytest.raises(OSError) as e:
                fu.call_with_timeout(lambda: os.close(os.open(pool.p("f"), os.O_WRONLY)), 10)
            assert e.value.errno == errno.EBUSY
            assert fu.call_with_timeout(lambda: os.pread(r, 3, 0), 5) == b"old"
        finally:
            os.close(r)
        # once the reader's release has reached the daemon (the kernel sends it in the background), the
        # new file is opened and passed through on its own
        for _ in range(50):
            try:
                fu.write_file(pool.p("f"), b"fresh")
                break
            except OSError as e:
                assert e.errno == errno.EBUSY
                time.sleep(0.1)
        assert fu.read_file(pool.b(0, "f")) == b"fresh"
        assert not pool.log_problems(), pool.log_problems()


def test_passthrough_with_link_cow_writes_reach_the_copy_only():
    """link_cow: a hard-linked file is not passed through, so a writer after a reader gets its own copy
    (and the other link keeps its content) instead of sharing the reader's backing file."""
    pool = _pt_pool([None], "passthrough.io=rw,link_cow=true")
    with pool:
        fu.write_file(pool.b(0, "a"), b"shared")
        os.link(pool.b(0, "a"), pool.b(0, "b"))
        r = os.open(pool.p("a"), os.O_RDONLY)
        try:
            w = fu.call_with_timeout(lambda: os.open(pool.p("a"), os.O_WRONLY), 10)
            try:
                assert fu.call_with_timeout(lambda: os.pwrite(w, b"COPIED", 0), 5) == 6
            finally:
                os.close(w)
        finally:
            os.close(r)
        assert fu.read_file(pool.b(0, "a")) == b"COPIED"
        assert fu.read_file(pool.b(0, "b")) == b"shared"


def test_passthrough_user_write_clears_setuid_gained_while_root_registration_is_shared():
    """root's open registered the backing file, and the kernel does every shared open's writes with the
    registering credentials; CAP_FSETID is left out of them, so a user's write through the shared file
    still clears a set-user-ID bit set after registration, as the user's own write would."""
    permtools.ensure_users()
    uid = sorted(permtools.USERS)[0]
    pool = _pt_pool([None], "passthrough.io=rw")
    with pool:
        fu.write_file(pool.b(0, "s"), b"S" * 16)
        os.chmod(pool.b(0, "s"), 0o666)
        r = os.open(pool.p("s"), os.O_RDONLY)  # root: passed through
        try:
            with fu.stopped(pool):
                assert fu.call_with_timeout(lambda: os.pread(r, 2, 0), 5) == b"SS"
            os.chmod(pool.p("s"), 0o4777)
            res = permtools.as_user(uid, pool.mnt, [["append", "s", "x"]])
            assert res == ["ok"], res
        finally:
            os.close(r)
        assert fu.read_file(pool.b(0, "s")) == b"S" * 16 + b"x"
        assert os.stat(pool.b(0, "s")).st_mode & 0o7777 == 0o777


@pytest.mark.parametrize("mode", ["ro", "rw"])
def test_passthrough_concurrent_mixed_opens_never_fail(mode):
    """Threads open, read, write and close three files in every access mode for a few seconds. Whether an
    open is passed through depends on the daemon's count of the node's other opens, which trails the
    kernel's (RELEASE comes in the background): no open, read or write may fail on the way."""
    pool = _pt_pool([None], "passthrough.io=%s" % mode)
    with pool:
        names = ["c%d" % i for i in range(3)]
        for n in names:
            fu.write_file(pool.b(0, n), b"0" * 8192)
        errors, counts = [], [0]
        stop = threading.Event()

        def worker(seed):
            rnd = random.Random(seed)
            while not stop.is_set():
                name = rnd.choice(names)
                flags = rnd.choice([os.O_RDONLY, os.O_RDONLY, os.O_WRONLY, os.O_RDWR])
                try:
                    fd = os.open(pool.p(name), flags)
                    try:
                        if flags != os.O_RDONLY:
                            os.pwrite(fd, b"%d" % rnd.randrange(10), rnd.randrange(8192))
                        if flags != os.O_WRONLY:
                            assert len(os.pread(fd, 4096, rnd.randrange(4096))) == 4096
                    finally:
                        os.close(fd)
                    counts[0] += 1
                except (OSError, AssertionError) as e:
                    errors.append("%s %o: %r" % (name, flags, e))

        threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(6)]
        for t in threads:
            t.start()
        time.sleep(4)
        stop.set()
        for t in threads:
            t.join(20)
        assert not any(t.is_alive() for t in threads), "a worker hung"
        assert not errors, errors[:10]
        assert counts[0] > 1000, counts  # tens of thousands here
        assert not pool.log_problems(), pool.log_problems()
