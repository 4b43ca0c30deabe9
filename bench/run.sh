#!/usr/bin/env bash
# Runs ../shared/bench/unionbench.sh with mergerfs-j, mergerfs 2.33.5 and unionfs-fuse side by side
# (interleaved, ratios against the raw branch disk and against mergerfs), then bench/report.py on the
# results, and copies results.tsv, summary.txt, the ratio tables and the chart into docs/bench/ as
# PREFIX-results.tsv, PREFIX-summary.txt, PREFIX-ratios.md and PREFIX-chart.png.
# Needs root, fio, mergerfs and unionfs-fuse (apt-get install -y fio mergerfs unionfs-fuse); installs
# python3-matplotlib for the chart if it is missing (without it the chart is skipped).
#
# Options of this script (everything else goes to unionbench.sh, e.g. --reps 3 --workloads W4,W5,W6):
#   --prefix NAME      file name prefix in docs/bench (or BENCH_PREFIX=NAME). Default: today's date,
#                      then DATE-run2, DATE-run3, ... so that an earlier run of the day is not overwritten.
#                      An explicit prefix overwrites.
#   --cache-variants   two more targets with cache.files=auto-full: mergerfs-cache and mergerfs-j-cache
#   --pt-variant       one more target: mergerfs-j-pt, mergerfs-j with passthrough.io=rw (FUSE passthrough,
#                      Linux 6.9+; mergerfs 2.33.5 has no counterpart)
#   --no-docs          leave docs/bench alone (the report is still written into the results dir)
set -eu
cd "$(dirname "$0")/.."
bench=${UNIONBENCH:-../shared/bench/unionbench.sh}
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
docs=docs/bench
prefix=${BENCH_PREFIX:-}
cache=0
pt=0
out=""
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=$2; shift 2;;
    --prefix=*) prefix=${1#*=}; shift;;
    --cache-variants) cache=1; shift;;
    --pt-variant) pt=1; shift;;
    --no-docs) docs=""; shift;;
    --out) out=$2; args+=("$1" "$2"); shift 2;;
    -h|--help) sed -n '2,16p' "$0"; echo; echo "unionbench.sh:"; bash "$bench" --help; exit 0;;
    *) args+=("$1"); shift;;
  esac
done
# unionbench's findpids skips every process whose arguments contain "unionbench", and its default work
# root is .../unionbench/work: the daemons' own argv (their mount point) then hides them and no
# daemon_cpu is recorded. A work root without that word keeps the CPU figures.
case " ${args[*]:-} " in *" --workroot "*) ;; *) args+=(--workroot "${TMPDIR:-/tmp}/mfsj-bench-work");; esac
if [ -z "$out" ]; then
  out=${TMPDIR:-/tmp}/unionbench/results/$(date +%Y%m%d-%H%M%S)
  args+=(--out "$out")
fi
if [ -n "$docs" ] && [ -z "$prefix" ]; then
  day=$(date +%F); prefix=$day; n=1
  while [ -e "$docs/$prefix-results.tsv" ] || [ -e "$docs/$prefix-summary.txt" ] || [ -e "$docs/$prefix-ratios.md" ]; do
    n=$((n + 1)); prefix=$day-run$n
  done
fi
[ -n "$prefix" ] || prefix=$(date +%F)

[ -f target/mergerfs-j.jar ] || mvn -B -q package -DskipTests
[ -f target/mergerfs-j.jsa ] || bash scripts/build-cds.sh || true
# the chart needs matplotlib; install it now rather than during the run (failure only skips the PNG)
if ! "$PY" -c 'import matplotlib' 2>/dev/null; then
  echo "run.sh: installing python3-matplotlib for the chart" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-matplotlib >/dev/null 2>&1 ||
    echo "run.sh: could not install python3-matplotlib; the PNG chart will be skipped" >&2
fi

mfs_j=$PWD/bin/mergerfs-j
targets=(--target mergerfs --mount 'mergerfs -o defaults,allow_other,category.create=mfs {branches} {mnt}'
         --target mergerfs-j --mount "$mfs_j -o allow_other,category.create=mfs {branches} {mnt}")
if [ $cache = 1 ]; then
  targets+=(--target mergerfs-cache
              --mount 'mergerfs -o defaults,allow_other,cache.files=auto-full,category.create=mfs {branches} {mnt}'
            --target mergerfs-j-cache
              --mount "$mfs_j -o allow_other,cache.files=auto-full,category.create=mfs {branches} {mnt}")
fi
if [ $pt = 1 ]; then
  # passthrough needs Linux 6.9+ (and root); elsewhere the daemon warns and this target is plain mergerfs-j
  case $(uname -r) in
    [1-5].*|6.[0-8].*|6.[0-8]) echo "run.sh: kernel $(uname -r) has no FUSE passthrough: mergerfs-j-pt will measure the default path" >&2;;
  esac
  targets+=(--target mergerfs-j-pt --mount "$mfs_j -o allow_other,passthrough.io=rw,category.create=mfs {branches} {mnt}")
fi
if command -v unionfs-fuse >/dev/null; then
  targets+=(--target unionfs-fuse --mount 'unionfs-fuse -o allow_other,cow {branch1}=RW:{branch2}=RW {mnt}')
fi
rc=0
bash "$bench" --ref mergerfs "${targets[@]}" "${args[@]}" || rc=$?

res=$out/results.tsv
if [ -f "$res" ] && [ "$(grep -vc '^target' "$res" || true)" -gt 0 ]; then
  "$PY" bench/report.py "$res" --out-dir "$out" --name "$prefix" --ref mergerfs \
    --source "$prefix-results.tsv" || { echo "run.sh: bench/report.py failed" >&2; [ $rc != 0 ] || rc=1; }
else
  echo "run.sh: no results in $res, no report" >&2
  [ $rc != 0 ] || rc=1
fi
if [ -n "$docs" ] && [ $rc = 0 ]; then
  mkdir -p "$docs"
  cp "$res" "$docs/$prefix-results.tsv"
  cp "$out/summary.txt" "$docs/$prefix-summary.txt"
  cp "$out/$prefix-ratios.md" "$docs/"
  rm -f "$docs/$prefix-chart.png"
  [ ! -f "$out/$prefix-chart.png" ] || cp "$out/$prefix-chart.png" "$docs/"
  echo "run.sh: copied to $docs: $(cd "$docs" && ls "$prefix"-results.tsv "$prefix"-summary.txt "$prefix"-ratios.md "$prefix"-chart.png 2>/dev/null | tr '\n' ' ')"
elif [ -n "$docs" ]; then
  echo "run.sh: the benchmark failed (exit $rc); $docs left alone, results and report in $out" >&2
fi
exit $rc
