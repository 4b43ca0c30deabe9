"""Harness for driving a live union mount (mergerfs-j or the reference mergerfs 2.33.5).

Everything that touches FUSE lives here so the test files only describe behaviour:

* ``Impl``: how to start one implementation (binary and argv shape).
* ``Pool``: one mounted pool in its own temp dir, with helpers to look at the branches.
* ``mount_pool`` / ``Pool.close``: mount, wait for /proc/mounts, find the daemon PID, and the
  teardown that always runs ``fusermount -uz`` and reaps the daemon by PID.

Safety rules (a hung FUSE mount can wedge the machine): every subprocess has a timeout, every
mount is in a fresh ``tempfile.mkdtemp`` under /tmp, only our own mounts are unmounted and only
our own daemons are signalled, always by PID.
"""

import hashlib
import os
import shutil
import signal
import stat
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

REFERENCE = "mergerfs"          # the real mergerfs 2.33.5
JAVA = "mergerfs-j"             # the implementation under test
KNOWN_IMPLS = (JAVA, REFERENCE)

MOUNT_WAIT_S = 20
CMD_TIMEOUT_S = 60

# Options every pool gets unless a test asks for the bare defaults: tests look at branches behind
# the pool's back, so the kernel must not serve stale attributes or entries from its caches.
NO_CACHE_OPTS = "cache.attr=0,cache.entry=0,cache.negative_entry=0"
BASE_OPTS = "allow_other"
# Larger than the default minfreespace (4 GiB - 1) so creates qualify; tmpfs only uses RAM for
# what is written.
SHARED_FS_SIZE = "16g"

_session_root = None


def session_root():
    """One temp dir per test session; every pool gets its own mkdtemp inside it."""
    global _session_root
    if _session_root is None:
        _session_root = tempfile.mkdtemp(prefix="mfstest-", dir="/tmp")
        os.chmod(_session_root, 0o755)   # tests run some calls as an unprivileged user
    return _session_root


def selected_impls():
    raw = os.environ.get("MERGERFS_IMPLS", JAVA)
    impls = []
    for name in (x.strip() for x in raw.split(",")):
        if not name:
            continue
        if name not in KNOWN_IMPLS:
            raise ValueError("MERGERFS_IMPLS: unknown implementation %r (known: %s)"
                             % (name, ", ".join(KNOWN_IMPLS)))
        if name not in impls:
            impls.append(name)
    return impls


class Impl:
    """One implementation: where its binary is and how to build its command line."""

    def __init__(self, name):
        self.name = name
        if name == REFERENCE:
            self.binary = os.environ.get("MERGERFS_BIN", "/usr/bin/mergerfs")
        else:
            self.binary = os.environ.get("MERGERFSJ_BIN", os.path.join(REPO, "bin", "mergerfs-j"))

    @property
    def is_reference(self):
        return self.name == REFERENCE

    @property
    def is_java(self):
        return self.name == JAVA

    def available(self):
        return os.path.isfile(self.binary) and os.access(self.binary, os.X_OK)

    def argv(self, *args):
        return [self.binary] + list(args)

    def mount_argv(self, opts, branches, mnt):
        argv = [self.binary]
        if opts:
            argv += ["-o", opts]
        return argv + [branches, mnt]

    def expect(self, **per_impl):
        """Pick the expectation for this implementation: impl.expect(mergerfs=X, mergerfs_j=Y)."""
        return per_impl[self.name.replace("-", "_")]

    def __repr__(self):
        return "Impl(%s)" % self.name


def run(argv, timeout=CMD_TIMEOUT_S, check=True, **kw):
    cp = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                        timeout=timeout, universal_newlines=True, **kw)
    if check and cp.returncode != 0:
        raise RuntimeError("%s failed (%d): %s%s" % (argv, cp.returncode, cp.stdout, cp.stderr))
    return cp


# ----------------------------------------------------------------------------------------------
# /proc helpers

def mountpoints():
    """Mount points currently listed in /proc/mounts (octal escapes decoded)."""
    out = []
    with open("/proc/mounts") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3:
                out.append(unescape(parts[1]))
    return out


def mount_entry(path):
    """The /proc/mounts line fields (source, target, type, options) for path, or None."""
    # no realpath(): it would lstat the mount root, which hangs when the daemon does
    path = os.path.normpath(path)
    found = None
    with open("/proc/mounts") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 4 and unescape(parts[1]) == path:
                found = (unescape(parts[0]), unescape(parts[1]), parts[2], parts[3])
    return found


def is_mounted(path):
    return mount_entry(path) is not None


