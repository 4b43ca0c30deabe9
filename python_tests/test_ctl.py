"""Runtime control (spec section 6, Appendix A) through real mounts: `mergerfs-j ctl` and the raw xattr API,
run against mergerfs-j and mergerfs 2.33.5 with the same commands, which must give the same answers.

Run: /usr/bin/python3 -m pytest -q python_tests/test_ctl.py   (as root; needs target/mergerfs-j.jar)
"""

import re

import pytest

import ctlutil
from ctlutil import Mount, ctl, getfattr_dump, xattr_ops

pytestmark = pytest.mark.skipif(not ctlutil.have("mergerfs-j"), reason="build target/mergerfs-j.jar first")
needs_mergerfs = pytest.mark.skipif(not ctlutil.have("mergerfs"), reason="mergerfs 2.33.5 not installed")

# mergerfs-j's own key and three of newer mergerfs (OPT-65, OPT-69); everything else must match
EXTRA_J_KEYS = {"user.mergerfs." + k for k in ("log.level", "flush-on-close", "passthrough.io",
                                              "passthrough.max-stack-depth")}
# The one default that differs on purpose: mergerfs-j answers READDIRPLUS (2.33.5 accepts the key, never
# asks). Each comparison checks mergerfs-j's value, then compares the rest as 2.33.5 would show it.
DELIBERATE = {"readdirplus": ("true", "false")}


def as_2335(m, key, value):
    """mergerfs-j's value of a deliberately different key, asserted and mapped to 2.33.5's."""
    if m.impl != "mergerfs-j" or key not in DELIBERATE:
        return value
    ours, theirs = DELIBERATE[key]
    assert value == ours, f"{key}: {value!r}, expected mergerfs-j's default {ours!r}"
    return theirs


def both(fn, **mount_kw):
    """Runs fn(mount) on a fresh mergerfs-j pool and a fresh mergerfs pool; returns both results."""
    out = {}
    for impl in ctlutil.IMPLS:
        with Mount(impl, **mount_kw) as m:
            out[impl] = fn(m)
    return out["mergerfs-j"], out["mergerfs"]


def normalize_ctl(m, rc, out, err):
    """ctl output on one pool, comparable with the other's: paths, pid and live disk numbers masked."""
    lines = []
    for line in m.normalize(out).splitlines():
        if re.match(r"\s+(log\.level|flush-on-close|passthrough\.io|passthrough\.max-stack-depth)\s", line):
            continue
        # branch rows: the space columns move as other processes write to the disk
        line = re.sub(r"(\s+)\d+(\.\d)?[BKMGTPE](?=\s)", r"\1#", line)
        line = re.sub(r"\d+%\s+\[[#.]+\]", "#% [bar]", line)
        opt = re.match(r"(\s+)(\S+)(\s+)(\S+)$", line)
        if opt:
            # one space between key and value: the column width follows the longest key, and mergerfs-j's
            # extra keys (passthrough.max-stack-depth) are longer than any of 2.33.5's
            value = as_2335(m, opt.group(2), opt.group(4)) if opt.group(2) in DELIBERATE else opt.group(4)
            line = opt.group(1) + opt.group(2) + " " + value
        lines.append(line)
    return rc, lines, m.normalize(err)


# ----------------------------------------------------------------------------------------------- ctl

CTL_SCRIPT = [
    ["info"],
    ["set", "category.create", "mfs"],
    ["get", "category.create", "func.create", "minfreespace"],
    ["set", "version", "1"],
    ["set", "nope", "1"],
    ["set", "branches", "@ROOT/b1=XX"],
    ["branches", "add", "@ROOT/x1=NC,1G"],
    ["branches", "add", "--first", "@ROOT/x2=RO"],
    ["get", "branches", "srcmounts"],
    ["branches", "remove", "@ROOT/x[12]"],
    ["branches", "remove", "@ROOT/nothing-here"],
    ["set", "branches", "->"],
    ["get", "branches"],
]


def run_script(m):
    (m.root / "x1").mkdir()
    (m.root / "x2").mkdir()
    results = []
    for cmd in CTL_SCRIPT:
        args = [a.replace("@ROOT", str(m.root)) for a in cmd]
        rc, out, err = ctl(m.mnt, *args)
        results.append((cmd, normalize_ctl(m, rc, out, err)))
    return results


