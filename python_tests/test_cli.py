"""Command line, mounting and process model (CLI-01..16, BR-05, TOP-01)."""

import os
import signal
import subprocess
import time

import pytest

import mfstest
from mfstest import is_mounted, mount_entry, wait_until, pid_alive


class Cli:
    """Runs the implementation's binary by hand in a fresh dir (b1, b2, b3, mnt) and cleans up
    whatever got mounted there, even when the test fails."""

    def __init__(self, impl):
        self.impl = impl
        self.root = mfstest.new_root("cli-")
        self.branches = []
        for i in (1, 2, 3):
            b = os.path.join(self.root, "b%d" % i)
            os.mkdir(b)
            self.branches.append(b)
        self.mnt = os.path.join(self.root, "mnt")
        os.mkdir(self.mnt)
        self.spec = ":".join(self.branches)
        self.pids = []

    def run(self, *args, cwd=None, timeout=mfstest.CMD_TIMEOUT_S, mounts=True):
        """Run the binary; when it exits 0 and ``mounts``, wait for the mount to appear."""
        cp = subprocess.run(self.impl.argv(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            universal_newlines=True, timeout=timeout, cwd=cwd)
        wait = mfstest.MOUNT_WAIT_S if (mounts and cp.returncode == 0) else 0.3
        if wait_until(lambda: is_mounted(self.mnt), wait):
            self.pids.append(mfstest.find_daemon_pid(self.mnt))
        return cp

    def mounted_pid(self):
        assert is_mounted(self.mnt), "%s is not mounted" % self.mnt
        pid = mfstest.find_daemon_pid(self.mnt)
        assert pid is not None
        return pid

    def daemons(self):
        """Live processes (other than us) whose argv names our mountpoint."""
        found = []
        for entry in os.listdir("/proc"):
            if entry.isdigit() and int(entry) != os.getpid():
                if self.mnt in mfstest._cmdline(entry) and pid_alive(int(entry)):
                    found.append(int(entry))
        return found

    def cleanup(self):
        pids = set(p for p in self.pids if p) | set(self.daemons())
        if is_mounted(self.mnt):
            pid = mfstest.find_daemon_pid(self.mnt)
            if pid:
                pids.add(pid)
            mfstest.fusermount_unmount(self.mnt)
        for pid in pids:
            mfstest.stop_pid(pid)
        if not any(m.startswith(self.root + "/") for m in mfstest.mountpoints()):
            import shutil
            shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def cli(impl):
    c = Cli(impl)
    yield c
    c.cleanup()


def unmount_and_wait(cli):
    pid = cli.mounted_pid()
    mfstest.fusermount_unmount(cli.mnt, lazy=False)
    assert wait_until(lambda: not pid_alive(pid), 10)


# ---------------------------------------------------------------------------------------------
# argument shapes

def test_branches_then_mountpoint(cli, impl):
    cp = cli.run("-o", "allow_other", cli.spec, cli.mnt)
    assert cp.returncode == 0, cp.stderr
    assert is_mounted(cli.mnt)
    # CLI-09: 2.33.5 appends subtype=mergerfs. mergerfs-j may name itself (its mount helper is
    # mount.mergerfs-j, CLI-13), so fuse.mergerfs-j is accepted for it.
    fstype = mount_entry(cli.mnt)[2]
    assert fstype in impl.expect(mergerfs={"fuse.mergerfs"},
                                 mergerfs_j={"fuse.mergerfs", "fuse.mergerfs-j"})
    assert os.getxattr(os.path.join(cli.mnt, ".mergerfs"),
                       "user.mergerfs.srcmounts").decode() == cli.spec
    with open(os.path.join(cli.mnt, "f"), "w") as f:
        f.write("x")
    # all three branches share one filesystem, so mfs ties are broken by free space that other
    # processes on the machine change meanwhile: where it lands is not this test's point
    assert sum(os.path.exists(os.path.join(b, "f")) for b in cli.branches) == 1


def test_options_after_positionals(cli):
    # CLI-01: options and positionals may come in any order; several -o are merged left to right
    cp = cli.run(cli.spec, cli.mnt, "-o", "category.create=mfs", "-o", "func.mkdir=ff")
    assert cp.returncode == 0, cp.stderr
    ctl = os.path.join(cli.mnt, ".mergerfs")
    assert os.getxattr(ctl, "user.mergerfs.func.create") == b"mfs"
    assert os.getxattr(ctl, "user.mergerfs.func.mkdir") == b"ff"


def test_later_option_wins(cli):
    # CLI-03: category.* given after func.* overrides it
    cp = cli.run("-o", "func.create=ff,category.create=lfs", cli.spec, cli.mnt)
    assert cp.returncode == 0, cp.stderr
    assert os.getxattr(os.path.join(cli.mnt, ".mergerfs"), "user.mergerfs.func.create") == b"lfs"


@pytest.mark.impl_only("mergerfs-j")
def test_mountpoint_then_branches(cli):
    # mergerfs-j extension: `<mnt> <branches>` is recognised as well (2.33.5 would treat the
    # mountpoint as the branch list and the branch list as the mountpoint)
    cp = cli.run("-o", "allow_other", cli.mnt, cli.spec)
    assert cp.returncode == 0, cp.stderr
    assert is_mounted(cli.mnt)
    assert os.getxattr(os.path.join(cli.mnt, ".mergerfs"),
                       "user.mergerfs.srcmounts").decode() == cli.spec


def test_relative_paths(cli, impl):
    cp = cli.run("b1:b2:b3", "mnt", cwd=cli.root)
    assert cp.returncode == 0, cp.stderr
    ctl = os.path.join(cli.mnt, ".mergerfs")
    # BR-05: branches are canonicalised with realpath
    assert os.getxattr(ctl, "user.mergerfs.srcmounts").decode() == cli.spec
    # QUIRK-06: 2.33.5 keeps the mountpoint as typed; mergerfs-j stores it absolute
    # (intentional difference)
    mount = os.getxattr(ctl, "user.mergerfs.mount").decode()
    assert mount == impl.expect(mergerfs="mnt", mergerfs_j=cli.mnt)


def test_glob_branches(cli):
    # BR-05: the glob is expanded by mergerfs itself (no shell here), in sorted order
    cp = cli.run(os.path.join(cli.root, "b*"), cli.mnt)
    assert cp.returncode == 0, cp.stderr
    got = os.getxattr(os.path.join(cli.mnt, ".mergerfs"), "user.mergerfs.branches").decode()
    assert got == "%s=RW:%s=RW:%s=RW" % tuple(cli.branches)


def test_glob_with_mode_and_missing_branch(cli):
    missing = os.path.join(cli.root, "nonexistent")
    cp = cli.run("%s=NC:%s" % (os.path.join(cli.root, "b[23]"), missing), cli.mnt)
    assert cp.returncode == 0, cp.stderr
    got = os.getxattr(os.path.join(cli.mnt, ".mergerfs"), "user.mergerfs.branches").decode()
    assert got == "%s=NC:%s=NC:%s=RW" % (cli.branches[1], cli.branches[2], missing)


def test_branch_modes(cli):
    b1, b2, b3 = cli.branches
    cp = cli.run("-o", "category.create=ff", "%s=RO:%s:%s=NC,1G" % (b1, b2, b3), cli.mnt)
    assert cp.returncode == 0, cp.stderr
    ctl = os.path.join(cli.mnt, ".mergerfs")
    assert os.getxattr(ctl, "user.mergerfs.branches").decode() == "%s=RO:%s=RW:%s=NC,1G" % (b1, b2, b3)
    os.mkdir(os.path.join(cli.mnt, "d"))
    assert [os.path.isdir(os.path.join(b, "d")) for b in cli.branches] == [False, True, False]


# ---------------------------------------------------------------------------------------------
# fsname / mount entry (CLI-09, CLI-14)

def test_fsname_default_is_branches_minus_common_prefix(cli):
    cp = cli.run("-o", "allow_other", cli.spec, cli.mnt)
    assert cp.returncode == 0, cp.stderr
    entry = mount_entry(cli.mnt)
    assert entry[0] == "1:2:3"
    opts = entry[3].split(",")
    assert "default_permissions" in opts and "allow_other" in opts
    assert os.getxattr(os.path.join(cli.mnt, ".mergerfs"), "user.mergerfs.fsname") == b"1:2:3"


def test_fsname_with_unrelated_branch(cli):
    missing = "/nonexistent-mfstest-branch"
    cp = cli.run(cli.branches[0] + ":" + missing, cli.mnt)
    assert cp.returncode == 0, cp.stderr
    # common prefix is just "/"
    assert mount_entry(cli.mnt)[0] == cli.branches[0][1:] + ":" + missing[1:]


def test_fsname_single_branch_and_explicit(cli):
    cp = cli.run(cli.branches[0], cli.mnt)
    assert cp.returncode == 0, cp.stderr
    assert mount_entry(cli.mnt)[0] == cli.branches[0]
    unmount_and_wait(cli)
    cp = cli.run("-o", "fsname=mypool", cli.spec, cli.mnt)
    assert cp.returncode == 0, cp.stderr
    assert mount_entry(cli.mnt)[0] == "mypool"


# ---------------------------------------------------------------------------------------------
# help, version, errors (CLI-04, -05, -07, -10)

@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_help(cli, flag):
    cp = cli.run(flag, timeout=30, mounts=False)
    assert cp.returncode == 0
    assert "usage" in cp.stdout.lower()
    assert not is_mounted(cli.mnt)


@pytest.mark.parametrize("flag", ["-V", "--version", "-v"])
def test_version(cli, flag):
    cp = cli.run(flag, timeout=30, mounts=False)
    assert cp.returncode == 0
    assert "version" in cp.stdout.lower()


def test_unknown_option_fails(cli, impl):
    cp = cli.run("-o", "foo=bar", cli.spec, cli.mnt)
    assert cp.returncode == 1
    if impl.is_reference:
        assert "fuse: unknown option" in cp.stderr
    assert "unknown option" in cp.stderr.lower() and "foo" in cp.stderr
    time.sleep(0.3)
    assert not is_mounted(cli.mnt)
    assert cli.daemons() == []


def test_missing_mountpoint_fails(cli):
    cp = cli.run(cli.spec, mounts=False)
    assert cp.returncode == 1
    assert "mountpoint" in cp.stderr.lower()
    cp = cli.run(mounts=False)
    assert cp.returncode == 1
    assert "branches" in cp.stderr.lower()


def test_invalid_option_value(cli, impl):
    # CLI-10 / QUIRK-07: 2.33.5 prints the error and mounts anyway; mergerfs-j makes option
    # errors fatal (exit 1, nothing mounted) -- intentional difference (DIFF-07)
    cp = cli.run("-o", "minfreespace=xyz", cli.spec, cli.mnt)
    assert "minfreespace" in cp.stderr
    if impl.is_reference:
        assert "invalid value" in cp.stderr
        assert cp.returncode == 0
        assert is_mounted(cli.mnt)
        assert os.getxattr(os.path.join(cli.mnt, ".mergerfs"),
                           "user.mergerfs.minfreespace") == b"4294967295"
    else:
        assert cp.returncode == 1
        time.sleep(0.3)
        assert not is_mounted(cli.mnt)
        assert cli.daemons() == []


@pytest.mark.impl_only("mergerfs-j")
def test_bad_policy_on_command_line_is_fatal(cli):
    # QUIRK-01: 2.33.5 accepts it and crashes later; mergerfs-j refuses to start
    cp = cli.run("-o", "category.create=bogus", cli.spec, cli.mnt)
    assert cp.returncode == 1
    assert "bogus" in cp.stderr
    time.sleep(0.3)
    assert not is_mounted(cli.mnt)


@pytest.mark.impl_only("mergerfs-j")
def test_config_file(cli):
    # CLI-11. Not run against the reference: Debian's 2.33.5 aborts (std::out_of_range) on
    # every config= file, whatever it holds (observed on this machine).
    cfg = os.path.join(cli.root, "pool.conf")
    with open(cfg, "w") as f:
        f.write("# a comment\n\n  category.create = ff  \nminfreespace=1M\n")
    cp = cli.run("-o", "config=" + cfg, cli.spec, cli.mnt)
    assert cp.returncode == 0, cp.stderr
    ctl = os.path.join(cli.mnt, ".mergerfs")
    assert os.getxattr(ctl, "user.mergerfs.func.create") == b"ff"
    assert os.getxattr(ctl, "user.mergerfs.minfreespace") == b"1048576"


# ---------------------------------------------------------------------------------------------
# process model (CLI-06, CLI-16)

def test_daemonizes_and_returns_when_live(cli):
    t0 = time.monotonic()
    cp = cli.run(cli.spec, cli.mnt)
    assert cp.returncode == 0, cp.stderr
    # the mount is usable as soon as the command returned (CLI-06)
    assert is_mounted(cli.mnt)
    assert os.listdir(cli.mnt) == []
    pid = cli.mounted_pid()
    assert pid_alive(pid)
    assert time.monotonic() - t0 < mfstest.CMD_TIMEOUT_S


def test_sigterm_unmounts_cleanly(cli):
    cp = cli.run(cli.spec, cli.mnt)
    assert cp.returncode == 0, cp.stderr
    pid = cli.mounted_pid()
    os.kill(pid, signal.SIGTERM)
    assert wait_until(lambda: not pid_alive(pid), 10), "daemon ignored SIGTERM"
    assert wait_until(lambda: not is_mounted(cli.mnt), 5), "SIGTERM left the mount behind"
    assert os.listdir(cli.mnt) == []


def test_sigint_unmounts_cleanly(cli):
    cp = cli.run(cli.spec, cli.mnt)
    assert cp.returncode == 0, cp.stderr
    pid = cli.mounted_pid()
    os.kill(pid, signal.SIGINT)
    assert wait_until(lambda: not pid_alive(pid), 10)
    assert wait_until(lambda: not is_mounted(cli.mnt), 5)


def test_fusermount_u_ends_daemon(cli):
    cp = cli.run(cli.spec, cli.mnt)
    assert cp.returncode == 0, cp.stderr
    pid = cli.mounted_pid()
    r = mfstest.fusermount_unmount(cli.mnt, lazy=False)
    assert r.returncode == 0, r.stderr
    assert not is_mounted(cli.mnt)
    assert wait_until(lambda: not pid_alive(pid), 10), "daemon kept running after unmount"


def test_foreground_mode(cli):
    # -f: no daemonizing; the process itself serves the mount and exits 0 on SIGTERM
    proc = subprocess.Popen(cli.impl.argv("-f", cli.spec, cli.mnt), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, universal_newlines=True)
    try:
        assert wait_until(lambda: is_mounted(cli.mnt), mfstest.MOUNT_WAIT_S), "never mounted"
        assert proc.poll() is None
        with open(os.path.join(cli.mnt, "fg"), "w") as f:
            f.write("x")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
        assert wait_until(lambda: not is_mounted(cli.mnt), 5)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        if proc.stderr:
            proc.stderr.close()
    assert os.path.exists(os.path.join(cli.branches[2], "fg"))
