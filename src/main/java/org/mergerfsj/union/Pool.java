package org.mergerfsj.union;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.mergerfsj.config.Config;
import org.mergerfsj.config.Func;
import org.mergerfsj.policy.Policies;
import org.mergerfsj.policy.Policy;

/**
 * The live pool: one immutable {@link Config} snapshot published atomically. An operation reads
 * {@link #config()} once and works on that snapshot, so a runtime change never shows it half a list.
 */
public final class Pool {
    private final AtomicReference<Config> config;
    private final SpaceCache space = new SpaceCache();
    private final List<Consumer<Config>> listeners = new CopyOnWriteArrayList<>();

    public Pool(Config initial) {
        this.config = new AtomicReference<>(initial);
        space.setTtlSeconds(initial.cacheStatfs());
    }

    public Config config() {
        return config.get();
    }

    /** Publishes a new snapshot; operations already running finish on the old one. */
    public void publish(Config next) {
        config.set(next);
        space.setTtlSeconds(next.cacheStatfs());
        for (Consumer<Config> l : listeners) l.accept(next);
    }

    public void onPublish(Consumer<Config> listener) {
        listeners.add(listener);
    }

    public SpaceCache space() {
        return space;
    }

    static Policy policy(Config c, Func f) {
        return Policies.byName(c.policy(f));
    }
}
