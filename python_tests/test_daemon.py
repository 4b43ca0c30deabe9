"""The daemon as an admin meets it (CLI-06, CLI-16, CLI-17, OPT-61, OPT-62): the command returns only
when the pool is live, fails cleanly, stops on signals and on an external unmount, logs to syslog when
in the background, and reports readiness to systemd.

Runs mergerfs-j from this worktree (build it first: mvn -q package -DskipTests). Needs root and FUSE.
"""
import os
import re
import signal
import subprocess
import time

import pytest

import daemonutil as du

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (FUSE mounts, allow_other)"),
    pytest.mark.skipif(not os.path.exists(du.JAR), reason="build the jar first: mvn -q package -DskipTests"),
]


@pytest.fixture
def scratch():
    s = du.Scratch()
    try:
        yield s
    finally:
        s.cleanup()


def test_returns_only_when_the_pool_is_live(scratch):
    r = scratch.start("-o", "category.create=ff", scratch.spec, scratch.mnt)
    assert r.returncode == 0, r.stderr
    # no waiting: the mount must already be there and answering
    entries = du.mount_entries(scratch.mnt)
    assert [e[1] for e in entries] == ["fuse.mergerfs"]  # subtype stays mergerfs: tools look for fuse.mergerfs
    du.fs_call(lambda: open(os.path.join(scratch.mnt, "f"), "w").write("x"))
    assert os.path.exists(os.path.join(scratch.branches[0], "f"))
    pid = du.daemon_pid(scratch.mnt)
    assert du.pid_alive(pid) and pid not in (os.getpid(),)


def test_background_daemon_does_not_keep_its_start_directory_busy(scratch):
    # started from inside a branch disk's directory, the daemon must not hold it as its cwd (as
    # fuse_daemonize chdirs to /), or that disk could not be unmounted while the pool runs
    r = du.run([du.LAUNCHER, scratch.spec, scratch.mnt], cwd=scratch.branches[0])
    assert r.returncode == 0, r.stderr
    pid = du.daemon_pid(scratch.mnt)
    scratch.pids.append(pid)
    assert os.readlink("/proc/%d/cwd" % pid) == "/"
    du.unmount(scratch.mnt)
    assert du.wait_until(lambda: not du.pid_alive(pid))
    # relative paths given on the command line were resolved against the start directory
    r = du.run([du.LAUNCHER, ".:" + scratch.branches[1], "../mnt"], cwd=scratch.branches[0])
    assert r.returncode == 0, r.stderr
    pid = du.daemon_pid(scratch.mnt)
    scratch.pids.append(pid)
    assert os.readlink("/proc/%d/cwd" % pid) == "/"
    branches = du.getxattr(os.path.join(scratch.mnt, ".mergerfs"), "user.mergerfs.branches")
    assert branches.split(":") == [b + "=RW" for b in scratch.branches], branches


@pytest.mark.parametrize("case", ["unknown option", "bad value", "missing mountpoint", "no existing branch"])
def test_start_errors_exit_1_with_the_reason_and_mount_nothing(scratch, case):
    spec, mnt, opts = scratch.spec, scratch.mnt, []
    if case == "unknown option":
        opts, expect = ["-o", "nosuchoption"], "unknown option 'nosuchoption'"
    elif case == "bad value":
        opts, expect = ["-o", "minfreespace=xyz"], "minfreespace=xyz"
    elif case == "missing mountpoint":
        mnt, expect = scratch.path("nomnt"), "mountpoint is not a directory"
    else:
        spec, expect = scratch.path("gone1") + ":" + scratch.path("gone2"), "no usable branch"
    r = scratch.start(*(opts + [spec, mnt]))
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert expect in r.stderr
    assert not du.mounted(mnt) and not du.mounted(scratch.mnt)
    assert du.pids_mentioning(scratch.root) == [], "a daemon was left running"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_signals_unmount_and_exit_0(scratch, sig):
    p = scratch.foreground(scratch.spec, scratch.mnt)
    assert du.wait_until(lambda: du.mounted(scratch.mnt) or p.poll() is not None), "never mounted"
    assert du.mounted(scratch.mnt), "exited early with %s" % p.returncode
    assert du.daemon_pid(scratch.mnt) == p.pid, "the launcher execs the JVM in the foreground"
    p.send_signal(sig)
    assert p.wait(du.T) == 0
    assert not du.mounted(scratch.mnt)


