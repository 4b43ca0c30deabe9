#!/usr/bin/env bash
# Stable A/B of per-request cost on branches in tmpfs: W4's create, stat and unlink of N files, then N
# stats of absent names (a bare LOOKUP round trip each), for mergerfs 2.33.5 and one or more mergerfs-j
# jars, interleaved, with the daemon's user and system CPU per file in each step. Against mergerfs it
# also prints each step's "floor": the ratio the step would reach if the daemon spent no user-space CPU
# at all and everything else stayed (kernel round trips, branch syscalls), a bound no change in the
# daemon's own code can beat. The full suite (bench/run.sh) runs on ext4, where one target's deletes
# slow the next target's creates and single workloads swing by 0.3x between runs; on tmpfs the same
# comparison repeats to a few percent in a quiet hour, so a change of a few µs per request shows
# (interleave and repeat: runs on a busy day have differed by 0.2x).
#
#   bash bench/meta-ab.sh [--reps R] [--files N] [--jar LABEL=PATH]... [--no-mergerfs]
#
# Without --jar it measures this tree's target/mergerfs-j.jar as "mergerfs-j". Prints one line per run
# and then the medians and ratios. Needs root, FUSE and mergerfs; mounts only under a fresh directory in /dev/shm
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

# stat of N names that exist nowhere: one LOOKUP each (negative entries are not cached by default) and
# one lstat per branch, so the step measures the cost of a bare round trip through each daemon
ABSENT='
import os, sys, time
d, n = sys.argv[1], int(sys.argv[2])
t = time.perf_counter()
for i in range(n):
    try:
        os.stat("%s/absent%d" % (d, i))
    except FileNotFoundError:
        pass
print(time.perf_counter() - t)'

W=$(mktemp -d /dev/shm/meta-ab.XXXXXX)
MNT=$W/m
cleanup() { fusermount -uz "$MNT" 2>/dev/null || true; rm -rf "$W"; }
trap cleanup EXIT
OUT=$W/runs.txt

ticks() { awk '{print $14, $15}' "/proc/$1/stat"; } # utime stime in clock ticks
hz=$(getconf CLK_TCK)

one() { # label jar|"" -> one line: the label, then per step (create stat unlink absent) "STEP seconds STEP_user µs STEP_sys µs" (CPU per file)
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
  local line="$label" step t u0 s0 u1 s1
  for step in create stat unlink absent; do
    read -r u0 s0 < <(ticks "$pid")
    if [ $step = absent ]; then t=$(timeout 300 "$PY" -c "$ABSENT" "$MNT/d" "$N")
    else t=$(timeout 300 "$PY" "$HLP" "$step" "$MNT/d" "$N"); fi
    read -r u1 s1 < <(ticks "$pid")
    line="$line $(awk -v st="$step" -v t="$t" -v u=$((u1 - u0)) -v s=$((s1 - s0)) -v hz="$hz" -v n="$N" \
      'BEGIN { printf "%s %.3f %s_user %.1f %s_sys %.1f", st, t, st, u*1e6/hz/n, st, s*1e6/hz/n }')"
  done
  fusermount -uz "$MNT"
  echo "$line"
}

for r in $(seq "$REPS"); do
  [ $MFS = 1 ] && one mergerfs "" | tee -a "$OUT"
  for i in "${!JARS[@]}"; do one "${LABELS[$i]}" "${JARS[$i]}" | tee -a "$OUT"; done
done
echo "medians over $REPS runs ($N files; seconds per step, and the daemon's user and system CPU in µs per file during it):"
awk '{ k=$1; for (i = 2; i < NF; i += 2) { v[k, $i, ++c[k, $i]] = $(i + 1); f[$i] = 1 }; t[k] = 1 }
     function med(k, m,    n, a, b, x, arr) {
       n = c[k, m]
       for (a = 1; a <= n; a++) arr[a] = v[k, m, a]
       for (a = 1; a <= n; a++) for (b = a + 1; b <= n; b++) if (arr[b] < arr[a]) { x = arr[a]; arr[a] = arr[b]; arr[b] = x }
       return (n % 2) ? arr[(n + 1) / 2] : (arr[n / 2] + arr[n / 2 + 1]) / 2
     }
     END {
       split("create stat unlink absent", steps, " ")
       for (k in t) {
         line = sprintf("%-14s", k)
         for (j = 1; j <= 4; j++) {
           m = steps[j]
           line = line sprintf(" %s %.3f (user %.1f sys %.1f)", m, med(k, m), med(k, m "_user"), med(k, m "_sys"))
         }
         print line
       }
       # The time a step would take if the daemon spent no user-space CPU at all (everything else equal), against
       # mergerfs: a floor no user-space change can go below, since the kernel side of each round trip stays.
       if (!("mergerfs" in t)) exit
       for (k in t) {
         if (k == "mergerfs") continue
         line = sprintf("%-14s vs mergerfs", k)
         for (j = 1; j <= 4; j++) {
           m = steps[j]
           line = line sprintf(" %s %.2f (floor %.2f)", m, med(k, m) / med("mergerfs", m),
                                (med(k, m) - med(k, m "_user") * n / 1e6) / med("mergerfs", m))
         }
         print line
       }
     }' n="$N" "$OUT" | sort
