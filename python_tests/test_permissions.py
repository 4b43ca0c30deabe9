"""Every operation runs as its caller (CRED-01..05, OP-CR-02, OP-CP-03, CTL-09, CTL-10).

The permission matrix runs the same operations as the same non-root users on a plain directory and through
the pool; results and the resulting files (mode, owner, size, user xattrs, on the branch) must match.
Needs root (creates users 4101-4104 and groups 4111-4113). MERGERFS_IMPLS=mergerfs-j,mergerfs also runs
it against mergerfs 2.33.5, where the known differences are marked.
"""
import errno
import os
import stat
import subprocess

import pytest

import permtools as pt

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (creates users, mounts)")

# role -> (uid, primary gid) and the group the role's objects get, so that the role is exactly that class
ROLES = {
    "owner": (4101, 4111),  # owns everything in the matrix
    "group": (4102, 4111),  # member through its primary gid
    "supp": (4103, 4112),   # member only through a supplementary group
    "other": (4104, 4111),  # no relation
}
FILE_MODES = [0o642, 0o024, 0o460, 0o6766]
DIR_MODES = [0o755, 0o730, 0o571, 0o1777]
FILE_OPS = ["read", "append", "truncate", "chmod", "chown_supp", "chown_nonmember", "chown_user",
            "setxattr", "getxattr"]
DIR_OPS = ["listdir", "search", "create", "mkdir", "mkfifo", "unlink", "rename", "rmdir", "chmod", "setxattr"]


@pytest.fixture(scope="module", params=pt.impls())
def impl(request):
    return request.param


@pytest.fixture(scope="module")
def users():
    pt.ensure_users()


class View:
    """One test's corner of the shared pool: the same subdirectory on the mount and on every branch."""

    def __init__(self, pool, sub):
        self.impl, self.mnt, self.sub = pool.impl, pool.mnt, sub

    def path(self, rel=""):
        return os.path.join(self.mnt, self.sub, rel) if rel else os.path.join(self.mnt, self.sub)


@pytest.fixture(scope="module")
def shared(users, impl):
    with pt.plain_beside_pool("mfsj-perm-", impl) as (root, pool):
        yield root, pool


@pytest.fixture
def env(shared, request):
    root, pool = shared
    sub, dirs = pt.per_test_dirs(root, request.node.name, 0o755)
    return {"root": root, "plain": dirs[0], "pool": View(pool, sub), "branches": dirs[1:]}


def build_matrix(base):
    """The objects of the matrix, made as root under base (a plain dir or the pool)."""
    for role, (_, group) in ROLES.items():
        for m in FILE_MODES:
            for op in FILE_OPS:
                f = os.path.join(base, "f-%s-%o-%s" % (role, m, op))
                with open(f, "w") as h:
                    h.write("data")
                os.setxattr(f, "user.k", b"v")
                os.chown(f, 4101, group)
                os.chmod(f, m)
        for m in DIR_MODES:
            for op in DIR_OPS:
                d = os.path.join(base, "d-%s-%o-%s" % (role, m, op))
                os.mkdir(d)
                for n in ("victim", "empty"):
                    p = os.path.join(d, n)
                    if n == "empty":
                        os.mkdir(p)
                    else:
                        with open(p, "w") as h:
                            h.write("v")
                    os.chown(p, 4101, 4111)
                os.chown(d, 4101, group)
                os.chmod(d, m)


