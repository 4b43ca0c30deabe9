"""The runtime control file /.mergerfs (CTL-01..11) and the per-file info xattrs (CTL-10)."""

import ctypes
import ctypes.util
import errno
import os
import stat
import subprocess
import sys
import time

import pytest

from mfstest import errno_of

P = "user.mergerfs."

# Appendix A: getfattr -d of a fresh 2.33.5 mount made with `-o allow_other b1:b2:b3 mnt`.
# Values in {braces} are filled in per pool.
APPENDIX_A = {
    "async_read": "true",
    "auto_cache": "false",
    "branches": "{b1}=RW:{b2}=RW:{b3}=RW",
    "cache.attr": "1",
    "cache.entry": "1",
    "cache.files": "libfuse",
    "cache.negative_entry": "0",
    "cache.readdir": "false",
    "cache.statfs": "0",
    "cache.symlinks": "false",
    "cache.writeback": "false",
    "category.action": "epall",
    "category.create": "epmfs",
    "category.search": "ff",
    "direct_io": "false",
    "dropcacheonclose": "false",
    "follow-symlinks": "never",
    "fsname": "1:2:3",
    "func.access": "ff",
    "func.chmod": "epall",
    "func.chown": "epall",
    "func.create": "epmfs",
    "func.getattr": "ff",
    "func.getxattr": "ff",
    "func.link": "epall",
    "func.listxattr": "ff",
    "func.mkdir": "epmfs",
    "func.mknod": "epmfs",
    "func.open": "ff",
    "func.readlink": "ff",
    "func.removexattr": "epall",
    "func.rename": "epall",
    "func.rmdir": "epall",
    "func.setxattr": "epall",
    "func.symlink": "epmfs",
    "func.truncate": "epall",
    "func.unlink": "epall",
    "func.utimens": "epall",
    "fuse_msg_size": "256",
    "ignorepponrename": "false",
    "inodecalc": "hybrid-hash",
    "kernel_cache": "false",
    "link-exdev": "passthrough",
    "link_cow": "false",
    "log.metrics": "false",
    "minfreespace": "4294967295",
    "mount": "{mnt}",
    "moveonenospc": "false",
    "nfsopenhack": "off",
    "nullrw": "false",
    "pid": "{pid}",
    "posix_acl": "false",
    "readdirplus": "false",
    "rename-exdev": "passthrough",
    "security_capability": "true",
    "srcmounts": "{b1}:{b2}:{b3}",
    "statfs": "base",
    "statfs_ignore": "none",
    "symlinkify": "false",
    "symlinkify_timeout": "3600",
    "threads": "{threads}",
    "version": "2.33.5",
    "xattr": "passthrough",
}
# mergerfs-j adds one key of its own (runtime log level) and three of newer mergerfs (OPT-65, OPT-69);
# everything else is 2.33.5's set.
JAVA_EXTRA_KEYS = {"log.level", "flush-on-close", "passthrough.io", "passthrough.max-stack-depth"}

READ_ONLY_KEYS = ["async_read", "cache.symlinks", "cache.writeback", "fsname", "fuse_msg_size",
                  "mount", "nullrw", "pid", "readdirplus", "threads", "version"]   # CTL-07

CREATE_FUNCS = ["create", "mkdir", "mknod", "symlink"]
ACTION_FUNCS = ["chmod", "chown", "link", "removexattr", "rename", "rmdir", "setxattr",
                "truncate", "unlink", "utimens"]
SEARCH_FUNCS = ["access", "getattr", "getxattr", "listxattr", "open", "readlink"]

TRAPEXIT_INO = 0x7472617065786974


def test_appendix_a_has_63_keys():
    # guards the table above against editing mistakes
    assert len(APPENDIX_A) == 63
    # 20 func.* keys: the spec's summary line says 21 but Appendix A (the verified dump) has 20
    assert len([k for k in APPENDIX_A if k.startswith("func.")]) == 20


@pytest.fixture
def default_pool(make_pool):
    """Mounted exactly like Appendix A: only `-o allow_other`."""
    return make_pool(opts="allow_other", base_opts=False)


# ---------------------------------------------------------------------------------------------
# the pseudo file itself

