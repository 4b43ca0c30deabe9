#!/usr/bin/env bash
# Runs every test: Java unit, property and real-mount tests (mvn verify), then the python integration
# suite against real mounts. Exit status is non-zero when anything failed.
set -u
cd "$(dirname "$0")/.."
step() { printf '\n=== %s  [%s]\n' "$*" "$(date +%T)"; }
fail=0

step "dependencies"
bash scripts/install-deps.sh || exit 1

step "build + Java tests (mvn verify)"
timeout -k 30 1800 mvn -B -q verify 2>&1 | grep -v -E 'jqwik|AI Agent|^\s*$' ; rc=${PIPESTATUS[0]}
[ "$rc" = 0 ] || { echo "mvn verify failed (exit $rc)"; fail=1; }
[ -f target/mergerfs-j.jar ] || { echo "no jar was built; skipping the python suite"; exit 1; }

step "python integration tests"
timeout -k 30 1800 /usr/bin/python3 -m pytest -q -p no:cacheprovider python_tests "$@"; rc=$?
[ "$rc" = 0 ] || { echo "pytest failed (exit $rc)"; fail=1; }

step "leftover mounts"
# only mounts the test suites make (their temp-dir prefixes); anything else on the machine is not ours
left=$(awk '$3 ~ /^fuse/ {print $2}' /proc/mounts | grep -E '^/tmp/(mfstest|mfsj|semtest|ctltest|credtest|faulttest|daemontest|permtest)' || true)
if [ -n "$left" ]; then
  echo "tests left mounts behind:"; echo "$left"; fail=1
  for m in $left; do fusermount -uz "$m" 2>/dev/null; done
fi
[ $fail = 0 ] && echo "ALL TESTS PASSED" || echo "SOME TESTS FAILED"
exit $fail