def test_sigusr1_is_ignored(scratch):
    assert scratch.start(scratch.spec, scratch.mnt).returncode == 0
    pid = du.daemon_pid(scratch.mnt)
    os.kill(pid, signal.SIGUSR1)
    time.sleep(0.5)
    assert du.pid_alive(pid)
    assert du.fs_call(os.listdir, scratch.mnt) is not None
    assert du.daemon_pid(scratch.mnt) == pid


def test_an_external_unmount_ends_the_daemon(scratch):
    assert scratch.start(scratch.spec, scratch.mnt).returncode == 0
    pid = du.daemon_pid(scratch.mnt)
    assert du.run(["fusermount", "-u", scratch.mnt]).returncode == 0
    assert du.wait_until(lambda: not du.pid_alive(pid), du.T), "daemon still running after fusermount -u"
    assert not du.mounted(scratch.mnt)


def test_background_logs_go_to_syslog_and_trace_can_be_switched_on(scratch):
    sink = du.DatagramSink(scratch.root, "log")
    try:
        r = scratch.start(scratch.spec, scratch.mnt, env={"MERGERFSJ_SYSLOG_SOCKET": sink.path})
        assert r.returncode == 0, r.stderr
        pid = du.daemon_pid(scratch.mnt)
        mounted = sink.wait_for(lambda m: "mounted" in m)
        assert mounted is not None, sink.got
        # facility daemon (3), severity info (6) -> <30>; the identifier journald/rsyslog file it under
        assert re.match(r"<30>\w{3} [ \d]\d \d\d:\d\d:\d\d mergerfs-j\[%d\]: mounted " % pid, mounted), mounted
        # at the default level, operations are not logged
        du.fs_call(os.listdir, scratch.mnt)
        time.sleep(0.3)
        assert not [m for m in sink.drain() if "getattr" in m or "readdir" in m], sink.got
        # switched on at runtime through the control file
        du.fs_call(os.setxattr, os.path.join(scratch.mnt, ".mergerfs"), "user.mergerfs.log.level", b"trace")
        with pytest.raises(FileNotFoundError):
            du.fs_call(os.stat, os.path.join(scratch.mnt, "traced-name"))
        traced = sink.wait_for(lambda m: "getattr /traced-name" in m)
        assert traced is not None and traced.startswith("<31>"), sink.got  # debug severity
        assert du.run(["fusermount", "-u", scratch.mnt]).returncode == 0
        assert sink.wait_for(lambda m: "unmounted" in m) is not None
        assert du.wait_until(lambda: not du.pid_alive(pid))
    finally:
        sink.close()


def test_foreground_logs_to_stderr_with_journal_levels_under_systemd(scratch):
    err_path = scratch.path("stderr")
    with open(err_path, "w") as err:
        p = scratch.foreground(scratch.spec, scratch.mnt, env={"JOURNAL_STREAM": "8:1234"}, stderr=err)
    assert du.wait_until(lambda: "mounted" in open(err_path).read() or p.poll() is not None)
    p.send_signal(signal.SIGTERM)
    assert p.wait(du.T) == 0
    lines = open(err_path).read().splitlines()
    assert any(re.match(r"<6>mounted .* on %s" % re.escape(scratch.mnt), l) for l in lines), lines
    assert any(l.startswith("<6>unmounted") for l in lines), lines


