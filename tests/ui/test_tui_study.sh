#!/usr/bin/env bash
# test_tui_study — the Study screen (tab 8) driven through tmux at 80x24, on
# a real grid sweep (4 rates x 3 bilinear dims of a tiny network, 12 runs)
# and a halving sweep (the tab bar closes up to show the engine's idle): the parallel coordinates name an axis per swept key
# and the two accuracies and draw the best trial apart; < and > reorder the
# axes; [ and ] brush the selected axis to the selected trial's value and
# the lines and table keep only the trials there (as many as `finelab study
# --csv` has with that value), x clears it; Enter opens the selected
# trial's run in the Monitor; v shows the slice, the history and the
# importance; e writes the view shown as runs/plots/<sweep>-<view>.png; the selected run's sweep is the one shown (a halving sweep
# picked on screen 3); under NO_COLOR in an ASCII locale no colour and
# ASCII only; the help lists the screen's keys.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/lib.sh
tmux_lab tui_study 3 6
cd "$tmp" || exit 1
tiny_preset g.ini birds 40 experiment.threads=1 experiment.name=g || exit 1
printf '[sweep]\n%s\n%s\n' 'solver.base_lr = 0.1, 0.03, 0.01, 0.003' \
    'model.bilinear_dim = 32, 64, 128' >>g.ini
"$FINELAB" run g.ini --runs-dir runs --progress 0 >g.log 2>&1 || { cat g.log; exit 1; }
tiny_preset h.ini birds 40 experiment.threads=1 experiment.name=h || exit 1
printf '[sweep]\nstrategy = halving\nmin_iter = 20\neta = 2\n%s\n' \
    'solver.base_lr = 0.03, 0.01, 0.003, 0.001' >>h.ini
"$FINELAB" run h.ini --runs-dir runs --progress 0 >h.log 2>&1 || { cat h.log; exit 1; }
"$FINELAB" study g --runs-dir runs --csv >g.csv || exit 1

