"""Helpers for the credential and hostile-input tests: test users, mounts, and running operations as a user.

A Pool of its own on purpose (conftest.py and mfstest's pools belong to another suite); the /proc scan
for a mount's daemon comes from mfstest. Everything has a timeout: a hung FUSE daemon must fail a
test, not hang it.

Run as a worker (what the tests do through setpriv):  python3 permtools.py BASE < ops.json
"""
import contextlib
import errno
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from mfstest import daemon_pids_by_argv

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TIMEOUT = 30

# uid -> (primary gid, supplementary groups in the database)
USERS = {4101: (4111, [4112]), 4102: (4111, []), 4103: (4113, [4112]), 4104: (4113, [])}
GROUPS = [4111, 4112, 4113]


def impls():
    return [x for x in os.environ.get("MERGERFS_IMPLS", "mergerfs-j").split(",") if x]


def ensure_users():
    """Creates the test groups/users when missing (idempotent; tolerates a concurrent creator)."""
    for g in GROUPS:
        if subprocess.run(["getent", "group", str(g)], capture_output=True, timeout=TIMEOUT).returncode:
            subprocess.run(["groupadd", "-f", "-g", str(g), "mfsjg%d" % g], capture_output=True, timeout=TIMEOUT)
    for u, (g, extra) in USERS.items():
        if subprocess.run(["getent", "passwd", str(u)], capture_output=True, timeout=TIMEOUT).returncode:
            cmd = ["useradd", "-M", "-N", "-u", str(u), "-g", str(g), "-s", "/usr/sbin/nologin"]
            if extra:
                cmd += ["-G", ",".join(map(str, extra))]
            subprocess.run(cmd + ["mfsju%d" % u], capture_output=True, timeout=TIMEOUT)
    for u in USERS:
        assert subprocess.run(["getent", "passwd", str(u)], capture_output=True, timeout=TIMEOUT).returncode == 0


def mounted(mnt):
    mnt = os.path.realpath(mnt)
    with open("/proc/mounts") as f:
        return any(line.split()[1] == mnt for line in f)


class Pool:
    """A pool mounted on a fresh temp dir; unmounted (and its daemon waited for) on close."""

    def __init__(self, branches, options="", impl="mergerfs-j"):
        self.impl = impl
        self.branches = branches
        self.mnt = tempfile.mkdtemp(prefix="mnt-", dir=os.path.dirname(branches[0]))
        os.chmod(self.mnt, 0o755)
        opts = "cache.attr=0,cache.entry=0,cache.negative_entry=0"
        if impl == "mergerfs":
            opts += ",allow_other"  # 2.33.5 does not add it by itself
            cmd = ["/usr/bin/mergerfs"]
        else:
            cmd = [os.path.join(ROOT, "bin", "mergerfs-j")]
        if options:
            opts += "," + options
        spec = ":".join(branches)
        r = subprocess.run(cmd + ["-o", opts, spec, self.mnt], capture_output=True, timeout=90)
        deadline = time.time() + 30
        while not mounted(self.mnt) and time.time() < deadline:
            time.sleep(0.05)
        if r.returncode != 0 or not mounted(self.mnt):
            self.close()
            raise RuntimeError("mount failed: %s %s" % (r.stdout, r.stderr))
        self.pids = daemon_pids_by_argv(self.mnt)

    def path(self, rel=""):
        return os.path.join(self.mnt, rel) if rel else self.mnt

    def close(self):
        pids = getattr(self, "pids", None) or daemon_pids_by_argv(self.mnt)
        if mounted(self.mnt):
            subprocess.run(["fusermount", "-uz", self.mnt], capture_output=True, timeout=TIMEOUT)
        deadline = time.time() + 20
        for pid in pids:
            while os.path.exists("/proc/%d" % pid) and time.time() < deadline:
                try:
                    with open("/proc/%d/stat" % pid) as f:
                        if f.read().split(")")[-1].split()[0] == "Z":
                            break
                except OSError:
                    break
                time.sleep(0.05)
            if os.path.exists("/proc/%d" % pid) and time.time() >= deadline:
                os.kill(pid, 9)  # only the daemon this Pool started
        try:
            os.rmdir(self.mnt)
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()


def tmpdir(prefix):
    d = tempfile.mkdtemp(prefix=prefix)
    os.chmod(d, 0o755)  # the test users must be able to reach what is inside
    return d


def rmtree(d):
    shutil.rmtree(d, ignore_errors=True)


@contextlib.contextmanager
def plain_beside_pool(prefix, impl, extra=()):
    """A fresh temp root holding plain/ (the reference directory), b1/ and b2/ pooled by impl on a fresh
    mount, and the extra dirs, all mode 0755. Yields (root, pool); then unmounts and removes the root."""
    root = tmpdir(prefix)
    b1, b2 = os.path.join(root, "b1"), os.path.join(root, "b2")
    for d in ("plain", "b1", "b2") + tuple(extra):
        os.mkdir(os.path.join(root, d))
        os.chmod(os.path.join(root, d), 0o755)
    pool = Pool([b1, b2], impl=impl)
    try:
        yield root, pool
    finally:
        pool.close()
        rmtree(root)


