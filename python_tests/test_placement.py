"""Where new entries land: create policies (POL-10..29), branch modes (BR-04), minfreespace and
its error priority (POL-03, MFS), clone-path (OP-CP) and moveonenospc (MOVE).

Free space is made to differ with small tmpfs mounts per branch; pools whose branches must tie
live on one private tmpfs (the harness default), so ties are exact.
"""

import errno
import os
import stat

import pytest

from mfstest import errno_of

# free space: b2 > b3 > b1
SIZES = ["8m", "32m", "16m"]
SMALL_MFS = "minfreespace=1M"


def dirs(*spec):
    """branch_setup: spec items are (branch_index, relpath) directories."""
    def setup(branches):
        for k, rel in spec:
            os.makedirs(os.path.join(branches[k], rel), exist_ok=True)
    return setup


def touch(pool, rel):
    os.close(os.open(pool.p(rel), os.O_WRONLY | os.O_CREAT, 0o644))


# ---------------------------------------------------------------------------------------------
# epmfs (default), ties

def test_default_epmfs_ties_pick_last_branch(pool):
    # QUIRK-04 / OP-CR-08: one filesystem -> every branch ties -> the last one wins
    assert pool.ctl_get("func.create") == "epmfs"
    touch(pool, "f")
    os.mkdir(pool.p("d"))
    os.symlink("x", pool.p("l"))
    os.mkfifo(pool.p("p"))
    for rel in ("f", "d", "l", "p"):
        pool.assert_on(rel, [2])


def test_epmfs_most_free_among_parent_holders(make_pool):
    pool = make_pool(tmpfs=SIZES, opts=SMALL_MFS, branch_setup=dirs((0, "d"), (2, "d")))
    touch(pool, "root-file")
    pool.assert_on("root-file", [1])      # b2 has the most free space
    touch(pool, "d/f")
    pool.assert_on("d/f", [2])            # b2 lacks d; b3 beats b1
    pool.assert_on("d", [0, 2])           # path preserving: nothing cloned


# ---------------------------------------------------------------------------------------------
# ff / epff

def test_ff_first_branch_clones_parent(make_pool):
    # Appendix B: ff with the parent only on b2 -> parent cloned to b1, file on b1
    pool = make_pool(opts="category.create=ff", branch_setup=dirs((1, "p")))
    touch(pool, "p/f")
    pool.assert_on("p/f", [0])
    pool.assert_on("p", [0, 1])


def test_epff_first_branch_holding_parent(make_pool):
    pool = make_pool(opts="category.create=epff", branch_setup=dirs((1, "p"), (2, "p"), (2, "q")))
    touch(pool, "p/f")
    pool.assert_on("p/f", [1])
    touch(pool, "q/f")
    pool.assert_on("q/f", [2])
    touch(pool, "top")
    pool.assert_on("top", [0])


# ---------------------------------------------------------------------------------------------
# mfs / lfs / lus (no existence check: they clone the parent)

def test_mfs_most_free_space(make_pool):
    pool = make_pool(tmpfs=SIZES, opts="category.create=mfs," + SMALL_MFS, branch_setup=dirs((0, "d")))
    touch(pool, "d/f")
    pool.assert_on("d/f", [1])
    pool.assert_on("d", [0, 1])


def test_lfs_least_free_space(make_pool):
    pool = make_pool(tmpfs=SIZES, opts="category.create=lfs," + SMALL_MFS, branch_setup=dirs((1, "d")))
    touch(pool, "d/f")
    pool.assert_on("d/f", [0])
    os.mkdir(pool.p("d/sub"))
    pool.assert_on("d/sub", [0])


def test_lus_least_used_space(make_pool):
    def setup(branches):
        for k, size in ((0, 2 * 2**20), (2, 2**20)):
            with open(os.path.join(branches[k], "fill"), "wb") as f:
                f.write(b"\0" * size)
    pool = make_pool(tmpfs=["16m", "16m", "16m"], opts="category.create=lus," + SMALL_MFS,
                     branch_setup=setup)
    touch(pool, "f")
    pool.assert_on("f", [1])


