package org.mergerfsj.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The run settings every benchmark class here shares (JMH's class annotations are inherited): average
 * time per call in nanoseconds, one fork, 2 x 1 s warmup, 3 x 1 s measurement. Options given to
 * {@code bench/jmh.sh} ({@code -f}, {@code -wi}, {@code -i}, ...) override them.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public abstract class BenchDefaults {
}