def matrix_ops(role):
    ops = [["umask", 0o022]]
    for m in FILE_MODES:
        f = lambda op: "f-%s-%o-%s" % (role, m, op)  # noqa: E731
        ops += [["read", f("read")], ["append", f("append"), "more"], ["truncate", f("truncate"), 1],
                ["chmod", f("chmod"), 0o600], ["chown", f("chown_supp"), -1, 4112],
                ["chown", f("chown_nonmember"), -1, 4113], ["chown", f("chown_user"), 4102, -1],
                ["setxattr", f("setxattr"), "user.new", "x"], ["getxattr", f("getxattr"), "user.k"]]
    for m in DIR_MODES:
        d = lambda op, n="": "d-%s-%o-%s%s" % (role, m, op, "/" + n if n else "")  # noqa: E731
        ops += [["listdir", d("listdir")], ["stat", d("search", "victim")], ["create", d("create", "new"), 0o666],
                ["mkdir", d("mkdir", "newd"), 0o777], ["mkfifo", d("mkfifo", "fifo"), 0o666],
                ["unlink", d("unlink", "victim")], ["rename", d("rename", "victim"), d("rename", "renamed")],
                ["rmdir", d("rmdir", "empty")], ["chmod", d("chmod"), 0o700],
                ["setxattr", d("setxattr"), "user.new", "x"]]
    return ops


def test_permission_matrix_matches_a_plain_directory(env):
    plain, pool = env["plain"], env["pool"]
    build_matrix(plain)
    build_matrix(pool.path())
    diffs = []
    for role, (uid, _) in ROLES.items():
        ops = matrix_ops(role)
        want = pt.as_user(uid, plain, ops)
        got = pt.as_user(uid, pool.path(), ops)
        for op, w, g in zip(ops, want, got):
            if w != g:
                diffs.append("%s as %s: plain %s, pool %s" % (op, role, w, g))
    # the outcome on disk: same modes (umask, killed set-id bits), owners (new entries belong to the caller,
    # chown to a supplementary group), sizes and xattrs
    want_tree = pt.tree(plain)
    got_tree = pt.union_tree(env["branches"])
    for k in sorted(set(want_tree) | set(got_tree)):
        if want_tree.get(k) != got_tree.get(k):
            diffs.append("%s: plain %s, branch %s" % (k, want_tree.get(k), got_tree.get(k)))
    if diffs and pool.impl == "mergerfs" and all("6766" in d for d in diffs):
        pt.known_diff(pool.impl, "a write by a non-owner of a set-id file fails with EIO")
    assert not diffs, "\n".join(diffs[:40])


def test_matrix_has_teeth(env):
    """The matrix ops give both successes and each relevant errno on the plain dir."""
    build_matrix(env["plain"])
    res = []
    for role, (uid, _) in ROLES.items():
        res += pt.as_user(uid, env["plain"], matrix_ops(role))
    for want in ("ok", "EACCES", "EPERM"):
        assert any(r == want or (isinstance(r, list) and r[0] == want) for r in res), want


def test_new_entries_belong_to_the_caller_with_its_umask(env):
    pool, (b1, b2) = env["pool"], env["branches"]
    os.chmod(pool.path(), 0o1777)  # through the pool, on every branch
    res = pt.as_user(4103, pool.path(), [["umask", 0o027], ["create", "f", 0o666], ["mkdir", "d", 0o777],
                                         ["mkfifo", "p", 0o666], ["symlink", "l", "f"]])
    assert res == ["ok"] * 5
    t = pt.union_tree([b1, b2])
    assert t["f"][:3] == (oct(stat.S_IFREG | 0o640), 4103, 4113)
    assert t["d"][:3] == (oct(stat.S_IFDIR | 0o750), 4103, 4113)
    assert t["p"][:3] == (oct(stat.S_IFIFO | 0o640), 4103, 4113)
    assert t["l"][1:3] == (4103, 4113), "symlinks too belong to the caller"


def test_default_acl_parent_gets_no_umask(env):
    pool, plain = env["pool"], env["plain"]
    for base in (plain, pool.path()):
        os.mkdir(os.path.join(base, "acl"), 0o777)
        os.chmod(os.path.join(base, "acl"), 0o777)
    for b in [plain] + env["branches"]:
        if os.path.isdir(os.path.join(b, "acl")):
            subprocess.run(["setfacl", "-d", "-m", "u::rwx,g::rwx,o::rwx", os.path.join(b, "acl")],
                           check=True, timeout=pt.TIMEOUT)
    ops = [["umask", 0o077], ["create", "acl/f", 0o666], ["mkdir", "acl/d", 0o777], ["create", "plainf", 0o666]]
    os.chmod(plain, 0o777)
    os.chmod(pool.path(), 0o777)
    assert pt.as_user(4101, plain, ops) == pt.as_user(4101, pool.path(), ops) == ["ok"] * 4
    want, got = pt.tree(plain), pt.union_tree(env["branches"])
    assert got["acl/f"][0] == oct(stat.S_IFREG | 0o666), "default ACL: the caller's umask is not applied"
    assert got["acl/d"][0] == oct(stat.S_IFDIR | 0o777)
    assert got["plainf"][0] == oct(stat.S_IFREG | 0o600), "no ACL: umask 077 applied"
    for k in ("acl/f", "acl/d", "plainf"):
        assert want[k][:3] == got[k][:3], k