def test_control_file_stat(default_pool):
    st = os.stat(default_pool.ctl)
    assert stat.S_ISREG(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o664
    assert st.st_size == 0
    assert st.st_nlink == 1
    assert (st.st_uid, st.st_gid) == (os.getuid(), os.getgid())   # daemon's ids (we are root)
    st2 = os.lstat(default_pool.ctl)
    assert stat.S_ISREG(st2.st_mode)


def test_control_file_inode_with_use_ino(make_pool):
    # CTL-02: st_ino is "trapexit" when use_ino is on
    pool = make_pool(opts="use_ino")
    assert os.stat(pool.ctl).st_ino == TRAPEXIT_INO


def test_control_file_not_listed_and_not_on_branches(default_pool):
    pool = default_pool
    pool.write_branch(0, "visible", b"")
    assert os.listdir(pool.mnt) == ["visible"]
    assert ".mergerfs" not in os.listdir(pool.mnt)
    pool.assert_on(".mergerfs", [])
    assert os.path.exists(pool.ctl)


@pytest.mark.parametrize("flags", [os.O_RDONLY, os.O_WRONLY, os.O_RDWR])
def test_control_file_open_is_enoent(default_pool, flags):
    assert errno_of(os.open, default_pool.ctl, flags) == errno.ENOENT


def test_control_file_cannot_be_removed_or_replaced(default_pool):
    pool = default_pool
    assert errno_of(os.unlink, pool.ctl) == errno.ENOENT
    assert errno_of(os.removexattr, pool.ctl, P + "minfreespace") == errno.ENODATA
    pool.assert_on(".mergerfs", [])


# ---------------------------------------------------------------------------------------------
# listing and default values

def test_listxattr_is_appendix_a_keys(default_pool, impl):
    names = os.listxattr(default_pool.ctl)
    assert len(names) == len(set(names))
    assert all(n.startswith(P) for n in names)
    keys = {n[len(P):] for n in names}
    # intentional difference: mergerfs-j has user.mergerfs.log.level (spec: mergerfs-j extension)
    allowed_extra = impl.expect(mergerfs=set(), mergerfs_j=JAVA_EXTRA_KEYS)
    assert set(APPENDIX_A) <= keys
    assert keys - set(APPENDIX_A) <= allowed_extra
    assert names == sorted(names, key=lambda s: s.encode())      # CTL-03: byte order


def test_default_values_match_appendix_a(default_pool, impl):
    pool = default_pool
    subst = {"b1": pool.branches[0], "b2": pool.branches[1], "b3": pool.branches[2],
             "mnt": pool.mnt, "threads": str(os.cpu_count())}
    got, want = {}, {}
    for key, value in APPENDIX_A.items():
        if key in ("pid", "version"):
            continue
        want[key] = value.format(**subst)
        got[key] = pool.ctl_get(key)
    # the one deliberate default change: mergerfs-j answers READDIRPLUS (2.33.5 never asks)
    want["readdirplus"] = impl.expect(mergerfs="false", mergerfs_j="true")
    assert got == want


def test_pid_and_version(default_pool, impl):
    pool = default_pool
    pid = int(pool.ctl_get("pid"))
    if impl.is_reference:
        # 2.33.5 records getpid() before daemonizing, so the value is the parent that exited
        # (observed: always daemon pid - 1). Only check it is a plausible pid.
        assert 0 < pid <= pool.pid
        assert pool.ctl_get("version") == "2.33.5"
    else:
        # intentional difference: mergerfs-j reports the PID of the live daemon (OPT-43)
        assert pid == pool.pid
        assert pool.ctl_get("version")


def test_getxattr_size_query_and_erange(default_pool):
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    libc.getxattr.restype = ctypes.c_ssize_t
    libc.getxattr.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_size_t]
    path, name = default_pool.ctl.encode(), (P + "category.create").encode()
    n = libc.getxattr(path, name, None, 0)
    assert n == len("epmfs")                  # CTL-04: no trailing NUL
    buf = ctypes.create_string_buffer(2)
    assert libc.getxattr(path, name, buf, 2) == -1
    assert ctypes.get_errno() == errno.ERANGE


# ---------------------------------------------------------------------------------------------
# setting values

