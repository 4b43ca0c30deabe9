"""Installed like a system daemon (CLI-12, CLI-13): install.sh/uninstall.sh, the mount(8) helper with
real util-linux mount and fstab files, config= from fstab, umount stopping the daemon, the systemd unit.

The mount(8) tests need /sbin/mount.mergerfs-j: when it is absent a symlink to this worktree's helper
is made for the duration of the module (and removed after); MERGERFSJ_LAUNCHER points the helper at
this worktree's launcher either way.
"""
import hashlib
import os
import shutil
import stat
import subprocess

import pytest

import daemonutil as du

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (mount(8), FUSE, /sbin)"),
    pytest.mark.skipif(not os.path.exists(du.JAR), reason="build the jar first: mvn -q package -DskipTests"),
]

INSTALL = os.path.join(du.ROOT, "scripts", "install.sh")
UNINSTALL = os.path.join(du.ROOT, "scripts", "uninstall.sh")
ENV = {"MERGERFSJ_LAUNCHER": du.LAUNCHER}


@pytest.fixture
def scratch():
    s = du.Scratch(prefix="mfsj-install-")
    try:
        yield s
    finally:
        s.cleanup()


@pytest.fixture(scope="module")
def sbin_helper():
    made = []
    for name in ("mount.mergerfs-j", "mount.fuse.mergerfs-j"):
        p = os.path.join("/sbin", name)
        if not os.path.lexists(p):
            os.symlink(du.HELPER, p)
            made.append(p)
    try:
        yield
    finally:
        for p in made:
            if os.path.islink(p) and os.readlink(p) == du.HELPER:
                os.unlink(p)


def tree(root):
    """Every path under root, relative, directories included."""
    out = []
    for d, dirs, files in os.walk(root):
        for n in dirs + files:
            out.append(os.path.relpath(os.path.join(d, n), root))
    return sorted(out)


def test_install_into_destdir_runs_and_uninstall_leaves_nothing(scratch):
    dest = scratch.path("dest")
    os.mkdir(dest)
    r = du.run(["sh", INSTALL, "--destdir", dest, "--prefix", "/usr/local"], timeout=600)
    assert r.returncode == 0, r.stderr
    files = tree(dest)
    for want in ("usr/local/bin/mergerfs-j", "usr/local/lib/mergerfs-j/mergerfs-j.jar",
                 "usr/local/lib/mergerfs-j/install-manifest", "sbin/mount.mergerfs-j", "sbin/mount.fuse.mergerfs-j",
                 "usr/local/share/man/man1/mergerfs-j.1", "usr/local/share/doc/mergerfs-j/mergerfs-j.service"):
        assert want in files, files
    assert os.stat(os.path.join(dest, "usr/local/bin/mergerfs-j")).st_mode & 0o777 == 0o755
    assert os.readlink(os.path.join(dest, "sbin/mount.fuse.mergerfs-j")) == "mount.mergerfs-j"
    helper = open(os.path.join(dest, "sbin/mount.mergerfs-j")).read()
    assert "\ninstalled_launcher=/usr/local/bin/mergerfs-j\n" in helper  # the final path, not the destdir
    # no file outside what the manifest lists
    listed = {line.split(" ", 2)[2].strip().lstrip("/") for line in
              open(os.path.join(dest, "usr/local/lib/mergerfs-j/install-manifest"))}
    assert set(files) == listed, set(files) ^ listed
    # the installed command works: it finds its jar relative to itself
    installed = os.path.join(dest, "usr/local/bin/mergerfs-j")
    v = du.run([installed, "--version"], env={"MERGERFSJ_JAR": ""})
    assert v.returncode == 0 and "mergerfs-j version" in v.stdout, v.stderr
    r = du.run([installed, scratch.spec, scratch.mnt], env={"MERGERFSJ_JAR": ""})
    assert r.returncode == 0, r.stderr
    scratch.pids.append(du.daemon_pid(scratch.mnt))
    cmd = open("/proc/%d/cmdline" % scratch.pids[-1], "rb").read().decode()
    assert os.path.join(dest, "usr/local/lib/mergerfs-j/mergerfs-j.jar") in cmd.replace("bin/../", "")
    du.unmount(scratch.mnt)
    assert du.stop_pid(scratch.pids[-1])

    r = du.run(["sh", UNINSTALL, "--destdir", dest, "--prefix", "/usr/local"])
    assert r.returncode == 0, r.stderr
    assert tree(dest) == []


