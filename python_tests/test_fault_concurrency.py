"""Eight processes churn overlapping directories for a bounded time (faultutil.churn_worker).

Checked afterwards: no operation failed (no EIO, no spurious ENOENT/EXDEV), the daemon logged no error,
every worker's model of its own files equals the pool and the branches (right dir, exact last content,
on exactly one branch), every file written by several workers holds one complete version, and the
daemon holds as many fds as before.
"""

import json
import os
import subprocess
import sys
import time

import faultutil as fu

WORKERS = 8
SECONDS = 10
DIRS = ["d0", "d1", "d2", "d3", "d0/deep"]


def _wait_fds(pool, want, timeout=15):
    """FUSE release is asynchronous: give the daemon a moment to get back to its baseline."""
    deadline = time.time() + timeout
    n = pool.fd_count()
    while n > want and time.time() < deadline:
        time.sleep(0.2)
        n = pool.fd_count()
    return n


def test_eight_processes_churning_overlapping_dirs():
    # mfs is not path preserving, so a rename into a dir missing on the file's branch clones the dir
    # there (create-path mode) instead of failing EXDEV as the default epmfs legitimately does
    with fu.Pool([None, None, None], fu.NO_CACHE + ",category.create=mfs", watchdog=150) as pool:
        # directories on different branch subsets, so renames cross branches (and clone paths)
        for i in range(3):
            os.makedirs(pool.b(i, "d0/deep"))
        os.makedirs(pool.b(0, "d1"))
        os.makedirs(pool.b(1, "d1"))
        os.makedirs(pool.b(1, "d2"))
        os.makedirs(pool.b(2, "d3"))
        os.listdir(pool.mnt)
        before = pool.fd_count()

        code = "import faultutil, sys; faultutil.churn_worker(sys.argv[1], int(sys.argv[2]), %d, %r)" % (SECONDS, DIRS)
        procs = [subprocess.Popen([sys.executable, "-c", code, pool.mnt, str(w)], cwd=fu.HERE,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
                 for w in range(WORKERS)]
        outs = fu.reap(procs, timeout=SECONDS + 60)
        reports = []
        for o in outs:
            assert o.startswith("{"), o
            reports.append(json.loads(o.splitlines()[-1]))

        errors = [e for r in reports for e in r["errors"]]
        assert not errors, errors[:20]
        total = sum(sum(r["ops"].values()) for r in reports)
        assert total > 500, "workload too small to mean anything: %d ops" % total
        assert pool.proc.poll() is None, "daemon died"
        assert not pool.log_problems(), pool.log_problems()[:20]

        # the pool equals the union of the models (own files) plus shared names
        seen = {}
        for d in DIRS:
            for n in os.listdir(pool.p(d)):
                if os.path.isfile(pool.p(d + "/" + n)):
                    seen[(d, n)] = fu.read_file(pool.p(d + "/" + n))
        expected = {}
        for r in reports:
            for name, (d, v) in r["model"].items():
                expected[(d, name)] = (r["worker"], int(name.split("-")[1]), v)
        own = {key: val for key, val in seen.items() if not key[1].startswith("shared-")}
        assert set(own) == set(expected), sorted(set(own) ^ set(expected))[:20]
        for key, want in expected.items():
            assert fu.churn_parse(own[key]) == want, key
            copies = [i for i in range(3) if os.path.exists(pool.b(i, "%s/%s" % key))]
            assert len(copies) == 1, (key, copies)
        for key, data in seen.items():
            if key[1].startswith("shared-"):
                assert fu.churn_parse(data) is not None, "torn shared file %s" % (key,)
        # no leftovers from rename/clone machinery anywhere on the branches
        for i in range(3):
            for root, _, files in os.walk(pool.b(i)):
                for f in files:
                    assert f.startswith(("w", "shared-")) and "." not in f, os.path.join(root, f)

        after = _wait_fds(pool, before)
        # libfuse's splice pipes: two fds per worker thread at most, never per file
        assert pool.pipe_count() <= 2 * len(pool.worker_names()) + 2, (pool.pipe_count(), pool.worker_names())
        if after > before:
            raise AssertionError("daemon fds: %d before, %d after (leak):\n%s"
                                 % (before, after, "\n".join(sorted(pool.fd_targets()))))
