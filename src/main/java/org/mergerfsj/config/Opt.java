package org.mergerfsj.config;

import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One mergerfs option in the registry: its canonical 2.33.5 key, how to parse it into a
 * {@link Config.Builder}, how to render it from a {@link Config}, and where it may be set.
 */
final class Opt {
    /** Parses a value into the builder; {@code warn} receives non-fatal notes (e.g. a clamped value). */
    interface Setter {
        void set(Config.Builder b, String value, Consumer<String> warn) throws BadValueException;
    }

    /** Where an option lives. */
    enum Scope {
        /** A control-file key that can be changed while mounted. */
        RUNTIME_RW,
        /** A control-file key that is read-only while mounted (CTL-07) but settable at mount time. */
        RUNTIME_RO,
        /** A control-file key nobody can set (pid, version, mount). */
        FIXED,
        /** Only meaningful at mount time; not a control-file key. */
        MOUNT_ONLY
    }

    final String key;
    final Scope scope;
    final String type;
    final String dflt;
    final String help;
    final String bare;
    final Setter setter;
    final Function<Config, String> getter;

    Opt(String key, Scope scope, String type, String dflt, String help, String bare, Setter setter,
            Function<Config, String> getter) {
        this.key = key;
        this.scope = scope;
        this.type = type;
        this.dflt = dflt;
        this.help = help;
        this.bare = bare;
        this.setter = setter;
        this.getter = getter;
    }

    boolean runtimeKey() {
        return scope != Scope.MOUNT_ONLY;
    }

    /** Settable from -o (and, unless read-only at runtime, from a config file). */
    boolean settable() {
        return setter != null;
    }

    /** Allowed in a config= file: 2.33.5 rejects the runtime read-only keys there (CLI-11). */
    boolean allowedInFile() {
        return setter != null && scope != Scope.RUNTIME_RO && scope != Scope.FIXED;
    }

    /** Keys compare after mapping '_' to '-', so both the 2.33.5 and the newer spellings work (CTL-22). */
    static String normalize(String key) {
        return key.replace('_', '-');
    }
}
