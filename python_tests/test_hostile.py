"""Hostile names and links: the right errno, the same bytes, and nothing done outside the branches.

Each case runs on a plain directory and through the pool (as root unless it says otherwise) and compares.
MERGERFS_IMPLS=mergerfs-j,mergerfs also runs it against mergerfs 2.33.5.
"""
import os
import stat

import pytest

import permtools as pt

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (mounts, test users)")

NAME_MAX = 255


@pytest.fixture(scope="module", params=pt.impls())
def shared(request):
    pt.ensure_users()
    with pt.plain_beside_pool("mfsj-host-", request.param, extra=("outside",)) as (root, pool):
        yield root, pool


@pytest.fixture
def env(shared, request):
    root, pool = shared
    sub, dirs = pt.per_test_dirs(root, request.node.name, 0o777)
    return {"root": root, "plain": dirs[0], "mnt": os.path.join(pool.mnt, sub), "branches": dirs[1:],
            "outside": os.path.join(root, "outside"), "impl": pool.impl, "pool": pool}


def both(env, ops):
    want = pt.run_ops(env["plain"], ops)
    got = pt.run_ops(env["mnt"], ops)
    assert got == want, "\n".join("%s: plain %s pool %s" % (o, w, g) for o, w, g in zip(ops, want, got) if w != g)
    return got


def where(env, rel):
    """The branch copies of a pool path (bytes or str)."""
    rel = os.fsencode(rel)
    return [os.path.join(os.fsencode(b), rel) for b in env["branches"] if os.path.lexists(os.path.join(os.fsencode(b), rel))]


def test_dot_and_dotdot_components(env):
    res = both(env, [["mkdir", "d", 0o755], ["create", "d/f", 0o644],
                     ["mkdir", "..", 0o755], ["mkdir", ".", 0o755], ["mkdir", "d/..", 0o755],
                     ["create", "d/../g", 0o644], ["stat", "d/../d/./f"], ["unlink", "d/.."],
                     ["rmdir", "d/."], ["rmdir", "d/.."], ["rename", "d/f", "d/.."], ["rename", "d/..", "x"],
                     ["rename", "d/f", "d/../../escaped"], ["symlink", "d/..", "t"], ["listdir", "."]])
    assert "escaped" not in res[-1][1]
    assert len(where(env, "g")) == 1, "d/../g is g, in this directory"
    # d/../../escaped is above the test dir: in the pool that is the pool root, never the branch's parent
    for b in env["branches"]:
        assert not os.path.lexists(os.path.join(os.path.dirname(os.path.dirname(b)), "escaped"))


def test_names_at_and_past_name_max(env):
    ok = "n" * NAME_MAX
    if env["impl"] == "mergerfs" and pt.run_ops(env["mnt"], [["stat", "z" * 1025]]) != ["ENAMETOOLONG"]:
        pt.known_diff(env["impl"], "a lookup of a 1025-byte name answers ENOENT")
    res = both(env, [["create", ok, 0o644], ["mkdir", "D" * NAME_MAX, 0o755], ["create", "x" * (NAME_MAX + 1), 0o644],
                     ["mkdir", "y" * (NAME_MAX + 1), 0o755], ["stat", "z" * 1025], ["create", "z" * 1100, 0o644],
                     ["symlink", "s" * (NAME_MAX + 1), "t"], ["listdir", "."]])
    assert res[:2] == ["ok", "ok"]
    assert res[2:7] == ["ENAMETOOLONG"] * 5
    assert len(where(env, ok)) == 1 and len(where(env, "D" * NAME_MAX)) == 1
    assert sorted(res[-1][1]) == sorted([ok, "D" * NAME_MAX])
    # Names of 256..1024 bytes pass the kernel's FUSE limit and reach the daemon. mergerfs 2.33.5 answers a
    # lookup with ENOENT (the search policy finds no branch) and a rename with EXDEV (the branch's
    # ENAMETOOLONG makes it try other branches); mergerfs-j keeps those answers (docs/security.md). Either
    # way nothing is created and the source stays.
    got = pt.run_ops(env["mnt"], [["stat", "z" * 1024], ["rename", ok, "r" * (NAME_MAX + 1)]])
    assert got[0] in ("ENAMETOOLONG", "ENOENT") and got[1] in ("ENAMETOOLONG", "EXDEV"), got
    assert len(where(env, ok)) == 1


