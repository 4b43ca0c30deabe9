package org.mergerfsj.bench;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;
import org.mergerfsj.config.InodeCalc;

/**
 * Method handles on the package-private hot-path helpers of {@code org.mergerfsj.union} ({@code Paths},
 * {@code Inodes}), which the benchmarks cannot call directly from this package and which the brief keeps
 * unchanged. The handles are {@code static final}, so the JIT treats them as constants and inlines through
 * them (C1 and C2 both do); {@link InodeBench#baselineFold32} measures what is left of the indirection.
 */
final class Internals {
    private Internals() {}

    static final MethodHandle PATHS_PARENT = find("org.mergerfsj.union.Paths", "parent", String.class);
    static final MethodHandle PATHS_NAME = find("org.mergerfsj.union.Paths", "name", String.class);
    static final MethodHandle PATHS_CHILD = find("org.mergerfsj.union.Paths", "child", String.class, String.class);
    static final MethodHandle INODES_CALC = find("org.mergerfsj.union.Inodes", "calc",
            InodeCalc.class, String.class, int.class, long.class, long.class);
    static final MethodHandle INODES_FOLD32 = find("org.mergerfsj.union.Inodes", "fold32", long.class);

    private static MethodHandle find(String cls, String name, Class<?>... types) {
        try {
            Method m = Class.forName(cls).getDeclaredMethod(name, types);
            m.setAccessible(true);
            return MethodHandles.lookup().unreflect(m);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