def test_set_category_sets_every_function(pool):
    pool.ctl_set("category.create", "mfs")
    assert pool.ctl_get("category.create") == "mfs"
    for f in CREATE_FUNCS:
        assert pool.ctl_get("func." + f) == "mfs"
    pool.ctl_set("func.mkdir", "ff")
    # OPT-08: a category reads as the sorted, comma-joined set of its functions' policies
    assert pool.ctl_get("category.create") == "ff,mfs"
    pool.ctl_set("category.action", "epff")
    for f in ACTION_FUNCS:
        assert pool.ctl_get("func." + f) == "epff"
    pool.ctl_set("category.search", "newest")
    for f in SEARCH_FUNCS:
        assert pool.ctl_get("func." + f) == "newest"
    assert pool.ctl_get("category.search") == "newest"
    assert pool.ctl_get("category.create") == "ff,mfs"


def test_set_policy_changes_placement(pool):
    os.close(os.open(pool.p("a"), os.O_CREAT | os.O_WRONLY, 0o644))
    pool.assert_on("a", [2])
    pool.ctl_set("func.create", "ff")
    os.close(os.open(pool.p("b"), os.O_CREAT | os.O_WRONLY, 0o644))
    pool.assert_on("b", [0])
    os.mkdir(pool.p("d"))                # func.mkdir untouched: still epmfs
    pool.assert_on("d", [2])


@pytest.mark.parametrize("key,value,readback", [
    ("minfreespace", "10M", "10485760"),          # CTL-08: u64 values render as plain integers
    ("minfreespace", "1G", "1073741824"),
    ("minfreespace", "12345", "12345"),
    ("cache.attr", "2K", "2048"),
    ("cache.entry", "3", "3"),
    ("dropcacheonclose", "yes", "true"),
    ("dropcacheonclose", "on", "true"),
    ("dropcacheonclose", "1", "true"),
    ("ignorepponrename", "true", "true"),
    ("link_cow", "no", "false"),
    ("moveonenospc", "true", "mfs"),              # OPT-09: true means mfs in 2.33.5
    ("moveonenospc", "lfs", "lfs"),
    ("moveonenospc", "false", "false"),
    ("statfs", "full", "full"),
    ("statfs_ignore", "nc", "nc"),
    ("cache.files", "off", "off"),
    ("inodecalc", "path-hash32", "path-hash32"),
    ("xattr", "noattr", "noattr"),
    ("follow-symlinks", "directory", "directory"),
    ("link-exdev", "rel-symlink", "rel-symlink"),
    ("rename-exdev", "abs-symlink", "abs-symlink"),
    ("nfsopenhack", "git", "git"),
    ("symlinkify_timeout", "60", "60"),
])
def test_set_and_read_back(pool, key, value, readback):
    pool.ctl_set(key, value)
    assert pool.ctl_get(key) == readback


def test_xattr_replace_flag_allowed_create_flag_eexist(pool):
    pool.ctl_set("minfreespace", "5M", os.XATTR_REPLACE)
    assert pool.ctl_get("minfreespace") == str(5 * 2**20)
    assert errno_of(pool.ctl_set, "minfreespace", "1M", os.XATTR_CREATE) == errno.EEXIST
    assert pool.ctl_get("minfreespace") == str(5 * 2**20)


def test_unknown_keys_enodata(pool):
    assert errno_of(pool.ctl_get, "nope") == errno.ENODATA
    assert errno_of(pool.ctl_set, "nope", "1") == errno.ENODATA
    assert errno_of(os.getxattr, pool.ctl, "user.foo") == errno.ENODATA
    assert errno_of(os.getxattr, pool.ctl, "trusted.mergerfs.branches") == errno.ENODATA
    assert errno_of(os.setxattr, pool.ctl, "user.foo", b"1") == errno.ENODATA


@pytest.mark.parametrize("key", READ_ONLY_KEYS)
def test_read_only_keys_erofs(pool, key):
    before = pool.ctl_get(key)
    assert errno_of(pool.ctl_set, key, "1") == errno.EROFS       # QUIRK-10: EROFS, not EINVAL
    assert pool.ctl_get(key) == before


