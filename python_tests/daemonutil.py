"""Helpers for the daemon and install tests: start mergerfs-j from this worktree, watch /proc/mounts, and
always clean up (fusermount -uz, wait for the daemon, kill only our own pid as a last resort).

Every subprocess and every call that touches a mount has a timeout: a hung FUSE daemon must fail a
test, not hang the run.
"""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

from mfstest import pids_by_argv, unescape

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAUNCHER = os.path.join(ROOT, "bin", "mergerfs-j")
HELPER = os.path.join(ROOT, "bin", "mount.mergerfs-j")
JAR = os.path.join(ROOT, "target", "mergerfs-j.jar")
T = 60  # seconds any single command may take on a busy 2-core machine


def run(cmd, timeout=T, env=None, check=False, **kw):
    """Runs cmd with a timeout; returns CompletedProcess with text stdout/stderr."""
    full = dict(os.environ)
    if env:
        full.update(env)
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout,
                          env=full, check=check, stdin=subprocess.DEVNULL, **kw)


def mount_entries(path):
    """The /proc/mounts entries (source, type, options) mounted exactly at path."""
    found = []
    with open("/proc/mounts", encoding="latin-1") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 4 and unescape(parts[1]) == path:
                found.append((unescape(parts[0]), parts[2], parts[3]))
    return found


def mountpoints():
    with open("/proc/mounts", encoding="latin-1") as f:
        return [unescape(line.split()[1]) for line in f if len(line.split()) > 1]


def mounted(path):
    return bool(mount_entries(path))


def wait_until(pred, timeout=T, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(step)
    return pred()


def pid_alive(pid):
    """True while pid runs (a zombie counts as gone: it has exited, someone just has not reaped it)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def pids_mentioning(text):
    """pids of live processes whose command line contains text (to prove no daemon was left behind)."""
    return pids_by_argv(lambda args: text in "\0".join(args))


def getxattr(path, name, timeout=20):
    """getxattr through a thread with a timeout (the mount may be hung)."""
    box = {}

    def go():
        try:
            box["v"] = os.getxattr(path, name).decode("latin-1")
        except OSError as e:
            box["e"] = e

    t = threading.Thread(target=go, daemon=True)
    t.start()
    t.join(timeout)
    if t.is_alive():
        raise TimeoutError("getxattr %s %s hung" % (path, name))
    if "e" in box:
        raise box["e"]
    return box["v"]


def fs_call(fn, *args, timeout=20):
    """Any filesystem call on a mount, with a timeout."""
    box = {}

    def go():
        try:
            box["v"] = fn(*args)
        except BaseException as e:  # noqa: B902 - re-raised in the caller's thread
            box["e"] = e

    t = threading.Thread(target=go, daemon=True)
    t.start()
    t.join(timeout)
    if t.is_alive():
        raise TimeoutError("%s%r hung" % (getattr(fn, "__name__", fn), args))
    if "e" in box:
        raise box["e"]
    return box.get("v")


def daemon_pid(mnt):
    return int(getxattr(os.path.join(mnt, ".mergerfs"), "user.mergerfs.pid"))


def unmount(mnt):
    if mounted(mnt):
        run(["fusermount", "-uz", mnt], timeout=20)
    if mounted(mnt):
        run(["umount", "-l", mnt], timeout=20)


def stop_pid(pid, timeout=20):
    """Waits for a daemon we started to exit; SIGKILL as a last resort. True when it exited by itself."""
    if pid is None:
        return True
    if wait_until(lambda: not pid_alive(pid), timeout):
        return True
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    wait_until(lambda: not pid_alive(pid), 10)
    return False


class Scratch:
    """A fresh temp dir with branch dirs b1.. and an empty mnt; cleanup unmounts what we mounted there,
    stops the daemons we started, and removes the tree only when nothing is mounted in it."""

    def __init__(self, nbranches=2, prefix="mfsj-daemon-"):
        self.root = tempfile.mkdtemp(prefix=prefix, dir="/tmp")
        self.branches = []
        for i in range(1, nbranches + 1):
            b = os.path.join(self.root, "b%d" % i)
            os.mkdir(b)
            self.branches.append(b)
        self.mnt = os.path.join(self.root, "mnt")
        os.mkdir(self.mnt)
        self.pids = []
        self.procs = []
        self.mounts = {self.mnt}

    @property
    def spec(self):
        return ":".join(self.branches)

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    def start(self, *args, env=None, timeout=T):
        """Runs the launcher (daemon mode) and remembers the daemon pid when it mounted."""
        r = run([LAUNCHER] + list(args), env=env, timeout=timeout)
        if r.returncode == 0:
            for m in list(self.mounts):
                if mounted(m):
                    try:
                        self.pids.append(daemon_pid(m))
                    except (OSError, TimeoutError, ValueError):
                        pass
        return r

    def foreground(self, *args, env=None, stderr=None):
        """Starts `mergerfs-j -f ...` as our child; the Popen pid is the JVM (the launcher execs it)."""
        full = dict(os.environ)
        if env:
            full.update(env)
        p = subprocess.Popen([LAUNCHER, "-f"] + list(args), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=stderr if stderr is not None else subprocess.DEVNULL, env=full)
        self.procs.append(p)
        return p

    def cleanup(self):
        for m in self.mounts:
            unmount(m)
        for p in self.procs:
            if p.poll() is None:
                try:
                    p.wait(20)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(10)
        for pid in self.pids:
            stop_pid(pid)
        for pid in pids_mentioning(self.root):
            stop_pid(pid, 5)  # only daemons started for this scratch dir carry its path
        if not any(m == self.root or m.startswith(self.root + "/") for m in mountpoints()):
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()


class DatagramSink:
    """A unix datagram socket in a temp dir, standing in for /dev/log or systemd's NOTIFY_SOCKET."""

    def __init__(self, directory, name="sock"):
        self.path = os.path.join(directory, name)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.got = []

    def drain(self, timeout=0.0):
        """Collects what arrived (waiting up to timeout for the first datagram)."""
        self.sock.settimeout(timeout if timeout > 0 else 0.001)
        try:
            while True:
                self.got.append(self.sock.recv(1 << 17).decode("utf-8", "replace"))
                self.sock.settimeout(0.001)
        except (socket.timeout, BlockingIOError):
            pass
        return self.got

    def wait_for(self, pred, timeout=T):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for m in self.drain(0.2):
                if pred(m):
                    return m
        return None

    def close(self):
        self.sock.close()
