"""Mount helpers for the fault suites (test_fault_*.py, test_integrity.py).

A Pool of its own on purpose: these suites start bin/mergerfs-j from this checkout in the foreground
(-f), so the test owns the daemon's PID and its stderr log, and can kill it, signal it or watch its fds.
The small helpers every suite needs (errno_of, the /proc/mounts unescape) come from mfstest.

Safety: every pool lives in a fresh mkdtemp dir under /tmp; branches may be small tmpfs mounts made
here; a watchdog aborts the FUSE connection and kills the daemon if a test overruns, so a hung daemon
turns into failing calls instead of a hung test; close() always runs `fusermount -uz`, reaps the daemon
by PID and lazily unmounts the tmpfs branches it made. Nothing is ever killed or unmounted by name.
"""

import contextlib
import errno
import glob
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time

from mfstest import errno_of, unescape  # noqa: F401 - errno_of is fu.errno_of in the fault suites

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
BINARY = os.environ.get("MERGERFSJ_BIN", os.path.join(REPO, "bin", "mergerfs-j"))
CMD_TIMEOUT = 30
MOUNT_WAIT = 30
MiB = 1 << 20

# Tests look at branches behind the pool's back: no kernel attribute/entry caching.
NO_CACHE = "cache.attr=0,cache.entry=0,cache.negative_entry=0"


def run(argv, timeout=CMD_TIMEOUT, check=True):
    cp = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                        universal_newlines=True)
    if check and cp.returncode != 0:
        raise RuntimeError("%s failed (%d): %s%s" % (argv, cp.returncode, cp.stdout, cp.stderr))
    return cp


def mounts_at(path):
    """(fstype, mount id, minor device) for every mount whose target is path, in mount order."""
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            if len(fields) < 10 or unescape(fields[4]) != path:
                continue
            dash = fields.index("-")
            out.append((fields[dash + 1], fields[0], int(fields[2].split(":")[1])))
    return out


def is_fuse_mounted(path):
    return any(t.startswith("fuse") for t, _, _ in mounts_at(path))


def mount_tmpfs(path, size):
    os.makedirs(path, exist_ok=True)
    run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0755" % size, "tmpfs", path])


def umount_lazy(path):
    """Lazily unmounts every mount stacked on path (our own tmpfs branches only)."""
    for _ in range(5):
        if not mounts_at(path):
            return
        run(["umount", "-l", path], check=False)


def fusectl_abort(minor):
    """Writes 1 to the connection's fusectl abort file, mounting fusectl privately if it is not mounted."""
    path = "/sys/fs/fuse/connections/%d/abort" % minor
    tmp = None
    try:
        if not os.path.exists(path):
            tmp = tempfile.mkdtemp(prefix="mfsj-fault-fusectl-", dir="/tmp")
            if run(["mount", "-t", "fusectl", "fusectl", tmp], check=False).returncode != 0:
                return False
            path = os.path.join(tmp, str(minor), "abort")
        with open(path, "w") as f:
            f.write("1")
        return True
    except OSError:
        return False
    finally:
        if tmp is not None:
            run(["umount", tmp], check=False)
            if not mounts_at(tmp):
                os.rmdir(tmp)


def kernel_at_least(major, minor):
    """Whether the running kernel is at least major.minor."""
    m = re.match(r"(\d+)\.(\d+)", os.uname().release)
    return m is not None and (int(m.group(1)), int(m.group(2))) >= (major, minor)


@contextlib.contextmanager
def stopped(pool):
    """The pool's daemon stopped (SIGSTOP): any request that reaches it blocks until the block ends, when
    the daemon is always continued."""
    os.kill(pool.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pool.pid, signal.SIGCONT)


@contextlib.contextmanager
def branch_hung(pool, branch):
    """The FUSE daemon of a "fuse" branch stopped (SIGSTOP): every call into that branch blocks until the
    block ends, when the daemon is always continued."""
    pid = pool.branch_daemons[branch].pid
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


def call_with_timeout(fn, timeout=10):
    """Runs fn in a daemon thread; returns its result or raises TimeoutError (the thread is abandoned:
    only ever used for calls into a FUSE mount that the watchdog can unblock)."""
    box = {}

    def target():
        try:
            box["ok"] = fn()
        except BaseException as e:  # noqa: B902 - re-raised in the caller
            box["err"] = e

    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(timeout)
    if t.is_alive():
        raise TimeoutError("call into the mount did not return within %ss" % timeout)
    if "err" in box:
        raise box["err"]
    return box["ok"]


