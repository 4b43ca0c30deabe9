package org.mergerfsj.branch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;
import org.mergerfsj.config.BadValueException;

class SizesTest {
    @Test
    void parsesDigitsAndSuffixes() throws Exception {
        assertEquals(0, Sizes.parse(""));
        assertEquals(0, Sizes.parse("0"));
        assertEquals(4294967295L, Sizes.parse("4294967295"));
        assertEquals(2048, Sizes.parse("2K"));
        assertEquals(2048, Sizes.parse("2k"));
        assertEquals(10485760, Sizes.parse("10M"));
        assertEquals(10485760, Sizes.parse("10m"));
        assertEquals(1L << 30, Sizes.parse("1G"));
        assertEquals(3L << 40, Sizes.parse("3t"));
        assertEquals(Long.MAX_VALUE, Sizes.parse(Long.toString(Long.MAX_VALUE)));
    }

    @Test
    void rejectsEverythingElse() {
        for (String bad : new String[] {"xyz", "abc", "K", "1P", "1B", "1KB", "10 M", "-1", "+1", " 1", "1.5G", "1K2",
                "9223372036854775808", "9999999T"}) {
            BadValueException e = assertThrows(BadValueException.class, () -> Sizes.parse(bad), bad);
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
    }

    @Test
    void humanizesExactMultiplesOnly() {
        assertEquals("0", Sizes.humanize(0));
        assertEquals("512", Sizes.humanize(512));
        assertEquals("1K", Sizes.humanize(1024));
        assertEquals("1536", Sizes.humanize(1536));
        assertEquals("1025", Sizes.humanize(1025));
        assertEquals("1M", Sizes.humanize(1 << 20));
        assertEquals("1G", Sizes.humanize(1L << 30));
        assertEquals("1025G", Sizes.humanize(1025L << 30));
        assertEquals("2T", Sizes.humanize(2L << 40));
        assertEquals("4294967295", Sizes.humanize(4294967295L));
    }

    @Property
    void humanizeRoundTrips(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long n) throws Exception {
        assertEquals(n, Sizes.parse(Sizes.humanize(n)));
    }

    @Property
    void suffixesMultiply(@ForAll @LongRange(min = 0, max = 1L << 22) long n) throws Exception {
        assertEquals(n * Sizes.T, Sizes.parse(n + "T"));
        assertEquals(n * Sizes.K, Sizes.parse(n + "k"));
        assertEquals(n * Sizes.K, Sizes.parse(Sizes.humanize(n * Sizes.K)));
    }
}