def test_install_into_a_prefix_builds_the_cds_archive_and_keeps_edited_files(scratch):
    prefix, sbin = scratch.path("prefix"), scratch.path("sbin")
    r = du.run(["sh", INSTALL, "--prefix", prefix, "--sbindir", sbin], timeout=600)
    assert r.returncode == 0, r.stderr
    jar = os.path.join(prefix, "lib/mergerfs-j/mergerfs-j.jar")
    jsa = os.path.join(prefix, "lib/mergerfs-j/mergerfs-j.jsa")
    assert os.path.exists(jsa), r.stderr
    assert os.stat(jsa).st_mtime >= os.stat(jar).st_mtime  # the launcher only uses a newer archive
    # the installed helper runs the installed launcher, which uses the archive
    r = du.run([os.path.join(sbin, "mount.mergerfs-j"), scratch.spec, scratch.mnt, "-o", "category.create=mfs"],
               env={"MERGERFSJ_JAR": "", "MERGERFSJ_LAUNCHER": ""})
    assert r.returncode == 0, r.stderr
    pid = du.daemon_pid(scratch.mnt)
    scratch.pids.append(pid)
    cmd = open("/proc/%d/cmdline" % pid, "rb").read().decode().split("\0")
    assert "-XX:SharedArchiveFile=" + os.path.realpath(jsa) in cmd, cmd
    # and the JVM accepted it (a path or jar mismatch would silently turn sharing off)
    assert os.path.realpath(jsa) in open("/proc/%d/maps" % pid).read()
    du.unmount(scratch.mnt)
    assert du.stop_pid(pid)

    unit = os.path.join(prefix, "share/doc/mergerfs-j/mergerfs-j.service")
    with open(unit, "a") as f:
        f.write("# edited by the admin\n")
    r = du.run(["sh", UNINSTALL, "--prefix", prefix])
    assert r.returncode == 3 and "keeping " + unit in r.stderr, (r.returncode, r.stderr)
    assert tree(prefix) == ["share", "share/doc", "share/doc/mergerfs-j", "share/doc/mergerfs-j/mergerfs-j.service"]
    assert tree(sbin) == []


def test_the_helper_translates_mount_arguments():
    # -f: fake mount; prints the command it would run
    r = du.run([du.HELPER, "/d/1:/d/2", "/mnt/pool", "-f", "-n", "-s", "-o",
                'rw,nofail,noauto,_netdev,user,users,auto,x-systemd.requires=/d,comment="a,b",defaults,'
                'category.create=mfs,nosuid', "-t", "fuse.mergerfs-j"], env=ENV)
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip() == "mount.mergerfs-j: %s -o rw,defaults,category.create=mfs,nosuid,dev /d/1:/d/2 " \
                               "/mnt/pool" % du.LAUNCHER
    r = du.run([du.HELPER, "src", "/mnt/pool", "-fv"], env=ENV)
    assert r.stderr.strip().endswith("-o dev,suid src /mnt/pool")
    assert du.run([du.HELPER, "onlyone"], env=ENV).returncode != 0


def test_mount_t_with_a_glob_and_umount_stops_the_daemon(scratch, sbin_helper):
    r = du.run(["mount", "-t", "mergerfs-j", scratch.path("b*"), scratch.mnt, "-o", "category.create=mfs"], env=ENV)
    assert r.returncode == 0, r.stderr
    (src, fstype, opts), = du.mount_entries(scratch.mnt)
    assert fstype == "fuse.mergerfs"  # our subtype is mergerfs, for tools
    assert "nosuid" not in opts.split(",") and "nodev" not in opts.split(",")  # like mount.fuse: dev,suid
    ctl = os.path.join(scratch.mnt, ".mergerfs")
    assert du.getxattr(ctl, "user.mergerfs.category.create") == "mfs"
    assert du.getxattr(ctl, "user.mergerfs.branches") == ":".join(b + "=RW" for b in scratch.branches)
    pid = du.daemon_pid(scratch.mnt)
    scratch.pids.append(pid)
    r = du.run(["umount", scratch.mnt])
    assert r.returncode == 0, r.stderr
    assert not du.mounted(scratch.mnt)
    assert du.wait_until(lambda: not du.pid_alive(pid)), "umount left the daemon running"


