#!/usr/bin/env bash
# Runs ../shared/bench/unionbench.sh with mergerfs-j, mergerfs 2.33.5 and unionfs-fuse side by side
# (interleaved, ratios against the raw branch disk and against mergerfs). Needs root, fio, mergerfs and
# unionfs-fuse (apt-get install -y fio mergerfs unionfs-fuse). Extra arguments go to unionbench.sh,
# e.g. --reps 3 --workloads W4,W5,W6.
set -eu
cd "$(dirname "$0")/.."
bench=${UNIONBENCH:-../shared/bench/unionbench.sh}
[ -f target/mergerfs-j.jar ] || mvn -B -q package -DskipTests
[ -f target/mergerfs-j.jsa ] || bash scripts/build-cds.sh || true
targets=(--target mergerfs --mount 'mergerfs -o defaults,allow_other,category.create=mfs {branches} {mnt}'
         --target mergerfs-j --mount "$PWD/bin/mergerfs-j -o allow_other,category.create=mfs {branches} {mnt}")
if command -v unionfs-fuse >/dev/null; then
  targets+=(--target unionfs-fuse --mount 'unionfs-fuse -o allow_other,cow {branch1}=RW:{branch2}=RW {mnt}')
fi
exec bash "$bench" --ref mergerfs "${targets[@]}" "$@"
