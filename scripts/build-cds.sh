#!/bin/sh
# Builds an AppCDS archive next to the jar (target/mergerfs-j.jsa, or JAR's .jsa) from one training run:
# mount a throw-away pool in a temp dir, touch it the way a boot does, unmount. The launcher uses the
# archive when it is newer than the jar. The archive names the jar by path and checks its size and
# time, so build it against the jar that will run (install.sh does this for the installed jar).
#
# usage: scripts/build-cds.sh [JAR]      (needs root or user FUSE mounts, and fusermount)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
jar=${1:-$here/target/mergerfs-j.jar}
launcher=${MERGERFSJ_LAUNCHER:-$here/bin/mergerfs-j}
case $jar in /*) ;; *) jar=$(pwd)/$jar ;; esac
[ -f "$jar" ] || { echo "build-cds: no jar at $jar (run mvn -q package -DskipTests)" >&2; exit 1; }
jsa=${jar%.jar}.jsa

work=$(mktemp -d "${TMPDIR:-/tmp}/mergerfs-j-cds.XXXXXX")
mnt=$work/mnt
cleanup() {
  if grep -q " $mnt " /proc/mounts 2>/dev/null; then fusermount -uz "$mnt" 2>/dev/null || umount -l "$mnt"; fi
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/b1" "$work/b2" "$mnt"
rm -f "$jsa" "$work/new.jsa"

# Foreground run in the background, so the JVM that dumps is ours to wait for.
MERGERFSJ_JAR=$jar MERGERFSJ_JAVA_OPTS="-XX:ArchiveClassesAtExit=$work/new.jsa -Xlog:cds=off -Xlog:cds+dynamic=off" \
  "$launcher" -f -o category.create=mfs "$work/b1:$work/b2" "$mnt" >"$work/log" 2>&1 &
pid=$!
n=0
until grep -q " $mnt " /proc/mounts 2>/dev/null; do
  n=$((n + 1))
  if [ $n -gt 600 ] || ! kill -0 $pid 2>/dev/null; then
    echo "build-cds: the training mount did not come up:" >&2; cat "$work/log" >&2
    kill $pid 2>/dev/null || true
    exit 1
  fi
  sleep 0.1
done
# What a boot and a first look do: stat, list, create, write, read, rename, xattrs, control file.
timeout 60 sh -c '
  m=$1
  ls -la "$m" >/dev/null
  mkdir -p "$m/d/e"
  echo hello > "$m/d/f"; cat "$m/d/f" >/dev/null
  mv "$m/d/f" "$m/d/g"; ln -s g "$m/d/l"; readlink "$m/d/l" >/dev/null
  getfattr -d -m - "$m/.mergerfs" >/dev/null 2>&1 || true
  setfattr -n user.mergerfs.category.create -v epmfs "$m/.mergerfs" 2>/dev/null || true
  df "$m" >/dev/null
  rm -rf "$m/d"
' sh "$mnt"
kill -TERM $pid
wait $pid || true
if [ ! -s "$work/new.jsa" ]; then
  echo "build-cds: the JVM wrote no archive:" >&2; cat "$work/log" >&2
  exit 1
fi
mv "$work/new.jsa" "$jsa"
touch "$jsa"
echo "build-cds: wrote $jsa ($(du -k "$jsa" | cut -f1) KiB)"
