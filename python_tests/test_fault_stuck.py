"""Workers stuck in branch calls must not stall the pool, and the extra workers go away afterwards.

The worker pool starts small (two workers) because one client's request/reply ping-pong is fastest when
the worker that answered is back at its read for the next request (a pool grown to dozens of threads made
every request wake a sleeping thread: create/unlink 1.5-2.5x slower). It grows only when a request has
been in flight for 10 ms with no worker reading the device: these tests block several workers at once in
flock(2) on branch files this test holds locked, then require the mount to keep answering, and after the
locks are released require the surplus workers to leave.
"""

import errno
import fcntl
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest

import faultutil as fu

STUCK = 4


def test_workers_stuck_in_branch_calls_do_not_stall_the_pool_and_surplus_workers_leave():
    with fu.Pool([None], fu.NO_CACHE) as pool:
        held, clients = [], []
        try:
            for i in range(STUCK):
                fu.write_file(pool.p("f%d" % i), b"x")
                fd = os.open(pool.b(0, "f%d" % i), os.O_RDONLY)
                fcntl.flock(fd, fcntl.LOCK_EX)
                held.append(fd)
            for i in range(STUCK):
                c = fu.start_flocker(pool.p("f%d" % i))
                clients.append(c)
                assert c.stdout.readline().strip() == "locking"
            time.sleep(0.5)   # every flock request is now inside a worker, blocked on our lock
            assert all(c.poll() is None for c in clients)
            assert len(pool.worker_names()) >= STUCK + 1, pool.worker_names()

            # the mount keeps answering while STUCK workers wait
            t0 = time.time()
            for i in range(50):
                fu.call_with_timeout(lambda: os.stat(pool.p("f%d" % (i % STUCK))), 5)
                fu.call_with_timeout(lambda: os.listdir(pool.mnt), 5)
            fu.write_file(pool.p("g"), b"y" * 4096)
            assert fu.read_file(pool.p("g")) == b"y" * 4096
            assert time.time() - t0 < 10

            for fd in held:
                os.close(fd)   # releases the locks: the clients get theirs one after another
            held = []
            for c in clients:
                out, _ = c.communicate(timeout=10)
                assert "locked" in out, out
        finally:
            for fd in held:
                os.close(fd)
            for c in clients:
                if c.poll() is None:
                    c.kill()

        # surplus workers leave once they are not the only reader (a few requests drive them out)
        deadline = time.time() + 10
        while time.time() < deadline:
            for i in range(20):
                fu.call_with_timeout(lambda: os.stat(pool.p("g")), 5)
            if len(pool.worker_names()) <= 3:
                break
            time.sleep(0.1)
        assert len(pool.worker_names()) <= 3, pool.worker_names()
        assert not pool.crash_files()
        assert not pool.log_problems(), pool.log_problems()


@pytest.mark.skipif(not shutil.which("mergerfs"), reason="needs mergerfs for a FUSE branch")
def test_a_lookup_stuck_on_a_hung_branch_does_not_hold_up_other_lookups_in_its_directory():
    # Without FUSE_PARALLEL_DIROPS the kernel takes a per-directory lock around every LOOKUP, so one name
    # whose search reaches a hung branch (a disk spinning up, a dead NFS server) would stop every lookup
    # in that directory, including names the first branch answers at once.
    with fu.Pool([None, "fuse"], fu.NO_CACHE + ",minfreespace=0") as pool:
        os.mkdir(pool.b(0, "d"))
        os.mkdir(pool.b(1, "d"))
        for i in range(3):
            fu.write_file(pool.b(0, "d/here%d" % i), b"x")
        fu.call_with_timeout(lambda: os.stat(pool.p("d")), 10)
        box = {}

        def stat_missing():
            try:
                os.stat(pool.p("d/missing"))   # ff: not on branch 1, so the search goes on to branch 2
                box["r"] = "found"
            except OSError as e:
                box["r"] = e.errno

        with fu.branch_hung(pool, pool.branches[1]):
            t = threading.Thread(target=stat_missing, daemon=True)
            t.start()
            time.sleep(0.5)
            assert t.is_alive(), "the lookup did not reach the hung branch: %r" % box
            for i in range(3):
                # names the kernel has not seen yet: a real lookup, which is what the directory lock guards
                # (a cached name's revalidation takes no lock)
                st = fu.call_with_timeout(lambda: os.stat(pool.p("d/here%d" % i)), 5)
                assert st.st_size == 1
            assert t.is_alive()
        t.join(10)
        assert box.get("r") == errno.ENOENT, box


SIGNALLED_FLOCKER = r"""
import fcntl, os, signal, sys
signal.signal(signal.SIGUSR1, lambda *a: print("signal", flush=True))
fd = os.open(sys.argv[1], os.O_RDONLY)
for i in range(2):
    print("locking", flush=True)
    fcntl.flock(fd, fcntl.LOCK_EX)
    print("locked", flush=True)
    fcntl.flock(fd, fcntl.LOCK_UN)
    sys.stdin.readline()
"""


def test_a_signalled_caller_still_gets_its_reply_and_interrupts_are_declined_once():
    # A signal to a caller whose request the daemon is working on makes the kernel send INTERRUPT. Nothing
    # here acts on them, so the first is answered ENOSYS and the kernel sends no more; the caller keeps
    # waiting for the real reply, which must still arrive.
    with fu.Pool([None], fu.NO_CACHE) as pool:
        fu.write_file(pool.p("f"), b"x")
        pool.setopt("log.level", "trace")
        held = os.open(pool.b(0, "f"), os.O_RDONLY)
        c = subprocess.Popen([sys.executable, "-c", SIGNALLED_FLOCKER, pool.p("f")], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
        try:
            for i in range(2):
                fcntl.flock(held, fcntl.LOCK_EX)
                assert c.stdout.readline().strip() == "locking"
                time.sleep(0.5)   # the FLOCK request is in a worker, blocked on our lock
                os.kill(c.pid, signal.SIGUSR1)
                time.sleep(0.3)
                assert c.poll() is None   # still waiting for the reply
                fcntl.flock(held, fcntl.LOCK_UN)
                # the handler runs once flock(2) has its reply
                got = {c.stdout.readline().strip(), c.stdout.readline().strip()}
                assert got == {"signal", "locked"}, got
                c.stdin.write("\n")
                c.stdin.flush()
            c.wait(10)
        finally:
            os.close(held)
            if c.poll() is None:
                c.kill()
                c.wait(10)
        pool.setopt("log.level", "info")
        assert pool.log().count("interrupt declined unique=") == 1, pool.log()[-3000:]
        assert not pool.log_problems(), pool.log_problems()