def test_groups_are_the_callers_real_ones_not_the_databases(env):
    """setpriv --groups gives 4101 a group the database does not: the kernel and the branch both honour it."""
    pool = env["pool"]
    for base in (env["plain"], pool.path()):
        f = os.path.join(base, "f")
        open(f, "w").close()
        os.chown(f, 4101, 4111)
    ops = [["chown", "f", -1, 4113]]
    assert pt.as_user(4101, env["plain"], ops, groups=[4113]) == ["ok"]
    got = pt.as_user(4101, pool.path(), ops, groups=[4113])
    if got != ["ok"]:
        pt.known_diff(pool.impl, "supplementary groups come from the group database")
    assert got == ["ok"]
    assert pt.union_tree(env["branches"])["f"][2] == 4113


def test_dropped_groups_are_not_regained_on_other_branches(env):
    """A caller that cleared its groups must not get them back where the kernel did not look.

    d/x exists on both branches. The pool shows b1's d (0777), so the kernel lets the caller in; on b2, d
    is writable only by group 4112, which the caller dropped."""
    pool, (b1, b2) = env["pool"], env["branches"]
    for b, mode, grp in ((b1, 0o777, 0), (b2, 0o770, 4112)):
        os.mkdir(os.path.join(b, "d"))
        os.chown(os.path.join(b, "d"), 0, grp)
        os.chmod(os.path.join(b, "d"), mode)
        open(os.path.join(b, "d", "x"), "w").close()
    res = pt.as_user(4103, pool.path(), [["unlink", "d/x"]], groups=[])
    if os.path.exists(os.path.join(b1, "d", "x")) or not os.path.exists(os.path.join(b2, "d", "x")):
        pt.known_diff(pool.impl, "the daemon acts with the database's groups, even ones the caller dropped")
    assert os.path.exists(os.path.join(b2, "d", "x")), "b2's copy was removed with a dropped group: %s" % res
    assert not os.path.exists(os.path.join(b1, "d", "x"))
    # the same caller with its groups removes both
    open(os.path.join(b1, "d", "x"), "w").close()
    assert pt.as_user(4103, pool.path(), [["unlink", "d/x"]]) == ["ok"]
    assert not os.path.exists(os.path.join(b2, "d", "x"))


def test_write_by_non_owner_clears_setid_and_chown_clears_too(env):
    pool, (b1, b2) = env["pool"], env["branches"]
    for n in ("w", "c"):
        with open(pool.path(n), "w") as h:
            h.write("x")
        os.chown(pool.path(n), 4101, 4111)
        os.chmod(pool.path(n), 0o6775)
    res = pt.as_user(4102, pool.path(), [["append", "w", "y"]])
    res += pt.as_user(4101, pool.path(), [["chown", "c", -1, 4112]])
    t = pt.union_tree([b1, b2])
    if res[0] != "ok":
        pt.known_diff(pool.impl, "a write by a non-owner of a set-id file fails with EIO")
    assert res == ["ok", "ok"]
    assert t["w"][0] == oct(stat.S_IFREG | 0o775) and t["w"][3] == 2
    assert t["c"][0] == oct(stat.S_IFREG | 0o775) and t["c"][2] == 4112
    # chmod by a non-owner is still refused
    assert pt.as_user(4102, pool.path(), [["chmod", "w", 0o777]]) == ["EPERM"]


