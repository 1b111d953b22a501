#!/usr/bin/env bash
# test_tui — the terminal lab driven through tmux as a user would: start it
# at 100x30 on a tiny generated dataset, pick a preset, edit a value and
# save, start the run, see the monitor's curves and the final accuracy,
# open Compare and Help; resize to 80x24, to 40x10 (too small) and back;
# start with TERM=dumb (headless fallback); hang up the terminal during a
# run and check that the run still finishes in the run store; from the repo
# root with no --presets, the shipped presets are listed, demo family first.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/lib.sh
tmux_lab tui 3 10 lab
preset() { # name max_iter
    tiny_preset "$tmp/presets/demo/$1.ini" "$tmp/birds" "$2" "experiment.description=$1 test preset" \
        experiment.threads=1 solver.test_interval=20 solver.display=5
}
preset a_quick 40
preset b_long 600

presets_screen_lists_presets() {
    lab_start lab "LANG=C.UTF-8 TERM=xterm-256color" 100 30
    wait_for "a_quick" && wait_for "b_long" && screen | grep -q "1 Presets"
}
editor_edits_and_saves() {
    keys Enter
    wait_for "Editing .*a_quick.ini" || return 1
    edit_key experiment.description "edited by tmux" || return 1
    keys F2
    wait_for "saved " && grep -q "edited by tmux" "$tmp/presets/demo/a_quick.ini"
}
editor_refuses_bad_value() {
    # Type an out-of-range number of BLAS threads (the row below the
    # description): the error shows, nothing changes.
    keys Down Enter
    for _ in $(seq 5); do keys BSpace; done
    keys 999
    wait_for "expects" || return 1
    keys Escape
    ! grep -q "threads = 999" "$tmp/presets/demo/a_quick.ini"
}
run_shows_curves_and_final_accuracy() {
    keys Escape 1
    wait_for "Presets:" || return 1
    keys r
    wait_for "loss: train" 60 || return 1
    wait_for "final test accuracy" 180 || return 1
    ls "$tmp"/runs/*a_quick*/status.ini >/dev/null && grep -q "state = done" "$tmp"/runs/*a_quick*/status.ini
}
runs_and_compare_screens() {
    keys 3
    wait_for "Runs: 1 in" || return 1
    wait_for "done" || return 1
    keys Space 5
    wait_for "Compare" || return 1
    keys F1
    wait_for "everywhere"
}
resize_and_too_small() {
    T resize-window -t lab -x 80 -y 24
    wait_for "1 Presets" || return 1
    T resize-window -t lab -x 40 -y 10
    wait_for "terminal too small" || return 1
    T resize-window -t lab -x 100 -y 30
    wait_for "1 Presets"
}
quit_cleanly() {
    keys F10
    sleep 0.5
    ! pgrep -f "^$FINELAB --presets $tmp/presets " >/dev/null
}
dumb_terminal_falls_back_to_headless() {
    mkdir -p "$tmp/dumb/presets/demo"
    cp "$tmp/presets/demo/a_quick.ini" "$tmp/dumb/presets/demo/default.ini"
    (cd "$tmp/dumb" && TERM=dumb script -qec "$FINELAB --runs-dir $tmp/dumb/runs" /dev/null) \
        > "$tmp/dumb.out" 2>&1
    grep -q "TERM is dumb" "$tmp/dumb.out" && grep -q "final test accuracy" "$tmp/dumb.out" ||
        return 1
    # Without its generated dataset the default preset says how to make it.
    mkdir -p "$tmp/nodata/presets/demo"
    sed "s|^dataset = .*|dataset = $tmp/nodata/missing|" "$tmp/presets/demo/a_quick.ini" \
        > "$tmp/nodata/presets/demo/default.ini"
    (cd "$tmp/nodata" && TERM=dumb "$FINELAB" --runs-dir "$tmp/nodata/runs" < /dev/null) \
        > "$tmp/nodata.out" 2>&1
    local rc=$?
    [ $rc -eq 2 ] && grep -q "needs the dataset $tmp/nodata/missing, which is missing; \`make demo-data\`" \
        "$tmp/nodata.out" || { echo "rc $rc: $(cat "$tmp/nodata.out")"; return 1; }
}
# From the repository root with no --presets: the shipped presets, the demo
# family (the embedded default) first, stage 1 at its top
# (test_tui_start.sh checks the whole order).
shipped_presets_demo_first() {
    T new-session -d -s lab3 -x 100 -y 30 \
        "cd $PWD && LANG=C.UTF-8 TERM=xterm $FINELAB --runs-dir $tmp/runs3; sleep 30"
    local s=""
    for _ in $(seq 100); do
        s=$(T capture-pane -p -t lab3)
        echo "$s" | grep -q "demo_ft_last_layer" && echo "$s" | grep -q "backbone_w025" && break
        sleep 0.1
    done
    T send-keys -t lab3 F10
    echo "$s" | grep -q "demo_res_dim .* x12" || { echo "$s"; return 1; }
    [ "$(echo "$s" | awk '/^name /{getline; print $1; exit}')" = demo_ft_last_layer ] ||
        { echo "$s"; return 1; }
}
hangup_keeps_the_run_going() {
    T new-session -d -s lab2 -x 100 -y 30 \
        "cd $tmp && TERM=xterm $FINELAB --presets $tmp/presets --runs-dir $tmp/runs2"
    for _ in $(seq 100); do T capture-pane -p -t lab2 | grep -q "b_long" && break; sleep 0.1; done
    T send-keys -t lab2 Down r
    local run=""
    for _ in $(seq 100); do
        run=$(ls -d "$tmp"/runs2/*b_long* 2>/dev/null | head -1)
        [ -n "$run" ] && [ "$(wc -l < "$run/metrics.tsv")" -gt 2 ] && break
        sleep 0.1
    done
    [ -n "$run" ] || return 1
    # Hang up the terminal mid-run: finelab stops drawing but the run finishes.
    local pid
    pid=$(pgrep -f "^$FINELAB --presets $tmp/presets --runs-dir $tmp/runs2" | head -1)
    T kill-session -t lab2
    sleep 0.5
    kill -0 "$pid" 2>/dev/null || grep -q "state = done" "$run/status.ini" ||
        { echo "finelab died with the terminal"; return 1; }
    for _ in $(seq 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    ! kill -0 "$pid" 2>/dev/null && grep -q "state = done" "$run/status.ini" &&
        grep -q "final_accuracy = 0" "$run/status.ini"
}

check presets_screen_lists_presets presets_screen_lists_presets
check editor_edits_and_saves editor_edits_and_saves
check editor_refuses_bad_value editor_refuses_bad_value
check run_shows_curves_and_final_accuracy run_shows_curves_and_final_accuracy
check runs_and_compare_screens runs_and_compare_screens
check resize_and_too_small resize_and_too_small
check quit_cleanly quit_cleanly
check dumb_terminal_falls_back_to_headless dumb_terminal_falls_back_to_headless
check shipped_presets_demo_first shipped_presets_demo_first
check hangup_keeps_the_run_going hangup_keeps_the_run_going
finish
