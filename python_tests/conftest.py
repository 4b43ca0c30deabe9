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


def pytest_generate_tests(metafunc):
    if "impl" in metafunc.fixturenames:
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


@pytest.fixture
def make_pool(impl, request):
    """Factory: make_pool(nbranches=3, opts="", branch_setup=None, modes=None, tmpfs=None, ...).

    Every pool is unmounted (fusermount -uz) and its daemon reaped in teardown, whatever the
    test did; a daemon that had to be signalled after the unmount is reported as a warning."""
    pools = []

    def factory(nbranches=3, opts=None, impl_override=None, **kw):
        pool = mfstest.mount_pool(impl_override or impl, nbranches=nbranches, opts=opts, **kw)
        pools.append(pool)
        return pool

    factory.pools = pools
    yield factory
    notes = []
    for pool in reversed(pools):
        note = pool.close()
        if note:
            notes.append(note)
    for note in notes:
        warnings.warn(note)


@pytest.fixture
def pool(make_pool):
    """A default 3-branch pool on /tmp (all branches on one filesystem)."""
    return make_pool()


@pytest.fixture
def tmpdir_root():
    """A fresh temp dir under the session root, for tests that mount by hand (test_cli)."""
    import shutil
    root = mfstest.new_root("cli-")
    yield root
    leftovers = [m for m in mfstest.mountpoints() if m == root or m.startswith(root + "/")]
    for m in leftovers:
        mfstest.fusermount_unmount(m)
    if not leftovers:
        shutil.rmtree(root, ignore_errors=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """Per-test wall clock limit (MFSTEST_TIMEOUT, or @pytest.mark.timeout_s(N)).

    A SIGALRM alone cannot stop a test blocked inside a hung FUSE request (the kernel keeps
    waiting for the daemon after a non-fatal signal), so a watchdog thread first kills the
    daemons of our own mounts, which makes the blocked call fail, then raises in the test."""
    marker = item.get_closest_marker("timeout_s")
    limit = marker.args[0] if marker else TEST_TIMEOUT_S
    fired = []

    def on_alarm(signum, frame):
        raise TimeoutError("test exceeded %d s%s" % (
            limit, "; killed the daemons of " + ", ".join(fired) if fired else ""))

    def watchdog():
        if mfstest._session_root:
            fired.extend(mfstest.emergency_abort(mfstest._session_root))
        signal.pthread_kill(threading.main_thread().ident, signal.SIGALRM)

    old = signal.signal(signal.SIGALRM, on_alarm)
    timer = threading.Timer(limit, watchdog)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        timer.join()
        signal.signal(signal.SIGALRM, old)


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