def unescape(s):
    """A /proc/mounts or mountinfo field with the kernel's octal escapes (\\040 for a space...) decoded."""
    out, i = [], 0
    while i < len(s):
        if s[i] == "\\" and i + 4 <= len(s) and s[i + 1:i + 4].isdigit():
            out.append(chr(int(s[i + 1:i + 4], 8)))
            i += 4
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def wait_until(pred, timeout, interval=0.05):
    deadline = time.monotonic() + timeout
    while True:
        if pred():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def pid_alive(pid):
    """True while the process exists and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            data = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return False
    # state is the field after the parenthesised comm
    state = data[data.rfind(")") + 2:].split()[0]
    return state not in ("Z", "X")


def _cmdline(pid):
    try:
        with open("/proc/%s/cmdline" % pid, "rb") as f:
            return [a.decode("utf-8", "replace") for a in f.read().split(b"\0") if a]
    except OSError:
        return []


def _holds_dev_fuse(pid):
    try:
        fds = os.listdir("/proc/%s/fd" % pid)
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink("/proc/%s/fd/%s" % (pid, fd)) == "/dev/fuse":
                return True
        except OSError:
            pass
    return False


def pids_by_argv(pred):
    """Live processes (not us, not zombies) whose argv, a list of str, satisfies pred; sorted.

    Touches only /proc, never a mount, so it is safe while a mount is hung."""
    me = os.getpid()
    return sorted(int(e) for e in os.listdir("/proc")
                  if e.isdigit() and int(e) != me and pred(_cmdline(e)) and pid_alive(int(e)))


def daemon_pids_by_argv(mnt):
    """Live processes (not us) with mnt in their argv, those holding /dev/fuse first.

    Touches only /proc, never the mount, so it is safe while the mount is hung."""
    candidates = pids_by_argv(lambda args: any(a == mnt or a.rstrip("/") == mnt or a.endswith("=" + mnt)
                                               for a in args))
    with_fuse = [p for p in candidates if _holds_dev_fuse(p)]
    return with_fuse + [p for p in candidates if p not in with_fuse]


def find_daemon_pid(mnt):
    """PID of the daemon serving mnt.

    First ``user.mergerfs.pid`` (checked against the process's argv, because mergerfs 2.33.5
    records its PID *before* it forks into the background, so the value names a process that
    already exited), then a scan of /proc for a live process that has mnt in its argv and
    /dev/fuse open. Each pool lives in a unique temp dir, so the argv match cannot hit a
    process we did not start.
    """
    try:
        pid = int(os.getxattr(os.path.join(mnt, ".mergerfs"), "user.mergerfs.pid"))
        if pid_alive(pid) and mnt in _cmdline(pid):
            return pid
    except (OSError, ValueError):
        pass
    pids = daemon_pids_by_argv(mnt)
    return pids[0] if pids else None


def stop_pid(pid, term_after=5.0, kill_after=10.0):
    """Wait for pid to exit; SIGTERM after term_after s, SIGKILL after kill_after s.

    Returns "exited", "term" or "kill" (what it took)."""
    if pid is None:
        return "exited"
    if wait_until(lambda: not pid_alive(pid), term_after):
        return "exited"
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return "exited"
    if wait_until(lambda: not pid_alive(pid), kill_after - term_after):
        return "term"
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return "term"
    wait_until(lambda: not pid_alive(pid), 5)
    return "kill"


def emergency_abort(root):
    """Break every FUSE mount under root without touching it: SIGKILL its daemon (closing
    /dev/fuse aborts the connection, so calls blocked in the mount return ENOTCONN) and detach
    it. Used by the per-test watchdog; only ever applied to our own session dir."""
    hit = []
    for m in mountpoints():
        if m != root and not m.startswith(root + "/"):
            continue
        entry = mount_entry(m)
        if entry is None or not entry[2].startswith("fuse"):
            continue
        for pid in daemon_pids_by_argv(m):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        fusermount_unmount(m, lazy=True)
        hit.append(m)
    return hit


def fusermount_unmount(mnt, lazy=True):
    flag = "-uz" if lazy else "-u"
    try:
        return run(["fusermount", flag, mnt], timeout=15, check=False)
    except subprocess.TimeoutExpired:
        return None


# ----------------------------------------------------------------------------------------------
# tmpfs branches (for tests where free space must differ between branches)

def mount_tmpfs(path, size):
    os.makedirs(path, exist_ok=True)
    run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0755" % size, "tmpfs", path], timeout=15)


def umount_path(path):
    if not is_mounted(path):
        return
    cp = run(["umount", path], timeout=15, check=False)
    if cp.returncode != 0 and is_mounted(path):
        run(["umount", "-l", path], timeout=15, check=False)


# ----------------------------------------------------------------------------------------------

class MountError(RuntimeError):
    def __init__(self, msg, proc=None):
        super().__init__(msg)
        self.proc = proc


class Pool:
    """A mounted pool: ``mnt``, ``branches`` (absolute paths, index 0 = first branch)."""

    def __init__(self, impl, root, branches, mnt, opts, branch_arg):
        self.impl = impl
        self.root = root
        self.branches = branches
        self.mnt = mnt
        self.opts = opts
        self.branch_arg = branch_arg
        self.pid = None
        self.tmpfs = []
        self.closed = False
        self.teardown_note = None

    # -- paths ---------------------------------------------------------------------------------
    def p(self, rel=""):
        """Path inside the pool."""
        return os.path.join(self.mnt, rel.lstrip("/"))

    def b(self, k, rel=""):
        """Path inside branch k."""
        return os.path.join(self.branches[k], rel.lstrip("/"))

    @property
    def ctl(self):
        return os.path.join(self.mnt, ".mergerfs")

    # -- branch content ------------------------------------------------------------------------
    def write_branch(self, k, rel, data=b"", mode=None):
        path = self.b(k, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if isinstance(data, str):
            data = data.encode()
        with open(path, "wb") as f:
            f.write(data)
        if mode is not None:
            os.chmod(path, mode)
        return path

    def mkdir_branch(self, k, rel, mode=None):
        path = self.b(k, rel)
        os.makedirs(path, exist_ok=True)
        if mode is not None:
            os.chmod(path, mode)
        return path

    def read_branch(self, k, rel):
        with open(self.b(k, rel), "rb") as f:
            return f.read()

    def on(self, rel):
        """Indices of the branches where rel exists (lstat, so dangling links count)."""
        return [k for k in range(len(self.branches)) if os.path.lexists(self.b(k, rel))]

    def assert_on(self, rel, expected):
        got = self.on(rel)
        assert got == sorted(expected), "%s is on branches %s, expected %s" % (rel, got, sorted(expected))

    # -- pool content --------------------------------------------------------------------------
    def write(self, rel, data=b"", mode=0o644):
        if isinstance(data, str):
            data = data.encode()
        fd = os.open(self.p(rel), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)

    def read(self, rel):
        with open(self.p(rel), "rb") as f:
            return f.read()

    # -- control file --------------------------------------------------------------------------
    def ctl_get(self, key):
        return os.getxattr(self.ctl, "user.mergerfs." + key).decode()

    def ctl_set(self, key, value, flags=0):
        if isinstance(value, str):
            value = value.encode()
        os.setxattr(self.ctl, "user.mergerfs." + key, value, flags)

    def xattr(self, rel, name):
        return os.getxattr(self.p(rel), name)

    # -- lifecycle -----------------------------------------------------------------------------
    # -- reuse between tests (see PoolCache) ---------------------------------------------------
    def snapshot_settings(self):
        self.settings = {n[len(KEY_PREFIX):]: os.getxattr(self.ctl, n).decode()
                         for n in os.listxattr(self.ctl)}

    def apply(self, runtime_opts, modes):
        """Apply -o items that are runtime keys, and branch modes, through the control file."""
        for key, value in runtime_opts:
            self.ctl_set(key, value)
        if modes:
            self.ctl_set("branches", ":".join(
                b + ("=" + m if m else "") for b, m in zip(self.branches, modes)))

    def reset(self):
        """Bring a used pool back to its just-mounted state: every setting as snapshotted,
        empty branches, nothing else in the pool dir. False when that failed (or the daemon
        is gone), in which case the pool must be closed instead of reused."""
        if self.closed or not pid_alive(self.pid) or not is_mounted(self.mnt):
            return False
        try:
            for _ in range(2):   # branches first: other keys may depend on it
                for key, value in self.settings.items():
                    if key.startswith("category.") or key == "srcmounts" or key in READ_ONLY_KEYS:
                        continue
                    if self.ctl_get(key) != value:
                        self.ctl_set(key, value)
            if {n[len(KEY_PREFIX):]: os.getxattr(self.ctl, n).decode()
                    for n in os.listxattr(self.ctl)} != self.settings:
                return False
            keep = set(os.path.basename(b) for b in self.branches) | {os.path.basename(self.mnt)}
            for name in os.listdir(self.root):
                if name not in keep:
                    wipe_path(os.path.join(self.root, name))
            for b in self.branches:
                os.chmod(b, 0o755)
                os.chown(b, 0, 0)
                for name in os.listdir(b):
                    wipe_path(os.path.join(b, name))
            return os.listdir(self.mnt) == []
        except OSError:
            return False

    def close(self):
        """Unmount (fusermount -uz), reap the daemon by PID, unmount our tmpfs, remove the dir.

        Safe to call twice and after a failed mount. Returns a note when the daemon had to be
        signalled (it did not exit on its own after the unmount)."""
        if self.closed:
            return self.teardown_note
        self.closed = True
        note = None
        try:
            if is_mounted(self.mnt):
                fusermount_unmount(self.mnt, lazy=True)
                wait_until(lambda: not is_mounted(self.mnt), 5)
            how = stop_pid(self.pid)
            if how != "exited":
                note = "daemon %s for %s needed %s after unmount" % (self.pid, self.mnt, how)
        finally:
            for path in reversed(self.tmpfs):
                umount_path(path)
            if not any(m == self.root or m.startswith(self.root + "/") for m in mountpoints()):
                shutil.rmtree(self.root, ignore_errors=True)
        self.teardown_note = note
        return note


def wipe_path(path):
    """Remove a file or a whole tree (as root, whatever the modes)."""
    if os.path.isdir(path) and not os.path.islink(path):
        for dirpath, dirnames, _ in os.walk(path):
            for d in dirnames:
                full = os.path.join(dirpath, d)
                if not os.path.islink(full):
                    os.chmod(full, 0o755)
        shutil.rmtree(path)
    else:
        os.unlink(path)


KEY_PREFIX = "user.mergerfs."
READ_ONLY_KEYS = {"async_read", "cache.symlinks", "cache.writeback", "fsname", "fuse_msg_size",
                  "mount", "nullrw", "pid", "readdirplus", "threads", "version"}   # CTL-07


def split_opts(opts):
    """Split an -o string into (mount-time items, runtime (key, value) pairs).

    key=value items whose key can be set through /.mergerfs go to the runtime list; bare
    flags and read-only or FUSE-level options must be given when mounting."""
    mount, runtime = [], []
    for item in (x.strip() for x in (opts or "").split(",")):
        if not item:
            continue
        key, eq, value = item.partition("=")
        if eq and key not in READ_ONLY_KEYS and key not in ("fsname", "subtype", "uid", "gid",
                                                             "umask", "config", "max_read"):
            runtime.append((key, value))
        else:
            mount.append(item)
    return ",".join(mount), runtime


class PoolCache:
    """Keeps mounted pools between tests so most tests do not pay a daemon start.

    A test that asks for a pool whose mount-time options match a cached one gets it back
    reset (settings as when mounted, branches empty); its runtime options, branch modes and
    branch contents are then applied through the control file and the branch dirs, which the
    pool sees at once because every pool runs with the kernel's attr/entry caches off.
    Option parsing at mount time is covered by test_cli and test_control's fresh mounts."""

    def __init__(self, enabled=True):
        self.enabled = enabled
        self.idle = {}

    def get(self, impl, nbranches=3, opts=None, branch_setup=None, modes=None, base_opts=True,
            fresh=False, **kw):
        if fresh or kw or not self.enabled:
            pool = mount_pool(impl, nbranches=nbranches, opts=opts, branch_setup=branch_setup,
                              modes=modes, base_opts=base_opts, **kw)
            pool.cache_key = None
            return pool
        if base_opts:
            mount_opts, runtime = split_opts(opts)
        else:
            mount_opts, runtime = opts, []     # exactly these options, as a user would type them
        key = (impl.name, nbranches, base_opts, mount_opts)
        pool = self.idle.pop(key, None)
        if pool is None:
            pool = mount_pool(impl, nbranches=nbranches, opts=mount_opts, base_opts=base_opts)
            pool.snapshot_settings()
        pool.cache_key = key
        try:
            pool.apply(runtime, modes)
            if branch_setup is not None:
                branch_setup(pool.branches)
        except BaseException:
            self.release(pool)
            raise
        return pool

    def release(self, pool):
        """Called after the test: keep the pool if it resets cleanly, else close it."""
        key = getattr(pool, "cache_key", None)
        if key is not None and key not in self.idle and pool.reset():
            self.idle[key] = pool
            return None
        return pool.close()

    def close_all(self):
        notes = [p.close() for p in self.idle.values()]
        self.idle.clear()
        return [n for n in notes if n]


