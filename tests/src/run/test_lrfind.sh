#!/usr/bin/env bash
# test_lrfind — `finelab lr-find` from the shell never changes the run it
# is asked about: on a preset with init_from a finished run (every layer,
# on the network) and on one with a backbone file (`finelab export`;
# last_layer on the feature cache), the weights file, the finished run's
# snapshots, the listing of `finelab runs` and every other byte of the
# store are as they were, no run directory is made, and two tests in a row
# write the same CSV. The report has the plot, how the test ended, the
# three suggestions with their rules, the times and the CSV's rows; with a
# validation split it reads the training images a run would train on;
# Ctrl-C ends a test early and still reports it; a sweep, a bad range and
# bad options exit 2 naming what is wrong.
cd "$(dirname "$0")/../../.." || exit 1
. tests/lib/lib.sh
lab_init lrfind
lab_birds 3 10 || exit 1
tiny_preset "$tmp/stage1.ini" "$tmp/birds" 8 experiment.name=stage1 model.bilinear_dim=64 || exit 1
"$FINELAB" run "$tmp/stage1.ini" --runs-dir "$tmp/runs" >"$tmp/run.out" 2>&1 || exit 1
run=$(sed -n 's/^run: //p' "$tmp/run.out")
"$FINELAB" export "$run" "$tmp/backbone.safetensors" >/dev/null || exit 1
tiny_preset "$tmp/stage2.ini" "$tmp/birds" 8 experiment.name=stage2 model.bilinear_dim=64 \
    transfer.mode=all transfer.init_from=stage1 || exit 1
tiny_preset "$tmp/frozen.ini" "$tmp/birds" 8 experiment.name=frozen model.bilinear_dim=64 \
    transfer.mode=last_layer model.weights="$tmp/backbone.safetensors" || exit 1

# Every file under the lab's directory with its checksum, and the runs listing;
# the shared feature cache (runs/cache/) is where a test may write.
state() {
    (cd "$tmp" && find . \( -path ./out -o -path ./runs/cache \) -prune -o -type f -print |
        LC_ALL=C sort | xargs sha256sum)
    "$FINELAB" runs --runs-dir "$tmp/runs"
}
# lr_find_twice PRESET NAME [ARGS...]: two tests, each CSV kept; the state
# of the lab the same before, between and after.
lr_find_twice() {
    local preset=$1 name=$2; shift 2
    mkdir -p "$tmp/out"
    state >"$tmp/out/before" || return 1
    "$FINELAB" lr-find "$preset" --runs-dir "$tmp/runs" --csv "$tmp/out/$name.1.csv" "$@" \
        >"$tmp/out/$name.1.out" 2>&1 || { cat "$tmp/out/$name.1.out"; return 1; }
    state >"$tmp/out/between" || return 1
    "$FINELAB" lr-find "$preset" --runs-dir "$tmp/runs" --csv "$tmp/out/$name.2.csv" "$@" \
        >"$tmp/out/$name.2.out" 2>&1 || { cat "$tmp/out/$name.2.out"; return 1; }
    state >"$tmp/out/after" || return 1
    diff "$tmp/out/before" "$tmp/out/between" && diff "$tmp/out/before" "$tmp/out/after" &&
        cmp "$tmp/out/$name.1.csv" "$tmp/out/$name.2.csv"
}

