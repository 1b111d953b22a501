#!/usr/bin/env bash
# test_tui_lrfind — the range test in the lab, driven through tmux: L on the
# Presets screen opens the LR find view, which draws the curve and the three
# suggestions once the test has run on the engine thread; Enter forks the
# preset with the selected rate (presets/user/<name>_lr<rate>.ini, opened in
# the editor); L in the editor tests the form, Enter there writes the rate
# into the form (marked changed, the file untouched until F2); Esc goes back
# where the view was opened from; a test queued behind a training run waits
# for it and s takes it out of the queue; the Monitor's f on a run the
# diagnosis reads as under-trained opens the view on the run's preset and
# Enter forks it with the rate; the help lists the keys; and nothing of it
# reaches the run store.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/lib.sh
tmux_lab tui_lrfind 3 10 lab
tiny_preset "$tmp/presets/demo/tiny_lr.ini" "$tmp/birds" 40 experiment.name=tiny_lr \
    experiment.threads=1 || exit 1
# A finished run the diagnosis reads as under-trained (a rate far too low
# for a head that can fit its training vectors): its fork is the range
# test's rate.
tiny_preset "$tmp/ut.ini" "$tmp/birds" 40 experiment.name=tiny_ut experiment.threads=1 \
    model.bilinear_dim=64 transfer.mode=last_layer model.weights=none solver.base_lr=0.000001 \
    solver.lr_policy=step solver.stepsize=20 solver.gamma=0.1 solver.test_interval=10 || exit 1
"$FINELAB" run "$tmp/ut.ini" --runs-dir "$tmp/runs" >/dev/null 2>&1 || exit 1
# Trains long enough (about 10 s on a Zen 5 core, 800 iterations took 0.7 s)
# for a test to wait behind it; the test stops it.
tiny_preset "$tmp/presets/demo/tiny_long.ini" "$tmp/birds" 12000 experiment.name=tiny_long \
    experiment.threads=1 solver.test_interval=100 || exit 1

T new-session -d -s lab -x 110 -y 32 \
    "cd $tmp && LANG=C.UTF-8 TERM=xterm-256color $FINELAB --presets $tmp/presets --runs-dir $tmp/runs; sleep 30"

# select_preset NAME: the Presets screen with NAME selected.
select_preset() {
    keys 1
    wait_for "^Presets: " 5 && wait_for "^$1 " 5 || return 1
    keys $(printf 'Up %.0s' $(seq 20))
    local n; n=$(screen | awk '/^name /{on=1; next} on && NF {print $1}' | grep -n "^$1$" | cut -d: -f1)
    [ -n "$n" ] || { screen; return 1; }
    for _ in $(seq $((n - 1))); do keys Down; done
    sleep 0.3
}
# suggestion NAME: the rate the view shows for suggestion NAME.
suggestion() { screen | sed -n "s/^. [SVM] $1 *\([0-9.e+-]*\) .*/\1/p" | head -1; }

