package org.mergerfsj.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.In;

/** Sends log events to syslog(3) (the journal on systemd machines) under the identifier mergerfs-j. */
public final class SyslogAppender extends AppenderBase<ILoggingEvent> {
    public interface Lib {
        void openlog(@In byte[] ident, int option, int facility);

        void syslog(int priority, @In byte[] format, @In byte[] message);
    }

    private static final Lib LIB = LibraryLoader.create(Lib.class).load("c");
    private static final byte[] IDENT = "mergerfs-j\0".getBytes();
    private static final byte[] FORMAT = "%s\0".getBytes();
    private static final int LOG_PID = 1, LOG_DAEMON = 3 << 3;

    @Override
    public void start() {
        LIB.openlog(IDENT, LOG_PID, LOG_DAEMON);
        super.start();
    }

    @Override
    protected void append(ILoggingEvent e) {
        String msg = e.getFormattedMessage();
        if (e.getThrowableProxy() != null) msg += "\n" + ThrowableProxyUtil.asString(e.getThrowableProxy());
        int prio = e.getLevel().isGreaterOrEqual(Level.ERROR) ? 3 : e.getLevel().isGreaterOrEqual(Level.WARN) ? 4
                : e.getLevel().isGreaterOrEqual(Level.INFO) ? 6 : 7;
        byte[] b = (msg + "\0").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        LIB.syslog(prio, FORMAT, b);
    }
}
