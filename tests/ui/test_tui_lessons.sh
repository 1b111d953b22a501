#!/usr/bin/env bash
# test_tui_lessons — the Lessons screen (tab 7) driven through tmux at
# 80x24, on a fixture store (the figures README measured, written by
# `test_famruns --write-store`, moved onto a tiny generated dataset) whose
# scratch run is taken away: every lesson with its state and margin, the
# selected one's rule, figures and next step, the family's wall time; Enter
# on a lesson with nothing missing says so, Enter on L0 queues the missing
# scratch run (a tiny preset named demo_scratch) and, once it has run, L0
# reads it from the store; d switches to another dataset's runs; under
# NO_COLOR in an ASCII locale it draws no colour and ASCII only; the help
# lists the screen's keys.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/lib.sh
tmux_lab tui_lessons 3 10 lab
for role in ft_last_layer scratch; do
    tiny_preset "$tmp/presets/demo/$role.ini" "$tmp/birds" 20 experiment.name=demo_$role \
        experiment.threads=1 || exit 1
done
"$(dirname "$FINELAB")/tests/src/report/test_famruns" --write-store "$tmp/runs" || exit 1
sed -i "s|^dataset = data/demo\$|dataset = $tmp/birds|" "$tmp"/runs/*/preset.ini
rm -rf "$tmp"/runs/*-demo_scratch

tab_7_lists_the_lessons() {
    lab_start lab "LANG=C.UTF-8 TERM=xterm-256color"
    wait_for "Presets:" || return 1
    screen | grep -q "^ 1 Presets  *2 Editor .* 7 Lessons  *8 Study" || { screen; return 1; }
    keys 7
    wait_for "^Lessons: the tutorial's, checked on $tmp/runs" 5 || return 1
    wait_for "^> L0 transfer decides  *runs missing  *-  *demo$" 5 &&
        wait_for "^  L2 stage 2 beats stage 1  *does not show  *0.9 SE  *demo$" 5 &&
        wait_for "^  L5 resolution matters, dim barely  *shows  *5.0 SE  *demo$" 5 &&
        wait_for "^  L6 weight decay: no gain  *does not show  *0.6 SE" 5 || return 1
    wait_for "^missing:  scratch$" 5 &&
        wait_for '^next:     `finelab run presets/demo/scratch.ini`$' 5 &&
        wait_for "Enter queues the missing runs here" 5 &&
        wait_for "^demo family on $tmp/birds: 13 of 14 runs; wall" 5 &&
        wait_for "EnterQueue dDataset" 5
}
selected_lesson_in_detail() {
    keys Down Down Down Down Down # L5
    wait_for "^> L5 " 5 || return 1
    wait_for "^L5 resolution matters, dim barely: the top resolution" 5 &&
        wait_for "^tutorial: 448 -> 224 px costs ~10 points; 8192 -> 1024 very little" 5 &&
        wait_for "^margin:   224 px vs 112 px: +13.84 points, 5.0 SE" 5
}
enter_with_nothing_missing() {
    keys Up Up Up Up # L1
    wait_for "^> L1 stage 1 overfits  *not measured" 5 || return 1
    keys Enter
    wait_for "L1 stage 1 overfits: no run is missing (it is not measured)" 5
}
enter_queues_the_missing_run() {
    keys Up # L0
    wait_for "^> L0 transfer decides  *runs missing" 5 || return 1
    keys Enter
    # The queue's line, or on a fast machine already the run's own end,
    # which replaces it on the status line.
    wait_for "L0: queued 1 missing run (scratch)\|-demo_scratch done: " 5 || return 1
    # It trains on the engine thread; once the store has it, L0 reads it.
    wait_for "^> L0 transfer decides  *\(shows\|does not show\)  *[0-9.]* SE  *demo$" 90 ||
        return 1
    ls "$tmp"/runs/*-demo_scratch/status.ini >/dev/null &&
        grep -q "state = done" "$tmp"/runs/*-demo_scratch/status.ini || return 1
    keys Enter
    wait_for "L0 transfer decides: no run is missing (it \(shows\|does not show\))" 5
}
d_switches_the_dataset() {
    # Stage 1 again on another dataset: a group of its own, the newest.
    local to=$tmp/runs/99991231-000000-demo_ft_last_layer # the newest id
    cp -r "$(ls -d "$tmp"/runs/20261201-*-demo_ft_last_layer)" "$to" &&
        sed -i "s|^dataset = .*|dataset = $tmp/other|" "$to/preset.ini" || return 1
    wait_for "^  lesson .* family  *d: 2 datasets$" 10 || return 1 # the store reread
    keys d
    wait_for "^demo family on $tmp/other: 1 of 5 runs" 10 || return 1
    wait_for "^> L0 transfer decides  *runs missing" 5 &&
        wait_for "^  L1 stage 1 overfits  *not measured" 5 || return 1
    keys d d # $tmp/birds, then the newest complete group again
    wait_for "lessons on the newest complete group" 5
}
no_colour_and_ascii() {
    lab_start plain "NO_COLOR=1 LANG=C TERM=xterm-256color"
    plain_screen plain 7 "^  L5 resolution matters" || return 1
    echo "$plain" | grep -q "^--------------------------------------------------------------------------------$" ||
        { echo "$plain"; return 1; }
    T send-keys -t plain F10
}
help_lists_the_keys() {
    T resize-window -t lab -x 170 -y 70
    keys ?
    wait_for "Lessons *$" 5 &&
        wait_for "Enter  *queue the selected lesson's missing runs" 5 &&
        wait_for "d  *the next dataset with runs" 5 &&
        wait_for "7  *Lessons: the tutorial's lessons checked on the run store" 5
}

check tab_7_lists_the_lessons tab_7_lists_the_lessons
check selected_lesson_in_detail selected_lesson_in_detail
check enter_with_nothing_missing enter_with_nothing_missing
check enter_queues_the_missing_run enter_queues_the_missing_run
check d_switches_the_dataset d_switches_the_dataset
check no_colour_and_ascii no_colour_and_ascii
check help_lists_the_keys help_lists_the_keys
finish
