#!/usr/bin/env bash
# test_tui_diagnosis — the diagnosis in the lab, driven through tmux: the
# Monitor of a run that diverged shows the diagnosis line under its charts
# with the fork it suggests, and f writes presets/user/<name>_lower_lr.ini
# with the lower learning rate and opens it in the editor; the Compare
# screen has a diagnosis column naming each run's findings; the Monitor of
# a run training in the lab shows the line while it trains and, once done,
# what `finelab show` says (the line is redrawn with the curves); the Grid
# screen of a sweep says which swept key mattered most.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/lib.sh
tmux_lab tui_diagnosis 3 10 lab
tiny_preset "$tmp/a.ini" "$tmp/birds" 40 experiment.name=tiny_a experiment.threads=1 || exit 1
tiny_preset "$tmp/presets/demo/tiny_boom.ini" "$tmp/birds" 40 experiment.name=tiny_boom \
    experiment.threads=1 solver.base_lr=100 || exit 1
# Trains long enough (about 10 s) to be watched.
tiny_preset "$tmp/presets/demo/tiny_long.ini" "$tmp/birds" 800 experiment.name=tiny_long \
    experiment.threads=1 solver.test_interval=100 || exit 1
"$FINELAB" run "$tmp/a.ini" --runs-dir "$tmp/runs" >/dev/null 2>&1 || exit 1
"$FINELAB" run "$tmp/presets/demo/tiny_boom.ini" --runs-dir "$tmp/runs" >/dev/null 2>&1 # diverges

T new-session -d -s lab -x 160 -y 40 \
    "cd $tmp && LANG=C.UTF-8 TERM=xterm-256color $FINELAB --presets $tmp/presets --runs-dir $tmp/runs; sleep 30"

monitor_shows_the_diagnosis() {
    wait_for "tiny_boom" || return 1
    keys 3
    wait_for "Runs: 2 in" || return 1
    keys Down Enter # the second run, tiny_boom
    wait_for "^diagnosis: diverging - the run stopped as diverged at iteration [0-9]" &&
        wait_for "^f: fork with solver.base_lr=10 (diverging)   next: lower the learning rate"
}
f_forks_the_preset_with_the_change() {
    keys f
    wait_for "name of the new preset:" || return 1
    screen | grep -q "tiny_boom_lower_lr" || { screen; return 1; }
    keys Enter
    wait_for "Editing .*presets/user/tiny_boom_lower_lr.ini" || return 1
    grep -q "^base_lr = 10$" "$tmp/presets/user/tiny_boom_lower_lr.ini" ||
        { cat "$tmp/presets/user/tiny_boom_lower_lr.ini"; return 1; }
}
compare_has_a_diagnosis_column() {
    keys 5
    wait_for "Compare: 2 runs" || return 1
    wait_for "diagnosis" || return 1
    screen | grep -q "tiny_boom .* diverging" || { screen; return 1; }
    # The other run's cell holds its findings (or none), after its accuracies.
    screen | grep "^. 2.*-tiny_a " |
        grep -Eq "%  +(diverging|overfitting|underfitting|unstable|plateau|still improving|not enough data yet|none)" ||
        { screen; return 1; }
}
monitor_follows_a_running_run() {
    keys 1
    wait_for "tiny_long" || return 1
    local n; n=$(screen | awk '/^name /{on=1; next} on && NF {print $1}' | grep -n "^tiny_long$" | cut -d: -f1)
    [ -n "$n" ] || { screen; return 1; }
    for _ in $(seq $((n - 1))); do keys Down; done
    keys q # queue it
    keys 3
    wait_for "tiny_long  *running" 10 || return 1
    keys Down Enter # the third run: the selection was on tiny_boom
    wait_for "tiny_long  \[running\]" 5 || return 1
    wait_for "^diagnosis: " 5 || return 1
    wait_for "tiny_long  \[done\]" 60 || return 1
    # Done, the line says what `finelab show` says.
    local id kinds; id=$(ls "$tmp/runs" | grep -- "-tiny_long$")
    kinds=$("$FINELAB" show "$id" --runs-dir "$tmp/runs" | sed -n '/^diagnosis:/,$p' |
            sed -n 's/^  \([a-z][a-z ]*\): .*/\1/p' | grep -v "^compare$" | paste -sd';' | sed 's/;/; /g')
    [ -n "$kinds" ] || kinds="no problem seen"
    wait_for "^diagnosis: $kinds" 5
}

grid_says_which_key_mattered() {
    { cat "$tmp/a.ini"; printf '[sweep]\nsolver.base_lr = 0.01, 0.0001\n'; } |
        sed 's/^name = tiny_a/name = tiny_sw/' >"$tmp/sw.ini"
    "$FINELAB" run "$tmp/sw.ini" --runs-dir "$tmp/runs" >/dev/null 2>&1 || return 1
    keys 6
    wait_for "Grid: sweep of tiny_sw, 2 runs" 10 &&
        wait_for "^what mattered (range of the mean best accuracy per key): solver.base_lr [0-9.]* points (0\.0*1 [0-9.]*% \.\. 0\.0*1 [0-9.]*%)" 5
}

check monitor_shows_the_diagnosis monitor_shows_the_diagnosis
check f_forks_the_preset_with_the_change f_forks_the_preset_with_the_change
check compare_has_a_diagnosis_column compare_has_a_diagnosis_column
check monitor_follows_a_running_run monitor_follows_a_running_run
check grid_says_which_key_mattered grid_says_which_key_mattered
finish
