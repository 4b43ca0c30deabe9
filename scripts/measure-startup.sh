#!/bin/sh
# Mount-ready time of the launcher: from starting `mergerfs-j BRANCHES MNT` to its return (it returns only
# once the pool answers), N runs each with and without the AppCDS archive; prints every run and the median.
#
# usage: scripts/measure-startup.sh [N]     (root; uses a temp dir; docs/performance-startup.md has results)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-10}
launcher=$here/bin/mergerfs-j
jar=${MERGERFSJ_JAR:-$here/target/mergerfs-j.jar}
jsa=${jar%.jar}.jsa
work=$(mktemp -d "${TMPDIR:-/tmp}/mergerfs-j-startup.XXXXXX")
mnt=$work/mnt
cleanup() {
  if grep -q " $mnt " /proc/mounts 2>/dev/null; then fusermount -uz "$mnt" 2>/dev/null || true; fi
  [ -f "$work/jsa.off" ] && mv "$work/jsa.off" "$jsa"
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/b1" "$work/b2" "$mnt"

now_ms() { date +%s%3N; }

one() {
  t0=$(now_ms)
  MERGERFSJ_JAR=$jar "$launcher" "$work/b1:$work/b2" "$mnt"
  t1=$(now_ms)
  pid=$(getfattr --only-values -n user.mergerfs.pid "$mnt/.mergerfs" 2>/dev/null || true)
  # CPU the daemon used to get there (utime + stime, in clock ticks): independent of other load
  cpu=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)
  fusermount -u "$mnt"
  # wait for the daemon to be gone so runs do not overlap
  i=0
  while [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
  echo "$((t1 - t0)) $((cpu * 1000 / hz))"
}
hz=$(getconf CLK_TCK)

series() {
  label=$1
  : > "$work/times"
  k=0
  while [ $k -lt "$n" ]; do one >> "$work/times"; k=$((k + 1)); done
  med=$(cut -d' ' -f1 "$work/times" | sort -n | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print int((a[NR/2]+a[NR/2+1])/2)}')
  cpu=$(cut -d' ' -f2 "$work/times" | sort -n | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print int((a[NR/2]+a[NR/2+1])/2)}')
  echo "$label: median ${med} ms to mount-ready, daemon CPU ${cpu} ms  (ms: $(cut -d' ' -f1 "$work/times" | tr '\n' ' '))"
}

[ -f "$jsa" ] || { echo "no archive at $jsa: run scripts/build-cds.sh first" >&2; exit 1; }
touch "$jsa"
series "with AppCDS   "
mv "$jsa" "$work/jsa.off"
series "without AppCDS"
mv "$work/jsa.off" "$jsa"
touch "$jsa"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); cores: $(nproc)"