l_opens_the_view_with_the_curve() {
    select_preset tiny_lr || return 1
    keys L
    wait_for "^LR find: tiny_lr  lr 1e-05 .. 1000, 100 iterations, on the network  (.*presets/demo/tiny_lr.ini)" 10 || return 1
    wait_for "^stopped at iteration [0-9]* of 100 (lr [0-9.e+-]*): \|^ran all 100 iterations" 30 || return 1
    wait_for "raw .*smoothed .*S steepest .*V valley .*M min/10" 5 &&
        wait_for "^suggestions, iterations 10 \.\. [0-9]* of the smoothed loss:" 5 &&
        wait_for "^> S steepest " 5 && wait_for "^  M min/10 " 5 &&
        wait_for "1e-5 .* 1000" 5 && wait_for "EnterWrite rAgain sStop EscBack" 5
}
enter_forks_the_rate() {
    local lr; lr=$(suggestion steepest)
    [ -n "$lr" ] || { screen; return 1; }
    keys Enter
    wait_for "name of the new preset: tiny_lr_lr$lr" 5 || return 1
    keys Enter
    wait_for "Editing .*presets/user/tiny_lr_lr$lr.ini" 5 || return 1
    grep -qx "base_lr = $lr" "$tmp/presets/user/tiny_lr_lr$lr.ini" ||
        { cat "$tmp/presets/user/tiny_lr_lr$lr.ini"; return 1; }
}
editor_l_writes_into_the_form() {
    local file; file=$(ls "$tmp"/presets/user/tiny_lr_lr*.ini)
    local before; before=$(grep "^base_lr" "$file")
    keys L
    wait_for "^LR find: tiny_lr_lr.*  (the editor's form)" 5 || return 1
    wait_for "^stopped at iteration\|^ran all" 30 || return 1
    keys Down
    wait_for "^> V valley " 5 || return 1
    local lr; lr=$(suggestion valley)
    keys Enter
    wait_for "Editing .*tiny_lr_lr.*(modified)" 5 || return 1
    wait_for "^\*+ solver.base_lr *= $lr$" 5 || return 1
    wait_for "solver.base_lr=$lr (valley); F2 saves it" 5 || return 1
    [ "$(grep "^base_lr" "$file")" = "$before" ] || { echo "written before F2"; return 1; }
    keys F2
    wait_for "saved .*tiny_lr_lr" 5 && grep -qx "base_lr = $lr" "$file"
}
esc_goes_back() {
    keys L
    wait_for "^LR find: " 5 || return 1
    wait_for "^stopped at iteration\|^ran all" 30 || return 1
    keys Escape
    wait_for "^Editing " 5 || return 1
    select_preset tiny_lr || return 1
    keys L
    wait_for "^LR find: tiny_lr " 5 && wait_for "^stopped at iteration\|^ran all" 30 || return 1
    keys Escape
    wait_for "^Presets: " 5
}
waits_behind_a_run_and_s_unqueues() {
    select_preset tiny_long || return 1
    keys r
    wait_for "tiny_long  \[running\]" 10 || return 1
    select_preset tiny_lr || return 1
    keys L
    wait_for "^waiting for the engine: tiny_long runs now" 5 || return 1
    keys s
    wait_for "LR find: press L on a preset" 5 || return 1
    keys 4
    wait_for "tiny_long  \[running\]" 5 || return 1
    keys s # stop the run: it has had its say
    wait_for "tiny_long  \[stopped\]" 30
}
monitor_f_runs_the_test_for_an_under_trained_run() {
    keys 3
    wait_for "^Runs: " 5 || return 1
    keys $(printf 'Up %.0s' $(seq 10)) Enter # the oldest run, tiny_ut
    wait_for "tiny_ut  \[done\]" 5 || return 1
    wait_for "^diagnosis: under-trained" 10 || return 1
    keys f
    wait_for "^LR find: tiny_ut  lr 1e-05 .. 1000, 300 iterations, on the feature cache  (/" 5 || return 1
    wait_for "^stopped at iteration\|^ran all" 30 || return 1
    local lr; lr=$(suggestion steepest)
    [ -n "$lr" ] || { screen; return 1; }
    keys Enter
    wait_for "name of the new preset: tiny_ut_lr$lr" 5 || return 1
    keys Enter
    wait_for "Editing .*presets/user/tiny_ut_lr$lr.ini" 5 &&
        grep -qx "base_lr = $lr" "$tmp/presets/user/tiny_ut_lr$lr.ini"
}
help_lists_the_keys() {
    T resize-window -t lab -x 170 -y 70 # every group: two columns
    keys F1
    wait_for "L  *learning-rate range test of the preset" 5 &&
        wait_for "L  *learning-rate range test of the form" 5 &&
        wait_for " LR find *$" 5 &&
        wait_for "Enter  *write the selected rate" 5
}
no_run_from_the_tests() {
    # Only the two training runs are in the store (and cache/, the feature
    # caches they share); no lr-find left anything.
    [ "$(ls "$tmp/runs" | grep -v -- "-tiny_long$\|-tiny_ut$" | grep -cv "^slurm$\|^cache$")" -eq 0 ] ||
        { ls -R "$tmp/runs"; return 1; }
}

check l_opens_the_view_with_the_curve l_opens_the_view_with_the_curve
check enter_forks_the_rate enter_forks_the_rate
check editor_l_writes_into_the_form editor_l_writes_into_the_form
check esc_goes_back esc_goes_back
check waits_behind_a_run_and_s_unqueues waits_behind_a_run_and_s_unqueues
check monitor_f_runs_the_test_for_an_under_trained_run \
    monitor_f_runs_the_test_for_an_under_trained_run
check help_lists_the_keys help_lists_the_keys
check no_run_from_the_tests no_run_from_the_tests
finish