@pytest.mark.parametrize("fstype", ["mergerfs-j", "fuse.mergerfs-j"])
def test_fstab_line_through_mount_T(scratch, sbin_helper, fstype):
    fstab = scratch.path("fstab")
    with open(fstab, "w") as f:
        f.write("# test fstab\n%s %s %s defaults,allow_other,nofail,_netdev,x-systemd.requires=/,"
                "comment=pool,category.create=lfs 0 0\n" % (scratch.spec, scratch.mnt, fstype))
    r = du.run(["mount", "-T", fstab, scratch.mnt], env=ENV)
    assert r.returncode == 0, r.stderr
    assert [e[1] for e in du.mount_entries(scratch.mnt)] == ["fuse.mergerfs"]
    pid = du.daemon_pid(scratch.mnt)
    scratch.pids.append(pid)
    assert du.getxattr(os.path.join(scratch.mnt, ".mergerfs"), "user.mergerfs.category.create") == "lfs"
    du.fs_call(lambda: open(os.path.join(scratch.mnt, "through-fstab"), "w").write("data"))
    assert any(os.path.exists(os.path.join(b, "through-fstab")) for b in scratch.branches)
    r = du.run(["umount", scratch.mnt])
    assert r.returncode == 0, r.stderr
    assert du.wait_until(lambda: not du.pid_alive(pid))
    assert not du.mounted(scratch.mnt)


def test_config_file_from_fstab(scratch, sbin_helper):
    conf = scratch.path("pool.conf")
    with open(conf, "w") as f:
        f.write("# options for the pool\ncategory.create = rand\nminfreespace=1G\nbranches=%s\n" % scratch.spec)
    fstab = scratch.path("fstab")
    with open(fstab, "w") as f:
        # the file's branches= replaces the source's branch list (it is applied after it)
        f.write("%s %s fuse.mergerfs-j config=%s,allow_other 0 0\n" % (scratch.branches[0], scratch.mnt, conf))
    r = du.run(["mount", "-T", fstab, scratch.mnt], env=ENV)
    assert r.returncode == 0, r.stderr
    ctl = os.path.join(scratch.mnt, ".mergerfs")
    scratch.pids.append(du.daemon_pid(scratch.mnt))
    assert du.getxattr(ctl, "user.mergerfs.category.create") == "rand"
    assert du.getxattr(ctl, "user.mergerfs.minfreespace") == str(1 << 30)
    assert du.getxattr(ctl, "user.mergerfs.branches") == ":".join(b + "=RW" for b in scratch.branches)
    assert du.run(["umount", scratch.mnt]).returncode == 0


def test_mount_reports_the_daemons_reason_and_mounts_nothing(scratch, sbin_helper):
    fstab = scratch.path("fstab")
    with open(fstab, "w") as f:
        f.write("%s %s mergerfs-j defaults,minfreespace=lots 0 0\n" % (scratch.spec, scratch.mnt))
    r = du.run(["mount", "-T", fstab, scratch.mnt], env=ENV)
    assert r.returncode != 0
    assert "minfreespace=lots" in r.stderr, r.stderr
    assert not du.mounted(scratch.mnt)
    assert du.pids_mentioning(scratch.root) == []


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_the_example_unit_is_valid(scratch):
    unit = scratch.path("mergerfs-j.service")
    text = open(os.path.join(du.ROOT, "docs", "mergerfs-j.service")).read()
    assert "Type=notify" in text and "RequiresMountsFor=" in text and " -f " in text
    with open(unit, "w") as f:
        f.write(text.replace("/usr/local/bin/mergerfs-j", du.LAUNCHER))
    r = du.run(["systemd-analyze", "verify", "--man=no", unit])
    assert r.returncode == 0 and r.stderr.strip() == "", r.stderr
