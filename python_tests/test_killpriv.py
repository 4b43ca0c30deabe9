"""Clearing suid, sgid and file capabilities on write, truncate and chown (FUSE_HANDLE_KILLPRIV_V2).

mergerfs-j asks the kernel to leave this to the daemon (fuse/InitReply.killpriv): without it the kernel
asks for security.capability before every write and for the attributes before every chown. Every
operation runs on the branch with the caller's credentials, so the branch filesystem clears exactly what
the kernel would have. These tests do each operation through the pool and on a plain directory of the
same filesystem, as root and as an unprivileged user, and require the same mode bits and xattrs on the
branch file as on the plain one; the same tests run with the kernel doing it
(-Dmergerfsj.noKillpriv=true), so both ways are held to the local filesystem's answer.
"""

import os
import struct

import pytest

import faultutil as fu

USER = 4242
SUID_SGID_ALL = 0o6777
# a valid VFS_CAP_REVISION_2 blob: cap_net_bind_service in permitted, effective flag set
CAPS_V2 = struct.pack("<IIIII", 0x02000001, 1 << 10, 0, 0, 0)


def _as_user(fn):
    """Runs fn() in a child with uid/gid USER and no supplementary groups; returns 0 or the errno."""
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            os.setgroups([])
            os.setgid(USER)
            os.setuid(USER)
            fn()
        except OSError as e:
            code = e.errno or 99
        except BaseException:  # noqa: B902 - anything else is a test bug, reported as 98
            code = 98
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def _write(path):
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, b"more")
    finally:
        os.close(fd)


def _truncate(path):
    os.truncate(path, 1)


def _ftruncate(path):
    fd = os.open(path, os.O_WRONLY)
    try:
        os.ftruncate(fd, 2)
    finally:
        os.close(fd)


def _open_trunc(path):
    os.close(os.open(path, os.O_WRONLY | os.O_TRUNC))


def _chown_root(path):
    os.chown(path, USER + 1, -1)


OPS = {"write": _write, "truncate": _truncate, "ftruncate": _ftruncate, "open_trunc": _open_trunc,
       "chown": _chown_root}


def _prepare(path, caps):
    with open(path, "wb") as f:
        f.write(b"content")
    os.chown(path, USER, USER)
    os.chmod(path, SUID_SGID_ALL)
    if caps:
        os.setxattr(path, "security.capability", CAPS_V2)


def _state(path):
    st = os.lstat(path)
    try:
        caps = os.getxattr(path, "security.capability")
    except OSError:
        caps = None
    return oct(st.st_mode & 0o7777), st.st_uid, caps


@pytest.fixture(params=["daemon", "kernel"])
def pool(request, monkeypatch):
    """A one-branch pool where the daemon clears privileges (killpriv negotiated) or the kernel does."""
    if request.param == "kernel":
        monkeypatch.setenv("MERGERFSJ_JAVA_OPTS", "-Dmergerfsj.noKillpriv=true")
    with fu.Pool([None], fu.NO_CACHE + ",log.level=debug") as p:
        negotiated = "killpriv true" in p.log()
        assert negotiated == (request.param == "daemon"), p.log()
        p.plain = os.path.join(p.dir, "plain")
        os.mkdir(p.plain)
        yield p
        assert not p.log_problems(), p.log_problems()


@pytest.mark.parametrize("who", ["user", "root"])
@pytest.mark.parametrize("op", sorted(OPS))
def test_privileges_cleared_as_on_a_local_filesystem(pool, op, who):
    if op == "chown" and who == "user":
        pytest.skip("only root may give a file away")
    fn = OPS[op]
    results = []
    for base, through in ((pool.plain, pool.plain), (pool.b(0), pool.mnt)):
        _prepare(os.path.join(base, "f"), caps=True)
        target = os.path.join(through, "f")
        if who == "user":
            err = _as_user(lambda: fn(target))
        else:
            err = fu.call_with_timeout(lambda: fn(target) or 0, 10)
        results.append((err, _state(os.path.join(base, "f"))))
        os.unlink(os.path.join(base, "f"))
    local, pooled = results
    assert local[0] == 0, "the operation itself failed locally: %r" % (local,)
    assert pooled == local
    if who == "user":
        assert int(local[1][0], 8) & 0o6000 == 0  # the point of it all: an unprivileged write drops suid/sgid