class Pool:
    """One pool: branches b1..bN (plain dirs or tmpfs of the given sizes), mount point mnt, a daemon.

    sizes: list with one entry per branch: None for a plain directory, a tmpfs size like "8m", "bind"
    for a directory <dir>/diskN bind-mounted on the branch (see disk()), or "fuse" for a mount of
    <dir>/diskN on the branch by the mergerfs on PATH (see branch_hung()).
    """

    def __init__(self, sizes, opts="", watchdog=120, prefix="mfsj-fault-"):
        self.dir = tempfile.mkdtemp(prefix=prefix, dir="/tmp")
        os.chmod(self.dir, 0o755)
        self.branches = []
        self.tmpfs = []
        self.branch_daemons = {}  # branch -> the Popen of the FUSE daemon mounted on it ("fuse")
        self.proc = None
        self.logf = None
        self.mnt = os.path.join(self.dir, "mnt")
        os.mkdir(self.mnt)
        self.opts = opts
        try:
            for i, size in enumerate(sizes, 1):
                b = os.path.join(self.dir, "b%d" % i)
                os.mkdir(b)
                if size == "bind":
                    # a "disk": backing dir bind-mounted on the branch, so it can be unplugged and replugged
                    disk = os.path.join(self.dir, "disk%d" % i)
                    os.mkdir(disk)
                    run(["mount", "--bind", disk, b])
                    self.tmpfs.append(b)
                elif size == "fuse":
                    # a branch that is itself a FUSE filesystem (real mergerfs over a backing dir, in the
                    # foreground so its pid is ours): its files' close(2) goes to another daemon, as on
                    # network filesystems, and stopping that daemon makes a hung branch
                    disk = os.path.join(self.dir, "disk%d" % i)
                    os.mkdir(disk)
                    self.tmpfs.append(b)
                    self.branch_daemons[b] = subprocess.Popen(
                        ["mergerfs", "-f", "-o", "allow_other", disk, b],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    deadline = time.time() + 10
                    while not is_fuse_mounted(b):
                        if time.time() > deadline or self.branch_daemons[b].poll() is not None:
                            raise RuntimeError("mergerfs did not mount the branch " + b)
                        time.sleep(0.02)
                elif size:
                    mount_tmpfs(b, size)
                    self.tmpfs.append(b)
                self.branches.append(b)
            self.log_path = os.path.join(self.dir, "daemon.log")
            self.start()
        except BaseException:
            self.close()
            raise
        self._watchdog = threading.Timer(watchdog, self._overrun)
        self._watchdog.daemon = True
        self._watchdog.start()
        self.overran = False

    # -------------------------------------------------------------- daemon lifecycle

    def argv(self):
        argv = [BINARY, "-f"]
        if self.opts:
            argv += ["-o", self.opts]
        return argv + [":".join(self.branches), self.mnt]

    def start(self, expect_ok=True):
        """Starts the daemon in the foreground and waits until the mount answers."""
        self.logf = open(self.log_path, "ab")
        since = os.path.getsize(self.log_path)
        env = dict(os.environ)
        # hs_err files land in the daemon's cwd: keep them in the pool dir where the tests look
        self.proc = subprocess.Popen(self.argv(), stdout=self.logf, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=self.dir, env=env,
                                     start_new_session=True)
        self.pid = self.proc.pid
        deadline = time.time() + MOUNT_WAIT
        while time.time() < deadline:
            if self.proc.poll() is not None:
                if expect_ok:
                    raise RuntimeError("daemon exited %s before mounting:\n%s" % (self.proc.returncode, self.log()))
                return False
            if is_fuse_mounted(self.mnt) and " mounted " in self.log()[since:]:
                call_with_timeout(lambda: os.stat(self.mnt), 10)
                return True
            time.sleep(0.05)
        raise RuntimeError("mount did not appear within %ss:\n%s" % (MOUNT_WAIT, self.log()))

    def wait_exit(self, timeout):
        """The daemon's exit status, or None if it is still running after timeout seconds."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self, sig=signal.SIGKILL):
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.pid, sig)

    def fusermount_uz(self):
        return run(["fusermount", "-uz", self.mnt], check=False)

    def abort_connection(self):
        """What an admin does to a hung FUSE mount: abort its kernel connection (fusectl)."""
        for t, _, minor in mounts_at(self.mnt):
            if t.startswith("fuse"):
                fusectl_abort(minor)

    def _overrun(self):
        self.overran = True
        self.abort_connection()
        self.kill()
        self.fusermount_uz()

    def close(self):
        if getattr(self, "_watchdog", None):
            self._watchdog.cancel()
        try:
            if is_fuse_mounted(self.mnt):
                self.fusermount_uz()
            if self.proc is not None and self.wait_exit(15) is None:
                self.abort_connection()
                self.kill()
                self.wait_exit(10)
            for _ in range(3):
                if not is_fuse_mounted(self.mnt):
                    break
                self.fusermount_uz()
        finally:
            if self.logf:
                self.logf.close()
            for p in self.branch_daemons.values():
                if p.poll() is None:
                    os.kill(p.pid, signal.SIGCONT)
            for b in self.tmpfs:
                if b not in self.branch_daemons:
                    run(["mount", "-o", "remount,rw", b], check=False)
                umount_lazy(b)
            for p in self.branch_daemons.values():
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(10)
            if not mounts_at(self.mnt) and not any(mounts_at(b) for b in self.branches):
                shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -------------------------------------------------------------- looking at it

    def p(self, rel):
        return os.path.join(self.mnt, rel.lstrip("/"))

    def b(self, i, rel=""):
        """Path under branch i (0-based)."""
        return os.path.join(self.branches[i], rel.lstrip("/"))

    def disk(self, i, rel=""):
        """Path under the backing dir of a "bind" branch i (0-based), reachable while it is unplugged."""
        return os.path.join(self.dir, "disk%d" % (i + 1), rel.lstrip("/"))

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("latin-1")
        except OSError:
            return ""

    def log_problems(self):
        """Lines of the daemon log that show a bug rather than an expected condition."""
        bad = []
        for line in self.log().splitlines():
            if ("Exception" in line or " ERROR " in line or "\tat " in line
                    or "SIGSEGV" in line or "fatal error" in line.lower()):
                bad.append(line)
        return bad

    def crash_files(self):
        return glob.glob(os.path.join(self.dir, "hs_err_pid*.log")) + glob.glob(os.path.join(self.dir, "core*"))

    def fd_count(self):
        """The daemon's open fds, not counting pipes: libfuse keeps one splice pipe per worker thread that
        answered a read by splicing (bounded by the workers, freed with the thread; see pipe_count)."""
        return len(self.fd_targets()) - self.pipe_count()

    def pipe_count(self):
        return sum(1 for t in self.fd_targets() if t.startswith("pipe:"))

    def worker_names(self):
        """Names of the daemon's FUSE worker threads (fuse-N; not the watchdog)."""
        out = []
        for t in os.listdir("/proc/%d/task" % self.pid):
            try:
                with open("/proc/%d/task/%s/comm" % (self.pid, t)) as f:
                    name = f.read().strip()
            except OSError:
                continue
            if name.startswith("fuse-") and name != "fuse-watchdog":
                out.append(name)
        return out

    def fd_targets(self):
        """What each of the daemon's open fds refers to (readlink of /proc/PID/fd/N)."""
        out = []
        for fd in os.listdir("/proc/%d/fd" % self.pid):
            try:
                out.append(os.readlink("/proc/%d/fd/%s" % (self.pid, fd)))
            except OSError:
                pass
        return out

    def setopt(self, key, value):
        os.setxattr(self.p(".mergerfs"), "user.mergerfs." + key, value.encode())


def write_file(path, data, fsync=False):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data)
        while view:
            n = os.write(fd, view)
            view = view[n:]
        if fsync:
            os.fsync(fd)
    finally:
        os.close(fd)