@needs_mergerfs
def test_ctl_gives_the_same_answers_on_both():
    j, ref = both(run_script)
    for (cmd, a), (_, b) in zip(j, ref):
        assert a == b, f"ctl {' '.join(cmd)}"
    # and the answers are the expected ones, not just equal
    rcs = {" ".join(cmd): res[0] for cmd, res in j}
    assert rcs["set version 1"] == 4 and rcs["set nope 1"] == 3
    assert rcs["set branches @ROOT/b1=XX"] == 5
    assert rcs["branches remove @ROOT/nothing-here"] == 5
    outs = {" ".join(cmd): res[1] for cmd, res in j}
    assert outs["set category.create mfs"] == ["category.create: epmfs -> mfs"]
    assert outs["get category.create func.create minfreespace"] == [
        "category.create=mfs", "func.create=mfs", "minfreespace=4294967295"]
    assert outs["get branches srcmounts"] == [
        "branches=@ROOT/x2=RO:@ROOT/b1=RW:@ROOT/b2=RW:@ROOT/b3=RW:@ROOT/x1=NC,1G",
        "srcmounts=@ROOT/x2:@ROOT/b1:@ROOT/b2:@ROOT/b3:@ROOT/x1"]
    assert outs["get branches"] == ["@ROOT/b1=RW:@ROOT/b2=RW"]
    info = outs["info"]
    assert info[0] == "Pool @ROOT/mnt: mergerfs 2.33.5, pid @PID, fsname 1:2:3"
    assert sum(1 for line in info if re.match(r"\s+\d\s+@ROOT/b\d\s+RW\s", line)) == 3


def test_ctl_on_a_plain_directory_says_it_is_not_a_pool(tmp_path):
    rc, out, err = ctl(tmp_path, "info")
    assert rc == 2 and out == ""
    assert "is not a mergerfs pool" in err
    rc, _, err = ctl(tmp_path / "missing", "get", "version")
    assert rc == 2 and "No such file or directory" in err


def test_ctl_usage_errors():
    rc, out, _ = ctl("-h")
    assert rc == 0 and "Usage: mergerfs-j ctl" in out
    assert ctl("/nonexistent")[0] == 1
    assert ctl("/nonexistent", "frobnicate")[0] == 1


@pytest.mark.parametrize("impl", ctlutil.IMPLS)
def test_ctl_permission_denied_for_other_users(impl):
    if not ctlutil.have(impl):
        pytest.skip(f"{impl} not available")
    with Mount(impl) as m:
        rc, out, err = ctl(m.mnt, "get", "category.create", user=(65534, 65534))
        assert (rc, out.strip()) == (0, "epmfs"), err
        rc, _, err = ctl(m.mnt, "set", "category.create", "mfs", user=(65534, 65534))
        assert rc == 6 and "permission denied" in err
        if impl == "mergerfs-j":
            # a member of the control file's group passes the kernel check; mergerfs-j still says no
            # (2.33.5 lets it through)
            rc, _, err = ctl(m.mnt, "set", "category.create", "mfs", user=(65534, 0))
            assert rc == 6 and "permission denied" in err
        assert ctl(m.mnt, "get", "category.create")[1].strip() == "epmfs", "nothing changed"


def test_ctl_branches_change_where_files_go():
    with Mount("mergerfs-j", nbranches=2) as m:
        x = m.root / "x"
        x.mkdir()
        assert ctl(m.mnt, "set", "category.create", "ff")[0] == 0
        assert ctl(m.mnt, "branches", "add", "--first", x)[0] == 0
        (m.mnt / "new").write_text("data")
        assert (x / "new").read_text() == "data"
        rc, out, err = ctl(m.mnt, "branches", "remove", x)
        assert rc == 0, err
        assert str(x) not in out and str(m.branches[0]) in out
        assert (x / "new").read_text() == "data", "removing a branch never touches its data"
        # a bad policy name is EINVAL here; 2.33.5 accepts it and crashes on next use (QUIRK-01), so this and
        # the empty removal pattern (also a 2.33.5 crash) are checked on mergerfs-j only
        res = xattr_ops([("set", m.ctl, "user.mergerfs.category.create", "bogus"),
                         ("set", m.ctl, "user.mergerfs.branches", "-"),
                         ("get", m.ctl, "user.mergerfs.category.create"),
                         ("get", m.ctl, "user.mergerfs.srcmounts")])
        assert res[0] == {"errno": "EINVAL"}
        assert res[1] == {"value": None}, "an empty removal pattern removes nothing"
        assert res[2] == {"value": "ff"}
        assert res[3] == {"value": ":".join(str(b) for b in m.branches)}
        (m.mnt / "still-works").write_text("ok")
        assert (m.mnt / "still-works").read_text() == "ok"


