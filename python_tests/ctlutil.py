"""Mount helpers for test_ctl.py: real mounts of mergerfs-j (from this worktree) and of mergerfs 2.33.5.

Every mount lives in a fresh temp dir, every subprocess has a timeout, and xattr calls on a mount run in a
child process with a timeout too, so a hung daemon fails the test instead of hanging it. Teardown always
lazily unmounts and waits for the daemon pid; the temp tree is removed only once nothing is mounted there.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MERGERFS_J = REPO / "bin" / "mergerfs-j"
MERGERFS = Path("/usr/bin/mergerfs")
PYTHON = "/usr/bin/python3"
TIMEOUT = 60

IMPLS = ["mergerfs-j", "mergerfs"]


def have(impl):
    if impl == "mergerfs":
        return MERGERFS.exists()
    return (REPO / "target" / "mergerfs-j.jar").exists()


def run(argv, timeout=TIMEOUT, **kw):
    """subprocess.run with a timeout and text capture; returns the CompletedProcess."""
    return subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=timeout, **kw)


def mounted(path):
    path = os.path.realpath(str(path))
    with open("/proc/mounts") as f:
        for line in f:
            fields = line.split()
            if len(fields) > 1 and fields[1].replace("\\040", " ") == path:
                return True
    return False


class Mount:
    """A pool of `nbranches` temp branches (b1..bN) mounted at <tmp>/mnt by `impl`; use as a context manager."""

    def __init__(self, impl, nbranches=3, options=("allow_other",), branches=None):
        self.impl = impl
        self.root = Path(tempfile.mkdtemp(prefix="ctltest-"))
        os.chmod(self.root, 0o755)  # so tests can act as another user
        self.branches = []
        for i in range(1, nbranches + 1):
            b = self.root / f"b{i}"
            b.mkdir()
            self.branches.append(b)
        self.mnt = self.root / "mnt"
        self.mnt.mkdir()
        self.options = [o.replace("@ROOT", str(self.root)) for o in options]
        self.branch_spec = (branches.replace("@ROOT", str(self.root)) if branches is not None
                            else ":".join(str(b) for b in self.branches))
        self.pid = None

    def __enter__(self):
        exe = MERGERFS_J if self.impl == "mergerfs-j" else MERGERFS
        argv = [exe]
        if self.options:
            argv += ["-o", ",".join(self.options)]
        argv += [self.branch_spec, self.mnt]
        try:
            r = run(argv)
            if r.returncode != 0:
                raise RuntimeError(f"{self.impl} failed to mount ({r.returncode}): {r.stderr.strip()}")
            deadline = time.monotonic() + 20
            while not mounted(self.mnt):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{self.impl}: {self.mnt} never showed up in /proc/mounts")
                time.sleep(0.05)
            self.pid = int(xattr_ops([("get", self.ctl, "user.mergerfs.pid")])[0]["value"])
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def ctl(self):
        return str(self.mnt / ".mergerfs")

    def close(self):
        if mounted(self.mnt):
            run(["fusermount", "-uz", self.mnt], timeout=20)
        if self.pid:
            deadline = time.monotonic() + 20
            while Path(f"/proc/{self.pid}").exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            if Path(f"/proc/{self.pid}").exists():
                try:
                    os.kill(self.pid, 9)  # our own daemon, by pid
                except ProcessLookupError:
                    pass
        if not mounted(self.mnt):
            shutil.rmtree(self.root, ignore_errors=True)

    def normalize(self, text):
        """Makes output comparable across the two mounts: temp root and pid replaced."""
        text = text.replace(str(self.root), "@ROOT")
        if self.pid:
            text = re.sub(rf"\b{self.pid}\b", "@PID", text)
        return text


_XATTR_CHILD = r"""
import errno, json, os, sys
out = []
for op in json.load(sys.stdin):
    kind, path = op[0], op[1]
    try:
        if kind == "get":
            v = os.getxattr(path, op[2], follow_symlinks=False)
            out.append({"value": v.decode("latin-1")})
        elif kind == "set":
            os.setxattr(path, op[2], op[3].encode("latin-1"), op[4] if len(op) > 4 else 0, follow_symlinks=False)
            out.append({"value": None})
        elif kind == "remove":
            os.removexattr(path, op[2], follow_symlinks=False)
            out.append({"value": None})
        elif kind == "list":
            out.append({"value": os.listxattr(path, follow_symlinks=False)})
        elif kind == "open":
            with open(path, op[2]) as f:
                pass
            out.append({"value": None})
        else:
            raise ValueError(kind)
    except OSError as e:
        out.append({"errno": errno.errorcode.get(e.errno, str(e.errno))})
json.dump(out, sys.stdout)
"""


def xattr_ops(ops, user=None, timeout=30):
    """Runs xattr calls in a child process (with a timeout); each result is {"value": ...} or {"errno": NAME}.

    ops: tuples ("get", path, name) | ("set", path, name, value[, flags]) | ("remove", path, name) |
    ("list", path) | ("open", path, mode). user: (uid, gid) to run as, via setpriv.
    """
    argv = [PYTHON, "-c", _XATTR_CHILD]
    if user is not None:
        argv = ["setpriv", f"--reuid={user[0]}", f"--regid={user[1]}", "--clear-groups"] + argv
    r = subprocess.run(argv, input=json.dumps([list(o) for o in ops]), capture_output=True, text=True,
                       timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError(f"xattr child failed: {r.stderr}")
    return json.loads(r.stdout)


def ctl(mnt, *args, user=None, cwd=None):
    """Runs `bin/mergerfs-j ctl MNT ARGS...`; returns (rc, stdout, stderr)."""
    argv = [MERGERFS_J, "ctl", mnt, *args]
    if user is not None:
        argv = ["setpriv", f"--reuid={user[0]}", f"--regid={user[1]}", "--clear-groups"] + [str(a) for a in argv]
    r = run(argv, cwd=cwd)
    return r.returncode, r.stdout, r.stderr


def getfattr_dump(path):
    """`getfattr -d -m - PATH` as an ordered dict name -> value (values unquoted)."""
    r = run(["getfattr", "-d", "-m", "-", "--absolute-names", path], timeout=30)
    if r.returncode != 0:
        raise RuntimeError(f"getfattr failed: {r.stderr}")
    out = {}
    for line in r.stdout.splitlines():
        m = re.match(r'^([^=#][^=]*)="(.*)"$', line)
        if m:
            out[m.group(1)] = m.group(2)
    return out
