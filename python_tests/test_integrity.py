"""Data integrity exerciser: random read/write/truncate/fallocate/mmap on one pool file, checked against an
in-memory model after every read and in full every few hundred operations, then on the branch itself.

Modes: buffered (cache.files=partial: the kernel page cache sits in front of the daemon), direct_io
(cache.files=off: every read and write reaches the daemon), passthrough (passthrough.io=rw: the kernel
reads, writes and maps the branch file itself; truncate and fallocate reach the daemon) and O_DIRECT (the caller opens with O_DIRECT on
a cached pool, with aligned buffers, offsets and lengths). mergerfs 2.33.5 fails O_DIRECT writes with
EINVAL; mergerfs-j must not. Shared writable mmap is refused by the kernel on direct_io files (ENODEV,
libfuse2 cannot negotiate FUSE_DIRECT_IO_ALLOW_MMAP): the direct_io run checks that once and skips mmap.

MFSJ_INTEGRITY_OPS (default 20000) sets the operations per mode; MFSJ_INTEGRITY_SEED the seed.
"""

import ctypes
import errno
import mmap
import os
import random

import pytest

import faultutil as fu

OPS = int(os.environ.get("MFSJ_INTEGRITY_OPS", "20000"))
SEED = int(os.environ.get("MFSJ_INTEGRITY_SEED", "20240601"))
CAP = 1 << 20                 # the file stays within 1 MiB (plus what one op can add)
MAXIO = 64 * 1024
PAGE = mmap.PAGESIZE
VERIFY_EVERY = 500

FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE, FALLOC_FL_ZERO_RANGE = 0x01, 0x02, 0x10
_libc = ctypes.CDLL(None, use_errno=True)
_libc.fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_long, ctypes.c_long]


def fallocate(fd, mode, off, length):
    if _libc.fallocate(fd, mode, off, length) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