def read_file(path):
    with open(path, "rb") as f:
        return f.read()


ENOTCONN = errno.ENOTCONN

# A load process for teardown tests: keeps one file open in the mount and loops pwrite+pread on it until
# the stop file appears or a call fails; prints "ops=N err=E" (E is 0 when it stopped on request).
LOADER = r"""
import os, sys
path, stop = sys.argv[1], sys.argv[2]
buf = os.urandom(64 * 1024)
ops = err = 0
try:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    while not os.path.exists(stop):
        off = (ops % 64) * len(buf)
        os.pwrite(fd, buf, off)
        if os.pread(fd, len(buf), off) != buf:
            err = -1
            break
        ops += 1
    os.close(fd)
except OSError as e:
    err = e.errno
print("ops=%d err=%d" % (ops, err), flush=True)
"""


def start_loaders(paths, stop_file):
    import sys
    return [subprocess.Popen([sys.executable, "-c", LOADER, p, stop_file], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, universal_newlines=True) for p in paths]


# A client for stuck-worker tests: opens the file, says "locking", blocks in flock(LOCK_EX), says "locked".
FLOCKER = r"""
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
print("locking", flush=True)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
"""


def start_flocker(path):
    """Starts a FLOCKER on path; the caller reads its stdout ("locking", then "locked" once it has the lock)."""
    import sys
    return subprocess.Popen([sys.executable, "-c", FLOCKER, path], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, universal_newlines=True)


