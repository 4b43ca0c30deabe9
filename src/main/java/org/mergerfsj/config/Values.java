package org.mergerfsj.config;

import java.util.List;
import org.mergerfsj.branch.Sizes;

/**
 * Parsers for the option value types of section 2 (BOOL, UINT64/SIZE, INT, POLICY, enums). Each throws
 * {@link BadValueException} with a reason that does not repeat the key; callers add the item.
 */
final class Values {
    private Values() {}

    /** The 21 policy names (20 of 2.33.5 plus {@code lup} from 2.42), in the order the docs list them. */
    static final List<String> POLICIES = List.of("ff", "epff", "mfs", "epmfs", "lfs", "eplfs", "lus", "eplus",
            "lup", "pfrd", "eppfrd", "rand", "eprand", "all", "epall", "newest", "mspmfs", "msplfs", "msplus",
            "msppfrd", "erofs");

    static final List<String> LOG_LEVELS = List.of("trace", "debug", "info", "warn", "error", "off");

    static boolean bool(String s) throws BadValueException {
        switch (s) {
            case "true": case "1": case "on": case "yes": return true;
            case "false": case "0": case "off": case "no": return false;
            default: throw new BadValueException("'" + s + "' is not a boolean (expected true or false)");
        }
    }

    static String bool(boolean b) {
        return b ? "true" : "false";
    }

    /** Unsigned 64-bit value with the size syntax (2.33.5 parses every u64 option that way). */
    static long u64(String s) throws BadValueException {
        return Sizes.parse(s);
    }

    /** A signed decimal int, as strtol would accept it once trimmed. */
    static int int32(String s) throws BadValueException {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new BadValueException("'" + s + "' is not an integer");
        }
    }

    /** A policy name (case-sensitive, POL-43); unknown names are rejected instead of crashing later (QUIRK-01). */
    static String policy(String s) throws BadValueException {
        if (POLICIES.contains(s)) return s;
        throw new BadValueException("unknown policy '" + s + "' (expected one of " + String.join(", ", POLICIES) + ")");
    }

    static String logLevel(String s) throws BadValueException {
        if (LOG_LEVELS.contains(s)) return s;
        throw new BadValueException("'" + s + "' is not a log level (expected one of " + String.join(", ", LOG_LEVELS) + ")");
    }

    /**
     * The spelling of an option value enum's constant on the command line and in the control file: its
     * name in lower case with '-' for '_' (AUTO_FULL is auto-full), as every such value of mergerfs reads.
     */
    static String spelling(Enum<?> e) {
        return e.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    /** The constant of values spelled exactly (case-sensitive) s. */
    static <E extends Enum<E>> E parseEnum(E[] values, String s) throws BadValueException {
        StringBuilder names = new StringBuilder();
        for (E e : values) {
            if (e.toString().equals(s)) return e;
            if (names.length() > 0) names.append(", ");
            names.append(e);
        }
        throw new BadValueException("'" + s + "' is not one of " + names);
    }

    /** Trims the characters C's isspace() accepts, as mergerfs' str::trim does. */
    static String trim(String s) {
        int b = 0, e = s.length();
        while (b < e && isSpace(s.charAt(b))) b++;
        while (e > b && isSpace(s.charAt(e - 1))) e--;
        return s.substring(b, e);
    }

    private static boolean isSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }
}
