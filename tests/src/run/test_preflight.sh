#!/usr/bin/env bash
# test_preflight — files are checked before anything is written: `finelab
# run` of a preset with a missing dataset, missing weights, weights of
# another width or an init_from that names nothing exits 2 naming the key
# and the file, and so does a sweep with one bad combination, without
# running the good ones; the run store is left as it was every time. In
# the lab, a queued job whose dataset is missing says so and makes no run,
# and the editor shows the problem on the key until it is fixed.
cd "$(dirname "$0")/../../.." || exit 1
. tests/lib/lib.sh
lab_init preflight
tmux_init
lab_birds 3 10
weights=$PWD/models/vgg16_w025_synth.safetensors # width 1/4

tiny_preset "$tmp/good.ini" "$tmp/birds" 2
"$FINELAB" run "$tmp/good.ini" --runs-dir "$tmp/runs" > /dev/null || exit 1

# refused PRESET MESSAGE: `finelab run PRESET` exits 2 with MESSAGE (a
# fixed string) on stderr and the run store unchanged.
refused() {
    local before after rc
    before=$(ls -A "$tmp/runs")
    "$FINELAB" run "$1" --runs-dir "$tmp/runs" > "$tmp/out" 2> "$tmp/err"
    rc=$?
    after=$(ls -A "$tmp/runs")
    [ $rc -eq 2 ] || { echo "exit $rc: $(cat "$tmp/err")"; return 1; }
    grep -qF -- "$2" "$tmp/err" || { echo "stderr lacks '$2': $(cat "$tmp/err")"; return 1; }
    [ "$before" = "$after" ] || { echo "the run store changed: $after"; return 1; }
    ! grep -q "^run: " "$tmp/out"
}

missing_dataset() {
    tiny_preset "$tmp/p.ini" "$tmp/missing" 2
    refused "$tmp/p.ini" "p.ini: data.dataset: $tmp/missing: no such file or directory"
}
missing_weights() {
    tiny_preset "$tmp/p.ini" "$tmp/birds" 2 transfer.mode=last_layer \
        model.weights="$tmp/nope.safetensors"
    refused "$tmp/p.ini" "model.weights: $tmp/nope.safetensors: cannot open"
}
weights_of_another_width() {
    tiny_preset "$tmp/p.ini" "$tmp/birds" 2 transfer.mode=last_layer model.weights="$weights"
    refused "$tmp/p.ini" "model.weights: $weights: tensor features.0.weight has shape [16, 3, 3, 3], the model needs [4, 3, 3, 3] (model.width = 0.0625)"
}
init_from_names_nothing() {
    tiny_preset "$tmp/p.ini" "$tmp/birds" 2 transfer.mode=all transfer.init_from=no_such_stage
    refused "$tmp/p.ini" "transfer.init_from: 'no_such_stage' is neither a run"
}
sweep_with_one_bad_combination() {
    tiny_preset "$tmp/p.ini" "$tmp/birds" 2 transfer.mode=last_layer
    printf '[sweep]\nmodel.weights = none, %s/nope.safetensors\n' "$tmp" >> "$tmp/p.ini"
    refused "$tmp/p.ini" "sweep 2/2 (model.weights=$tmp/nope.safetensors): model.weights: $tmp/nope.safetensors: cannot open"
}

lab_queue_and_editor() {
    mkdir -p "$tmp/presets/demo"
    tiny_preset "$tmp/presets/demo/nodata.ini" missing_birds 2
    T new-session -d -s lab -x 100 -y 30 \
        "cd $tmp && LANG=C.UTF-8 TERM=xterm-256color $FINELAB --presets $tmp/presets --runs-dir $tmp/labruns; sleep 30"
    wait_for "nodata" || return 1
    # Queued, the job is refused before it makes a run directory.
    keys r
    wait_for "did not start: data.dataset: missing_birds: no such file or directory" || return 1
    [ -z "$(ls "$tmp/labruns" 2>/dev/null)" ] || { ls "$tmp/labruns"; return 1; }
    # The editor shows the problem on the key, and not once it is fixed.
    keys 1
    wait_for "Presets:" || return 1
    keys Enter
    wait_for "dataset  *= missing_birds  ! missing_birds: no such file or directory" || return 1
    wait_for "cannot run: data.dataset: missing_birds" || return 1
    select_key data.dataset || return 1
    keys Enter
    for _ in $(seq 20); do keys BSpace; done
    keys birds Enter
    wait_for "dataset  *= birds" || return 1
    ! screen | grep -q "cannot run\|  ! " || { screen; return 1; }
    keys F10
}

check run_refuses_a_missing_dataset missing_dataset
check run_refuses_missing_weights missing_weights
check run_refuses_weights_of_another_width weights_of_another_width
check run_refuses_an_init_from_that_names_nothing init_from_names_nothing
check run_refuses_a_sweep_with_one_bad_combination sweep_with_one_bad_combination
check lab_refuses_the_job_and_shows_the_problem_on_the_key lab_queue_and_editor
finish
