"""FuseMount teardown under load: external unmount and SIGTERM while processes read and write.

A previous FuseMount freed libfuse state under a worker that was still inside libfuse and crashed the
JVM (SIGSEGV in libfuse). These tests unmount a busy pool both ways and require a clean exit 0, no
hs_err file, no error in the log, and no hung client.
"""

import contextlib
import errno
import os
import signal
import time

import faultutil as fu

LOADERS = 4


def _wait_loaders_busy(pool, names, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if all(any(os.path.exists(pool.b(i, n)) and os.path.getsize(pool.b(i, n)) > 0
                   for i in range(len(pool.branches))) for n in names):
            return
        time.sleep(0.05)
    raise AssertionError("loaders did not start writing:\n" + pool.log())


@contextlib.contextmanager
def _busy(pool):
    """LOADERS processes write and read files in pool, already busy when the block starts; when it ends
    they are told to stop and reaped, and the list yielded holds their outputs ("ops=N err=E")."""
    stop = os.path.join(pool.dir, "stop")
    names = ["load%d" % i for i in range(LOADERS)]
    procs = fu.start_loaders([pool.p(n) for n in names], stop)
    outs = []
    try:
        _wait_loaders_busy(pool, names)
        yield outs
    finally:
        open(stop, "w").close()
        outs.extend(fu.reap(procs, timeout=20))


def _assert_clean_exit(pool, rc):
    assert rc == 0, "daemon exit status %r\n%s" % (rc, pool.log())
    assert not pool.crash_files(), "JVM crash files: %s" % pool.crash_files()
    assert not pool.log_problems(), "\n".join(pool.log_problems())
    assert not fu.is_fuse_mounted(pool.mnt)


def test_external_lazy_unmount_while_busy_keeps_open_files_working_then_exits_0():
    with fu.Pool([None, None], fu.NO_CACHE) as pool:
        with _busy(pool) as outs:
            assert pool.fusermount_uz().returncode == 0
            assert not fu.is_fuse_mounted(pool.mnt)
            # detached, but the open files still reach the daemon: the loaders keep working
            time.sleep(0.5)
            assert pool.proc.poll() is None, "daemon quit while files on the detached mount were open"
        for o in outs:
            assert o.startswith("ops=") and o.endswith("err=0"), outs
        # the last open file closed: the kernel drops the connection and the daemon exits on its own
        t0 = time.time()
        rc = pool.wait_exit(15)
        assert rc is not None, "daemon still running 15 s after its connection closed"
        assert time.time() - t0 < 15
        _assert_clean_exit(pool, rc)


def test_sigterm_while_busy_exits_0_promptly_and_clients_do_not_hang():
    with fu.Pool([None, None], fu.NO_CACHE) as pool:
        with _busy(pool) as outs:
            t0 = time.time()
            pool.kill(signal.SIGTERM)
            rc = pool.wait_exit(20)
            took = time.time() - t0
        assert rc is not None, "daemon did not exit within 20 s of SIGTERM\n" + pool.log()
        assert took < 15, took
        # clients either finished or got a connection error; none hung (reap would have killed them)
        ok_errs = {0, errno.ENOTCONN, errno.ECONNABORTED, errno.EIO, errno.ENODEV}
        for o in outs:
            assert o.startswith("ops="), outs
            assert int(o.split("err=")[1]) in ok_errs, outs
        _assert_clean_exit(pool, rc)


def test_sigterm_idle_and_external_unmount_idle_exit_0_quickly():
    for how in ("term", "umount"):
        with fu.Pool([None], fu.NO_CACHE) as pool:
            fu.write_file(pool.p("f"), b"x" * 1000)
            t0 = time.time()
            if how == "term":
                pool.kill(signal.SIGTERM)
            else:
                pool.fusermount_uz()
            rc = pool.wait_exit(10)
            assert rc is not None, how
            assert time.time() - t0 < 10
            _assert_clean_exit(pool, rc)
            assert fu.read_file(pool.b(0, "f")) == b"x" * 1000


def test_connection_aborted_on_an_idle_pool_the_daemon_exits():
    """One worker reads the device while the other stands by, parked in Java (FuseMount.standBy). An
    aborted connection ends the reader's read (ENODEV); the session is over, and the parked worker must
    leave too instead of holding the daemon up."""
    with fu.Pool([None], fu.NO_CACHE) as pool:
        fu.write_file(pool.p("f"), b"x")
        for _ in range(50):
            os.stat(pool.p("f"))   # one client: the second worker parks
        time.sleep(0.2)
        pool.abort_connection()
        rc = pool.wait_exit(20)
        assert rc is not None, "daemon lingers after its connection was aborted\n" + pool.log()
        assert not fu.is_fuse_mounted(pool.mnt), "the daemon detaches its dead mount on the way out"
        assert not pool.crash_files()


def test_connection_aborted_while_a_worker_is_stuck_in_a_branch_call_the_daemon_still_exits():
    """A client blocks in flock: the daemon's worker waits on a branch lock this test holds, and the
    client cannot even be killed (the kernel waits for the daemon's answer). The admin's remedy is to
    abort the connection through fusectl; then the client gets an error, and the daemon must exit on its
    own, abandoning the stuck worker, instead of lingering until the branch call returns."""
    import fcntl
    with fu.Pool([None], fu.NO_CACHE) as pool:
        fu.write_file(pool.p("f"), b"locked")
        held = os.open(pool.b(0, "f"), os.O_RDONLY)
        client = None
        try:
            fcntl.flock(held, fcntl.LOCK_EX)
            client = fu.start_flocker(pool.p("f"))
            assert client.stdout.readline().strip() == "locking"
            time.sleep(0.5)   # let the request reach the daemon's flock
            assert client.poll() is None
            pool.abort_connection()
            out, _ = client.communicate(timeout=10)
            assert "locked" not in out and "Error" in out, out   # the client got an error, no lock
            t0 = time.time()
            rc = pool.wait_exit(20)
            assert rc is not None, "daemon lingers while one worker is stuck\n" + pool.log()
            assert time.time() - t0 < 20
            assert rc == 0
            assert not fu.is_fuse_mounted(pool.mnt), "the daemon detaches its dead mount on the way out"
        finally:
            if client is not None and client.poll() is None:
                client.kill()
            os.close(held)   # releases the lock; the abandoned worker (if any) would return now
        assert not pool.crash_files()
        problems = [l for l in pool.log_problems() if "stuck in a branch call" not in l]
        assert not problems, problems
