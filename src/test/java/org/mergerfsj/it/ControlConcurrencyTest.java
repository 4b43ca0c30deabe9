package org.mergerfsj.it;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.mergerfsj.posix.Posix;

/**
 * Runtime changes under load: writers create, rename and read files and a reader lists and reads while
 * another thread keeps changing category.create, minfreespace and the branch list. Nothing may fail that a
 * static pool would not fail, and every file must end up exactly once on a branch.
 */
class ControlConcurrencyTest {
    static final int WRITERS = 3, CHANGES = 150, MIN_ROUNDS = 20, MAX_ROUNDS = 2000;
    static final String[] CREATE = {"ff", "mfs", "epmfs", "lfs", "pfrd", "rand", "eplfs", "epff", "lus", "eprand"};
    static final String[] MINFREE = {"0", "1K", "64K", "1M"};

    @Test
    void readersAndWritersDuringPolicyAndBranchChanges() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            try (TestPool p = new TestPool(3)) {
                String ctl = p.pool(".mergerfs").toString();
                // an extra NC branch that comes and goes: it takes no new files, so nothing can vanish with it
                Path extra = Files.createDirectory(p.root.resolve("x4"));
                Files.writeString(extra.resolve("static"), "s");
                String base = new String(Posix.lgetxattr(ctl, "user.mergerfs.branches"), StandardCharsets.ISO_8859_1);
                Set<String> validLists = Set.of(base, base + ":" + extra + "=NC");
                for (int t = 0; t < WRITERS; t++) Files.createDirectory(p.pool("w" + t));

                List<String> errors = Collections.synchronizedList(new ArrayList<>());
                AtomicBoolean changerDone = new AtomicBoolean();
                AtomicBoolean writersDone = new AtomicBoolean();
                int[] rounds = new int[WRITERS];
                AtomicInteger changesUnderLoad = new AtomicInteger();
                AtomicInteger writersRunning = new AtomicInteger(WRITERS);

                List<Thread> writers = new ArrayList<>();
                for (int t = 0; t < WRITERS; t++) {
                    final int id = t;
                    writers.add(new Thread(() -> {
                        int i = 0;
                        try {
                            for (; i < MAX_ROUNDS && (!changerDone.get() || i < MIN_ROUNDS); i++) {
                                String content = id + "-" + i;
                                Path f = p.pool("w" + id + "/f" + i), g = p.pool("w" + id + "/g" + i);
                                Files.writeString(f, content);
                                Files.move(f, g);
                                assertEquals(content, Files.readString(g), "read back " + g);
                                if (i % 10 == 0) {
                                    Path d = Files.createDirectory(p.pool("w" + id + "/d" + i));
                                    Files.writeString(d.resolve("h"), content);
                                }
                            }
                        } catch (Throwable e) {
                            errors.add("writer " + id + " round " + i + ": " + e);
                        } finally {
                            rounds[id] = i;
                            writersRunning.decrementAndGet();
                        }
                    }, "writer-" + t));
                }
                Thread reader = new Thread(() -> {
                    try {
                        while (!writersDone.get()) {
                            String list = new String(Posix.lgetxattr(ctl, "user.mergerfs.branches"), StandardCharsets.ISO_8859_1);
                            if (!validLists.contains(list)) errors.add("half-built branch list: " + list);
                            for (int t = 0; t < WRITERS; t++) {
                                try (DirectoryStream<Path> ds = Files.newDirectoryStream(p.pool("w" + t), "g*")) {
                                    for (Path g : ds) {
                                        String name = g.getFileName().toString();
                                        String want = t + "-" + name.substring(1);
                                        String got = Files.readString(g);
                                        if (!want.equals(got)) errors.add("reader: " + g + " has '" + got + "'");
                                    }
                                }
                            }
                        }
                    } catch (Throwable e) {
                        errors.add("reader: " + e);
                    }
                }, "reader");
                Thread changer = new Thread(() -> {
                    try {
                        for (int n = 0; n < CHANGES; n++) {
                            String key, value;
                            switch (n % 4) {
                                case 0: key = "category.create"; value = CREATE[(n / 4) % CREATE.length]; break;
                                case 1: key = "minfreespace"; value = MINFREE[(n / 4) % MINFREE.length]; break;
                                case 2: key = "branches"; value = "+>" + extra + "=NC"; break;
                                default: key = "branches"; value = "-" + extra; break;
                            }
                            int r = Posix.lsetxattr(ctl, "user.mergerfs." + key, value.getBytes(StandardCharsets.ISO_8859_1), 0);
                            if (r != 0) errors.add("set " + key + "=" + value + ": " + Posix.strerror(-r));
                            if (writersRunning.get() == WRITERS) changesUnderLoad.incrementAndGet();
                        }
                    } finally {
                        changerDone.set(true);
                    }
                }, "changer");

                writers.forEach(Thread::start);
                reader.start();
                changer.start();
                changer.join();
                for (Thread w : writers) w.join();
                writersDone.set(true);
                reader.join();

                assertEquals(List.of(), errors);
                assertTrue(changesUnderLoad.get() >= CHANGES / 2, "changes while all writers ran: " + changesUnderLoad.get());
                // every file exactly once, on one of the three RW branches, never on the NC one
                for (int t = 0; t < WRITERS; t++) {
                    assertTrue(rounds[t] >= MIN_ROUNDS, "writer " + t + " rounds " + rounds[t]);
                    for (int i = 0; i < rounds[t]; i++) {
                        String rel = "w" + t + "/g" + i;
                        int copies = 0;
                        for (Path b : p.branches) {
                            if (Files.exists(b.resolve(rel))) {
                                copies++;
                                assertEquals(t + "-" + i, Files.readString(b.resolve(rel)), rel);
                            }
                            assertFalse(Files.exists(b.resolve("w" + t + "/f" + i)), "renamed away: f" + i);
                        }
                        assertEquals(1, copies, rel + " copies");
                        if (i % 10 == 0) assertEquals(t + "-" + i, Files.readString(p.pool("w" + t + "/d" + i + "/h")));
                    }
                }
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(extra)) {
                    List<String> names = new ArrayList<>();
                    for (Path x : ds) names.add(x.getFileName().toString());
                    assertEquals(List.of("static"), names, "the NC branch took nothing");
                }
            }
        });
    }
}
