#!/usr/bin/env bash
# Runs every test binary given, shows their output, and ends with one line
# "tests: N passed, N failed" totalled from cmocka's per-test results.
# A binary that dies without cmocka's summary counts as one failure.
# Usage: tests/lib/run.sh VARIANT BINARY...
set -u
variant=$1; shift
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# An absolute path: LeakSanitizer reads the file when it finds a leak, in
# whatever folder the process then runs (shell tests cd into their scratch).
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$(cd "$(dirname "$0")" && pwd)/lsan.supp:print_suppressions=0}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:suppressions=$(dirname "$0")/tsan.supp}
passed=0; failed=0; broken=""
log=$(mktemp); trap 'rm -f "$log"' EXIT
for bin in "$@"; do
    name=$(basename "$bin")
    start=$(date +%s%N)
    "$bin" >"$log" 2>&1; rc=$?
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    secs=$((ms / 1000)).$(( (ms % 1000) / 100 ))
    cat "$log"
    ok=$(grep -c '^\[       OK \]' "$log")
    # cmocka names a failed test twice (when it fails and in the final list).
    bad=$(grep '^\[  FAILED  \]' "$log" | grep -v 'test(s)' | sort -u | wc -l)
    passed=$((passed + ok)); failed=$((failed + bad))
    if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
        failed=$((failed + 1)); broken="$broken $name(exit $rc)"
    fi
    echo "--- $name: $ok passed, $bad failed, exit $rc, ${secs}s ($variant)"
done
[ -n "$broken" ] && echo "binaries that died:$broken"
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
