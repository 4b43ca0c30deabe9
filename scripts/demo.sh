#!/usr/bin/env bash
# Builds mergerfs-j, pools two demo branches under /tmp/mergerfs-j-demo, shows where files land and what
# the control file says, then (unless --keep) unmounts. Needs root for the FUSE mount with allow_other.
set -eu
cd "$(dirname "$0")/.."
keep=0; [ "${1:-}" = --keep ] && keep=1
bash scripts/install-deps.sh
[ -f target/mergerfs-j.jar ] || mvn -B -q package -DskipTests
demo=/tmp/mergerfs-j-demo
mkdir -p "$demo/disk1" "$demo/disk2" "$demo/pool"
if grep -q " $demo/pool " /proc/mounts; then fusermount -uz "$demo/pool"; fi
echo "old file on disk1" > "$demo/disk1/from-disk1.txt"
echo "old file on disk2" > "$demo/disk2/from-disk2.txt"
set -x
bin/mergerfs-j -o category.create=mfs "$demo/pool" "$demo/disk1:$demo/disk2"
ls -l "$demo/pool"
echo "new" > "$demo/pool/new.txt"
ls "$demo/disk1" "$demo/disk2"
getfattr -n user.mergerfs.branches "$demo/pool/.mergerfs"
getfattr -n user.mergerfs.fullpath "$demo/pool/new.txt"
df -h "$demo/pool"
set +x
if [ $keep = 1 ]; then
  echo "pool left mounted at $demo/pool; stop it with: fusermount -u $demo/pool"
else
  fusermount -u "$demo/pool"
  echo "unmounted $demo/pool"
fi
