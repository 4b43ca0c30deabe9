#!/usr/bin/env bash
# Counts the FUSE requests a command makes on one mount, by opcode, with the kernel's fuse_request_send
# tracepoint (needs root and tracefs; mounts tracefs on /sys/kernel/tracing if it is not there).
#
#   bash bench/census.sh MOUNTPOINT -- COMMAND [ARGS...]
#
# Prints "count OPCODE" lines, most frequent first, then the total. Only requests of MOUNTPOINT's FUSE
# connection are counted, so other mounts (or the other side of an A/B) do not disturb the figures.
# A request count is what a daemon cannot make cheaper: each one is a round trip through the kernel.
set -euo pipefail

[ $# -ge 3 ] && [ "$2" = "--" ] || { echo "usage: $0 MOUNTPOINT -- COMMAND [ARGS...]" >&2; exit 2; }
mnt=$(realpath "$1"); shift 2
T=/sys/kernel/tracing
[ -e $T/available_events ] || mount -t tracefs nodev $T
grep -q '^fuse:fuse_request_send$' $T/available_events || { echo "no fuse tracepoints in this kernel" >&2; exit 1; }

# the connection is the mount's device number (major 0, minor N): the tracepoint reports dev_t
minor=$(awk -v m="$mnt" '$5 == m && $0 ~ / - fuse/ { split($3, d, ":"); print d[2] }' /proc/self/mountinfo | tail -1)
[ -n "$minor" ] || { echo "$mnt is not a FUSE mount" >&2; exit 1; }

inst=$T/instances/census.$$
mkdir "$inst"
cleanup() { echo 0 > "$inst/events/fuse/fuse_request_send/enable" 2>/dev/null || true; rmdir "$inst" 2>/dev/null || true; }
trap cleanup EXIT
echo 16384 > "$inst/buffer_size_kb"
echo "connection == $minor" > "$inst/events/fuse/fuse_request_send/filter"
echo 1 > "$inst/events/fuse/fuse_request_send/enable"
status=0
"$@" || status=$?
echo 0 > "$inst/events/fuse/fuse_request_send/enable"
sed -n 's/.*opcode [0-9]* (\([A-Z_0-9]*\)).*/\1/p' "$inst/trace" | sort | uniq -c | sort -rn
echo "$(grep -c 'opcode' "$inst/trace" || true) requests (exit status of the command: $status)"
grep -q 'LOST' "$inst/trace" && echo "WARNING: the trace buffer overflowed; counts are too low" >&2
exit 0
