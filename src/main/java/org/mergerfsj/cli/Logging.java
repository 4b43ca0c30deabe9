package org.mergerfsj.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.LayoutBase;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * logback, configured in code (CLI-17): stderr in the foreground, syslog (identifier mergerfs-j) as a
 * daemon. Under systemd in the foreground (JOURNAL_STREAM set), stderr lines carry a {@code <N>} severity
 * prefix and no timestamp, so the journal records the right priority and only its own time.
 *
 * <p>Levels: ERROR and WARN for problems, INFO only for what an admin wants in the journal (mount,
 * unmount, runtime option changes, waits at start-up), DEBUG for details, TRACE for one line per FUSE
 * operation. The level is the {@code log.level} option, changeable at runtime through /.mergerfs.
 */
final class Logging {
    private Logging() {}

    static void configure(String level, boolean toStderr) {
        LoggerContext ctx = context();
        ctx.reset();
        ch.qos.logback.classic.Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        if (toStderr) {
            ConsoleAppender<ILoggingEvent> out = new ConsoleAppender<>();
            out.setContext(ctx);
            out.setTarget("System.err");
            out.setEncoder(System.getenv("JOURNAL_STREAM") != null ? journalEncoder(ctx) : plainEncoder(ctx));
            out.start();
            root.addAppender(out);
        } else {
            SyslogAppender sys = new SyslogAppender();
            sys.setContext(ctx);
            sys.start();
            root.addAppender(sys);
        }
        setLevel(level);
    }

    static void setLevel(String level) {
        Level l = Level.toLevel(level, Level.INFO);
        context().getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(l);
        org.mergerfsj.fuse.FuseFs.traceLevel(l.toInt() <= Level.TRACE_INT);
    }

    /**
     * logback's context. While another thread is still initialising slf4j (Startup.WarmUp touches classes
     * with loggers), slf4j hands out a stand-in factory instead, so wait for the real one.
     */
    static LoggerContext context() {
        ILoggerFactory f = LoggerFactory.getILoggerFactory();
        for (int i = 0; !(f instanceof LoggerContext) && i < 2000; i++) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            f = LoggerFactory.getILoggerFactory();
        }
        if (!(f instanceof LoggerContext)) throw new IllegalStateException("slf4j is not bound to logback: " + f);
        return (LoggerContext) f;
    }

    private static Encoder<ILoggingEvent> plainEncoder(LoggerContext ctx) {
        PatternLayoutEncoder enc = new PatternLayoutEncoder();
        enc.setContext(ctx);
        enc.setPattern("%d{HH:mm:ss.SSS} %-5level mergerfs-j: %msg%n");
        enc.start();
        return enc;
    }

    private static Encoder<ILoggingEvent> journalEncoder(LoggerContext ctx) {
        JournalLayout layout = new JournalLayout();
        layout.setContext(ctx);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> enc = new LayoutWrappingEncoder<>();
        enc.setContext(ctx);
        enc.setLayout(layout);
        enc.start();
        return enc;
    }

    /** {@code <severity>message}: the prefix journald (SyslogLevelPrefix=yes) turns into the priority. */
    static final class JournalLayout extends LayoutBase<ILoggingEvent> {
        @Override
        public String doLayout(ILoggingEvent e) {
            String msg = e.getFormattedMessage();
            if (e.getThrowableProxy() != null) msg += " " + ThrowableProxyUtil.asString(e.getThrowableProxy()).replace('\n', ' ');
            return "<" + SyslogAppender.severity(e.getLevel()) + ">" + msg.replace('\n', ' ') + "\n";
        }
    }
}
