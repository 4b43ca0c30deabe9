package org.mergerfsj.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.In;

/**
 * Sends log events to the local syslog socket (/dev/log; journald owns it on systemd machines) under the
 * identifier mergerfs-j, in the datagram format syslog(3) uses. Written by hand rather than through
 * syslog(3) so the socket can be pointed elsewhere ({@code MERGERFSJ_SYSLOG_SOCKET}), which is how the
 * tests read what the daemon logs. A message that cannot be delivered (no syslog daemon) is dropped: the
 * daemon has nowhere else to write once detached.
 */
public final class SyslogAppender extends AppenderBase<ILoggingEvent> {
    static final String IDENT = "mergerfs-j";
    private static final int LOG_DAEMON = 3 << 3;
    private static final int MAX_MESSAGE = 60 * 1024;
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("MMM ppd HH:mm:ss", Locale.ROOT);

    private String socketPath = defaultSocket();
    private final long pid = ProcessHandle.current().pid();
    private byte[] address;
    private int fd = -1;

    static String defaultSocket() {
        String s = System.getenv("MERGERFSJ_SYSLOG_SOCKET");
        return s == null || s.isEmpty() ? "/dev/log" : s;
    }

    public void setSocketPath(String path) {
        this.socketPath = path;
    }

    @Override
    public void start() {
        address = UnixDatagram.address(socketPath);
        fd = UnixDatagram.open();
        super.start();
    }

    @Override
    public void stop() {
        super.stop();
        if (fd >= 0) UnixDatagram.close(fd);
        fd = -1;
    }

    /** Called under the appender's lock (AppenderBase.doAppend is synchronized). */
    @Override
    protected void append(ILoggingEvent e) {
        if (fd < 0 || address == null) return;
        String msg = e.getFormattedMessage();
        if (e.getThrowableProxy() != null) msg += "\n" + ThrowableProxyUtil.asString(e.getThrowableProxy());
        UnixDatagram.sendTo(fd, address, format(e.getLevel(), LocalDateTime.now(), pid, msg));
    }

    /** {@code <PRI>Mmm dd hh:mm:ss mergerfs-j[PID]: message}, facility daemon, as syslog(3) would send it. */
    static byte[] format(Level level, LocalDateTime when, long pid, String msg) {
        String head = "<" + (LOG_DAEMON + severity(level)) + ">" + STAMP.format(when) + " " + IDENT + "[" + pid + "]: ";
        byte[] b = (head + msg).getBytes(StandardCharsets.UTF_8);
        if (b.length <= MAX_MESSAGE) return b;
        return java.util.Arrays.copyOf(b, MAX_MESSAGE);
    }

    /** syslog severities: err 3, warning 4, info 6, debug 7 (debug and trace). */
    static int severity(Level l) {
        if (l.isGreaterOrEqual(Level.ERROR)) return 3;
        if (l.isGreaterOrEqual(Level.WARN)) return 4;
        if (l.isGreaterOrEqual(Level.INFO)) return 6;
        return 7;
    }

    /**
     * One datagram to a unix socket (a path, or an abstract name written {@code @name} as systemd does in
     * NOTIFY_SOCKET). The JDK has no unix datagram sockets, so this goes through libc.
     */
    static final class UnixDatagram {
        private UnixDatagram() {}

        public interface Lib {
            int socket(int domain, int type, int protocol);

            long sendto(int fd, @In byte[] buf, long len, int flags, @In byte[] addr, int addrlen);

            int close(int fd);
        }

        private static final int AF_UNIX = 1, SOCK_DGRAM = 2, SOCK_CLOEXEC = 02000000, MSG_NOSIGNAL = 0x4000;
        private static final int SUN_PATH = 108;
        private static volatile Lib lib;

        private static Lib lib() {
            Lib l = lib;
            if (l == null) lib = l = LibraryLoader.create(Lib.class).load("c");
            return l;
        }

        /** Sends {@code data} once; false when the socket is missing, refuses, or the address is too long. */
        static boolean send(String socket, byte[] data) {
            byte[] addr = address(socket);
            if (addr == null) return false;
            int fd = open();
            if (fd < 0) return false;
            try {
                return sendTo(fd, addr, data);
            } finally {
                close(fd);
            }
        }

        /** Loads the libc bindings ahead of the first message (Startup.warmUp). */
        static void load() {
            lib();
        }

        /** An unbound, unconnected datagram socket (each send names its target), or -1. */
        static int open() {
            return lib().socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        }

        static boolean sendTo(int fd, byte[] addr, byte[] data) {
            return lib().sendto(fd, data, data.length, MSG_NOSIGNAL, addr, addr.length) == data.length;
        }

        static void close(int fd) {
            lib().close(fd);
        }

        /** struct sockaddr_un for a path or {@code @abstract} name, trimmed to its used length; null if too long. */
        static byte[] address(String socket) {
            boolean abstractName = socket.startsWith("@");
            byte[] name = socket.getBytes(StandardCharsets.ISO_8859_1);
            int used = abstractName ? name.length : name.length + 1; // abstract: '\0' replaces '@', no terminator
            if (used > SUN_PATH || name.length == 0) return null;
            byte[] addr = new byte[2 + used];
            addr[0] = AF_UNIX; // sa_family_t, little-endian
            System.arraycopy(name, 0, addr, 2, name.length);
            if (abstractName) addr[2] = 0;
            return addr;
        }
    }
}
