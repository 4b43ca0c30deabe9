"""Which worker threads read the FUSE device.

The kernel hands each request to the reader that has waited longest. With two workers blocked in read, a
single client's requests alternate between them and the client is woken on one CPU, then the other (on
the 2-vCPU test VM: 12,000 migrations per 5,000 creates, and creates 13 % slower). So while one worker
reads, the others stand by off the device: one sequential client is served by one thread. When requests
of different client threads queue up, every worker reads again; when a request stalls, a spare joins.

A worker's voluntary context switches count its blocking reads (and parks), so they show which threads
served the requests.
"""

import os
import subprocess
import sys
import time

import faultutil as fu

STATS = 3000

# Stats a path in a loop for a number of seconds; prints how many it made.
STATTER = r"""
import os, sys, time
p, secs = sys.argv[1], float(sys.argv[2])
n, end = 0, time.time() + secs
while time.time() < end:
    os.stat(p)
    n += 1
print(n)
"""


def worker_switches(pid):
    """{thread name: voluntary context switches} of the daemon's fuse-N worker threads."""
    out = {}
    for t in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/comm" % (pid, t)) as f:
                name = f.read().strip()
            with open("/proc/%d/task/%s/status" % (pid, t)) as f:
                status = f.read()
        except OSError:
            continue
        if not name.startswith("fuse-") or name == "fuse-watchdog":
            continue
        for line in status.splitlines():
            if line.startswith("voluntary_ctxt_switches:"):
                out[name] = int(line.split()[1])
    return out


def delta(before, after):
    return {k: after[k] - before.get(k, 0) for k in after}


def test_one_sequential_client_is_served_by_one_worker():
    with fu.Pool([None], fu.NO_CACHE) as pool:
        fu.write_file(pool.p("f"), b"x")
        for _ in range(200):
            os.stat(pool.p("f"))    # settle: the second worker stands by after its next request
        time.sleep(0.2)
        before = worker_switches(pool.pid)
        for _ in range(STATS):
            os.stat(pool.p("f"))    # LOOKUP + GETATTR each (no caching)
        d = delta(before, worker_switches(pool.pid))
        total = sum(d.values())
        assert total >= STATS, d    # every request cost its reader a blocking read
        # with both workers reading, each would have taken about half
        assert max(d.values()) >= 0.95 * total, d
        assert len(pool.worker_names()) == 2, pool.worker_names()
        assert not pool.log_problems(), pool.log_problems()


def test_concurrent_clients_are_served_by_every_worker():
    with fu.Pool([None], fu.NO_CACHE) as pool:
        fu.write_file(pool.p("f"), b"x")
        before = worker_switches(pool.pid)
        procs = [subprocess.Popen([sys.executable, "-c", STATTER, pool.p("f"), "2"], stdout=subprocess.PIPE,
                                  universal_newlines=True) for _ in range(3)]
        outs = fu.reap(procs, timeout=30)
        assert all(int(o.strip()) > 100 for o in outs), outs
        d = delta(before, worker_switches(pool.pid))
        total = sum(d.values())
        assert len(d) >= 2, d
        # each worker took a real share of the requests, not just the one the watchdog would hand over
        assert sorted(d.values())[-2] >= 0.15 * total, d
        assert not pool.log_problems(), pool.log_problems()


def test_a_stalled_request_brings_a_spare_worker_in():
    """One worker blocked in a branch call: the other (standing by) must serve the next requests."""
    import fcntl
    with fu.Pool([None], fu.NO_CACHE) as pool:
        fu.write_file(pool.p("locked"), b"x")
        fu.write_file(pool.p("g"), b"y")
        for _ in range(200):
            os.stat(pool.p("g"))    # one reader left, the other worker stands by
        fd = os.open(pool.b(0, "locked"), os.O_RDONLY)
        fcntl.flock(fd, fcntl.LOCK_EX)
        flocker = fu.start_flocker(pool.p("locked"))
        try:
            assert flocker.stdout.readline().strip() == "locking"
            time.sleep(0.3)         # the reading worker is inside flock(2) on our lock
            t0 = time.time()
            for _ in range(100):
                fu.call_with_timeout(lambda: os.stat(pool.p("g")), 5)
            assert time.time() - t0 < 5
            assert len(pool.worker_names()) == 2, pool.worker_names()   # a spare, not a new thread
        finally:
            os.close(fd)
            out, _ = flocker.communicate(timeout=10)
        assert "locked" in out, out
        assert not pool.log_problems(), pool.log_problems()
