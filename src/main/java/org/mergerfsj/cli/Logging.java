package org.mergerfsj.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import org.slf4j.LoggerFactory;

/** logback, configured in code: stderr in the foreground, syslog (identifier mergerfs-j) as a daemon. */
final class Logging {
    private Logging() {}

    static void configure(String level, boolean toStderr) {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ctx.reset();
        ch.qos.logback.classic.Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        if (toStderr) {
            PatternLayoutEncoder enc = new PatternLayoutEncoder();
            enc.setContext(ctx);
            enc.setPattern("%d{HH:mm:ss.SSS} %-5level mergerfs-j: %msg%n");
            enc.start();
            ConsoleAppender<ILoggingEvent> out = new ConsoleAppender<>();
            out.setContext(ctx);
            out.setTarget("System.err");
            out.setEncoder(enc);
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
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(Level.toLevel(level, Level.INFO));
    }
}
