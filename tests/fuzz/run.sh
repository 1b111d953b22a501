#!/usr/bin/env bash
# Runs each libFuzzer harness for FUZZ_SECONDS (default 60) on its corpus and
# dictionary, one after the other, and prints what libFuzzer reports at the
# end (executions, exec/s, coverage). New inputs go to a scratch copy of the
# corpus, never into the repository. Fails when any harness crashes, leaks,
# times out (10 s on one input, 30 s for a JPEG) or runs out of memory (2.5 GB,
# or 2 GB in one allocation); the input that did it is kept in
# FUZZ_ARTIFACTS (default build/fuzz/artifacts/<harness>/) and its log in
# build/fuzz/logs/<harness>.log. Ends with "tests: N passed, N failed" (one
# per harness), the line .ci/run totals.
#
# Usage: tests/fuzz/run.sh BUILD_DIR HARNESS...   (make fuzz runs it)
# Environment: FUZZ_SECONDS, FUZZ_ARTIFACTS, FUZZ_LOGS, FUZZ_KEEP_CORPUS (a
# folder: keep the grown corpora there, one folder per harness).
set -u
cd "$(dirname "$0")/../.." || exit 2
out=$1
shift
seconds=${FUZZ_SECONDS:-60}
artifacts=${FUZZ_ARTIFACTS:-$out/artifacts}
logs=${FUZZ_LOGS:-$out/logs}
mkdir -p "$artifacts" "$logs"

# Longest input each reader is given: text files and headers are short, a
# caffemodel or safetensors file needs room for a few blobs, a JPEG for a
# few blocks of a real image.
max_len() {
    case $1 in
    preset | solver_import | runstore | journal) echo 8192 ;;
    dataset) echo 4096 ;;
    safetensors | caffemodel) echo 65536 ;;
    jpeg) echo 32768 ;;
    *) echo 4096 ;;
    esac
}

# Longest one input may take before it counts as a hang: a JPEG may declare
# up to 64 Mpixels (JPEG_MAX_PIXELS), which an instrumented decode takes
# seconds over; everything else reads in milliseconds.
timeout_of() {
    case $1 in
    jpeg) echo 30 ;;
    *) echo 10 ;;
    esac
}

# libFuzzer's own handling of leaks, aborts and UBSan reports; the
# suppressions file is the tests' (third-party leaks only).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}

passed=0
failed=0
scratch=$(mktemp -d "${TMPDIR:-/tmp}/finelab_fuzz_corpus.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
for name in "$@"; do
    bin=$out/fuzz_$name
    corpus=$scratch/$name
    mkdir -p "$corpus" "$artifacts/$name"
    # The seeds start the run; the scratch copy takes what libFuzzer finds.
    # (The regressions are make test's: some are slow on purpose.)
    cp -r "tests/fuzz/corpus/$name"/. "$corpus"/ 2>/dev/null
    dict=()
    [ -f "tests/fuzz/$name.dict" ] && dict=("-dict=tests/fuzz/$name.dict")
    log=$logs/$name.log
    echo "== fuzz_$name: ${seconds}s, max_len $(max_len "$name")"
    start=$(date +%s)
    "$bin" "$corpus" "${dict[@]}" -max_total_time="$seconds" -max_len="$(max_len "$name")" \
        -timeout="$(timeout_of "$name")" -rss_limit_mb=2560 -malloc_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$artifacts/$name/" \
        </dev/null >"$log" 2>&1
    rc=$?
    secs=$(($(date +%s) - start))
    # The end of the run: the last status line and the final stats.
    grep -E '^#[0-9]+.*cov:' "$log" | tail -n 1
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb|new_units_added)' \
        "$log" | awk '!seen[$0]++' | tr -s ' ' | tr '\n' ' '
    echo
    if [ "$rc" -eq 0 ]; then
        passed=$((passed + 1))
        echo "--- fuzz_$name: ok, ${secs}s"
    else
        failed=$((failed + 1))
        echo "--- fuzz_$name: FAILED (exit $rc, ${secs}s); the input is in $artifacts/$name/," \
            "the log in $log:"
        grep -E '^(==[0-9]+==ERROR|SUMMARY|.*fuzz check failed|.*runtime error)' "$log" | head -n 5
    fi
    if [ -n "${FUZZ_KEEP_CORPUS:-}" ]; then
        mkdir -p "$FUZZ_KEEP_CORPUS/$name"
        cp -r "$corpus"/. "$FUZZ_KEEP_CORPUS/$name"/
    fi
done
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
