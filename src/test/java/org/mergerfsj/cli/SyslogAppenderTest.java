package org.mergerfsj.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import ch.qos.logback.classic.Level;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import org.junit.jupiter.api.Test;

/** The datagram syslog(3) would send, and the socket addresses (the end-to-end check is python_tests/test_daemon.py). */
class SyslogAppenderTest {
    private static String line(Level l, String msg) {
        return new String(SyslogAppender.format(l, LocalDateTime.of(2024, 3, 5, 7, 8, 9), 42, msg), StandardCharsets.UTF_8);
    }

    @Test
    void priorityIsFacilityDaemonPlusSeverity() {
        assertEquals("<27>Mar  5 07:08:09 mergerfs-j[42]: boom", line(Level.ERROR, "boom"));
        assertEquals("<28>Mar  5 07:08:09 mergerfs-j[42]: hm", line(Level.WARN, "hm"));
        assertEquals("<30>Mar  5 07:08:09 mergerfs-j[42]: mounted", line(Level.INFO, "mounted"));
        assertEquals("<31>Mar  5 07:08:09 mergerfs-j[42]: x", line(Level.DEBUG, "x"));
        assertEquals("<31>Mar  5 07:08:09 mergerfs-j[42]: y", line(Level.TRACE, "y"));
    }

    @Test
    void twoDigitDaysAreNotPadded() {
        String s = new String(SyslogAppender.format(Level.INFO, LocalDateTime.of(2024, 12, 25, 23, 0, 0), 1, "m"),
                StandardCharsets.UTF_8);
        assertEquals("<30>Dec 25 23:00:00 mergerfs-j[1]: m", s);
    }

    @Test
    void hugeMessagesAreCut() {
        byte[] b = SyslogAppender.format(Level.INFO, LocalDateTime.now(), 1, "x".repeat(200_000));
        assertEquals(60 * 1024, b.length);
    }

    @Test
    void pathAndAbstractAddresses() {
        assertArrayEquals(new byte[] {1, 0, '/', 'a', 0}, SyslogAppender.UnixDatagram.address("/a"));
        assertArrayEquals(new byte[] {1, 0, 0, 'n', 's'}, SyslogAppender.UnixDatagram.address("@ns"));
        assertNull(SyslogAppender.UnixDatagram.address("/" + "x".repeat(120)));
        assertNull(SyslogAppender.UnixDatagram.address(""));
    }

    @Test
    void sendingToNoSocketFailsQuietly() {
        assertFalse(SyslogAppender.UnixDatagram.send("/nonexistent/mergerfs-j-test.sock", "x".getBytes()));
    }
}