parallel_coordinates() {
    lab_start lab "LANG=C.UTF-8 TERM=xterm-256color"
    wait_for "Presets:" || return 1
    # at 80 columns the tabs close up so that the engine's state fits beside them
    screen | grep -q "^ 1 Presets 2 Editor .* 7 Lessons 8 Study  *idle$" || { screen; return 1; }
    keys 8
    wait_for "^Study: parallel coordinates, 12 of 12 trials; sweep g$" 5 &&
        wait_for "^ *\[base_lr\] *bilinear_dim *held-out *test *$" 5 &&
        wait_for "^ *0.1 *128 " 5 && wait_for "^ *0.003 *32 " 5 &&
        wait_for "^ trial  state      rung  held-out     test  params" 5 &&
        wait_for "^ *[0-9]*\*  complete    1/1 " 5 || return 1
    [ "$(screen | grep -c '\*')" -ge 3 ] || { screen; return 1; } # the best line's marks
}
reorder_axes() {
    keys '>'
    wait_for "^ *bilinear_dim *\[base_lr\] *held-out *test *$" 5 || return 1
    keys '<' Right
    wait_for "^ *base_lr *\[bilinear_dim\] *held-out *test *$" 5
}
brush_filters() {
    keys Down Down
    keys '[' ']'
    wait_for "brush on bilinear_dim: [0-9]* \.\. [0-9]*$" 5 || return 1
    local dim
    dim=$(screen | sed -n 's/.*brush on bilinear_dim: \([0-9]*\) \.\. \1$/\1/p' | tail -1)
    [ -n "$dim" ] || { screen; return 1; }
    local want
    want=$(awk -F, -v d="$dim" 'NR > 1 && $0 != "" && $9 == d' g.csv | wc -l)
    [ "$want" -eq 4 ] || { echo "g.csv has $want trials of dim $dim"; cat g.csv; return 1; }
    wait_for "^Study: parallel coordinates, 4 of 12 trials; sweep g$" 5 || return 1
    # every row the table shows is a trial of that dim
    local t
    for t in $(screen | sed -n '/^ trial  state/,$p' | awk '$2 == "complete" {print $1}' | tr -d '*'); do
        [ "$(awk -F, -v t="$t" 'NR > 1 && $1 == t {print $9}' g.csv)" = "$dim" ] ||
            { echo "trial $t is not of dim $dim"; screen; return 1; }
    done
    keys x
    wait_for "^Study: parallel coordinates, 12 of 12 trials; sweep g$" 5
}
enter_opens_the_run() {
    keys Up Up Up Down
    local trial run
    sleep 0.5
    trial=$(screen | sed -n '/^ trial  state/,$p' | sed -n 3p | awk '{print $1}' | tr -d '*')
    run=$(awk -F, -v t="$trial" 'NR > 1 && $1 == t {print $NF}' g.csv)
    [ -n "$run" ] || { screen; cat g.csv; return 1; }
    keys Enter
    wait_for "^$(basename "$run")  \[done\]" 5 || return 1
    keys 8
    wait_for "^Study: parallel coordinates, 12 of 12 trials; sweep g$" 5
}
other_views() {
    keys v
    wait_for "^Study: slice, 12 of 12 trials; sweep g$" 5 &&
        wait_for "held-out % against model.bilinear_dim" 5 &&
        wait_for "^ *32 *64 *128 *$" 5 || return 1
    keys v
    wait_for "^Study: history, " 5 && wait_for "^against trials" 5 &&
        wait_for "^against iterations spent" 5 || return 1
    keys v
    wait_for "^Study: importance, " 5 &&
        wait_for "^importance: \(fANOVA over the 12 trials\|not ranked\)" 5 || return 1
    keys v
    wait_for "^Study: parallel coordinates, " 5
}
e_writes_the_view() {
    keys e
    wait_for "wrote $tmp/runs/plots/g-parallel.png" 5 && [ -s runs/plots/g-parallel.png ] || return 1
    keys v e
    wait_for "wrote $tmp/runs/plots/g-slice.png" 5 && [ -s runs/plots/g-slice.png ] || return 1
    keys v v v
    wait_for "^Study: parallel coordinates, " 5
}
a_halving_sweep() {
    keys 3
    wait_for "^Runs:" 5 || return 1
    keys PgDn PgDn PgDn
    sleep 0.5
    keys 8
    wait_for "^Study: parallel coordinates, 4 of 4 trials; halving sweep hal" 5 &&
        wait_for "^ *\[base_lr\] *held-out *test *$" 5 &&
        wait_for "^ *[0-9]  *waiting  *1/2 " 5 && wait_for "^ *[0-9]\*  *complete  *2/2 " 5
}
help_lists_the_keys() {
    T resize-window -t lab -x 170 -y 70
    keys ?
    wait_for "Study *$" 5 &&
        wait_for "\[  *brush the axis from the selected trial's place up" 5 &&
        wait_for "v  *parallel coordinates, slice, history, importance" 5 &&
        wait_for "8  *Study: a sweep's trials, their importance and history" 5
}
no_colour_and_ascii() {
    lab_start plain "NO_COLOR=1 LANG=C TERM=xterm-256color"
    plain_screen plain 8 "^ trial  state" || return 1
    echo "$plain" | grep -q "^ *\[base_lr\] *bilinear_dim *held-out *test *$" || { echo "$plain"; return 1; }
    T send-keys -t plain F10
}

check parallel_coordinates parallel_coordinates
check reorder_axes reorder_axes
check brush_filters brush_filters
check enter_opens_the_run enter_opens_the_run
check other_views other_views
check e_writes_the_view e_writes_the_view
check a_halving_sweep a_halving_sweep
check help_lists_the_keys help_lists_the_keys
check no_colour_and_ascii no_colour_and_ascii
finish
