#!/usr/bin/env bash
# Stable A/B of per-request cost: W4's create, stat and unlink of N files on branches in tmpfs, for
# mergerfs 2.33.5 and one or more mergerfs-j jars, interleaved, with the daemon's user and system CPU
# per operation. The full suite (bench/run.sh) runs on ext4, where one target's deletes slow the next
# target's creates and single workloads swing by 0.3x between runs; on tmpfs the same comparison
# repeats to a few percent, so a change of a few µs per request shows.
#
#   bash bench/meta-ab.sh [--reps R] [--files N] [--jar LABEL=PATH]... [--no-mergerfs]
#
# Without --jar it measures this tree's target/mergerfs-j.jar as "mergerfs-j". Prints one line per run
# and then the medians. Needs root, FUSE and mergerfs; mounts only under a fresh directory in /dev/shm
# and unmounts it on exit.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
HLP=$ROOT/../shared/bench/ubhelper.py
[ -f "$HLP" ] || HLP=/work/shared/bench/ubhelper.py
PY=/usr/bin/python3
REPS=5
N=10000
MFS=1
LABELS=()
JARS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --reps) REPS=$2; shift 2 ;;
    --files) N=$2; shift 2 ;;
    --jar) LABELS+=("${2%%=*}"); JARS+=("${2#*=}"); shift 2 ;;
    --no-mergerfs) MFS=0; shift ;;
    *) echo "usage: $0 [--reps R] [--files N] [--jar LABEL=PATH]... [--no-mergerfs]" >&2; exit 2 ;;
  esac
done
if [ ${#JARS[@]} -eq 0 ]; then LABELS=(mergerfs-j); JARS=("$ROOT/target/mergerfs-j.jar"); fi
[ -f "$HLP" ] || { echo "meta-ab: cannot find ubhelper.py (../shared/bench)" >&2; exit 1; }

W=$(mktemp -d /dev/shm/meta-ab.XXXXXX)
MNT=$W/m
cleanup() { fusermount -uz "$MNT" 2>/dev/null || true; rm -rf "$W"; }
trap cleanup EXIT
OUT=$W/runs.txt

ticks() { awk '{print $14, $15}' "/proc/$1/stat"; } # utime stime in clock ticks
hz=$(getconf CLK_TCK)

one() { # label jar|"" -> one line: label create_s stat_s unlink_s user_us_per_op sys_us_per_op
  local label=$1 jar=$2 pid
  rm -rf "$W/b1" "$W/b2"; mkdir -p "$W/b1" "$W/b2" "$MNT"
  if [ -z "$jar" ]; then
    mergerfs -o defaults,allow_other,category.create=mfs "$W/b1:$W/b2" "$MNT"
    for _ in $(seq 50); do pid=$(pgrep -n -x mergerfs || true); [ -n "$pid" ] && break; sleep 0.1; done
  else
    MERGERFSJ_JAR=$jar "$ROOT/bin/mergerfs-j" -o allow_other,category.create=mfs "$W/b1:$W/b2" "$MNT"
    pid=$(pgrep -n -f "^java .* $MNT\$")
  fi
  mkdir "$MNT/warm" "$MNT/d"
  timeout 120 "$PY" "$HLP" create "$MNT/warm" 3000 >/dev/null   # JIT warm-up, same for everyone
  timeout 120 "$PY" "$HLP" unlink "$MNT/warm" 3000 >/dev/null
  local u0 s0 u1 s1 tc ts tu
  read -r u0 s0 < <(ticks "$pid")
  tc=$(timeout 300 "$PY" "$HLP" create "$MNT/d" "$N")
  ts=$(timeout 300 "$PY" "$HLP" stat "$MNT/d" "$N")
  tu=$(timeout 300 "$PY" "$HLP" unlink "$MNT/d" "$N")
  read -r u1 s1 < <(ticks "$pid")
  fusermount -uz "$MNT"
  awk -v l="$label" -v tc="$tc" -v ts="$ts" -v tu="$tu" -v u=$((u1 - u0)) -v s=$((s1 - s0)) -v hz="$hz" -v n="$N" \
    'BEGIN { printf "%-14s create %.3f stat %.3f unlink %.3f user_us/op %.1f sys_us/op %.1f\n", l, tc, ts, tu, u*1e6/hz/(3*n), s*1e6/hz/(3*n) }'
}

for r in $(seq "$REPS"); do
  [ $MFS = 1 ] && one mergerfs "" | tee -a "$OUT"
  for i in "${!JARS[@]}"; do one "${LABELS[$i]}" "${JARS[$i]}" | tee -a "$OUT"; done
done
echo "medians over $REPS runs ($N files; seconds, and daemon CPU per operation over the three steps):"
awk '{ k=$1; for (i = 2; i < NF; i += 2) { v[k, $i, ++c[k, $i]] = $(i + 1); f[$i] = 1 }; t[k] = 1 }
     END {
       for (k in t) {
         line = sprintf("%-14s", k)
         split("create stat unlink user_us/op sys_us/op", names, " ")
         for (j = 1; j <= 5; j++) {
           m = names[j]; n = c[k, m]
           for (a = 1; a <= n; a++) arr[a] = v[k, m, a]
           for (a = 1; a <= n; a++) for (b = a + 1; b <= n; b++) if (arr[b] < arr[a]) { x = arr[a]; arr[a] = arr[b]; arr[b] = x }
           med = (n % 2) ? arr[(n + 1) / 2] : (arr[n / 2] + arr[n / 2 + 1]) / 2
           line = line sprintf(" %s %.3f", m, med)
         }
         print line
       }
     }' "$OUT" | sort