def per_test_dirs(root, test_name, mode):
    """One test's own subdirectory of plain/, b1/ and b2/ under root, named after the test and made with
    mode. Returns (the subdirectory's name, [plain, b1, b2] paths)."""
    sub = "t-" + test_name.replace("[", "-").replace("]", "")
    dirs = [os.path.join(root, x, sub) for x in ("plain", "b1", "b2")]
    for d in dirs:
        os.mkdir(d)
        os.chmod(d, mode)
    return sub, dirs


def known_diff(impl, why):
    """A difference against mergerfs 2.33.5 that mergerfs-j fixes on purpose (docs/security.md)."""
    if impl == "mergerfs":
        import pytest  # here, not at the top: the setpriv worker runs this file and needs no pytest
        pytest.xfail("mergerfs 2.33.5: " + why)


def as_user(uid, base, ops, groups=None, gid=None):
    """Runs ops (see run_ops) under setpriv as uid; groups=None takes the database's (--init-groups),
    a list sets exactly those, [] clears them. Returns the list of results."""
    gid = USERS[uid][0] if gid is None else gid
    cmd = ["setpriv", "--reuid=%d" % uid, "--regid=%d" % gid]
    if groups is None:
        cmd.append("--init-groups")
    elif groups:
        cmd.append("--groups=" + ",".join(map(str, groups)))
    else:
        cmd.append("--clear-groups")
    cmd += [sys.executable, os.path.abspath(__file__), base]
    r = subprocess.run(cmd, input=json.dumps(ops).encode(), capture_output=True, timeout=TIMEOUT)
    if r.returncode != 0:
        raise RuntimeError("worker failed: %s" % r.stderr.decode(errors="replace"))
    return json.loads(r.stdout)


def _err(e):
    return errno.errorcode.get(e.errno, "E%d" % e.errno)


def run_ops(base, ops):
    """Each op is [name, relpath, args...]; returns 'ok', ['ok', value] or 'E<ERRNO>' per op."""
    out = []
    for op in ops:
        name, args = op[0], op[1:]
        p = lambda rel: os.path.join(base, rel)  # noqa: E731
        try:
            if name == "umask":
                os.umask(args[0])
                res = "ok"
            elif name == "read":
                with open(p(args[0]), "rb") as f:
                    res = ["ok", f.read().decode("latin-1")]
            elif name == "append":
                fd = os.open(p(args[0]), os.O_WRONLY | os.O_APPEND)
                try:
                    os.write(fd, args[1].encode())
                finally:
                    os.close(fd)
                res = "ok"
            elif name == "truncate":
                os.truncate(p(args[0]), args[1])
                res = "ok"
            elif name == "listdir":
                res = ["ok", sorted(os.listdir(p(args[0])))]
            elif name == "stat":
                os.stat(p(args[0]))
                res = "ok"
            elif name == "access":
                res = ["ok", os.access(p(args[0]), args[1])]
            elif name == "create":
                os.close(os.open(p(args[0]), os.O_CREAT | os.O_EXCL | os.O_WRONLY, args[1]))
                res = "ok"
            elif name == "mkdir":
                os.mkdir(p(args[0]), args[1])
                res = "ok"
            elif name == "mkfifo":
                os.mkfifo(p(args[0]), args[1])
                res = "ok"
            elif name == "chmod":
                os.chmod(p(args[0]), args[1])
                res = "ok"
            elif name == "chown":
                os.chown(p(args[0]), args[1], args[2], follow_symlinks=False)
                res = "ok"
            elif name == "unlink":
                os.unlink(p(args[0]))
                res = "ok"
            elif name == "rmdir":
                os.rmdir(p(args[0]))
                res = "ok"
            elif name == "rename":
                os.rename(p(args[0]), p(args[1]))
                res = "ok"
            elif name == "setxattr":
                os.setxattr(p(args[0]), args[1], args[2].encode("latin-1"))
                res = "ok"
            elif name == "getxattr":
                res = ["ok", os.getxattr(p(args[0]), args[1]).decode("latin-1")]
            elif name == "symlink":
                os.symlink(args[1], p(args[0]))
                res = "ok"
            elif name == "readlink":
                res = ["ok", os.readlink(p(args[0]))]
            else:
                res = "unknown op " + name
        except OSError as e:
            res = _err(e)
        out.append(res)
    return out


def meta(path):
    """What must match between a plain directory and the branch: type+mode, owner, size, user xattrs."""
    st = os.lstat(path)
    x = {}
    if not os.path.islink(path):
        try:
            for n in sorted(os.listxattr(path, follow_symlinks=False)):
                if n.startswith("user."):
                    x[n] = os.getxattr(path, n, follow_symlinks=False).decode("latin-1")
        except OSError:
            pass
    size = st.st_size if not os.path.isdir(path) else None
    return (oct(st.st_mode), st.st_uid, st.st_gid, size, x)


def tree(root):
    """Relative path -> meta for everything under root."""
    out = {}
    for d, dirs, files in os.walk(root):
        for n in dirs + files:
            full = os.path.join(d, n)
            out[os.path.relpath(full, root)] = meta(full)
    return out


def union_tree(branches):
    """Relative path -> meta over the branches (first branch holding a path wins, like getattr's ff)."""
    out = {}
    for b in branches:
        for k, v in tree(b).items():
            out.setdefault(k, v)
    return out


if __name__ == "__main__":
    print(json.dumps(run_ops(sys.argv[1], json.load(sys.stdin))))
