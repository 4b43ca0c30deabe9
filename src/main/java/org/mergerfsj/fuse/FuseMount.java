package org.mergerfsj.fuse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import org.mergerfsj.posix.Errno;
import org.mergerfsj.posix.Posix;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A live FUSE mount served by Java-owned threads over libfuse2's session API (no per-request JVM attach).
 *
 * <p>Teardown order matters, and is the one thing here that can crash the JVM when wrong: the session is
 * told to exit, the kernel connection is detached (lazy unmount) so blocked readers return, every worker
 * is joined, and only then are fuse_unmount and fuse_destroy called. If a worker cannot be joined the
 * native structures are leaked on purpose: freeing memory a thread still uses would be worse.
 */
public final class FuseMount implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FuseMount.class);
    private static final LibFuse2 F = LibFuse2.INSTANCE;
    private static final Runtime RT = Runtime.getRuntime(F);
    private static final int OPS_SIZE = 360;
    private static final int FUSE_BUF_SIZE = 40;
    /** struct fuse_buf's flags bit for data left in a file descriptor (libfuse's splice pipe). */
    private static final int FUSE_BUF_IS_FD = 1 << 1;
    private static final int MAX_WORKERS = 64;
    /** A request in flight this long with no worker left reading the device makes the pool grow. */
    static final long STALL_NANOS = 10_000_000;
    private static final long WATCH_POLL_NANOS = 5_000_000, WATCH_IDLE_NANOS = 1_000_000_000;
    static final long JOIN_MILLIS = 3000;
    /**
     * A read that returns this fast (plus half a nanosecond per request byte, the copy) found its request
     * already queued; one that waits for the client takes far longer.
     */
    private static final long QUEUED_NANOS = 8_000;
    private static final long CONCURRENT_NANOS = 1_000_000_000L;
    /** A spare re-checks close this often even if nobody unparks it (a safety net). */
    private static final long SPARE_CHECK_NANOS = 1_000_000_000L;
    private static final int F_SETFD = 2, FD_CLOEXEC = 1;

    private final String mountpoint;
    private final FuseFs fs;
    private final Pointer args;
    private final List<String> options;
    /** Where runtime changes of mount-time libfuse options go (null: they apply at the next mount); guarded by confLock. */
    private LibfuseConf conf;
    private final Object confLock = new Object();
    private final Pointer ops;
    private Pointer ch;
    private Pointer fuse;
    private Pointer se;
    private long bufSize;
    private InitReply init;
    private ReaddirPlus plus;
    private DirCache dirCache;
    private OpenReply openReply;
    private SmallReads reads;
    private final Features features;
    private int connection = -1; // minor device number of the FUSE connection (/sys/fs/fuse/connections/N)
    private int devFd = -1;
    private final List<Thread> workers = new ArrayList<>();
    private final java.util.Set<Integer> tids = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final AtomicInteger idle = new AtomicInteger();
    private final AtomicInteger live = new AtomicInteger();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1); // every worker left the loop
    private final CountDownLatch ended = new CountDownLatch(1);   // the session is over (see awaitStopped)
    private final int minWorkers;
    private int spawned; // thread names only
    /** nanoTime (made odd, never 0) when the last reading worker took a request; 0 while a worker reads. */
    private volatile long dryStart;
    private volatile boolean watchdogParked;
    /** Workers standing by off the device (see {@link #standBy}); the last one parked is woken first. */
    private final java.util.concurrent.ConcurrentLinkedDeque<Spare> spares = new java.util.concurrent.ConcurrentLinkedDeque<>();
    /** nanoTime until which concurrent clients were seen and every worker reads the device. */
    private volatile long concurrentUntil = System.nanoTime();
    private Thread watchdog;
    private volatile boolean destroyed;

    /**
     * What the kernel is asked for beyond libfuse2's 7.19 (see {@link InitReply}).
     *
     * @param msgPages fuse_msg_size, the largest request in pages (libfuse2 alone gives 32, 128 KiB)
     * @param readdirplus answer READDIRPLUS (see {@link ReaddirPlus})
     * @param cacheSymlinks let the kernel cache symlink targets (FUSE_CACHE_SYMLINKS)
     * @param passthroughDepth ask for FUSE passthrough with this max stack depth (1 or 2); 0 = do not
     */
    public record Features(int msgPages, boolean readdirplus, boolean cacheSymlinks, int passthroughDepth) {
        public static final Features DEFAULT = new Features(256, false, false, 0);
    }

    private FuseMount(String mountpoint, FuseFs fs, List<String> options, int minWorkers, Features features) {
        this.mountpoint = mountpoint;
        this.features = features;
        this.fs = fs;
        this.minWorkers = Math.max(1, minWorkers);
        this.options = List.copyOf(options);
        this.args = buildArgs(options);
        this.ops = Memory.allocateDirect(RT, OPS_SIZE, true);
        Pointer src = fs.operations();
        for (int i = 0; i < OPS_SIZE; i += 8) ops.putLong(i, src.getLong(i));
        // flag_nullpath_ok | flag_nopath | flag_utime_omit_ok: handle-based calls need no path from libfuse
        ops.putInt(304, 0b111);
        fs.installRaw(ops);
    }

    /**
     * Mounts and starts serving. Returns once the kernel has the mount; {@link #awaitReady} confirms the
     * mount answers.
     */
    public static FuseMount mount(String mountpoint, FuseFs fs, List<String> options, int workers) throws MountException {
        return mount(mountpoint, fs, options, workers, Features.DEFAULT);
    }

    public static FuseMount mount(String mountpoint, FuseFs fs, List<String> options, int workers, Features features)
            throws MountException {
        FuseMount m = new FuseMount(mountpoint, fs, options, workers, features);
        m.start();
        return m;
    }

    private Pointer buildArgs(List<String> options) {
        List<String> argv = new ArrayList<>();
        argv.add("mergerfs-j");
        if (!options.isEmpty()) {
            argv.add("-o");
            argv.add(String.join(",", options));
        }
        Pointer vec = Memory.allocateDirect(RT, 8L * (argv.size() + 1), true);
        for (int i = 0; i < argv.size(); i++) {
            byte[] b = Posix.path(argv.get(i));
            Pointer s = Memory.allocateDirect(RT, b.length, true);
            s.put(0, b, 0, b.length);
            keep.add(s);
            vec.putAddress(8L * i, s.address());
        }
        keep.add(vec);
        Pointer a = Memory.allocateDirect(RT, 24, true);
        a.putInt(0, argv.size());
        a.putAddress(8, vec.address());
        a.putInt(16, 0);
        return a;
    }

    private final List<Pointer> keep = new ArrayList<>();

    private void start() throws MountException {
        ch = F.fuse_mount(Posix.path(mountpoint), args);
        if (ch == null) throw new MountException("fuse_mount failed for " + mountpoint + " (see messages above)");
        long f = LibFuse2.FuseNew.call(ch, args, ops, OPS_SIZE);
        if (f == 0) {
            F.fuse_unmount(Posix.path(mountpoint), ch);
            throw new MountException("fuse_new rejected the options (see messages above)");
        }
        fuse = Pointer.wrap(RT, f);
        se = F.fuse_get_session(fuse);
        synchronized (confLock) {
            conf = LibfuseConf.locate(fuse, se.address(), options);
        }
        bufSize = F.fuse_chan_bufsize(ch);
        devFd = F.fuse_chan_fd(ch);
        OpenReply opens = new OpenReply(se, ch, devFd, fs);
        init = InitReply.forChannel(se, ch, devFd, bufSize, features, !Boolean.getBoolean("mergerfsj.noKillpriv"), opens);
        if (init != null) {
            openReply = opens;
            fs.onRelease(opens);
            // the channel is the struct side channels rely on (checked by forChannel)
            if (features.readdirplus()) plus = new ReaddirPlus(se, ch, devFd);
            dirCache = new DirCache(se, ch, devFd);
            if (!Boolean.getBoolean("mergerfsj.noSmallReads")) reads = new SmallReads(devFd, fs);
            bufSize = Math.max(bufSize, init.buffer());
        }
        connection = findConnection(mountpoint);
        if (!Wakeup.install()) LOG.warn("cannot install the worker wake-up signal; close may leave workers blocked");
        Sys.LIB.fcntl(devFd, F_SETFD, FD_CLOEXEC);
        // Blocking reads, as libfuse's own loop: the kernel queues readers exclusively, so a request wakes
        // exactly one idle worker. (A non-blocking device with a shared level-triggered epoll set woke every
        // idle worker for each request: 70% of the daemon's CPU went to context switches.)
        for (int i = 0; i < minWorkers; i++) spawn();
        watchdog = new Thread(this::watch, "fuse-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    private void spawn() {
        synchronized (workers) {
            if (closing.get() || workers.size() >= MAX_WORKERS) return;
            Thread t = new Thread(this::loop, "fuse-" + spawned++);
            t.setDaemon(true);
            workers.add(t);
            live.incrementAndGet();
            t.start();
        }
    }

    private void loop() {
        int tid = Wakeup.gettid();
        tids.add(tid);
        Worker w = new Worker();
        boolean retired = false;
        try {
            // No fuse_session_exited() check here: libfuse ends the session itself on ENODEV (unmounted),
            // and close() only calls fuse_session_exit once every worker is out of this loop.
            // The body is a method of its own: a loop that runs for the thread's whole life would stay
            // interpreted until on-stack replacement (tens of thousands of requests with C1), while a
            // method is compiled after a few hundred calls (the interpreter was 2 % of a create loop).
            for (int step = NEXT; step == NEXT && !closing.get(); ) {
                step = serveOne(w);
                if (step == RETIRED) retired = true;
            }
        } catch (Throwable t) {
            LOG.error("FUSE worker failed", t);
        } finally {
            tids.remove(tid);
            // a worker that leaves on its own (read error, connection gone, a bug) may have been the only
            // reader: the parked ones must find out for themselves, or they wait for a close that the
            // ended session never brings
            if (!retired) while (wakeSpare()) { }
            if (!retired && live.decrementAndGet() == 0) {
                stopped.countDown();
                ended.countDown();
            }
        }
    }

    private static final int NEXT = 0, STOP = 1, RETIRED = 2;

    /** A worker's own buffers and what it remembers between requests. */
    private final class Worker {
        final Pointer buf = Memory.allocateDirect(RT, FUSE_BUF_SIZE, true);
        final Pointer mem = Memory.allocateDirect(RT, bufSize, false);
        final Pointer chp = Memory.allocateDirect(RT, 8, true);
        final Pointer reply = SmallReads.buffer();
        final Spare spare = new Spare(Thread.currentThread());
        int lastPid;
    }

    /** Reads and answers one request (or stands by); says whether the worker goes on. */
    private int serveOne(Worker w) {
        if (idle.get() > 0 && System.nanoTime() - concurrentUntil > 0) {
            standBy(w.spare);
            return NEXT;
        }
        if (dryStart != 0) dryStart = 0;
        Pointer buf = w.buf;
        long req = w.mem.address();
        buf.putLong(0, bufSize);
        buf.putInt(8, 0);
        buf.putAddress(16, req);
        buf.putInt(24, -1);
        buf.putLong(32, 0);
        w.chp.putAddress(0, ch.address());
        idle.incrementAndGet();
        long t0 = System.nanoTime();
        int r = F.fuse_session_receive_buf(se, buf, w.chp);
        long waited = System.nanoTime() - t0;
        int nowIdle = idle.decrementAndGet();
        if (r == -Errno.EINTR) return NEXT;
        if (r == 0) {
            ended.countDown(); // connection gone (ENODEV: unmounted) or session exited
            return STOP;
        }
        if (r < 0) {
            LOG.warn("FUSE worker stops: reading the device failed: {}", Posix.strerror(-r));
            return STOP;
        }
        if (nowIdle == 0) markDry();
        // With splice_read, libfuse leaves a large request (a WRITE with its data) in its pipe and mem
        // still holds the previous request: nothing may be read from it then. Such a request is never one
        // the side channels take, so it goes to libfuse as it is.
        boolean inPipe = (buf.getInt(8) & FUSE_BUF_IS_FD) != 0;
        int opcode = inPipe ? 0 : Wire.opcode(req);
        if (!inPipe && !Wire.background(opcode)) {
            // Queued already: the read took no longer than copying the request (a big WRITE takes its time
            // even so). From another thread than the last one served: clients run side by side. A pid of 0
            // is a client outside our pid namespace (a daemon in a container): those cannot be told apart,
            // so any queued request counts, as two readers did before.
            int pid = Wire.pid(req);
            if (waited < QUEUED_NANOS + Wire.len(req) / 2 && (pid == 0 || pid != w.lastPid && w.lastPid != 0)) {
                concurrent();
            }
            w.lastPid = pid;
        }
        // side channels exist only with init; without it nothing beyond libfuse is served
        int op = init != null ? opcode : 0;
        if (op == Wire.READ && reads != null && reads.serve(req, w.reply)) {
            // answered
        } else if (op == Wire.INTERRUPT && reads != null) {
            declineInterrupt(req, w.reply);
        } else if (op == Wire.READDIRPLUS && plus != null) {
            plus.handle(req);
        } else if (op == Wire.OPENDIR && fs.cacheReaddir()) {
            dirCache.process(buf);
        } else if (op == Wire.OPEN || op == Wire.CREATE) {
            // every open goes through OpenReply: its reply is where a handle meets its node id
            // (FuseFs#noteNode), and where open flags are edited
            openReply.process(buf, req);
        } else if (op == Wire.INIT) {
            init.processInit(req, buf);
        } else {
            long pinned = -1;
            if (op == Wire.LOOKUP && plus != null) plus.noteLookup(req);
            else if (op == Wire.GETATTR) pinned = fs.adoptOrphan(req);
            long c = w.chp.getAddress(0);
            try {
                F.fuse_session_process_buf(se, buf, c == ch.address() ? ch : Pointer.wrap(RT, c));
            } finally {
                if (pinned >= 0) fs.unpin(pinned); // libfuse answered it in this call
            }
        }
        return retire() ? RETIRED : NEXT;
    }

    /**
     * Answers an INTERRUPT with ENOSYS, after which the kernel sends no more on this connection. Nothing
     * here acts on interrupts (libfuse2 would only pass them to handlers registered under its intr option,
     * which is not used): an interrupted caller waits for its reply either way. libfuse also never sees
     * the requests SmallReads answers, so an INTERRUPT for one of those would sit in its pending list.
     */
    private void declineInterrupt(long req, Pointer out) {
        long o = out.address();
        if (FuseFs.trace && LOG.isTraceEnabled()) LOG.trace("interrupt declined unique={}", Wire.unique(req));
        int r = Wire.reply(devFd, o, o + Wire.OUT_HEADER, Wire.unique(req), -Errno.ENOSYS, 0);
        if (r < 0 && r != -Errno.ENOENT) LOG.debug("INTERRUPT reply not delivered: {}", Posix.strerror(-r));
    }

    /** A worker waiting in Java, off the device's queue, until {@link #wakeSpare} or close. */
    private static final class Spare {
        final Thread thread;
        volatile boolean go;

        Spare(Thread thread) {
            this.thread = thread;
        }
    }

    /**
     * Waits off the device while another worker reads it. The kernel hands each request to the worker
     * that has waited longest, so with two readers a single client's requests alternate between them, and
     * the client is woken on one CPU, then the other: on this 2-vCPU VM that cost 13 % on creates (12,000
     * migrations per 5,000 creates against 30 with one reader). One reader serves a sequential client
     * from one thread; spares join when clients run concurrently ({@link #concurrent}) or a request
     * stalls (the watchdog).
     */
    private void standBy(Spare me) {
        me.go = false;
        spares.push(me);
        while (!me.go && !closing.get()) LockSupport.parkNanos(this, SPARE_CHECK_NANOS);
        spares.remove(me); // woken by close
    }

    /** Wakes the most recently parked spare worker, if any, so it reads the device; false if none. */
    private boolean wakeSpare() {
        Spare s = spares.poll();
        if (s == null) return false;
        s.go = true;
        LockSupport.unpark(s.thread);
        return true;
    }

    /**
     * A request of another thread was already queued when a worker asked for the next one: clients are
     * running concurrently, so every worker reads for the next {@link #CONCURRENT_NANOS}.
     */
    private void concurrent() {
        long now = System.nanoTime();
        boolean was = now - concurrentUntil <= 0;
        concurrentUntil = now + CONCURRENT_NANOS;
        if (!was) while (wakeSpare()) { }
    }

    /**
     * The pool is dry: this worker took the request the last reader was waiting for. That is the normal
     * state of a single client's request/reply ping-pong (and of the instant between a reply and the next
     * request), so nothing is spawned here: spawning on every dry moment, as libfuse's loop does, grew the
     * pool to ~30 threads for one client, and every request then woke a sleeping thread instead of finding
     * the worker that just replied back at its read (create/unlink took 1.5-2.5x longer). The watchdog
     * grows the pool only when a request stays in flight with nobody reading.
     */
    private void markDry() {
        if (dryStart == 0) dryStart = System.nanoTime() | 1;
        if (watchdogParked) LockSupport.unpark(watchdog);
    }

    /**
     * Whether this worker, just back from a request it took while another worker was reading, leaves:
     * surplus workers (above the configured count) go as soon as they are not the only reader.
     */
    private boolean retire() {
        for (int l = live.get(); l > minWorkers; l = live.get()) {
            if (idle.get() == 0) return false;
            if (live.compareAndSet(l, l - 1)) {
                synchronized (workers) {
                    workers.remove(Thread.currentThread());
                }
                return true;
            }
        }
        return false;
    }

    /**
     * Grows the pool when a request has been in flight for {@link #STALL_NANOS} with no worker reading the
     * device (a branch call stuck on a spinning-up disk must not stall the whole mount). Polls only while
     * requests flow; parks for good after a second without a dry moment and is woken by the next one.
     */
    private void watch() {
        long lastDry = System.nanoTime();
        while (!closing.get()) {
            long d = dryStart, now = System.nanoTime();
            if (d != 0) {
                lastDry = now;
                if (now - d >= STALL_NANOS && idle.get() == 0) {
                    if (!wakeSpare()) spawn();
                    dryStart = now | 1; // the next spawn needs another full stall
                }
            } else if (now - lastDry > WATCH_IDLE_NANOS) {
                watchdogParked = true;
                if (dryStart == 0 && !closing.get()) LockSupport.park(this);
                watchdogParked = false;
                lastDry = System.nanoTime();
                continue;
            }
            LockSupport.parkNanos(this, WATCH_POLL_NANOS);
        }
    }

    /**
     * Makes later replies carry these entry, negative-entry and attribute timeouts (seconds) and later opens
     * follow libfuse's auto_cache: cache.entry, cache.negative_entry, cache.attr and auto_cache (under
     * cache.files=libfuse) set at runtime. False when libfuse's layout was not recognised at mount (see
     * {@link LibfuseConf}) or the mount is gone; the values then apply at the next mount.
     */
    public boolean setCacheOptions(long entry, long negative, long attr, boolean autoCache) {
        synchronized (confLock) {
            if (conf == null) return false;
            conf.set(entry, negative, attr, autoCache);
            return true;
        }
    }

    /** Waits until the mount answers a stat of its own root through our getattr. */
    public boolean awaitReady(long timeoutMillis) {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        Process probe = null;
        try {
            while (System.currentTimeMillis() < deadline) {
                if (live.get() == 0) return false;
                if (fs.rootServed() && isMounted(mountpoint)) return true;
                // The probe runs in a child process, never on a thread of ours: if this process is killed
                // while its own thread waits on a request one of our workers already took, the kernel can
                // finish neither (the thread waits uninterruptibly, the device fd closes only when every
                // thread is gone) and the daemon hangs dead. A child just gets ENOTCONN.
                if (probe == null || !probe.isAlive()) {
                    probe = new ProcessBuilder("stat", "-c", "%i", mountpoint)
                            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                }
                probe.waitFor(100, TimeUnit.MILLISECONDS);
            }
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (java.io.IOException e) {
            LOG.error("cannot run the readiness probe (stat): {}", e.toString());
            return false;
        }
    }

    /**
     * Blocks until the session is over: the kernel ended the connection (external unmount), every worker
     * stopped, or close() ran. Call close() afterwards: it joins the workers (abandoning one stuck in a
     * branch call, so an unmounted daemon still exits) and frees libfuse's state.
     */
    public void awaitStopped() throws InterruptedException {
        ended.await();
    }

    public boolean awaitStopped(long millis) throws InterruptedException {
        return ended.await(millis, TimeUnit.MILLISECONDS);
    }

    public String mountpoint() {
        return mountpoint;
    }

    /**
     * Unmounts (lazily, so busy mounts still go) and frees libfuse's structures. Idempotent; returns within
     * about {@link #JOIN_MILLIS} even when a worker is stuck in a branch call.
     *
     * <p>Order: set {@code closing} (a worker leaves after answering its current request), detach our mount
     * if it is still there (an idle connection ends and blocked readers get ENODEV), abort a busy
     * connection through fusectl when it is mounted, replace the device fd with /dev/null (a process
     * exit then ends the connection, so waiting clients get an error instead of hanging), and only when every
     * worker has left libfuse, free its state. fuse_session_exit is not called while workers run: libfuse
     * drops (never answers) a request read after the session exited, which left clients hanging forever.
     */
    @Override
    public synchronized void close() {
        if (destroyed) return;
        synchronized (workers) {
            closing.set(true);
        }
        if (watchdog != null) LockSupport.unpark(watchdog);
        for (Spare sp : spares) LockSupport.unpark(sp.thread);
        if (connection >= 0 ? isOurs() : isMounted(mountpoint)) lazyUnmount(mountpoint);
        // an idle mount goes at once and its readers get ENODEV; a busy one keeps its connection, and each
        // worker leaves after answering its next request
        waitWorkers(JOIN_MILLIS);
        if (live.get() > 0) abortConnection();
        interruptWorkers(1000);
        cutConnection();
        if (live.get() > 0) waitWorkers(1000);
        destroyed = true;
        if (live.get() > 0) {
            LOG.error("{} FUSE worker(s) stuck in a branch call did not stop; leaving libfuse state allocated", live.get());
        } else {
            destroyFuse();
        }
        stopped.countDown(); // release waiters even when workers had to be abandoned
        ended.countDown();
    }

    /**
     * Frees libfuse's state, once no worker is left in it. Runtime option writes go into that state
     * ({@link LibfuseConf}), so they are cut off first, under their lock.
     */
    private void destroyFuse() {
        synchronized (confLock) {
            conf = null;
        }
        F.fuse_session_exit(se);
        F.fuse_destroy(fuse); // closes the device fd (now /dev/null); no fuse_unmount: we detached ourselves
    }

    /**
     * Interrupts workers still blocked in read(/dev/fuse) (or in an interruptible branch call), repeatedly
     * for up to millis, so they see {@code closing} and drop their reference to the device.
     */
    private void interruptWorkers(long millis) {
        long deadline = System.currentTimeMillis() + millis;
        while (live.get() > 0 && System.currentTimeMillis() < deadline) {
            for (int tid : tids) Wakeup.interrupt(tid);
            waitWorkers(50);
        }
    }

    /** Ends the connection through fusectl, when it is mounted: every blocked reader returns at once. */
    private void abortConnection() {
        if (connection < 0) return;
        java.nio.file.Path abort = java.nio.file.Path.of("/sys/fs/fuse/connections/" + connection + "/abort");
        if (!java.nio.file.Files.exists(abort)) return;
        try {
            java.nio.file.Files.writeString(abort, "1");
            LOG.warn("aborted FUSE connection {} of {}", connection, mountpoint);
        } catch (Exception e) {
            LOG.warn("could not abort FUSE connection {}: {}", connection, e.toString());
        }
    }

    /** Whether the FUSE mount at our mount point is still this connection (not one mounted over it later). */
    private boolean isOurs() {
        return connection >= 0 && findConnection(mountpoint) == connection;
    }

    /** Ends the kernel connection: the device fd number now refers to /dev/null, so libfuse's later close is safe. */
    private void cutConnection() {
        if (devFd < 0) return;
        int nul = Posix.open("/dev/null", Posix.O_RDWR, 0);
        if (nul < 0) return;
        Posix.C.dup2(nul, devFd);
        Posix.close(nul);
    }

    private void waitWorkers(long millis) {
        try {
            stopped.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void lazyUnmount(String mountpoint) {
        // umount2(MNT_DETACH) needs root; fusermount handles the rest
        if (Posix.C.geteuid() == 0 && Umount.umount2(mountpoint, 2) == 0) return;
        try {
            Process p = new ProcessBuilder("fusermount", "-u", "-z", mountpoint).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            p.waitFor(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("fusermount -uz {} failed: {}", mountpoint, e.toString());
        }
    }

    /**
     * Detaches a dead FUSE mount at mountpoint: one listed in mountinfo whose stat fails with ENOTCONN
     * ("Transport endpoint is not connected", its daemon was killed). A live mount, or one that does not
     * answer within two seconds, is left alone. Returns whether a dead mount was detached.
     */
    public static boolean clearDeadMount(String mountpoint) {
        if (!isMounted(mountpoint)) return false;
        int[] err = {Integer.MIN_VALUE};
        Thread probe = new Thread(() -> err[0] = Posix.stat(mountpoint) != null ? 0 : Posix.errno(), "probe-mountpoint");
        probe.setDaemon(true);
        probe.start();
        try {
            probe.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        if (probe.isAlive() || err[0] != Errno.ENOTCONN) return false;
        lazyUnmount(mountpoint);
        return !isMounted(mountpoint) || Posix.stat(mountpoint) != null;
    }

    /** Whether mountpoint is a FUSE mount in /proc/self/mountinfo. */
    static boolean isMounted(String mountpoint) {
        return findConnection(mountpoint) >= 0;
    }

    /** The minor device number of the FUSE mount at mountpoint (its /sys/fs/fuse/connections entry), or -1. */
    static int findConnection(String mountpoint) {
        try {
            int found = -1;
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), java.nio.charset.StandardCharsets.ISO_8859_1)) {
                String[] f = line.split(" ");
                if (f.length < 10 || !unescape(f[4]).equals(mountpoint)) continue;
                int dash = line.indexOf(" - ");
                if (dash < 0 || !line.substring(dash + 3).startsWith("fuse")) continue;
                String[] mm = f[2].split(":");
                found = Integer.parseInt(mm[1]);
            }
            return found;
        } catch (Exception e) {
            return -1;
        }
    }

    static String unescape(String s) {
        if (s.indexOf('\\') < 0) return s;
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** libc calls only the session loop needs. */
    interface Sys {
        Lib LIB = jnr.ffi.LibraryLoader.create(Lib.class).load("c");

        interface Lib {
            int fcntl(int fd, int cmd, int arg);

            long writev(int fd, long iov, int count);

            long pread(int fd, long buf, long count, long offset);
        }
    }

    public interface Umount {
        Lib LIB = jnr.ffi.LibraryLoader.create(Lib.class).load("c");

        public interface Lib {
            int umount2(@jnr.ffi.annotations.In byte[] target, int flags);
        }

        static int umount2(String target, int flags) {
            return LIB.umount2(Posix.path(target), flags);
        }
    }

    /** A mount that could not be made; the message says why. */
    public static final class MountException extends Exception {
        public MountException(String message) {
            super(message);
        }
    }
}