def test_systemd_notify_ready_only_once_live(scratch):
    sink = du.DatagramSink(scratch.root, "notify")
    try:
        p = scratch.foreground(scratch.spec, scratch.mnt, env={"NOTIFY_SOCKET": sink.path})
        ready = sink.wait_for(lambda m: "READY=1" in m)
        assert ready is not None, "no READY=1 (exit %s)" % p.poll()
        # at the moment systemd hears READY=1 the pool must already answer
        assert du.mounted(scratch.mnt)
        assert "MAINPID=%d" % p.pid in ready
        assert du.daemon_pid(scratch.mnt) == p.pid
        p.send_signal(signal.SIGTERM)
        assert p.wait(du.T) == 0
    finally:
        sink.close()


def test_branches_mount_timeout_waits_for_the_disk(scratch):
    b1, b2 = scratch.branches
    open(os.path.join(b1, ".mergerfs.branch"), "w").close()  # b1's disk is there
    open(os.path.join(b2, ".mergerfs.branch_mounts_here"), "w").close()  # b2: nothing mounted here yet
    p = subprocess.Popen([du.LAUNCHER, "-o", "branches-mount-timeout=50,branches-mount-timeout-fail=true",
                          scratch.spec, scratch.mnt], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1.5)
        assert p.poll() is None and not du.mounted(scratch.mnt), "did not wait for the branch"
        open(os.path.join(b2, ".mergerfs.branch"), "w").close()  # the disk "arrives"
        out, err = p.communicate(timeout=du.T)
        assert p.returncode == 0, err
        assert du.mounted(scratch.mnt)
        scratch.pids.append(du.daemon_pid(scratch.mnt))
    finally:
        if p.poll() is None:
            p.kill()
            p.wait(10)


def test_branches_mount_timeout_fail_and_mount_anyway(scratch):
    open(os.path.join(scratch.branches[0], ".mergerfs.branch"), "w").close()
    open(os.path.join(scratch.branches[1], ".mergerfs.branch_mounts_here"), "w").close()
    r = scratch.start("-o", "branches-mount-timeout=1,branches-mount-timeout-fail=true", scratch.spec, scratch.mnt)
    assert r.returncode == 1 and "not mounted after 1 s: %s (" % scratch.branches[1] in r.stderr, r.stderr
    assert not du.mounted(scratch.mnt)
    r = scratch.start("-o", "branches-mount-timeout=1", scratch.spec, scratch.mnt)
    assert r.returncode == 0, r.stderr
    assert "warning: branches not mounted after 1 s" in r.stderr  # the launcher shows the daemon's warnings
    assert du.mounted(scratch.mnt)


def test_lazy_umount_mountpoint_replaces_a_live_pool(scratch):
    b3 = scratch.path("b3")
    os.mkdir(b3)
    assert scratch.start("-o", "fsname=oldpool", scratch.spec, scratch.mnt).returncode == 0
    old = du.daemon_pid(scratch.mnt)
    r = scratch.start("-o", "fsname=newpool,lazy-umount-mountpoint=true", b3, scratch.mnt)
    assert r.returncode == 0, r.stderr
    assert [e[0] for e in du.mount_entries(scratch.mnt)] == ["newpool"]
    du.fs_call(lambda: open(os.path.join(scratch.mnt, "n"), "w").close())
    assert os.path.exists(os.path.join(b3, "n"))
    assert du.wait_until(lambda: not du.pid_alive(old)), "the replaced daemon kept running"


def test_lazy_umount_mountpoint_clears_a_dead_pool(scratch):
    p = scratch.foreground(scratch.spec, scratch.mnt)
    assert du.wait_until(lambda: du.mounted(scratch.mnt) or p.poll() is not None) and du.mounted(scratch.mnt)
    p.kill()  # a crash: the mount stays, every access answers ENOTCONN
    p.wait(du.T)
    assert du.mounted(scratch.mnt)
    r = scratch.start("-o", "lazy-umount-mountpoint=true", scratch.spec, scratch.mnt)
    assert r.returncode == 0, r.stderr
    assert len(du.mount_entries(scratch.mnt)) == 1
    assert du.fs_call(os.listdir, scratch.mnt) is not None
