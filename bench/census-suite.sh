#!/usr/bin/env bash
# FUSE request census of the metadata workloads (unionbench W4-W6) for mergerfs 2.33.5 and mergerfs-j,
# each with default options, plus mergerfs-j variants given as extra -o strings.
#
#   bash bench/census-suite.sh [--nfiles N] [--variant OPTS]... [--out FILE]
#
# Request counts do not depend on the machine's noise, unlike times: a workload that needs fewer round
# trips through the kernel is faster on any machine, by roughly the share of requests saved. Each step is
# the same command unionbench runs (ubhelper create/stat/unlink, ls -f, ls -l, tar, find, du, rm -rf, the
# W6 merged directory), counted with bench/census.sh. Writes a markdown table (default: stdout).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
HLP=${UNIONBENCH_HELPER:-$REPO/../shared/bench/ubhelper.py}
PY=/usr/bin/python3
NFILES=10000
VARIANTS=()
OUT=
while [ $# -gt 0 ]; do
  case $1 in
    --nfiles) NFILES=$2; shift 2 ;;
    --variant) VARIANTS+=("$2"); shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -f "$HLP" ] || { echo "no ubhelper.py at $HLP (set UNIONBENCH_HELPER)" >&2; exit 1; }
TAR=${TMPDIR:-/tmp}/unionbench/tree.tar
if [ ! -f "$TAR" ]; then mkdir -p "$(dirname "$TAR")"; tar -cf "$TAR" -C /usr include 2>/dev/null; fi

WORK=$(mktemp -d /tmp/mfsj-census-XXXXXX)
MNT=$WORK/mnt
PIDF=
cleanup() {
  if mountpoint -q "$MNT" 2>/dev/null; then fusermount -uz "$MNT" || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

count() { # label command...: runs the command under census, prints "label total"
  local label=$1; shift
  local total
  total=$(bash "$HERE/census.sh" "$MNT" -- "$@" 2>/dev/null | sed -n 's/^\([0-9]*\) requests.*/\1/p')
  echo "$label $total"
}

suite() { # name, mount command...
  local name=$1; shift
  rm -rf "$WORK/b1" "$WORK/b2" "$MNT"; mkdir -p "$WORK/b1" "$WORK/b2" "$MNT"
  "$PY" "$HLP" spread "$WORK/b1" "$WORK/b2" $((NFILES / 2)) >/dev/null
  "$@" >/dev/null 2>&1
  for _ in $(seq 100); do mountpoint -q "$MNT" && break; sleep 0.1; done
  mountpoint -q "$MNT" || { echo "$name did not mount" >&2; exit 1; }
  local d=$MNT/meta t=$MNT/tree
  mkdir -p "$d" "$t"
  {
    count W4_create "$PY" "$HLP" create "$d" "$NFILES"
    count W4_stat "$PY" "$HLP" stat "$d" "$NFILES"
    count W4_ls_f sh -c "cd '$d' && ls -f >/dev/null"
    count W4_ls_l sh -c "cd '$d' && ls -l >/dev/null"
    sync; echo 2 > /proc/sys/vm/drop_caches
    count W4_stat_cold_dcache "$PY" "$HLP" stat "$d" "$NFILES"
    count W4_unlink "$PY" "$HLP" unlink "$d" "$NFILES"
    count W5_tar_extract tar -xf "$TAR" -C "$t"
    sync; echo 3 > /proc/sys/vm/drop_caches
    count W5_find_cold sh -c "cd '$t' && find . -type f >/dev/null"
    count W5_find_warm sh -c "cd '$t' && find . -type f >/dev/null"
    count W5_du_s du -s "$t"
    count W5_rm_rf rm -rf "$t"
    count W6_merged_ls_f sh -c "ls -f '$MNT/both' >/dev/null"
    count W6_merged_ls_l sh -c "ls -l '$MNT/both' >/dev/null"
    count W6_stat_only_in_b2 "$PY" "$HLP" stat "$MNT/sp" "$NFILES"
  } > "$WORK/$name.counts"
  fusermount -uz "$MNT"
  sleep 0.5
}

names=(mergerfs mergerfs-j)
suite mergerfs mergerfs -o defaults,allow_other "$WORK/b1:$WORK/b2" "$MNT"
suite mergerfs-j "$REPO/bin/mergerfs-j" "$MNT" "$WORK/b1:$WORK/b2"
i=0
for v in "${VARIANTS[@]}"; do
  i=$((i + 1)); names+=("mergerfs-j $v")
  suite "v$i" "$REPO/bin/mergerfs-j" -o "$v" "$MNT" "$WORK/b1:$WORK/b2"
done

{
  printf '| Step |'; for n in "${names[@]}"; do printf ' %s |' "$n"; done; echo
  printf '|---|'; for _ in "${names[@]}"; do printf -- '---:|'; done; echo
  files=("$WORK/mergerfs.counts" "$WORK/mergerfs-j.counts")
  for j in $(seq 1 $i); do files+=("$WORK/v$j.counts"); done
  while read -r step base; do
    printf '| %s | %s |' "$step" "$base"
    for f in "${files[@]:1}"; do
      n=$(awk -v s="$step" '$1 == s { print $2 }' "$f")
      printf ' %s (%s) |' "$n" "$(awk -v a="$n" -v b="$base" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
    done
    echo
  done < "${files[0]}"
  echo
  echo "FUSE requests per step (fuse_request_send tracepoint); in brackets: the ratio to mergerfs. NFILES=$NFILES."
} > "${OUT:-/dev/stdout}"