@pytest.mark.parametrize("key,value", [
    ("minfreespace", "abc"),
    ("minfreespace", "10X"),
    ("cache.attr", "soon"),
    ("dropcacheonclose", "TRUE"),                # BOOL is lower case only
    ("dropcacheonclose", "maybe"),
    ("moveonenospc", "bogus"),
    ("statfs", "bogus"),
    ("statfs_ignore", "all"),
    ("cache.files", "bogus"),
    ("inodecalc", "md5"),
    ("xattr", "maybe"),
    ("follow-symlinks", "sometimes"),
    ("link-exdev", "copy"),
    ("rename-exdev", "copy"),
    ("nfsopenhack", "some"),
    ("branches", "/tmp=XX"),                     # BR-02: mode must be RW/RO/NC
    ("branches", "/tmp=rw"),
    ("branches", "/tmp=RW,lots"),
    ("branches", "+-/tmp"),                      # CTL-06: unknown edit instructions
    ("branches", "<</tmp"),
    ("branches", "=+/tmp"),
    ("branches", ">/tmp"),
])
def test_bad_values_einval_and_unchanged(pool, key, value):
    before = pool.ctl_get(key)
    assert errno_of(pool.ctl_set, key, value) == errno.EINVAL
    assert pool.ctl_get(key) == before


@pytest.mark.impl_only("mergerfs-j")
@pytest.mark.parametrize("key", ["category.create", "func.getattr", "category.action"])
def test_bad_policy_name_einval(pool, key):
    # intentional difference (QUIRK-01, DIFF-25, OPT-92): 2.33.5 accepts an unknown policy and
    # the daemon crashes on the next use; mergerfs-j rejects it with EINVAL.
    before = pool.ctl_get(key)
    assert errno_of(pool.ctl_set, key, "bogus") == errno.EINVAL
    assert errno_of(pool.ctl_set, key, "EPMFS") == errno.EINVAL    # POL-43: case-sensitive
    assert pool.ctl_get(key) == before
    os.listdir(pool.mnt)       # still alive


def test_search_policy_eplus(make_pool, impl):
    # QUIRK-02: 2.33.5's eplus/lus search starts its minimum at 0 and always fails with ENOENT,
    # making even the root (and with it the control file) unreachable; the spec asks mergerfs-j
    # to fix it as HEAD did (intentional difference).
    pool = make_pool()
    pool.write_branch(1, "f", b"x")
    pool.ctl_set("func.getattr", "eplus")
    if impl.is_reference:
        assert errno_of(os.stat, pool.p("f")) == errno.ENOENT
        assert errno_of(os.stat, pool.mnt) == errno.ENOENT
    else:
        assert os.stat(pool.p("f")).st_size == 1
        assert os.path.isdir(pool.mnt)
        pool.ctl_set("func.getattr", "ff")
        assert os.stat(pool.p("f")).st_size == 1


# ---------------------------------------------------------------------------------------------
# branch edits (CTL-06)

def test_branch_edit_instructions(make_pool):
    def setup(branches):
        root = os.path.dirname(branches[0])
        for x in ("x1", "x2"):
            os.mkdir(os.path.join(root, x))
    pool = make_pool(branch_setup=setup)
    b1, b2, b3 = pool.branches
    x1, x2 = os.path.join(pool.root, "x1"), os.path.join(pool.root, "x2")

    def br():
        return pool.ctl_get("branches")

    pool.ctl_set("branches", "+>" + x1)
    assert br() == "%s=RW:%s=RW:%s=RW:%s=RW" % (b1, b2, b3, x1)
    pool.ctl_set("branches", "+<" + x2 + "=NC")
    assert br() == "%s=NC:%s=RW:%s=RW:%s=RW:%s=RW" % (x2, b1, b2, b3, x1)
    pool.ctl_set("branches", "-<")
    assert br() == "%s=RW:%s=RW:%s=RW:%s=RW" % (b1, b2, b3, x1)
    pool.ctl_set("branches", "->")
    assert br() == "%s=RW:%s=RW:%s=RW" % (b1, b2, b3)
    pool.ctl_set("branches", "-" + os.path.join(pool.root, "b[12]"))     # fnmatch pattern
    assert br() == "%s=RW" % b3
    pool.ctl_set("branches", "+" + x1 + "=RO:" + x2 + "=RW,1G")
    assert br() == "%s=RW:%s=RO:%s=RW,1G" % (b3, x1, x2)
    pool.ctl_set("branches", "-" + x1 + ":" + x2)                          # any of the patterns
    assert br() == "%s=RW" % b3
    pool.ctl_set("branches", "=" + b1 + ":" + b2 + "=NC,1500")
    assert br() == "%s=RW:%s=NC,1500" % (b1, b2)
    assert pool.ctl_get("srcmounts") == "%s:%s" % (b1, b2)
    pool.ctl_set("branches", b3)                                           # bare list = replace
    assert br() == "%s=RW" % b3
    pool.ctl_set("srcmounts", "+<" + b2)                                   # srcmounts edits too
    assert br() == "%s=RW:%s=RW" % (b2, b3)