# ------------------------------------------------------------------------------ getfattr differential

OPTION_SETS = [
    dict(options=("allow_other",), branches="@ROOT/b1=RW:@ROOT/b2=NC,1G:@ROOT/b3=RO,100000:@ROOT/b*=NC"),
    dict(options=("allow_other", "category.create=mfs", "minfreespace=10G", "moveonenospc=true", "cache.files=partial",
     "func.getattr=newest", "dropcacheonclose=true", "statfs_ignore=nc", "cache.attr=5", "xattr=noattr",
     "inodecalc=path-hash", "follow-symlinks=directory", "link-exdev=rel-symlink", "cache.statfs=2")),
    dict(options=("allow_other", "use_ino", "func.mkdir=rand", "category.action=ff", "symlinkify=true",
     "symlinkify_timeout=1K", "security_capability=false", "nfsopenhack=git", "ignorepponrename=true")),
]


def dump(m):
    d = getfattr_dump(m.ctl)
    return {k: as_2335(m, k[len("user.mergerfs."):], m.normalize(v)) for k, v in d.items()}


@needs_mergerfs
@pytest.mark.parametrize("mount_kw", OPTION_SETS, ids=["branch-modes", "tuned", "use_ino"])
def test_getfattr_dump_matches_mergerfs(mount_kw):
    j, ref = both(dump, **mount_kw)
    extra = set(j) - set(ref)
    assert extra <= EXTRA_J_KEYS, f"keys only mergerfs-j has: {extra - EXTRA_J_KEYS}"
    assert set(ref) <= set(j), f"keys missing from mergerfs-j: {set(ref) - set(j)}"
    assert [k for k in j if k not in EXTRA_J_KEYS] == list(ref), "same order (byte order)"
    for k in ref:
        assert j[k] == ref[k], f"{k}: mergerfs-j {j[k]!r} vs mergerfs {ref[k]!r}"
    assert len(ref) == 63


@needs_mergerfs
def test_getfattr_dump_matches_after_runtime_changes():
    changes = [("branches", "+>@ROOT/b3=NC,1G"), ("branches", "+<@ROOT/b2=RO"), ("category.create", "lfs"),
               ("func.open", "newest"), ("minfreespace", "2G"), ("moveonenospc", "eplfs"),
               ("cache.negative_entry", "4"), ("statfs", "full"), ("log.metrics", "true"),
               ("posix_acl", "true"), ("rename-exdev", "rel-symlink"), ("branches", "-<"), ("srcmounts", "+>@ROOT/b1")]

    def apply(m):
        fresh = dump(m)
        res = xattr_ops([("set", m.ctl, "user.mergerfs." + k, v.replace("@ROOT", str(m.root))) for k, v in changes])
        return fresh, res, dump(m)

    (jfresh, jres, j), (rfresh, rres, ref) = both(apply)
    # a fresh default mount: Appendix A, key for key
    assert list(rfresh) == [k for k in jfresh if k not in EXTRA_J_KEYS]
    assert {k: v for k, v in jfresh.items() if k not in EXTRA_J_KEYS} == rfresh
    assert len(rfresh) == 63 and jfresh["user.mergerfs.log.level"] == "info"
    assert jres == rres and all(r == {"value": None} for r in jres), jres
    assert {k: v for k, v in j.items() if k not in EXTRA_J_KEYS} == ref
    assert ref["user.mergerfs.branches"] == "@ROOT/b1=RW:@ROOT/b2=RW:@ROOT/b3=RW:@ROOT/b3=NC,1G:@ROOT/b1=RW"


# --------------------------------------------------------------------------- raw xattr API differential

