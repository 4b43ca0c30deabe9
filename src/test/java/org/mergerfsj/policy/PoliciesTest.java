package org.mergerfsj.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The registry: names, lookups, path-preservation. */
class PoliciesTest {
    private static final Set<String> PATH_PRESERVING = Set.of(
            "epall", "epff", "eplfs", "eplus", "epmfs", "eppfrd", "eprand", "msplfs", "msplus", "mspmfs", "msppfrd");

    @Test
    void thereAreTwentyOneSortedNames() {
        List<String> names = Policies.names();
        assertEquals(21, names.size());
        assertEquals(new ArrayList<>(new TreeSet<>(names)), names);
        assertThrows(UnsupportedOperationException.class, () -> names.add("x"));
    }

    @Test
    void everyNameResolvesToASharedPolicyOfThatName() {
        for (String name : Policies.names()) {
            Policy policy = Policies.byName(name);
            assertNotNull(policy, name);
            assertEquals(name, policy.name());
            assertSame(policy, Policies.byName(name));
            Policy seeded = Policies.byName(name, new SplittableRandom(1));
            assertEquals(name, seeded.name());
            assertEquals(policy.pathPreserving(), seeded.pathPreserving());
        }
    }

    @Test
    void namesAreCaseSensitiveAndUnknownNamesAreNull() {
        assertNull(Policies.byName("Epmfs"));
        assertNull(Policies.byName(""));
        assertNull(Policies.byName(null));
        assertNull(Policies.byName("eplup"));
        assertNull(Policies.byName("bogus", new SplittableRandom(1)));
        assertFalse(Policies.isPathPreserving("bogus"));
        assertFalse(Policies.isPathPreserving(null));
    }

    @Test
    void exactlyTheEpAndMspFamiliesArePathPreserving() {
        for (String name : Policies.names()) {
            assertEquals(PATH_PRESERVING.contains(name), Policies.isPathPreserving(name), name);
            assertEquals(PATH_PRESERVING.contains(name), Policies.byName(name).pathPreserving(), name);
        }
    }
}
