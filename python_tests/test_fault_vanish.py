"""A branch vanishes while the pool is mounted and busy, then comes back.

Two ways a branch goes: its filesystem is unmounted (umount -l of a bind-mounted "disk": the pool then
sees the empty directory underneath) or its directory disappears (renamed away). While it is gone the
other branches keep serving, open files keep working, lookups that need the missing branch fail with
ENOENT (never a hang or a daemon error), and the event is logged once rather than per operation. When
the branch is back at the same path it serves again.
"""

import errno
import os
import time

import faultutil as fu


def _wait_log(pool, needle, count, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pool.log().count(needle) >= count:
            return
        time.sleep(0.1)
    raise AssertionError("log never had %d x %r:\n%s" % (count, needle, pool.log()))


def _hammer_missing(pool, rel, n=200):
    """Many operations that need the missing branch: each fails ENOENT promptly, none hangs."""
    for _ in range(n):
        assert fu.errno_of(lambda: os.stat(pool.p(rel))) == errno.ENOENT
        assert fu.errno_of(lambda: open(pool.p(rel), "rb")) == errno.ENOENT


def _populate(pool, place):
    """place(i, rel) -> a path on branch i where rel can be written behind the pool's back."""
    for i in (0, 1):
        os.makedirs(place(i, "shared"), exist_ok=True)
    fu.write_file(place(0, "shared/only1"), b"on the first branch")
    fu.write_file(place(1, "shared/only2"), b"on the second branch")
    fu.write_file(place(1, "shared/busy2"), b"")
    fu.write_file(place(0, "shared/only1-open"), b"")


def _start_busy(pool):
    stop = os.path.join(pool.dir, "stop")
    # one loader on a file of the surviving branch, one holding a file of the branch that will vanish
    procs = fu.start_loaders([pool.p("shared/busy2"), pool.p("shared/only1-open")], stop)
    deadline = time.time() + 20
    while not (os.path.getsize(pool.b(1, "shared/busy2")) > 0 and os.path.getsize(pool.b(0, "shared/only1-open")) > 0):
        assert time.time() < deadline, pool.log()
        time.sleep(0.05)
    return procs, stop


def _stop_busy(procs, stop):
    open(stop, "w").close()
    outs = fu.reap(procs)
    for o in outs:
        assert o.startswith("ops=") and o.endswith("err=0"), outs


def test_unmounted_branch_filesystem_while_busy_then_remounted():
    # epmfs (the default): with b1 unplugged, "shared" exists only on b2, so new files go there. (A
    # policy without an existence check, like ff, would write into the empty directory under the
    # unplugged disk, exactly as mergerfs does.)
    with fu.Pool(["bind", "bind"], fu.NO_CACHE) as pool:
        _populate(pool, pool.b)
        procs, stop = _start_busy(pool)
        try:
            fu.run(["umount", "-l", pool.branches[0]])
            _wait_log(pool, "branch %s changed filesystem" % pool.branches[0], 1)

            # the other branch keeps working, reads and writes and listings included
            assert fu.read_file(pool.p("shared/only2")) == b"on the second branch"
            fu.write_file(pool.p("shared/new"), b"created while b1 is gone")
            assert fu.read_file(pool.disk(1, "shared/new")) == b"created while b1 is gone"
            assert sorted(os.listdir(pool.p("shared"))) == ["busy2", "new", "only2"]
            assert not os.path.exists(pool.b(0, "shared")), "nothing written under the unplugged disk"
            # what only the missing branch had: ENOENT, promptly, however often
            _hammer_missing(pool, "shared/only1")
            time.sleep(2 * 1.0)   # give the watcher two more passes: still one line for this event
            assert pool.log().count("branch %s changed filesystem" % pool.branches[0]) == 1, pool.log()

            # plugged back in at the same path: served again, with its data
            fu.run(["mount", "--bind", pool.disk(0), pool.branches[0]])
            _wait_log(pool, "branch %s changed filesystem" % pool.branches[0], 2)
            assert fu.read_file(pool.p("shared/only1")) == b"on the first branch"
            assert sorted(os.listdir(pool.p("shared"))) == ["busy2", "new", "only1", "only1-open", "only2"]
        finally:
            _stop_busy(procs, stop)
        # the file held open across the unplug got its writes (the kernel keeps a lazily unmounted fs)
        assert os.path.getsize(pool.disk(0, "shared/only1-open")) > 0
        assert pool.proc.poll() is None, "daemon died"
        assert not pool.log_problems(), pool.log_problems()
        assert pool.log().count("branch %s" % pool.branches[0]) == 2, pool.log()


def test_branch_directory_removed_while_busy_then_restored():
    with fu.Pool([None, None], fu.NO_CACHE + ",category.create=ff") as pool:
        _populate(pool, pool.b)
        procs, stop = _start_busy(pool)
        gone = pool.branches[0] + ".gone"
        try:
            os.rename(pool.branches[0], gone)
            _wait_log(pool, "branch %s is unavailable" % pool.branches[0], 1)

            assert fu.read_file(pool.p("shared/only2")) == b"on the second branch"
            # ff skips the missing first branch (its statvfs fails) and creates on the second
            fu.write_file(pool.p("shared/new"), b"n")
            os.mkdir(pool.p("newdir"))
            assert os.path.exists(pool.b(1, "shared/new")) and os.path.isdir(pool.b(1, "newdir"))
            assert not os.path.exists(pool.branches[0]), "the pool must not recreate a missing branch root"
            assert sorted(os.listdir(pool.p("shared"))) == ["busy2", "new", "only2"]
            _hammer_missing(pool, "shared/only1")
            os.statvfs(pool.mnt)
            time.sleep(2 * 1.0)
            assert pool.log().count("branch %s is unavailable" % pool.branches[0]) == 1, pool.log()

            os.rename(gone, pool.branches[0])
            _wait_log(pool, "branch %s is available again" % pool.branches[0], 1)
            assert fu.read_file(pool.p("shared/only1")) == b"on the first branch"
        finally:
            if os.path.exists(gone):
                os.rename(gone, pool.branches[0])
            _stop_busy(procs, stop)
        assert pool.proc.poll() is None, "daemon died"
        assert not pool.log_problems(), pool.log_problems()
        assert pool.log().count("branch %s" % pool.branches[0]) == 2, pool.log()


def test_branch_missing_at_startup_is_reported_once_and_joins_when_created():
    with fu.Pool([None, None], fu.NO_CACHE + ",category.create=ff") as pool:
        pool.fusermount_uz()
        assert pool.wait_exit(15) == 0
        os.rmdir(pool.branches[0])
        pool.start()
        _wait_log(pool, "branch %s is unavailable" % pool.branches[0], 1)
        fu.write_file(pool.p("x"), b"x")
        assert os.path.exists(pool.b(1, "x"))
        os.mkdir(pool.branches[0])
        _wait_log(pool, "branch %s is available again" % pool.branches[0], 1)
        fu.write_file(pool.p("y"), b"y")
        assert os.path.exists(pool.b(0, "y")), "ff uses the first branch again"
        assert not pool.log_problems(), pool.log_problems()