def reap(procs, timeout=20):
    """Waits for every process; kills (by PID) any that overran. Returns their outputs."""
    out = []
    deadline = time.time() + timeout
    for pr in procs:
        try:
            o, _ = pr.communicate(timeout=max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            pr.kill()
            o, _ = pr.communicate(timeout=10)
            o = "KILLED " + (o or "")
        out.append(o.strip())
    return out


# ------------------------------------------------------------------------------------------------
# churn: a concurrent create/write/rename/unlink/readdir workload whose results can be checked


def churn_content(w, k, v):
    """Self-describing file content: header, then bytes derived from (worker, file, version)."""
    import hashlib
    import random
    body = random.Random("%d/%d/%d" % (w, k, v)).randbytes(random.Random(k * 31 + v).randint(0, 70000))
    head = b"%d:%d:%d:%d:" % (w, k, v, len(body))
    return head + body + hashlib.sha1(head + body).hexdigest().encode()


def churn_parse(data):
    """(w, k, v) if data is one complete churn_content, else None (torn or mixed)."""
    import hashlib
    try:
        w, k, v, n, rest = data.split(b":", 4)
        n = int(n)
        body, digest = rest[:n], rest[n:]
        head = b"%s:%s:%s:%d:" % (w, k, v, n)
        if len(body) != n or hashlib.sha1(head + body).hexdigest().encode() != digest:
            return None
        return int(w), int(k), int(v)
    except ValueError:
        return None


def churn_worker(mnt, w, seconds, dirs):
    """Runs in its own process. Worker w owns files named w<w>-<k>; renames them between the shared dirs,
    rewrites, unlinks, lists every dir, and now and then renames one over a name every worker uses
    (shared-<j>). Prints a JSON report: its model of its own files, op counts and every unexpected error."""
    import json
    import random
    rnd = random.Random(1000 + w)
    model = {}          # name -> [dir, version]
    errors = []
    ops = {}
    k_next = 0
    deadline = time.time() + seconds

    def path(d, name):
        return os.path.join(mnt, d, name)

    def note(op):
        ops[op] = ops.get(op, 0) + 1

    while time.time() < deadline:
        op = rnd.choice(["create", "create", "rewrite", "rename", "rename", "unlink", "readdir", "readdir",
                         "verify", "steal"])
        try:
            if op == "create" or not model and op in ("rewrite", "rename", "unlink", "verify", "steal"):
                op = "create"
                name = "w%d-%d" % (w, k_next)
                d = rnd.choice(dirs)
                write_file(path(d, name), churn_content(w, k_next, 0))
                model[name] = [d, 0]
                k_next += 1
            elif op == "rewrite":
                name = rnd.choice(sorted(model))
                d, v = model[name]
                k = int(name.split("-")[1])
                write_file(path(d, name), churn_content(w, k, v + 1))
                model[name][1] = v + 1
            elif op == "rename":
                name = rnd.choice(sorted(model))
                d = rnd.choice(dirs)
                os.rename(path(model[name][0], name), path(d, name))
                model[name][0] = d
            elif op == "unlink":
                name = rnd.choice(sorted(model))
                os.unlink(path(model[name][0], name))
                del model[name]
            elif op == "steal":
                name = rnd.choice(sorted(model))
                os.rename(path(model[name][0], name), path(dirs[0], "shared-%d" % rnd.randint(0, 3)))
                del model[name]
            elif op == "readdir":
                d = rnd.choice(dirs)
                names = set(os.listdir(os.path.join(mnt, d)))
                mine = {n for n in names if n.startswith("w%d-" % w)}
                want = {n for n, (dd, _) in model.items() if dd == d}
                if mine != want:
                    errors.append("readdir %s: have %s want %s" % (d, sorted(mine), sorted(want)))
            elif op == "verify":
                name = rnd.choice(sorted(model))
                d, v = model[name]
                got = read_file(path(d, name))
                if churn_parse(got) != (w, int(name.split("-")[1]), v):
                    errors.append("content of %s/%s is not version %d" % (d, name, v))
            note(op)
        except OSError as e:
            errors.append("%s: %s" % (op, e))
    print(json.dumps({"worker": w, "model": model, "errors": errors, "ops": ops}), flush=True)
