#!/usr/bin/env bash
# test_tui_nocolor — the lab under NO_COLOR=1, driven through tmux at
# 100x30 on two finished tiny runs, tested at iterations 0-40 every 10 and
# every 20: no colour reaches the terminal, the Monitor draws every test
# point as the legend's `o` in each glyph set (braille, block, ASCII), and
# Compare draws each run's points with the mark its legend gives the run.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/lib.sh
tmux_lab tui_nocolor 3 10 lab
# lr_0.01 tests every 10 iterations, so Compare has points of its own (at
# 10 and 30) whatever the accuracies: a tiny net at chance tests alike on
# both runs, and the later run's mark covers the earlier's where they meet.
for lr in 0.01 0.02; do
    every=20
    [ "$lr" = 0.01 ] && every=10
    tiny_preset "$tmp/presets/demo/lr_$lr.ini" "$tmp/birds" 40 experiment.threads=1 \
        solver.base_lr=$lr solver.test_interval=$every solver.display=5
done

# The plot cells of every chart on screen: what follows the y axis, the
# "|" in column 9 (the labels left of it are ASCII, so bytes are columns).
plot_cells() { screen | awk 'substr($0, 9, 1) == "|" { print substr($0, 10) }'; }
count() { # character: how many plot cells show it
    plot_cells | grep -o -- "$1" | wc -l
}
# until CONDITION... holds, for up to 10 s; prints the screen when it never does.
wait_until() {
    for _ in $(seq 100); do
        "$@" && return 0
        sleep 0.1
    done
    echo "--- never true: $*; the screen was:"; screen
    return 1
}
header_says() { screen | grep -q -- "$1"; }

runs_with_test_points() {
    local f
    for f in "$tmp"/presets/demo/*.ini; do
        "$FINELAB" run "$f" --runs-dir "$tmp/runs" >/dev/null || return 1
    done
    [ "$(grep -c "	test	" "$tmp"/runs/*lr_0.02*/metrics.tsv)" -eq 3 ]
}
start_lab_without_colour() {
    T new-session -d -s lab -x 100 -y 30 \
        "cd $tmp && NO_COLOR=1 LANG=C.UTF-8 TERM=xterm-256color $FINELAB --presets $tmp/presets --runs-dir $tmp/runs; sleep 30"
    wait_until header_says "lr_0.01"
}
no_colour_reaches_the_terminal() {
    keys 4
    wait_until header_says "glyphs braille" || return 1
    no_colour lab
}
# Both charts (loss, accuracy) give test "o" in their legends, and the plot
# shows it on the three test points of each: exactly those six cells where
# the lines are dots, at least those where ASCII draws the test line with it.
marks_six() { [ "$(count o)" -eq 6 ]; }
marks_six_or_more() { [ "$(count o)" -ge 6 ]; }
monitor_marks_test_points() { # glyph set, its condition on the marks
    wait_until header_says "glyphs $1" || return 1
    [ "$(screen | grep -c "  o test")" -eq 2 ] || { screen; return 1; }
    wait_until "$2"
}
monitor_braille() { monitor_marks_test_points braille marks_six; }
monitor_block() { keys g; monitor_marks_test_points block marks_six; }
monitor_ascii() { keys g; monitor_marks_test_points ascii marks_six_or_more; }
# Compare's overlay of the two runs' test accuracy in braille: each run's
# legend mark ("*" for the first in table order, "o" for the second) on its
# points. Where both runs tested alike (iteration 0 always: same weights)
# the later mark covers the other, so: both marks, on three points or more.
compare_marks() { [ "$(count '\*')" -ge 1 ] && [ "$(count o)" -ge 1 ] && [ "$(count '[*o]')" -ge 3 ]; }
compare_marks_each_run() {
    keys g 5
    wait_until header_says "Compare: 2 runs" || return 1
    screen | grep -q "one mark per run (t: loss):  \* [^ ]*lr_0.01  o [0-9]" ||
        { screen; return 1; }
    wait_until compare_marks
}

check runs_with_test_points runs_with_test_points
check start_lab_without_colour start_lab_without_colour
check no_colour_reaches_the_terminal no_colour_reaches_the_terminal
check monitor_braille_marks_test_points monitor_braille
check monitor_block_marks_test_points monitor_block
check monitor_ascii_marks_test_points monitor_ascii
check compare_marks_each_run compare_marks_each_run
finish