def test_clone_path_copies_parent_ownership_and_mode(env, impl):
    root = env["root"]
    b1, b2 = os.path.join(root, "cp-b1"), os.path.join(root, "cp-b2")
    for d in (b1, b2):
        os.mkdir(d)
        os.chmod(d, 0o755)
    os.makedirs(os.path.join(b1, "cp", "x", "y"))
    os.chmod(os.path.join(b1, "cp"), 0o755)
    os.chown(os.path.join(b1, "cp", "x"), 4101, 4111)
    os.chmod(os.path.join(b1, "cp", "x"), 0o711)
    os.chown(os.path.join(b1, "cp", "x", "y"), 4101, 4112)
    os.chmod(os.path.join(b1, "cp", "x", "y"), 0o2775)
    with pt.Pool([b1 + "=NC", b2], options="category.create=ff", impl=impl) as p:
        # 4103 may write y only through supplementary group 4112; it could not create cp/x on b2 itself
        assert pt.as_user(4103, p.path(), [["umask", 0o022], ["create", "cp/x/y/new", 0o666]]) == ["ok", "ok"]
    t = pt.tree(b2)
    assert t["cp/x"][:3] == (oct(stat.S_IFDIR | 0o711), 4101, 4111)
    if t["cp/x/y"][0] != oct(stat.S_IFDIR | 0o2775):
        pt.known_diff(impl, "mkdir drops S_ISGID and clonepath does not chmod afterwards")
    assert t["cp/x/y"][:3] == (oct(stat.S_IFDIR | 0o2775), 4101, 4112)
    assert t["cp/x/y/new"][:3] == (oct(stat.S_IFREG | 0o644), 4103, 4112), "setgid parent: group inherited"


def test_control_file_is_root_only_for_writes(env):
    pool = env["pool"]
    ctl = "../.mergerfs"
    before = os.getxattr(pool.path(ctl), "user.mergerfs.minfreespace")
    res = pt.as_user(4101, pool.path(), [["setxattr", ctl, "user.mergerfs.minfreespace", "1G"],
                                         ["getxattr", ctl, "user.mergerfs.minfreespace"]])
    assert res[0] in ("EACCES", "EPERM")
    assert res[1] == ["ok", before.decode()], "anyone may read the settings"
    assert os.getxattr(pool.path(ctl), "user.mergerfs.minfreespace") == before
    st = os.stat(pool.path(ctl))
    assert (st.st_uid, stat.S_IMODE(st.st_mode)) == (0, 0o664)
    try:
        os.setxattr(pool.path(ctl), "user.mergerfs.minfreespace", b"1G")  # root may
        assert os.getxattr(pool.path(ctl), "user.mergerfs.minfreespace") != before
    finally:
        os.setxattr(pool.path(ctl), "user.mergerfs.minfreespace", before)


@pytest.mark.parametrize("name", ["fullpath", "basepath", "allpaths", "relpath"])
def test_file_info_xattrs_do_not_leak_to_who_cannot_see_the_file(env, name):
    pool = env["pool"]
    os.makedirs(pool.path("private/sub"))
    for rel, mode in (("private/sub", 0o755), ("private", 0o700)):
        os.chown(pool.path(rel), 4102, 4111)
    open(pool.path("private/sub/f"), "w").close()
    open(pool.path("closed"), "w").close()
    os.chown(pool.path("closed"), 4102, 4111)
    os.chmod(pool.path("closed"), 0o600)
    os.chmod(pool.path("private"), 0o700)
    key = "user.mergerfs." + name
    res = pt.as_user(4101, pool.path(), [["getxattr", "private/sub/f", key], ["getxattr", "closed", key]])
    for r in res:
        assert r in ("EACCES", "ENOENT", "EPERM"), res
    # the owner does get it (so the denial above is about permission, not a missing feature)
    ok = pt.as_user(4102, pool.path(), [["getxattr", "private/sub/f", key]])[0]
    assert ok[0] == "ok"
    if name in ("fullpath", "allpaths"):
        assert any(b in ok[1] for b in env["branches"])