def test_tie_breaking_first_vs_last(make_pool):
    # QUIRK-04: on one fs mfs/lfs pick the last equal branch, lus the first
    pool = make_pool(opts="category.create=mfs")
    touch(pool, "a")
    pool.assert_on("a", [2])
    pool.ctl_set("category.create", "lfs")
    touch(pool, "b")
    pool.assert_on("b", [2])
    pool.ctl_set("category.create", "lus")
    touch(pool, "c")
    pool.assert_on("c", [0])


# ---------------------------------------------------------------------------------------------
# newest

def test_newest_picks_latest_parent_mtime(make_pool):
    def setup(branches):
        for k, t in ((0, 1000), (1, 3000), (2, 2000)):
            d = os.path.join(branches[k], "d")
            os.mkdir(d)
            os.utime(d, (t, t))
    pool = make_pool(opts="category.create=newest", branch_setup=setup)
    touch(pool, "d/f")
    pool.assert_on("d/f", [1])


# ---------------------------------------------------------------------------------------------
# all / epall

def test_mkdir_all_creates_everywhere(make_pool):
    pool = make_pool(opts="func.mkdir=all", branch_setup=dirs((0, "p")))
    os.mkdir(pool.p("p/q"))
    pool.assert_on("p/q", [0, 1, 2])
    pool.assert_on("p", [0, 1, 2])     # cloned where missing


def test_mkdir_epall_where_parent_exists(make_pool):
    pool = make_pool(opts="func.mkdir=epall", branch_setup=dirs((0, "p"), (2, "p")))
    os.mkdir(pool.p("p/q"))
    pool.assert_on("p/q", [0, 2])
    pool.assert_on("p", [0, 2])


def test_create_all_uses_first_branch_only(make_pool):
    # OP-CR-01: create uses only the first branch returned even for all/epall
    pool = make_pool(opts="category.create=all")
    touch(pool, "f")
    pool.assert_on("f", [0])
    os.mkdir(pool.p("d"))              # mkdir acts on every branch
    pool.assert_on("d", [0, 1, 2])
    os.symlink("t", pool.p("l"))       # so does symlink
    pool.assert_on("l", [0, 1, 2])


# ---------------------------------------------------------------------------------------------
# msp* walk-up (POL-25, POL-40) and clone-path metadata (OP-CP)

def _msp_setup(branches):
    # d1/d2 exists only on b1, which is NC; d1 also exists on b2
    os.makedirs(os.path.join(branches[0], "d1/d2"))
    os.makedirs(os.path.join(branches[1], "d1"))
    leaf = os.path.join(branches[0], "d1/d2")
    os.chmod(leaf, 0o751)
    os.chown(leaf, 1111, 2222)
    os.setxattr(leaf, "user.tag", b"cloned")


@pytest.mark.parametrize("policy", ["mspmfs", "msplfs", "msplus", "msppfrd"])
def test_msp_walks_up_to_shared_ancestor(make_pool, policy):
    pool = make_pool(opts="category.create=" + policy, modes=["NC", "RW", "RW"],
                     branch_setup=_msp_setup)
    touch(pool, "d1/d2/f")
    pool.assert_on("d1/d2/f", [1])
    pool.assert_on("d1/d2", [0, 1])
    # OP-CP-02/04: the cloned directory carries the source's mode, owner and xattrs
    st = os.stat(pool.b(1, "d1/d2"))
    assert stat.S_IMODE(st.st_mode) == 0o751
    assert (st.st_uid, st.st_gid) == (1111, 2222)
    assert os.getxattr(pool.b(1, "d1/d2"), "user.tag") == b"cloned"


def test_epmfs_does_not_walk_up(make_pool):
    pool = make_pool(modes=["NC", "RW", "RW"], branch_setup=_msp_setup)
    assert errno_of(touch, pool, "d1/d2/f") == errno.EROFS
    pool.assert_on("d1/d2/f", [])
    pool.assert_on("d1/d2", [0])