def control_ops(m):
    c = m.ctl
    (m.branches[1] / "d").mkdir()
    (m.branches[2] / "d").mkdir()
    (m.branches[1] / "d" / "f").write_text("1")
    (m.branches[2] / "d" / "f").write_text("2")
    f, d, root, missing = str(m.mnt / "d" / "f"), str(m.mnt / "d"), str(m.mnt), str(m.mnt / "nope")
    ops = [
        ("get", c, "user.mergerfs.version"), ("get", c, "user.mergerfs.nope"), ("get", c, "user.other"),
        ("get", c, "trusted.mergerfs.version"), ("get", c, "user.mergerfs.basepath"),
        ("set", c, "user.mergerfs.nope", "1"), ("set", c, "user.other", "1"),
        ("set", c, "user.mergerfs.minfreespace", "1", 1), ("set", c, "user.mergerfs.nope", "1", 1),
        ("set", c, "user.mergerfs.minfreespace", "1G", 2), ("get", c, "user.mergerfs.minfreespace"),
        ("set", c, "user.mergerfs.version", "1"), ("set", c, "user.mergerfs.pid", "1"),
        ("set", c, "user.mergerfs.mount", "/x"), ("set", c, "user.mergerfs.fsname", "x"),
        ("set", c, "user.mergerfs.minfreespace", "abc"), ("set", c, "user.mergerfs.minfreespace", ""),
        ("get", c, "user.mergerfs.minfreespace"), ("set", c, "user.mergerfs.cache.attr", "3K"),
        ("get", c, "user.mergerfs.cache.attr"), ("set", c, "user.mergerfs.dropcacheonclose", "maybe"),
        ("set", c, "user.mergerfs.branches", str(m.branches[0]) + "=XX"),
        ("set", c, "user.mergerfs.branches", "<" + str(m.branches[0])),
        ("remove", c, "user.mergerfs.minfreespace"), ("remove", c, "user.other"),
        ("open", c, "r"), ("open", c, "w"),
        ("get", f, "user.mergerfs.basepath"), ("get", f, "user.mergerfs.relpath"),
        ("get", f, "user.mergerfs.fullpath"), ("get", f, "user.mergerfs.allpaths"),
        ("get", d, "user.mergerfs.allpaths"), ("get", root, "user.mergerfs.fullpath"),
        ("get", root, "user.mergerfs.allpaths"), ("get", root, "user.mergerfs.relpath"),
        ("get", f, "user.mergerfs.zzz"), ("get", f, "user.mergerfs.version"),
        ("get", missing, "user.mergerfs.relpath"), ("get", missing, "user.mergerfs.zzz"),
        ("list", f),
        ("set", f, "user.mergerfs.note", "hi"), ("list", f), ("get", str(m.branches[2] / "d" / "f"), "user.mergerfs.note"),
        ("set", f, "user.mergerfs.basepath", "mine"), ("get", f, "user.mergerfs.basepath"),
        ("remove", f, "user.mergerfs.note"), ("list", f),
        ("set", c, "user.mergerfs.func.getxattr", "newest"), ("get", f, "user.mergerfs.basepath"),
    ]
    res = xattr_ops(ops)
    return [(op[0], m.normalize(" ".join(str(x) for x in op[1:])), {k: (m.normalize(v) if isinstance(v, str) else v)
                                                                    for k, v in r.items()})
            for op, r in zip(ops, res)]


@needs_mergerfs
def test_xattr_api_errno_and_values_match_mergerfs():
    j, ref = both(control_ops)
    for a, b in zip(j, ref):
        assert a == b
    got = {(op, args): r for op, args, r in j}
    assert got[("set", "@ROOT/mnt/.mergerfs user.mergerfs.minfreespace 1 1")] == {"errno": "EEXIST"}
    assert got[("set", "@ROOT/mnt/.mergerfs user.mergerfs.nope 1 1")] == {"errno": "ENODATA"}
    assert got[("set", "@ROOT/mnt/.mergerfs user.mergerfs.version 1")] == {"errno": "EROFS"}
    assert got[("set", "@ROOT/mnt/.mergerfs user.mergerfs.minfreespace abc")] == {"errno": "EINVAL"}
    assert got[("open", "@ROOT/mnt/.mergerfs r")] == {"errno": "ENOENT"}
    assert got[("get", "@ROOT/mnt user.mergerfs.allpaths")] == {"value": "@ROOT/b1/\0@ROOT/b2/\0@ROOT/b3/"}
