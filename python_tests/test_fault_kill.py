"""The daemon killed with SIGKILL mid-write.

What is acknowledged by fsync must be on the branch, intact; the mount point is left as a dead FUSE mount
("Transport endpoint is not connected"). It can be cleaned with `fusermount -uz`, and mergerfs-j also
detaches a dead FUSE mount at its mount point by itself at startup (2.33.5 refuses to mount there), so
simply starting it again works. Either way the remount shows the same files.
"""

import errno
import os
import signal
import subprocess
import sys
import time

import faultutil as fu

CHUNK = 64 * 1024

# Appends deterministic 64 KiB chunks with an fsync after each and reports every acknowledged chunk.
WRITER = r"""
import os, random, sys
path = sys.argv[1]
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
i = 0
try:
    while True:
        data = random.Random(i).randbytes(%d)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
        print("synced", i, flush=True)
        i += 1
except OSError as e:
    print("error", e.errno, flush=True)
""" % CHUNK


def chunk(i):
    import random
    return random.Random(i).randbytes(CHUNK)


def _kill_mid_write(pool):
    """Runs the writer, SIGKILLs the daemon once some chunks are synced; returns how many were synced."""
    w = subprocess.Popen([sys.executable, "-c", WRITER, pool.p("log.bin")], stdout=subprocess.PIPE,
                         universal_newlines=True)
    synced = -1
    try:
        for line in w.stdout:
            if line.startswith("synced"):
                synced = int(line.split()[1])
                if synced == 20:
                    pool.kill(signal.SIGKILL)
                    break
        assert pool.wait_exit(10) == -signal.SIGKILL
        rest = fu.reap([w], timeout=20)[0]
    finally:
        if w.poll() is None:
            w.kill()
            w.wait(10)
    for line in rest.splitlines():
        if line.startswith("synced"):
            synced = int(line.split()[1])
    # the writer is not left hanging on the dead daemon: it gets an error
    assert "error" in rest, rest
    err = int(rest.split("error")[1].split()[0])
    assert err in (errno.ENOTCONN, errno.ECONNABORTED, errno.EIO), rest
    return synced


def _assert_synced_data_intact(path, synced):
    data = fu.read_file(path)
    assert len(data) >= (synced + 1) * CHUNK, (len(data), synced)
    for i in range(synced + 1):
        assert data[i * CHUNK:(i + 1) * CHUNK] == chunk(i), "chunk %d corrupted" % i


def _setup_files(pool):
    os.makedirs(pool.p("dir/sub"))
    fu.write_file(pool.p("dir/sub/before"), b"written before the kill", fsync=True)


def _assert_dead_mount(pool):
    assert fu.is_fuse_mounted(pool.mnt)
    e = fu.errno_of(lambda: fu.call_with_timeout(lambda: os.stat(pool.mnt), 10))
    assert e == errno.ENOTCONN, os.strerror(e) if e else "stat succeeded"


def _assert_same_files(pool, synced):
    assert fu.read_file(pool.p("dir/sub/before")) == b"written before the kill"
    _assert_synced_data_intact(pool.p("log.bin"), synced)
    assert sorted(os.listdir(pool.mnt)) == ["dir", "log.bin"]


def test_sigkill_mid_write_then_restart_over_the_dead_mount_and_after_fusermount():
    with fu.Pool([None, None], fu.NO_CACHE) as pool:
        _setup_files(pool)

        # 1. killed mid-write: acknowledged data is on the branch, the mount point is dead
        synced = _kill_mid_write(pool)
        assert synced >= 20
        branch_file = [pool.b(i, "log.bin") for i in range(2) if os.path.exists(pool.b(i, "log.bin"))]
        assert len(branch_file) == 1
        _assert_synced_data_intact(branch_file[0], synced)
        _assert_dead_mount(pool)

        # 2. no fusermount: the new daemon sees ENOTCONN at its mount point and detaches the dead mount
        pool.start()
        assert pool.log().count("was a dead FUSE mount") == 1, pool.log()
        _assert_same_files(pool, synced)
        assert len([m for m in fu.mounts_at(pool.mnt) if m[0].startswith("fuse")]) == 1

        # 3. killed again; this time the admin cleans up with fusermount -uz before restarting
        synced = _kill_mid_write(pool)
        _assert_dead_mount(pool)
        assert pool.fusermount_uz().returncode == 0
        assert not fu.is_fuse_mounted(pool.mnt)
        pool.start()
        _assert_same_files(pool, synced)
        assert pool.log().count("was a dead FUSE mount") == 1, "nothing to detach after fusermount"