init_from_run_unchanged() {
    local runs_before; runs_before=$(ls "$tmp/runs" | grep -v '^cache$')
    lr_find_twice "$tmp/stage2.ini" stage2 --start 1e-5 --end 10 --iters 30 || return 1
    [ "$(ls "$tmp/runs" | grep -v '^cache$')" = "$runs_before" ] ||
        { echo "the run store changed"; return 1; }
    grep -q "^lr-find stage2: 30 iterations from lr 1e-05 to 10 (Caffe's exp policy, gamma 1.61" \
        "$tmp/out/stage2.1.out" &&
        grep -q "all weights from $run/snapshots/iter_8.safetensors" "$tmp/out/stage2.1.out" &&
        grep -q "on the network" "$tmp/out/stage2.1.out"
}
backbone_file_unchanged() {
    local runs_before; runs_before=$(ls "$tmp/runs" | grep -v '^cache$')
    lr_find_twice "$tmp/frozen.ini" frozen --start 1e-3 --end 1e4 --iters 60 || return 1
    [ "$(ls "$tmp/runs" | grep -v '^cache$')" = "$runs_before" ] ||
        { echo "the run store changed"; return 1; }
    grep -q "last_layer on the feature cache" "$tmp/out/frozen.1.out" &&
        grep -q "backbone weights from $tmp/backbone.safetensors" "$tmp/out/frozen.1.out" &&
        grep -q "^time: dataset [0-9.]* s, network and weights [0-9.]* s, feature cache [0-9.]* s" \
            "$tmp/out/frozen.1.out" || return 1
    # The training views' features go through the store: built and stored by
    # the first test, read by the second, and by a run of the preset.
    grep -q "feature cache train: built .* stored" "$tmp/out/frozen.1.out" &&
        grep -q "feature cache train: loaded" "$tmp/out/frozen.2.out" || return 1
    "$FINELAB" run "$tmp/frozen.ini" --runs-dir "$tmp/runs" >"$tmp/out/frozen.run" 2>&1 &&
        grep -q "feature cache train: loaded" "$tmp/out/frozen.run"
}
report_and_csv() {
    local out=$tmp/out/frozen.1.out csv=$tmp/out/frozen.1.csv rows
    rows=$(sed -n 's/^csv: .* (\([0-9]*\) rows)$/\1/p' "$out")
    [ "$(head -1 "$csv")" = "iter,lr,loss,smoothed" ] &&
        [ "$(($(wc -l <"$csv") - 1))" = "$rows" ] &&
        grep -q "^0,0.001," "$csv" &&
        grep -q "^loss against lr:" "$out" &&
        grep -q "^\. raw  \* smoothed" "$out" &&
        grep -qE "^(stopped at iteration [0-9]+ of 60|ran all 60 iterations)" "$out" &&
        grep -q "^suggestions, read on the smoothed loss of iterations 6 \.\. " "$out" &&
        grep -q "^  S steepest " "$out" && grep -q "^  V valley " "$out" &&
        grep -q "^  M min/10 " "$out" &&
        grep -q "^no run or preset was written (the features: the run store's cache)" "$out"
}
# With a validation split, the test reads the training images a run trains
# on (those left after validation) and no held-out image.
validation_held_out() {
    "$FINELAB" lr-find "$tmp/frozen.ini" --runs-dir "$tmp/runs" --iters 20 >"$tmp/v0.out" 2>&1 &&
        "$FINELAB" lr-find "$tmp/frozen.ini" --runs-dir "$tmp/runs" --iters 20 \
            --set data.val=0.2 >"$tmp/v1.out" 2>&1 || return 1
    grep -q "feature cache: 15 training images x 2 views, 0 test images" "$tmp/v0.out" &&
        grep -q "feature cache: 12 training images x 2 views, 0 test images" "$tmp/v1.out" ||
        { cat "$tmp/v0.out" "$tmp/v1.out"; return 1; }
}
ctrl_c_reports_what_ran() {
    "$FINELAB" lr-find "$tmp/stage1.ini" --runs-dir "$tmp/runs" --start 1e-6 --end 1e-5 \
        --iters 1000 --progress 0 >"$tmp/int.out" 2>&1 &
    local pid=$!
    for _ in $(seq 100); do grep -q "^  convolutions" "$tmp/int.out" && break; sleep 0.1; done
    sleep 0.5
    kill -INT $pid
    wait $pid || { cat "$tmp/int.out"; return 1; }
    grep -q "^stopped at iteration [0-9]* of 1000 (lr [0-9.e-]*): stopped by the user" \
        "$tmp/int.out" || { cat "$tmp/int.out"; return 1; }
}
refuses_bad_input() {
    { cat "$tmp/stage1.ini"; printf '[sweep]\nsolver.weight_decay = 0, 0.001\n'; } >"$tmp/sweep.ini"
    "$FINELAB" lr-find "$tmp/sweep.ini" --runs-dir "$tmp/runs" >/dev/null 2>"$tmp/err"
    [ $? -eq 2 ] && grep -q "a \[sweep\] of 2 combinations; the range test runs one: fix the swept keys with --set" "$tmp/err" || { cat "$tmp/err"; return 1; }
    "$FINELAB" lr-find "$tmp/stage1.ini" --start 1 --end 0.1 >/dev/null 2>"$tmp/err"
    [ $? -eq 2 ] && grep -q "finelab lr-find: --end 0.1 must be above --start 1" "$tmp/err" || return 1
    "$FINELAB" lr-find "$tmp/stage1.ini" --start -1 >/dev/null 2>"$tmp/err"
    [ $? -eq 2 ] && grep -q "start wants a learning rate > 0 (got '-1')" "$tmp/err" || return 1
    "$FINELAB" lr-find "$tmp/stage1.ini" --iters 1 >/dev/null 2>"$tmp/err"
    [ $? -eq 2 ] && grep -q "iters expects a whole number from 2 to 1000 (got '1')" "$tmp/err" ||
        return 1
    "$FINELAB" lr-find "$tmp/stage2.ini" --runs-dir "$tmp/nowhere" >/dev/null 2>"$tmp/err"
    [ $? -eq 2 ] && grep -q "transfer.init_from: 'stage1' is neither a run" "$tmp/err" || return 1
    "$FINELAB" lr-find "$tmp/stage1.ini" --set solver.nothing=1 >/dev/null 2>"$tmp/err"
    [ $? -eq 2 ] && grep -q "^finelab lr-find: --set .*nothing" "$tmp/err"
}

check init_from_run_unchanged init_from_run_unchanged
check backbone_file_unchanged backbone_file_unchanged
check report_and_csv report_and_csv
check validation_held_out validation_held_out
check ctrl_c_reports_what_ran ctrl_c_reports_what_ran
check refuses_bad_input refuses_bad_input
finish