def new_root(prefix="pool-"):
    root = tempfile.mkdtemp(prefix=prefix, dir=session_root())
    os.chmod(root, 0o755)
    return root


def mount_pool(impl, nbranches=3, opts=None, branch_setup=None, modes=None, tmpfs=None,
               branch_arg=None, base_opts=True, mnt_name="mnt", extra_args=(),
               shared_fs=SHARED_FS_SIZE):
    """Create branch dirs in a fresh temp dir and mount them.

    opts        extra -o options (string, comma separated)
    base_opts   prepend BASE_OPTS and NO_CACHE_OPTS (False = exactly ``opts``)
    modes       per-branch suffixes, e.g. ["RW", "RO", "NC,1G"] -> ``b1=RW:b2=RO:...``
    tmpfs       per-branch tmpfs sizes (None entries stay on the shared fs), e.g. ["8m", "16m", None]
    shared_fs   size of the tmpfs holding the whole pool dir (None = plain /tmp)
    branch_setup callable(branch_paths) run before mounting
    branch_arg  explicit branches argument (overrides the generated one)
    """
    root = new_root()
    if shared_fs:
        # A private tmpfs under the whole pool dir: branches on "one filesystem" whose free
        # space only our own writes change, so tie-breaking (QUIRK-04) is deterministic even
        # while other processes write to /tmp's disk.
        mount_tmpfs(root, shared_fs)
    branches = [os.path.join(root, "b%d" % (i + 1)) for i in range(nbranches)]
    mnt = os.path.join(root, mnt_name)
    os.mkdir(mnt)
    all_opts = ",".join(x for x in ([BASE_OPTS, NO_CACHE_OPTS] if base_opts else []) + [opts or ""] if x)
    if branch_arg is None:
        items = []
        for i, b in enumerate(branches):
            items.append(b + ("=" + modes[i] if modes and modes[i] else ""))
        branch_arg = ":".join(items)
    pool = Pool(impl, root, branches, mnt, all_opts, branch_arg)
    if shared_fs:
        pool.tmpfs.append(root)
    try:
        for i, b in enumerate(branches):
            if tmpfs and i < len(tmpfs) and tmpfs[i]:
                mount_tmpfs(b, tmpfs[i])
                pool.tmpfs.append(b)
            else:
                os.makedirs(b, exist_ok=True)
        if branch_setup is not None:
            branch_setup(branches)
        start(pool, extra_args=extra_args)
    except BaseException:
        pool.close()
        raise
    return pool