def test_clonepath_copies_every_missing_level(make_pool):
    # Sticky survives (OP-CP-04: mkdir with the source's full mode). Setgid does NOT in 2.33.5:
    # Linux mkdir(2) drops S_ISGID from the mode argument, so it is not asserted here.
    def setup(branches):
        b = branches[1]
        os.makedirs(os.path.join(b, "x/y/z"))
        for rel, mode, owner in (("x", 0o755, (10, 20)), ("x/y", 0o705, (30, 40)),
                                 ("x/y/z", 0o1770, (50, 60))):
            os.chmod(os.path.join(b, rel), mode)
            os.chown(os.path.join(b, rel), *owner)
    pool = make_pool(opts="category.create=ff", branch_setup=setup)
    os.mkdir(pool.p("x/y/z/new"))
    pool.assert_on("x/y/z/new", [0])
    for rel, mode, owner in (("x", 0o755, (10, 20)), ("x/y", 0o705, (30, 40)),
                             ("x/y/z", 0o1770, (50, 60))):
        st = os.stat(pool.b(0, rel))
        assert stat.S_IMODE(st.st_mode) == mode, rel
        assert (st.st_uid, st.st_gid) == owner, rel


def test_clonepath_leaves_existing_dirs_alone(make_pool):
    # OP-CP-01: an existing directory on the target stops the clone without touching it
    def setup(branches):
        os.makedirs(os.path.join(branches[1], "x/y"))
        os.chmod(os.path.join(branches[1], "x"), 0o700)
        os.makedirs(os.path.join(branches[0], "x"))
        os.chmod(os.path.join(branches[0], "x"), 0o755)
    pool = make_pool(opts="category.create=ff", branch_setup=setup)
    touch(pool, "x/y/f")
    pool.assert_on("x/y/f", [0])
    assert stat.S_IMODE(os.stat(pool.b(0, "x")).st_mode) == 0o755


# ---------------------------------------------------------------------------------------------
# random policies, erofs

@pytest.mark.parametrize("policy", ["rand", "eprand", "pfrd", "eppfrd"])
def test_random_policies_spread_over_branches(make_pool, policy):
    # POL-18..21: on one fs every branch has the same weight; 45 files on a single branch
    # would happen with probability 3 * 3**-45
    pool = make_pool(opts="category.create=" + policy)
    for i in range(45):
        touch(pool, "f%02d" % i)
    used = set()
    for i in range(45):
        on = pool.on("f%02d" % i)
        assert len(on) == 1
        used.add(on[0])
    assert len(used) >= 2


def test_pfrd_never_picks_a_full_branch(make_pool):
    # POL-18: weight = free space; branches failing minfreespace are filtered first
    pool = make_pool(tmpfs=["4m", "64m", "64m"], opts="category.create=pfrd,minfreespace=8M")
    for i in range(20):
        touch(pool, "f%02d" % i)
        assert pool.on("f%02d" % i) != [0]


def test_erofs_policy(make_pool):
    # POL-29: erofs makes a function read-only
    pool = make_pool(opts="func.mkdir=erofs,func.unlink=erofs")
    pool.write_branch(0, "f", b"x")
    assert errno_of(os.mkdir, pool.p("d")) == errno.EROFS
    assert errno_of(os.unlink, pool.p("f")) == errno.EROFS
    touch(pool, "g")                       # func.create untouched
    pool.assert_on("f", [0])


# ---------------------------------------------------------------------------------------------
# branch modes RO / NC (BR-04, OP-UL-03)

def test_nc_and_ro_branches_excluded_from_create(make_pool):
    pool = make_pool(modes=["RW", "RW", "NC"])
    touch(pool, "f")
    pool.assert_on("f", [1])
    pool.ctl_set("branches", "%s=RW:%s=RO:%s=NC" % tuple(pool.branches))
    touch(pool, "g")
    os.mkdir(pool.p("d"))
    pool.assert_on("g", [0])
    pool.assert_on("d", [0])


