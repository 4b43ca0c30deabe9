"""pytest wiring: implementation selection, the pool factory, per-test timeouts, leak checks."""

import os
import signal
import threading
import warnings

import pytest

import mfstest

TEST_TIMEOUT_S = int(os.environ.get("MFSTEST_TIMEOUT", "60"))


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "impl_only(*names): run only for these implementations (others skip)")
    config.addinivalue_line(
        "markers", "timeout_s(n): per-test time limit in seconds (default MFSTEST_TIMEOUT)")
    try:
        config._mfs_impls = mfstest.selected_impls()
    except ValueError as e:
        raise pytest.UsageError(str(e))
    missing = [n for n in config._mfs_impls if not mfstest.Impl(n).available()]
    if missing:
        raise pytest.UsageError(
            "MERGERFS_IMPLS selects %s but no executable was found at %s "
            "(build mergerfs-j first, set MERGERFSJ_BIN, or run with MERGERFS_IMPLS=mergerfs)"
            % (", ".join(missing), ", ".join(mfstest.Impl(n).binary for n in missing)))


def pytest_report_header(config):
    return "mergerfs impls: %s" % ", ".join(
        "%s (%s)" % (n, mfstest.Impl(n).binary) for n in config._mfs_impls)


def _parametrizes_impl_itself(metafunc):
    if "impl" in vars(metafunc.module):      # the module has its own impl fixture
        return True
    for m in metafunc.definition.iter_markers("parametrize"):
        if m.args and "impl" in [a.strip() for a in str(m.args[0]).split(",")]:
            return True
    return False


def pytest_generate_tests(metafunc):
    # suites that choose their implementations themselves (e.g. always both, for a differential check)
    # keep their own parametrization
    if "impl" in metafunc.fixturenames and not _parametrizes_impl_itself(metafunc):
        names = metafunc.config._mfs_impls
        marker = metafunc.definition.get_closest_marker("impl_only")
        params = []
        for n in names:
            marks = []
            if marker is not None and n not in marker.args:
                marks.append(pytest.mark.skip(reason="%s-only behaviour" % "/".join(marker.args)))
            params.append(pytest.param(n, id=n, marks=marks))
        metafunc.parametrize("impl", params, indirect=True)


@pytest.fixture
def impl(request):
    return mfstest.Impl(request.param)


@pytest.fixture
def impls(request):
    return [mfstest.Impl(n) for n in request.config._mfs_impls]


@pytest.fixture(scope="session")
def pool_cache():
    cache = mfstest.PoolCache(enabled=os.environ.get("MFSTEST_REUSE", "1") != "0")
    yield cache
    for note in cache.close_all():
        warnings.warn(note)


@pytest.fixture
def make_pool(impl, pool_cache):
    """Factory: make_pool(nbranches=3, opts="", branch_setup=None, modes=None, tmpfs=None,
    fresh=False, impl_override=None, ...) -> mfstest.Pool.

    Pools with the same mount-time options are reused between tests (mfstest.PoolCache); pass
    fresh=True, tmpfs=..., or any other mount_pool argument to get a pool of one's own. After
    the test a pool is reset and kept, or unmounted (fusermount -uz) and its daemon reaped; a
    daemon that had to be signalled after the unmount is reported as a warning."""
    pools = []

    def factory(nbranches=3, opts=None, impl_override=None, **kw):
        pool = pool_cache.get(impl_override or impl, nbranches=nbranches, opts=opts, **kw)
        pools.append(pool)
        return pool

    yield factory
    notes = []
    for pool in reversed(pools):
        note = pool_cache.release(pool)
        if note:
            notes.append(note)
    for note in notes:
        warnings.warn(note)


@pytest.fixture
def pool(make_pool):
    """A default 3-branch pool on /tmp (all branches on one filesystem)."""
    return make_pool()


class _Watchdog:
    """Wall clock limit for one test phase (MFSTEST_TIMEOUT, or @pytest.mark.timeout_s(N)).

    A SIGALRM alone cannot stop a test blocked inside a hung FUSE request (the kernel keeps
    waiting for the daemon after a non-fatal signal), so a watchdog thread first kills the
    daemons of our own mounts, which makes the blocked call fail, then raises in the test."""

    def __init__(self, item, phase):
        marker = item.get_closest_marker("timeout_s")
        self.limit = marker.args[0] if (marker and phase == "call") else TEST_TIMEOUT_S
        self.phase = phase
        self.fired = []

    def _on_alarm(self, signum, frame):
        raise TimeoutError("test %s exceeded %d s%s" % (
            self.phase, self.limit,
            "; killed the daemons of " + ", ".join(self.fired) if self.fired else ""))

    def _fire(self):
        if mfstest._session_root:
            self.fired.extend(mfstest.emergency_abort(mfstest._session_root))
        signal.pthread_kill(threading.main_thread().ident, signal.SIGALRM)

    def __enter__(self):
        self.old = signal.signal(signal.SIGALRM, self._on_alarm)
        self.timer = threading.Timer(self.limit, self._fire)
        self.timer.daemon = True
        self.timer.start()

    def __exit__(self, *exc):
        self.timer.cancel()
        self.timer.join()
        signal.signal(signal.SIGALRM, self.old)
        return False


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    with _Watchdog(item, "setup"):
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    with _Watchdog(item, "call"):
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    with _Watchdog(item, "teardown"):
        yield


def pytest_sessionfinish(session, exitstatus):
    """No mount may survive the session: find any under our temp root, report and remove it."""
    root = mfstest._session_root
    if root is None:
        return
    left = [m for m in mfstest.mountpoints() if m == root or m.startswith(root + "/")]
    for m in sorted(left, key=len, reverse=True):
        if mfstest.mount_entry(m) and mfstest.mount_entry(m)[2].startswith("fuse"):
            mfstest.fusermount_unmount(m)
        else:
            mfstest.umount_path(m)
    if left:
        session.exitstatus = 1
        tr = session.config.pluginmanager.get_plugin("terminalreporter")
        msg = "LEFTOVER MOUNTS after the session (now unmounted): %s" % ", ".join(left)
        if tr is not None:
            tr.write_line(msg, red=True)
        else:
            print(msg)
    still = [m for m in mfstest.mountpoints() if m == root or m.startswith(root + "/")]
    if not still:
        import shutil
        shutil.rmtree(root, ignore_errors=True)
