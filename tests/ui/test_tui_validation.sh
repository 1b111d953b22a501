#!/usr/bin/env bash
# test_tui_validation — a run with a validation split in the lab, driven
# through tmux: the Runs screen's best column gives the best validation
# pass and the test split's figure (v.. t..), the Monitor's header names
# both and its charts call the held-out curve val, Compare has the test
# split's row beside the held-out rows named val, and the Grid of a sweep
# chosen on validation says so and gives the selected run's test figure.
# The same from the shell: runs, show and compare.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/lib.sh
tmux_lab tui_validation 3 10 lab
tiny_preset "$tmp/v.ini" "$tmp/birds" 40 experiment.name=tiny_val experiment.threads=1 \
    data.val=0.4 || exit 1
{ cat "$tmp/v.ini"; printf '[sweep]\nsolver.base_lr = 0.01, 0.001\n'; } |
    sed 's/^name = tiny_val/name = tiny_valsw/' >"$tmp/sw.ini"
"$FINELAB" run "$tmp/v.ini" --runs-dir "$tmp/runs" >"$tmp/run.out" 2>&1 || exit 1
"$FINELAB" run "$tmp/sw.ini" --runs-dir "$tmp/runs" >/dev/null 2>&1 || exit 1
id=$(ls "$tmp/runs" | grep -- "-tiny_val$")

T new-session -d -s lab -x 160 -y 40 \
    "cd $tmp && LANG=C.UTF-8 TERM=xterm-256color $FINELAB --presets $tmp/presets --runs-dir $tmp/runs; sleep 30"

shell_says_val_and_test() {
    grep -q "^final val accuracy: [0-9.]*% (best [0-9.]*%); test accuracy [0-9.]*% on the best validation pass's weights$" \
        "$tmp/run.out" || { cat "$tmp/run.out"; return 1; }
    "$FINELAB" runs --runs-dir "$tmp/runs" | grep -q "$id .* val [0-9.]*% *val [0-9.]*% *[0-9.]*%" ||
        return 1
    "$FINELAB" show "$id" --runs-dir "$tmp/runs" >"$tmp/show.out" || return 1
    grep -q "best val [0-9.]*%  final val [0-9.]*%" "$tmp/show.out" &&
        grep -q "^validation: 6 images held out .* read once on the weights of iteration [0-9]*: test [0-9.]*%" "$tmp/show.out" &&
        grep -q "^val accuracy % by iteration" "$tmp/show.out" || { cat "$tmp/show.out"; return 1; }
    "$FINELAB" compare "$id" --runs-dir "$tmp/runs" --all | grep -q "^test acc" || return 1
    "$FINELAB" compare "$id" --runs-dir "$tmp/runs" --all | grep -q "^best held-out *val [0-9.]*%"
}
runs_and_monitor_name_the_split() {
    wait_for "Presets:" || return 1
    keys 3
    wait_for "Runs: 3 in" || return 1
    wait_for "tiny_val  *done .* v[0-9.]* t[0-9.]*" 5 || { screen; return 1; }
    keys Enter # the first run: tiny_val
    wait_for "tiny_val  \[done\].* best val [0-9.]*%  test [0-9.]*%" 5 || return 1
    screen | grep -q "o val" || { screen; return 1; }
}
compare_has_the_test_row() {
    keys 5
    wait_for "Compare: 3 runs" || return 1
    wait_for "test acc" 5 && wait_for "val [0-9.]*%" 5 || { screen; return 1; }
    wait_for "val accuracy % by iteration" 5
}
grid_chooses_on_val() {
    keys 6
    wait_for "Grid: sweep of tiny_valsw, 2 runs; best val accuracy per cell" 5 || return 1
    wait_for "^what mattered (range of the mean best val accuracy per key)" 5 || return 1
    wait_for "^selected: .*tiny_valsw .*val [0-9.]*%  test [0-9.]*%" 5
}

check shell_says_val_and_test shell_says_val_and_test
check runs_and_monitor_name_the_split runs_and_monitor_name_the_split
check compare_has_the_test_row compare_has_the_test_row
check grid_chooses_on_val grid_chooses_on_val
finish
