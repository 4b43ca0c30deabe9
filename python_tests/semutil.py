"""Mount helpers for test_semantics.py: run mergerfs-j (this worktree) or the real mergerfs 2.33.5 on
fresh temp branches, with a watchdog so a hung daemon can never hang the test run.

Safety rules kept here: every mount lives in a new temp dir; teardown always runs `fusermount -uz` on that
mount only and waits for the daemon we started (by PID, read from /.mergerfs user.mergerfs.pid); if a mount
outlives WATCHDOG_S the daemon is killed by PID, which fails every pending FUSE request instead of hanging.
"""
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time

from mfstest import unescape

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MERGERFS_J = os.path.join(ROOT, "bin", "mergerfs-j")
MERGERFS = "/usr/bin/mergerfs"
IMPLS = {"mergerfs-j": MERGERFS_J, "mergerfs": MERGERFS}
WATCHDOG_S = 120


def mounted(path):
    path = os.path.realpath(path)
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            if unescape(fields[4]) == path:
                return True
    return False


def have_mergerfs():
    return os.access(MERGERFS, os.X_OK)


class Pool:
    """A mounted pool. Use as a context manager; .b(i, rel) is a branch path, .p(rel) a pool path."""

    def __init__(self, impl, nbranches=2, opts="", branch_modes=None, tmp_base=None, share=None):
        """share: another Pool whose branches this one mounts too (at its own fresh mountpoint)."""
        self.impl = impl
        self.owns_root = share is None
        if share is None:
            self.root = tempfile.mkdtemp(prefix="semtest-", dir=tmp_base)
            self.mnt = os.path.join(self.root, "mnt")
            os.mkdir(self.mnt)
            self.branches = []
            for i in range(nbranches):
                b = os.path.join(self.root, "b%d" % (i + 1))
                os.mkdir(b)
                self.branches.append(b)
        else:
            self.root = share.root
            self.mnt = tempfile.mkdtemp(prefix="mnt-", dir=share.root)
            self.branches = list(share.branches)
            nbranches = len(self.branches)
        self.opts = opts
        self.modes = branch_modes or [""] * nbranches
        self.pid = None
        self._timer = None

    def spec(self):
        return ":".join(b + m for b, m in zip(self.branches, self.modes))

    def __enter__(self):
        args = [IMPLS[self.impl]]
        if self.opts:
            args += ["-o", self.opts]
        args += [self.spec(), self.mnt]
        try:
            r = subprocess.run(args, capture_output=True, timeout=90, text=True)
        except subprocess.TimeoutExpired:
            self._cleanup_dirs()
            raise
        if r.returncode != 0 or not self._wait_mounted():
            self.__exit__(None, None, None)
            raise RuntimeError("%s did not mount: rc=%s %s %s" % (self.impl, r.returncode, r.stdout, r.stderr))
        try:
            self.pid = int(os.getxattr(os.path.join(self.mnt, ".mergerfs"), "user.mergerfs.pid"))
        except OSError:
            self.pid = None
        self._timer = threading.Timer(WATCHDOG_S, self._kill)
        self._timer.daemon = True
        self._timer.start()
        return self

    def _wait_mounted(self):
        deadline = time.time() + 30
        while time.time() < deadline:
            if mounted(self.mnt):
                return True
            time.sleep(0.05)
        return False

    def _kill(self):
        if self.pid:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def __exit__(self, *exc):
        if self._timer:
            self._timer.cancel()
        if mounted(self.mnt):
            subprocess.run(["fusermount", "-uz", self.mnt], capture_output=True, timeout=30)
        if self.pid:
            deadline = time.time() + 20
            while time.time() < deadline and os.path.exists("/proc/%d" % self.pid):
                time.sleep(0.05)
            if os.path.exists("/proc/%d" % self.pid):
                self._kill()
        self._cleanup_dirs()
        return False

    def _cleanup_dirs(self):
        if not self.owns_root:
            if not mounted(self.mnt):
                os.rmdir(self.mnt)
            return
        if not mounted(self.mnt):
            for b in self.branches:  # chattr'd or read-only leftovers must not stop the cleanup
                subprocess.run(["chattr", "-R", "-i", "-a", b], capture_output=True, timeout=30)
            shutil.rmtree(self.root, ignore_errors=True)

    def b(self, i, rel=""):
        return os.path.join(self.branches[i], rel) if rel else self.branches[i]

    def p(self, rel=""):
        return os.path.join(self.mnt, rel) if rel else self.mnt

    def ctl(self, key, value=None):
        path = os.path.join(self.mnt, ".mergerfs")
        if value is None:
            return os.getxattr(path, "user.mergerfs." + key).decode()
        os.setxattr(path, "user.mergerfs." + key, value.encode())


def write(path, data):
    with open(path, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


def read(path):
    with open(path, "rb") as f:
        return f.read().decode("latin-1")


def tree(base):
    """Sorted relative paths (dirs end in '/') under base, for comparing branch contents."""
    out = []
    for dp, dns, fns in os.walk(base):
        rel = os.path.relpath(dp, base)
        for d in dns:
            out.append(os.path.normpath(os.path.join(rel, d)) + "/")
        for f in fns:
            out.append(os.path.normpath(os.path.join(rel, f)))
    return sorted(out)


# ------------------------------------------------------------------ a pool shared by many tests

SKIP_RESTORE = ("category.", "srcmounts", "pid", "version", "mount", "fsname", "threads", "async_read",
                "cache.symlinks", "cache.writeback", "fuse_msg_size", "nullrw", "readdirplus")


class SharedPool(Pool):
    """One mount reused by many tests: each test picks how many branches (and modes) it uses and sets
    runtime options through /.mergerfs; reset() wipes the branches and restores every option."""

    def __enter__(self):
        super().__enter__()
        self.defaults = self.options()
        return self

    def options(self):
        ctl = os.path.join(self.mnt, ".mergerfs")
        out = {}
        for name in os.listxattr(ctl):
            key = name[len("user.mergerfs."):]
            if not key.startswith(SKIP_RESTORE):
                out[key] = os.getxattr(ctl, name).decode()
        return out

    def use(self, n, modes=None, opts=""):
        modes = modes or [""] * n
        self.ctl("branches", ":".join(b + m for b, m in zip(self.branches[:n], modes)))
        for item in filter(None, opts.split(",")):
            k, v = item.split("=", 1)
            self.ctl(k, v)
        return self

    def reset(self):
        self.ctl("branches", self.defaults["branches"])
        now = self.options()
        for k, v in self.defaults.items():
            if now.get(k) != v:
                self.ctl(k, v)
        for b in self.branches:
            os.chmod(b, 0o755)
            for name in os.listdir(b):
                path = os.path.join(b, name)
                subprocess.run(["chattr", "-R", "-i", "-a", path], capture_output=True, timeout=30)
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path)
                else:
                    os.unlink(path)
        os.chmod(self.root, 0o700)
