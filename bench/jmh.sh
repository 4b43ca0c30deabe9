#!/usr/bin/env bash
# JMH microbenchmarks of the hot paths (policy selection, path resolution, inode hashing); sources in
# src/test/java/org/mergerfsj/bench, description and results in docs/performance-jmh.md.
#
#   bash bench/jmh.sh                                  # everything (~100 benchmarks), short settings, ~9 min of one core
#   bash bench/jmh.sh 'PolicyBench.search' -p branches=8
#   bash bench/jmh.sh -f 1 -wi 2 -i 3 -w 1s -r 1s      # any JMH option (java -jar jmh.jar -h lists them)
#
# Writes the result table to docs/bench/jmh-<date>.txt (JMH_OUT=file to change, JMH_FORMAT=json for
# json) and the full log to target/jmh.log. The forked JVMs get the daemon launcher's flags (C1 only,
# serial GC, small heap, ISO-8859-1: see bin/mergerfs-j) so the numbers are those of the daemon;
# JMH_JVM_FLAGS='' gives a default JVM (C2), or pass -jvmArgs yourself. BENCH_DIR (default: java's
# tmpdir, /tmp) is where the branch directories are made; the filesystem type matters for lstat/statvfs.
# Maven runs offline when ~/.m2 already has everything (MVN_FLAGS=-o), else online.
set -euo pipefail
cd "$(dirname "$0")/.."

prod_flags="-Xss512k -Xms8m -Xmx192m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Dfile.encoding=ISO-8859-1 -Dsun.jnu.encoding=ISO-8859-1 --add-opens=java.base/java.lang=ALL-UNNAMED"
jvm_flags=${JMH_JVM_FLAGS-$prod_flags}
format=${JMH_FORMAT:-text}
ext=txt; [ "$format" = json ] && ext=json
out=${JMH_OUT:-docs/bench/jmh-$(date +%F).$ext}
mvn_flags=${MVN_FLAGS:-}

mvn -B -q $mvn_flags -DskipTests test-compile
if [ ! -s target/jmh-classpath.txt ] || [ pom.xml -nt target/jmh-classpath.txt ]; then
  mvn -B -q $mvn_flags dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/jmh-classpath.txt >/dev/null
fi
if [ ! -s target/test-classes/META-INF/BenchmarkList ]; then
  echo "bench/jmh.sh: no target/test-classes/META-INF/BenchmarkList: the JMH annotation processor did not run" >&2
  exit 1
fi
cp="target/test-classes:target/classes:$(cat target/jmh-classpath.txt)"

bench_dir=()
[ -n "${BENCH_DIR:-}" ] && bench_dir=("-Dbench.dir=$BENCH_DIR")
mkdir -p "$(dirname "$out")"
jmh_args=(-rf "$format" -rff "$out")
[ -n "$jvm_flags" ] && jmh_args+=(-jvmArgsPrepend "$jvm_flags")
# The forks also inherit the host JVM's own flags (-Dbench.dir) unless -jvmArgs is given.
java "${bench_dir[@]}" -cp "$cp" org.openjdk.jmh.Main "${jmh_args[@]}" "$@" 2>&1 | tee target/jmh.log
echo "results: $out (log: target/jmh.log)"
