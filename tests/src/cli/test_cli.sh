#!/usr/bin/env bash
# test_cli — the headless command line as a user meets it: exit codes for
# bad presets and missing files, the first line of `finelab run`, Ctrl-C
# stopping cleanly with a snapshot and `finelab resume` finishing the run,
# runs / show / compare reading the store, import-solver on a Caffe solver.
cd "$(dirname "$0")/../../.." || exit 1
. tests/lib/lib.sh
lab_init cli
lab_birds 3 10

tiny_preset "$tmp/quick.ini" "$tmp/birds" 6 solver.snapshot=0
tiny_preset "$tmp/long.ini" "$tmp/birds" 100000 solver.snapshot=0

bad_preset_exits_2() {
    printf '[solver]\nbase_lr = -1\n' > "$tmp/bad.ini"
    "$FINELAB" run "$tmp/bad.ini" --runs-dir "$tmp/runs" 2> "$tmp/err"
    [ $? -eq 2 ] && grep -q "bad.ini:2: solver.base_lr" "$tmp/err"
}
missing_preset_exits_2() {
    "$FINELAB" run "$tmp/nope.ini" 2> "$tmp/err"
    [ $? -eq 2 ] && grep -q "nope.ini" "$tmp/err"
}
bad_set_exits_2() {
    "$FINELAB" run "$tmp/quick.ini" --set model.pooling=max 2> "$tmp/err"
    [ $? -eq 2 ] && grep -q "model.pooling" "$tmp/err"
}
run_prints_run_dir_first_and_final_accuracy() {
    "$FINELAB" run "$tmp/quick.ini" --runs-dir "$tmp/runs" > "$tmp/out" || return 1
    head -1 "$tmp/out" | grep -q "^run: $tmp/runs/" &&
        grep -q "^final test accuracy: " "$tmp/out" &&
        grep -q "ETA" "$tmp/out"
}
ctrl_c_stops_then_resume_finishes() {
    "$FINELAB" run "$tmp/long.ini" --runs-dir "$tmp/runs2" > "$tmp/out" &
    local pid=$! run_dir
    for _ in $(seq 100); do
        run_dir=$(sed -n 's/^run: //p' "$tmp/out")
        [ -n "$run_dir" ] && [ "$(wc -l < "$run_dir/metrics.tsv" 2>/dev/null)" -gt 3 ] && break
        sleep 0.1
    done
    kill -INT $pid
    wait $pid || return 1
    grep -q "^state = stopped" "$run_dir/status.ini" || return 1
    ls "$run_dir"/snapshots/iter_*.safetensors > /dev/null || return 1
    # Finish it quickly: resume with the stored preset, then check done.
    sed -i 's/^max_iter = .*/max_iter = 20/' "$run_dir/preset.ini"
    "$FINELAB" resume "$run_dir" > "$tmp/out2" || return 1
    grep -q "^state = done" "$run_dir/status.ini" && grep -q "final test accuracy" "$tmp/out2"
}
runs_show_compare_read_the_store() {
    local ids
    ids=$(ls "$tmp/runs" | grep quick)
    "$FINELAB" runs --runs-dir "$tmp/runs" | grep -q "quick" &&
        "$FINELAB" show "$(echo "$ids" | head -1)" --runs-dir "$tmp/runs" | grep -q "test accuracy" &&
        "$FINELAB" compare $ids --runs-dir "$tmp/runs" --md | head -1 | grep -q "^| key" &&
        ! "$FINELAB" show no-such-run --runs-dir "$tmp/runs" 2>/dev/null
}
import_solver_translates() {
    cat > "$tmp/solver.prototxt" <<'P'
net: "train_val.prototxt"
# the tutorial's first stage
base_lr: 0.1
lr_policy: "multistep"
gamma: 0.25
stepvalue: 20000
stepvalue: 30000
momentum: 0.9
weight_decay: 0
max_iter: 60000
iter_size: 4
solver_mode: CPU
P
    "$FINELAB" import-solver "$tmp/solver.prototxt" > "$tmp/solver.ini" || return 1
    grep -q "^\[solver\]" "$tmp/solver.ini" && grep -q "lr_policy = multistep" "$tmp/solver.ini" &&
        grep -q "stepvalue" "$tmp/solver.ini" && grep -q "; not used: net" "$tmp/solver.ini"
}

# A command after the lab's options is refused with a pointer, not ignored
# (it used to open the lab, or run the default preset headless).
command_after_lab_options_exits_2() {
    local out code
    out=$("$FINELAB" --runs-dir "$tmp/r" run "$tmp/tiny.ini" 2>&1 </dev/null)
    code=$?
    [ "$code" -eq 2 ] && echo "$out" | grep -q "unexpected 'run'" &&
        echo "$out" | grep -q "a command comes first" && [ ! -d "$tmp/r" ]
}

check command_after_lab_options_exits_2 command_after_lab_options_exits_2
check bad_preset_exits_2 bad_preset_exits_2
check missing_preset_exits_2 missing_preset_exits_2
check bad_set_exits_2 bad_set_exits_2
check run_prints_run_dir_first_and_final_accuracy run_prints_run_dir_first_and_final_accuracy
check ctrl_c_stops_then_resume_finishes ctrl_c_stops_then_resume_finishes
check runs_show_compare_read_the_store runs_show_compare_read_the_store
check import_solver_translates import_solver_translates
finish