class Exerciser:
    def __init__(self, path, odirect, allow_mmap, seed, branch_dir=None):
        self.path = path
        self.branch_dir = branch_dir      # where to find the file behind the pool, for full checks
        self.odirect = odirect
        self.allow_mmap = allow_mmap
        self.rnd = random.Random(seed)
        self.model = bytearray()
        self.align = 4096 if odirect else 1
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC | (os.O_DIRECT if odirect else 0), 0o644)
        # O_DIRECT needs an aligned buffer: an anonymous mapping is page aligned
        self.buf = mmap.mmap(-1, CAP + MAXIO + PAGE)
        self.counts = {}
        self.log = []

    def close(self):
        os.close(self.fd)
        self.buf.close()

    # ---------------------------------------------------------------- helpers

    def _pos(self, hi):
        a = self.align
        return self.rnd.randrange(0, hi // a + 1) * a

    def _len(self):
        a = self.align
        n = self.rnd.choice([1, 7, 512, 4096, 4097, 65536, self.rnd.randint(1, MAXIO)])
        return max(a, (n // a) * a)

    def _fail(self, msg):
        raise AssertionError("%s (op %d; last ops: %s)" % (msg, sum(self.counts.values()), self.log[-8:]))

    def _read(self, off, n):
        view = memoryview(self.buf)[:n]
        try:
            got = os.preadv(self.fd, [view], off)
            return bytes(view[:got])
        finally:
            view.release()

    def _write(self, off, data):
        view = memoryview(self.buf)[:len(data)]
        try:
            view[:] = data
            done = os.pwritev(self.fd, [view], off)
        finally:
            view.release()
        if done != len(data):
            self._fail("short write %d of %d at %d" % (done, len(data), off))

    def _model_write(self, off, data):
        end = off + len(data)
        if end > len(self.model):
            self.model.extend(b"\0" * (end - len(self.model)))
        self.model[off:end] = data

    def _model_resize(self, size):
        if size < len(self.model):
            del self.model[size:]
        else:
            self.model.extend(b"\0" * (size - len(self.model)))

    # ---------------------------------------------------------------- operations

    def op_write(self):
        off, n = self._pos(CAP), self._len()
        data = self.rnd.randbytes(n)
        self._write(off, data)
        self._model_write(off, data)
        self.log.append(("write", off, n))

    def op_read(self):
        off, n = self._pos(len(self.model) + 8192), self._len()
        got = self._read(off, n)
        want = bytes(self.model[off:off + n])
        self.log.append(("read", off, n))
        if got != want:
            self._fail("read %d@%d: got %d bytes, model has %d; first difference at %s"
                       % (n, off, len(got), len(want), _first_diff(got, want)))

    def op_truncate(self):
        size = self.rnd.choice([0, self._pos(CAP), len(self.model), self._pos(CAP)])
        if self.odirect:
            size = (size // 4096) * 4096
        os.ftruncate(self.fd, size)
        self._model_resize(size)
        self.log.append(("truncate", size))

    def op_fallocate(self):
        mode = self.rnd.choice([0, FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                                FALLOC_FL_ZERO_RANGE, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE])
        off, n = self._pos(CAP), self._len()
        fallocate(self.fd, mode, off, n)
        size = len(self.model)
        if mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE):
            end = min(off + n, size)
            if end > off:
                self.model[off:end] = b"\0" * (end - off)
        if not mode & FALLOC_FL_KEEP_SIZE and off + n > size:
            self._model_resize(off + n)
        self.log.append(("fallocate", mode, off, n))

    def op_mmap(self):
        size = len(self.model)
        if size == 0:
            return self.op_write()
        start = self.rnd.randrange(0, size)
        n = min(self.rnd.randint(1, 3 * PAGE), size - start)
        base = (start // PAGE) * PAGE
        m = mmap.mmap(self.fd, start + n - base, offset=base)
        try:
            if self.rnd.random() < 0.5:
                want = bytes(self.model[start:start + n])
                got = m[start - base:start - base + n]
                self.log.append(("mmap-read", start, n))
                if got != want:
                    self._fail("mmap read %d@%d differs at %s" % (n, start, _first_diff(got, want)))
            else:
                data = self.rnd.randbytes(n)
                m[start - base:start - base + n] = data
                m.flush()
                self._model_write(start, data)
                self.log.append(("mmap-write", start, n))
        finally:
            m.close()

    def op_stat(self):
        st = os.fstat(self.fd)
        if st.st_size != len(self.model):
            self._fail("fstat size %d, model %d" % (st.st_size, len(self.model)))

    def verify_all(self):
        got = bytearray()
        off = 0
        while True:
            chunk = self._read(off, MAXIO)
            got += chunk
            if len(chunk) < MAXIO:
                break
            off += len(chunk)
        if bytes(got) != bytes(self.model):
            self._fail("full read: %d bytes vs model %d, first difference at %s"
                       % (len(got), len(self.model), _first_diff(bytes(got), bytes(self.model))))
        self.op_stat()
        # and behind the pool: in every mode here writes reach the branch before write() returns (no
        # writeback cache; mmap writes are msynced), so the branch file must equal the model too
        if self.branch_dir is not None:
            name = os.path.basename(self.path)
            on = [d for d in self.branch_dir if os.path.exists(os.path.join(d, name))]
            if len(on) != 1:
                self._fail("file is on %d branches" % len(on))
            if fu.read_file(os.path.join(on[0], name)) != bytes(self.model):
                self._fail("branch copy differs from the model")

    def run(self, nops):
        ops = [(self.op_write, 30), (self.op_read, 30), (self.op_truncate, 6), (self.op_fallocate, 10),
               (self.op_stat, 4)]
        if self.allow_mmap:
            ops.append((self.op_mmap, 6))
        funcs = [f for f, w in ops for _ in range(w)]
        for i in range(1, nops + 1):
            f = self.rnd.choice(funcs)
            f()
            self.counts[f.__name__] = self.counts.get(f.__name__, 0) + 1
            if len(self.log) > 64:
                del self.log[:32]
            if i % VERIFY_EVERY == 0:
                self.verify_all()
        self.verify_all()
        os.fsync(self.fd)


def _first_diff(a, b):
    for i in range(min(len(a), len(b))):
        if a[i] != b[i]:
            return i
    return min(len(a), len(b)) if len(a) != len(b) else None


MODES = {
    "buffered": ("cache.files=partial", False, True),
    "direct_io": ("cache.files=off", False, False),
    "o_direct": ("cache.files=partial", True, False),
    # the kernel reads, writes and maps the branch file itself; truncate and fallocate still go through
    # the daemon, on the same file (Linux 6.9+)
    "passthrough": ("passthrough.io=rw", False, True),
}


@pytest.mark.parametrize("mode", sorted(MODES))
def test_random_io_matches_model(mode):
    cache, odirect, allow_mmap = MODES[mode]
    # default attribute/entry caching: nothing touches the file behind the pool, and it saves a getattr
    # round trip on many reads
    with fu.Pool([None, None], cache, watchdog=170) as pool:
        if mode == "direct_io":
            fd = os.open(pool.p("probe"), os.O_RDWR | os.O_CREAT, 0o644)
            try:
                os.ftruncate(fd, PAGE)
                with pytest.raises(OSError) as e:
                    mmap.mmap(fd, PAGE)
                assert e.value.errno == errno.ENODEV
            finally:
                os.close(fd)
        if mode == "passthrough" and "FUSE passthrough on" not in pool.log():
            pytest.skip("kernel did not offer FUSE passthrough")
        ex = Exerciser(pool.p("data.bin"), odirect, allow_mmap, SEED + len(mode), pool.branches)
        try:
            if mode == "passthrough":
                if "refused a backing file" in pool.log():
                    pytest.skip("kernel refused backing files")
                # passed through: a read needs no daemon
                with fu.stopped(pool):
                    assert fu.call_with_timeout(lambda: os.pread(ex.fd, 1, 0), 5) == b""
            ex.run(OPS)
        finally:
            ex.close()
        for name in ("op_write", "op_read", "op_truncate", "op_fallocate"):
            assert ex.counts.get(name, 0) > OPS // 20, ex.counts
        if allow_mmap:
            assert ex.counts.get("op_mmap", 0) > OPS // 20, ex.counts
        # the branch holds exactly the model (the file went to one branch)
        on = [i for i in range(2) if os.path.exists(pool.b(i, "data.bin"))]
        assert len(on) == 1
        assert fu.read_file(pool.b(on[0], "data.bin")) == bytes(ex.model)
        assert not pool.log_problems(), pool.log_problems()[:10]