def start(pool, extra_args=()):
    """Run the daemon command for pool, wait for the mount, record the PID."""
    argv = pool.impl.mount_argv(pool.opts, pool.branch_arg, pool.mnt) + list(extra_args)
    cp = run(argv, timeout=CMD_TIMEOUT_S, check=False)
    if cp.returncode != 0:
        raise MountError("%s exited %d\nstdout: %s\nstderr: %s"
                         % (" ".join(argv), cp.returncode, cp.stdout, cp.stderr), cp)
    if not wait_until(lambda: is_mounted(pool.mnt), MOUNT_WAIT_S):
        raise MountError("%s returned 0 but %s never appeared in /proc/mounts" % (argv, pool.mnt), cp)
    pool.pid = find_daemon_pid(pool.mnt)
    if pool.pid is None:
        raise MountError("mounted %s but could not find the daemon PID" % pool.mnt, cp)
    return pool


# ----------------------------------------------------------------------------------------------
# small utilities for tests

def errno_of(fn, *args, **kw):
    """Call fn; return 0 on success or the OSError's errno."""
    try:
        fn(*args, **kw)
        return 0
    except OSError as e:
        return e.errno


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def tree(root):
    """Visible tree below root as {relpath: description}, description comparable across mounts."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root)
            out[rel] = describe(full)
    return out


def describe(path):
    st = os.lstat(path)
    kind = stat.S_IFMT(st.st_mode)
    d = {"mode": oct(stat.S_IMODE(st.st_mode))}
    if stat.S_ISDIR(st.st_mode):
        d["type"] = "dir"
    elif stat.S_ISLNK(st.st_mode):
        d["type"] = "link"
        d["target"] = os.readlink(path)
        del d["mode"]  # symlink modes are always 0777 on Linux
    elif stat.S_ISREG(st.st_mode):
        d["type"] = "file"
        d["size"] = st.st_size
        d["nlink"] = st.st_nlink
        with open(path, "rb") as f:
            d["sha"] = hashlib.sha1(f.read()).hexdigest()[:12]
    else:
        d["type"] = oct(kind)
    return d