def test_branch_edit_glob_and_effect(make_pool):
    def setup(branches):
        for x in ("new1", "new2"):
            os.mkdir(os.path.join(os.path.dirname(branches[0]), x))
    pool = make_pool(nbranches=1, branch_setup=setup)
    pool.ctl_set("branches", "+>" + os.path.join(pool.root, "new*"))
    n1, n2 = os.path.join(pool.root, "new1"), os.path.join(pool.root, "new2")
    assert pool.ctl_get("branches") == "%s=RW:%s=RW:%s=RW" % (pool.branches[0], n1, n2)
    with open(os.path.join(n1, "from-new1"), "w") as f:
        f.write("hi")
    assert pool.read("from-new1") == b"hi"
    pool.ctl_set("branches", "=" + n2)
    assert os.listdir(pool.mnt) == []
    os.mkdir(pool.p("d"))
    assert os.path.isdir(os.path.join(n2, "d"))


def test_branch_edit_mode_renders(pool):
    b = pool.branches
    pool.ctl_set("branches", "%s=RO:%s=NC,1G:%s=RW,4096" % tuple(b))
    assert pool.ctl_get("branches") == "%s=RO:%s=NC,1G:%s=RW,4K" % tuple(b)   # BR-07 humanized
    assert pool.ctl_get("srcmounts") == "%s:%s:%s" % tuple(b)


def test_empty_branch_item(pool, impl):
    # QUIRK-08 / BR-01: 2.33.5 turns "a::b" into a bogus empty-path branch; the spec asks
    # mergerfs-j to ignore empty items (intentional difference).
    b1, b2, _ = pool.branches
    pool.ctl_set("branches", b1 + "::" + b2)
    expect = impl.expect(mergerfs="%s=RW:=RW:%s=RW" % (b1, b2), mergerfs_j="%s=RW:%s=RW" % (b1, b2))
    assert pool.ctl_get("branches") == expect


def test_three_field_branch_options(pool, impl):
    # QUIRK-08 / BR-02: "=RW,1G,x" is silently plain RW in 2.33.5; mergerfs-j says EINVAL
    b1 = pool.branches[0]
    before = pool.ctl_get("branches")
    r = errno_of(pool.ctl_set, "branches", b1 + "=RW,1G,x")
    if impl.is_reference:
        assert r == 0 and pool.ctl_get("branches") == b1 + "=RW"
    else:
        assert r == errno.EINVAL and pool.ctl_get("branches") == before


# ---------------------------------------------------------------------------------------------
# permissions (CTL-09)

NONROOT = r"""
import os, sys
ctl = sys.argv[1]
print(os.getxattr(ctl, "user.mergerfs.category.create").decode())
try:
    os.setxattr(ctl, "user.mergerfs.category.create", b"ff")
    print("set-ok")
except OSError as e:
    print(e.errno)
"""