@pytest.mark.parametrize("modes", [["NC", "NC", "NC"], ["RO", "RO", "RO"], ["RO", "NC", "RO"]])
def test_no_writable_branch_is_erofs(make_pool, modes):
    pool = make_pool(modes=modes)
    assert errno_of(touch, pool, "f") == errno.EROFS
    assert errno_of(os.mkdir, pool.p("d")) == errno.EROFS
    assert errno_of(os.symlink, "t", pool.p("l")) == errno.EROFS
    assert errno_of(os.mkfifo, pool.p("p")) == errno.EROFS
    assert all(os.listdir(b) == [] for b in pool.branches)


def test_ro_branch_excluded_from_actions(make_pool):
    def setup(branches):
        for k in (0, 1):
            with open(os.path.join(branches[k], "both"), "w") as f:
                f.write("b%d" % (k + 1))
        with open(os.path.join(branches[0], "roonly"), "w") as f:
            f.write("ro")
    pool = make_pool(modes=["RO", "RW", "RW"], branch_setup=setup)
    os.chmod(pool.p("both"), 0o600)
    assert stat.S_IMODE(os.stat(pool.b(1, "both")).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(pool.b(0, "both")).st_mode) == 0o644
    os.unlink(pool.p("both"))
    pool.assert_on("both", [0])
    assert pool.read("both") == b"b1"                       # still visible from the RO copy
    assert errno_of(os.unlink, pool.p("roonly")) == errno.EROFS
    assert errno_of(os.chmod, pool.p("roonly"), 0o600) == errno.EROFS
    assert errno_of(os.truncate, pool.p("roonly"), 0) == errno.EROFS
    assert errno_of(os.rename, pool.p("roonly"), pool.p("moved")) == errno.EROFS
    pool.assert_on("roonly", [0])
    # OP-OP-01: search policies ignore modes, so a file on an RO-tagged branch opens for write
    with open(pool.p("roonly"), "r+b") as f:
        f.write(b"RW")
    assert pool.read_branch(0, "roonly") == b"RW"
    assert sorted(os.listdir(pool.mnt)) == ["both", "roonly"]


def test_nc_branch_allows_actions(make_pool):
    def setup(branches):
        with open(os.path.join(branches[0], "f"), "w") as f:
            f.write("x")
    pool = make_pool(modes=["NC", "RW", "RW"], branch_setup=setup)
    os.chmod(pool.p("f"), 0o600)
    assert stat.S_IMODE(os.stat(pool.b(0, "f")).st_mode) == 0o600
    os.rename(pool.p("f"), pool.p("g"))
    pool.assert_on("g", [0])
    os.unlink(pool.p("g"))
    pool.assert_on("g", [])


# ---------------------------------------------------------------------------------------------
# minfreespace (MFS) and the error priority EROFS > ENOSPC > ENOENT (POL-03, Appendix B)

def test_minfreespace_enospc(make_pool):
    pool = make_pool(opts="minfreespace=100000G")
    assert errno_of(touch, pool, "f") == errno.ENOSPC
    assert errno_of(os.mkdir, pool.p("d")) == errno.ENOSPC
    assert errno_of(os.symlink, "t", pool.p("l")) == errno.ENOSPC


@pytest.mark.parametrize("mode", ["RO", "NC"])
def test_minfreespace_with_ro_or_nc_branch_is_erofs(make_pool, mode):
    pool = make_pool(opts="minfreespace=100000G", modes=["RW", mode, "RW"])
    assert errno_of(touch, pool, "f") == errno.EROFS
    assert errno_of(os.mkdir, pool.p("d")) == errno.EROFS


def test_enospc_beats_enoent(make_pool):
    # epmfs: b2/b3 lack the parent (ENOENT), b1 has it but too little space (ENOSPC)
    pool = make_pool(opts="minfreespace=100000G", branch_setup=dirs((0, "d")))
    assert errno_of(touch, pool, "d/f") == errno.ENOSPC