def test_paths_near_path_max(env):
    """Deep trees are built with *at calls (no client-side PATH_MAX). The pool works while the branch path
    fits PATH_MAX, then answers ENAMETOOLONG (a union effect: branch prefix + pool path), never EIO, and
    keeps serving."""
    comp = "p" * 200
    prefix_len = len(env["branches"][0])
    fd = os.open(env["mnt"], os.O_RDONLY | os.O_DIRECTORY)
    depth, errs = 0, None
    try:
        while depth < 30:
            try:
                os.mkdir(comp, dir_fd=fd)
            except OSError as e:
                errs = e.errno
                break
            nfd = os.open(comp, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd, depth = nfd, depth + 1
        # a file with a name that still fits beside the deepest dir: fits or ENAMETOOLONG, nothing else
        try:
            os.close(os.open("f", os.O_CREAT | os.O_WRONLY, 0o644, dir_fd=fd))
        except OSError as e:
            assert e.errno == 36, e
    finally:
        os.close(fd)
    assert errs == 36, "stopped with %s at depth %d" % (errs, depth)  # ENAMETOOLONG
    made = prefix_len + depth * (len(comp) + 1)
    assert 4096 - 2 * (len(comp) + 1) <= made < 4096, "every branch path below PATH_MAX was allowed: %d" % made
    assert os.listdir(env["mnt"]) == [comp], "the pool still answers"
    # and the branch holds exactly the tree that was made
    b = [x for x in env["branches"] if os.path.isdir(os.path.join(x, comp))]
    assert len(b) == 1


BAD = [b"\xff\xfe.txt", b"caf\xe9", b"\x80\x81", b"\xc3\x28", b"\xed\xa0\x80surrogate", b"a\nb", b"tab\there",
       b"\xe2\x82", b"-leading", b"back\\slash", b" "]


def test_non_utf8_names_round_trip(env):
    mnt = os.fsencode(env["mnt"])
    for n in BAD:
        with open(os.path.join(mnt, n), "wb") as f:
            f.write(n)
    os.mkdir(os.path.join(mnt, b"\xfe\xffdir"))
    os.symlink(b"\xff/target\x80", os.path.join(mnt, b"\xfelink"))
    with open(os.path.join(mnt, b"\xfe\xffdir", b"\x81inner"), "wb") as f:
        f.write(b"in")
    want = set(BAD) | {b"\xfe\xffdir", b"\xfelink"}
    assert set(os.listdir(mnt)) == want, "readdir returns the bytes as created"
    on_branches = set()
    for b in env["branches"]:
        on_branches |= set(os.listdir(os.fsencode(b)))
    assert on_branches == want, "the branch holds the same bytes"
    for n in BAD:
        with open(os.path.join(mnt, n), "rb") as f:
            assert f.read() == n
        assert len(where(env, n)) == 1
    assert os.readlink(os.path.join(mnt, b"\xfelink")) == b"\xff/target\x80"
    assert os.listdir(os.path.join(mnt, b"\xfe\xffdir")) == [b"\x81inner"]
    os.rename(os.path.join(mnt, BAD[0]), os.path.join(mnt, b"\xa0renamed\xff"))
    assert where(env, b"\xa0renamed\xff") and not where(env, BAD[0])
    os.setxattr(os.path.join(mnt, b"\xa0renamed\xff"), "user.bin", b"\xff\x00\xfe")
    assert os.getxattr(os.path.join(mnt, b"\xa0renamed\xff"), "user.bin") == b"\xff\x00\xfe"
    full = os.getxattr(os.path.join(mnt, b"\xa0renamed\xff"), "user.mergerfs.fullpath")
    assert full == where(env, b"\xa0renamed\xff")[0], "fullpath keeps the name's bytes"
    for n in BAD[1:]:
        os.unlink(os.path.join(mnt, n))
    assert not any(where(env, n) for n in BAD[1:])


def test_xattr_name_and_value_limits(env):
    for base in (env["plain"], env["mnt"]):
        open(os.path.join(base, "f"), "w").close()
    both(env, [["setxattr", "f", "user." + "k" * 250, "v"], ["setxattr", "f", "user." + "k" * 300, "v"],
               ["setxattr", "f", "user.big", "v" * 70000], ["getxattr", "f", "user." + "k" * 300],
               ["setxattr", "f", "nonamespace", "v"], ["setxattr", "f", "trusted.x", "v"]])


def test_symlinks_out_of_the_branches_are_returned_as_stored_and_never_followed(env):
    mnt, outside = env["mnt"], env["outside"]
    target_dir = os.path.join(outside, "dir-" + os.path.basename(mnt))
    os.mkdir(target_dir)
    target_file = os.path.join(target_dir, "file")
    with open(target_file, "w") as f:
        f.write("outside")
    os.chmod(target_file, 0o600)
    before = os.lstat(target_file)
    os.symlink(target_dir, os.path.join(mnt, "abs"))
    os.symlink("../../../../../../../../etc/passwd", os.path.join(mnt, "rel"))
    os.symlink(target_file, os.path.join(mnt, "absfile"))
    assert os.readlink(os.path.join(mnt, "abs")) == target_dir
    assert os.readlink(os.path.join(mnt, "rel")) == "../../../../../../../../etc/passwd"
    for n in ("abs", "rel", "absfile"):
        assert stat.S_ISLNK(os.lstat(os.path.join(mnt, n)).st_mode), "getattr is an lstat (follow-symlinks=never)"
        assert stat.S_ISLNK(os.lstat(where(env, n)[0]).st_mode)
    # operations on the link itself act on the link on the branch, never on its target
    os.chown(os.path.join(mnt, "absfile"), 4101, 4111, follow_symlinks=False)
    os.utime(os.path.join(mnt, "absfile"), (1, 1), follow_symlinks=False)
    assert os.lstat(where(env, "absfile")[0]).st_uid == 4101
    with pytest.raises(NotADirectoryError):
        os.rmdir(os.path.join(mnt, "abs"))
    os.unlink(os.path.join(mnt, "absfile"))
    after = os.lstat(target_file)
    assert (after.st_uid, after.st_mtime, stat.S_IMODE(after.st_mode)) == \
        (before.st_uid, before.st_mtime, 0o600), "the target outside was not touched"
    assert os.path.isdir(target_dir) and os.path.lexists(os.path.join(mnt, "abs"))
    # a user follows the link with its own rights (the kernel resolves it, client side): 0600 root file
    res = pt.as_user(4101, mnt, [["read", "abs/file"], ["readlink", "abs"], ["create", "abs/new", 0o644]])
    assert res == ["EACCES", ["ok", target_dir], "EACCES"]
    assert not os.path.exists(os.path.join(target_dir, "new"))


def test_rename_exdev_staging_cannot_be_redirected_outside(shared):
    """A user plants a symlink in the world-writable staging dir; the staging mkdirs must not follow it
    as root (they did: a root-owned 0777 dir appeared outside)."""
    root, spool = shared
    base = pt.tmpdir("mfsj-exdev-")
    try:
        b1, b2, outside = (os.path.join(base, x) for x in ("b1", "b2", "outside"))
        for d in (b1, b2, outside):
            os.mkdir(d)
            os.chmod(d, 0o755)
        os.chmod(b1, 0o1777)
        os.chmod(b2, 0o1777)
        os.makedirs(os.path.join(b1, "a", "b"))
        os.makedirs(os.path.join(b2, "t"))
        for p in (os.path.join(b1, "a"), os.path.join(b1, "a", "b"), os.path.join(b2, "t")):
            os.chown(p, 4101, 4111)
        with open(os.path.join(b1, "a", "b", "file"), "w") as f:
            f.write("data")
        os.chown(os.path.join(b1, "a", "b", "file"), 4101, 4111)
        stage = os.path.join(b1, ".mergerfs_rename_exdev")
        os.mkdir(stage)
        os.chmod(stage, 0o1777)
        with pt.Pool([b1, b2], options="category.create=epmfs,rename-exdev=rel-symlink", impl=spool.impl) as p:
            res = pt.as_user(4101, p.path(), [["symlink", ".mergerfs_rename_exdev/a", outside],
                                             ["rename", "a/b/file", "t/file2"]])
        assert res[0] == "ok"
        if os.listdir(outside):
            pt.known_diff(spool.impl, "staging subdirs are made as root through a planted symlink")
        assert os.listdir(outside) == [], "nothing may be created outside the branches: %s" % res
        assert os.path.exists(os.path.join(b1, "a", "b", "file")) or os.path.lexists(os.path.join(b2, "t", "file2"))
    finally:
        pt.rmtree(base)
