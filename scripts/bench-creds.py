#!/usr/bin/python3
"""What taking on the caller's identity costs per request (docs/security.md, "Cost").

Mounts a pool with attribute and entry caching off (every stat reaches the daemon) and times stat calls
from this process, whose thread switches its own fsuid/fsgid/groups (raw syscalls, this thread only)
between calls to look like different callers. The same loop on a plain directory measures the client's
own switching cost, which is subtracted. Needs root and the test users of python_tests/permtools.py.

usage: scripts/bench-creds.py [-n CALLS] [--impl mergerfs-j|mergerfs]
"""
import argparse
import ctypes
import os
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python_tests"))
import permtools as pt  # noqa: E402

libc = ctypes.CDLL(None, use_errno=True)
SYS_SETGROUPS = 116

IDS = [(4101, 4111, [4111, 4112]), (4102, 4111, [4111]), (4103, 4113, [4113, 4112])]


def become(uid, gid, groups):
    arr = (ctypes.c_uint * len(groups))(*groups)
    if libc.syscall(SYS_SETGROUPS, len(groups), arr) != 0:
        raise OSError(ctypes.get_errno(), "setgroups")
    libc.setfsgid(gid)
    libc.setfsuid(uid)


def back_to_root():
    libc.setfsuid(0)
    libc.setfsgid(0)
    arr = (ctypes.c_uint * 1)(0)
    libc.syscall(SYS_SETGROUPS, 1, arr)


def loop(path, n, mode):
    """Seconds per stat."""
    t = time.perf_counter()
    if mode == "one":
        become(*IDS[0])
        for _ in range(n):
            os.stat(path)
    elif mode == "alternate":
        for i in range(n):
            become(*IDS[i % len(IDS)])
            os.stat(path)
    elif mode == "newthread":  # a new tid each call: the daemon's per-pid group cache always misses
        def one():
            become(*IDS[0])
            os.stat(path)
        for _ in range(n // 10):
            th = threading.Thread(target=one)
            th.start()
            th.join()
        n //= 10
    el = time.perf_counter() - t
    back_to_root()
    return el / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=20000)
    ap.add_argument("--impl", default="mergerfs-j")
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    pt.ensure_users()
    root = pt.tmpdir("mfsj-bench-")
    try:
        plain, b1 = os.path.join(root, "plain"), os.path.join(root, "b1")
        for d in (plain, b1):
            os.mkdir(d)
            os.chmod(d, 0o755)
            open(os.path.join(d, "f"), "w").close()
        with pt.Pool([b1], impl=a.impl) as pool:
            target = {"plain": os.path.join(plain, "f"), "pool": pool.path("f")}
            loop(target["pool"], 2000, "alternate")  # warm up the JIT
            res = {}
            for mode in ("one", "alternate", "newthread"):
                for where in ("plain", "pool"):
                    res[(mode, where)] = statistics.median(loop(target[where], a.n, mode) for _ in range(a.rounds))
        us = lambda x: x * 1e6  # noqa: E731
        print("impl=%s calls=%d rounds=%d cpus=%d (median, microseconds per stat)" % (a.impl, a.n, a.rounds, os.cpu_count()))
        for mode in ("one", "alternate", "newthread"):
            p, q = res[(mode, "plain")], res[(mode, "pool")]
            print("  %-10s plain %7.1f  pool %7.1f  pool-plain %7.1f" % (mode, us(p), us(q), us(q - p)))
        one = res[("one", "pool")] - res[("one", "plain")]
        alt = res[("alternate", "pool")] - res[("alternate", "plain")]
        new = res[("newthread", "pool")] - res[("newthread", "plain")]
        print("  daemon-side cost of a caller switch: %.1f us; of a new caller pid (/proc read): %.1f us"
              % (us(alt - one), us(new - one)))
    finally:
        pt.rmtree(root)


if __name__ == "__main__":
    main()