def test_nonroot_can_read_but_not_set(pool):
    def drop():
        os.setgroups([])
        os.setgid(4242)
        os.setuid(4242)
    cp = subprocess.run([sys.executable, "-c", NONROOT, pool.ctl], preexec_fn=drop, timeout=30,
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    assert cp.returncode == 0, cp.stderr
    assert cp.stdout.split() == ["epmfs", str(errno.EACCES)]
    assert pool.ctl_get("category.create") == "epmfs"


# ---------------------------------------------------------------------------------------------
# per-file info xattrs (CTL-10, TOOL-09)

def test_per_file_info_xattrs(make_pool):
    def setup(branches):
        for k in (0, 2):
            os.makedirs(os.path.join(branches[k], "d"))
            with open(os.path.join(branches[k], "d/f"), "w") as f:
                f.write(str(k))
        os.makedirs(os.path.join(branches[1], "d"))
    pool = make_pool(branch_setup=setup)
    b1, b2, b3 = pool.branches
    f = pool.p("d/f")
    assert pool.xattr("d/f", P + "basepath") == b1.encode()
    assert pool.xattr("d/f", P + "relpath") == b"/d/f"
    assert pool.xattr("d/f", P + "fullpath") == (b1 + "/d/f").encode()
    assert pool.xattr("d/f", P + "allpaths") == (b1 + "/d/f\0" + b3 + "/d/f").encode()
    # directories too
    assert pool.xattr("d", P + "allpaths") == ("%s/d\0%s/d\0%s/d" % (b1, b2, b3)).encode()
    assert pool.xattr("d", P + "relpath") == b"/d"
    # never listed, unknown ones are ENODATA, missing paths ENOENT
    assert not [n for n in os.listxattr(f) if n.startswith(P)]
    assert errno_of(os.getxattr, f, P + "nope") == errno.ENODATA
    assert errno_of(os.getxattr, pool.p("d/missing"), P + "fullpath") == errno.ENOENT


def test_per_file_basepath_follows_getxattr_policy(make_pool):
    def setup(branches):
        for k in (1, 2):
            with open(os.path.join(branches[k], "f"), "w") as fh:
                fh.write(str(k))
    pool = make_pool(branch_setup=setup)
    assert pool.xattr("f", P + "basepath") == pool.branches[1].encode()
    pool.ctl_set("func.getxattr", "epmfs")          # one fs: last branch wins the tie
    assert pool.xattr("f", P + "basepath") == pool.branches[2].encode()
    assert pool.xattr("f", P + "fullpath") == (pool.branches[2] + "/f").encode()


def test_user_mergerfs_names_on_files_pass_through_on_set(make_pool):
    # OP-XA-03: setting user.mergerfs.* on ordinary files is not intercepted in 2.33.5
    def setup(branches):
        with open(os.path.join(branches[0], "f"), "w") as fh:
            fh.write("x")
    pool = make_pool(branch_setup=setup)
    os.setxattr(pool.p("f"), P + "custom", b"v")
    assert os.getxattr(pool.b(0, "f"), P + "custom") == b"v"


def test_cache_timeouts_set_at_runtime_reach_the_kernel(make_pool, impl):
    """cache.negative_entry, cache.entry and cache.attr are rw at runtime (OPT-18..20): a value set through
    the control file is the timeout of the next replies. Each step fails if the new value is only kept for
    the next mount: the first would see the new file at once, the second would keep the removed name for
    the mount's 60 s, the third would show the chmod after the mount's 1 s."""
    # mounted with entry 60 s: step 2 cannot pass by a slow machine letting the mount's entry expire
    pool = make_pool(nbranches=1, fresh=True, opts="cache.attr=1,cache.entry=60,cache.negative_entry=0")

    # a negative entry kept for 30 s hides a file that appears on the branch afterwards
    pool.ctl_set("cache.negative_entry", "30")
    assert not os.path.exists(pool.p("late"))
    pool.write_branch(0, "late", b"x")
    assert not os.path.exists(pool.p("late"))

    # entry timeout 0: a name removed on the branch is gone at the next access (60 s would keep it)
    pool.ctl_set("cache.negative_entry", "0")
    pool.ctl_set("cache.entry", "0")
    pool.write_branch(0, "gone", b"x")
    assert os.path.exists(pool.p("gone"))
    os.unlink(pool.b(0, "gone"))
    assert not os.path.exists(pool.p("gone"))

    # attributes kept for 30 s: a chmod on the branch is not seen 1.5 s later (1 s would show it)
    pool.ctl_set("cache.entry", "30")
    pool.ctl_set("cache.attr", "30")
    pool.write_branch(0, "kept", b"x", mode=0o644)
    assert stat.S_IMODE(os.stat(pool.p("kept")).st_mode) == 0o644
    os.chmod(pool.b(0, "kept"), 0o600)
    time.sleep(1.5)
    assert stat.S_IMODE(os.stat(pool.p("kept")).st_mode) == 0o644