def test_erofs_beats_enospc_even_without_parent(make_pool):
    pool = make_pool(opts="minfreespace=100000G", modes=["RW", "RW", "RO"],
                     branch_setup=dirs((0, "d")))
    assert errno_of(touch, pool, "d/f") == errno.EROFS


def test_minfreespace_only_affects_creates(make_pool):
    # MFS-01: action and search functions ignore minfreespace
    def setup(branches):
        with open(os.path.join(branches[0], "f"), "w") as f:
            f.write("data")
    pool = make_pool(opts="minfreespace=100000G", branch_setup=setup)
    assert pool.read("f") == b"data"
    os.chmod(pool.p("f"), 0o600)
    with open(pool.p("f"), "ab") as f:
        f.write(b"+")
    os.rename(pool.p("f"), pool.p("g"))
    os.unlink(pool.p("g"))


def test_per_branch_minfreespace(make_pool):
    # BR-03: b3's own minfreespace excludes it; the others follow the global value
    pool = make_pool(modes=["RW", "RW", "RW,100000G"])
    touch(pool, "f")
    pool.assert_on("f", [1])
    pool.ctl_set("minfreespace", "100000G")
    assert errno_of(touch, pool, "g") == errno.ENOSPC
    pool.ctl_set("minfreespace", "1M")
    touch(pool, "g")
    pool.assert_on("g", [1])


def test_minfreespace_comparison_is_strict(make_pool):
    # POL-05: a branch with exactly minfreespace bytes free still qualifies (empty 8m tmpfs)
    pool = make_pool(nbranches=1, tmpfs=["8m"], opts="minfreespace=8388608")
    sv = os.statvfs(pool.branches[0])
    assert sv.f_bavail * sv.f_frsize == 8 * 2**20
    touch(pool, "f")
    pool.assert_on("f", [0])
    os.unlink(pool.p("f"))
    pool.ctl_set("minfreespace", "8388609")
    assert errno_of(touch, pool, "f") == errno.ENOSPC


def test_minfreespace_by_real_free_space(make_pool):
    # only b2 (32m) and b3 (16m) have >= 12M free; epmfs picks b2; fill b2 and b3 is next
    pool = make_pool(tmpfs=SIZES, opts="minfreespace=12M")
    touch(pool, "f")
    pool.assert_on("f", [1])
    with open(pool.b(1, "fill"), "wb") as f:
        f.write(b"\0" * 24 * 2**20)
    touch(pool, "g")
    pool.assert_on("g", [2])
    with open(pool.b(2, "fill"), "wb") as f:
        f.write(b"\0" * 8 * 2**20)
    assert errno_of(touch, pool, "h") == errno.ENOSPC


# ---------------------------------------------------------------------------------------------
# moveonenospc (MOVE-01..03, TOP-14)

def test_moveonenospc_moves_file_and_write_succeeds(make_pool):
    pool = make_pool(nbranches=2, tmpfs=["4m", "64m"],
                     opts="category.create=ff,moveonenospc=true,minfreespace=0")
    data = os.urandom(6 * 2**20)
    with open(pool.p("grow"), "wb") as f:
        pool.assert_on("grow", [0])
        for off in range(0, len(data), 2**20):
            f.write(data[off:off + 2**20])
            f.flush()
    pool.assert_on("grow", [1])
    assert pool.read_branch(1, "grow") == data
    assert pool.read("grow") == data


def test_without_moveonenospc_write_fails(make_pool):
    pool = make_pool(nbranches=2, tmpfs=["4m", "64m"], opts="category.create=ff,minfreespace=0")
    f = open(pool.p("grow"), "wb", buffering=0)
    try:
        with pytest.raises(OSError) as ei:
            for _ in range(6):
                f.write(b"\0" * 2**20)
        assert ei.value.errno == errno.ENOSPC
    finally:
        try:
            f.close()
        except OSError:
            pass
    pool.assert_on("grow", [0])
