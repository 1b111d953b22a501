#!/usr/bin/env bash
# test_tui_start — a beginner's first minutes in the lab, driven through
# tmux from the repository root (the shipped presets) with an empty run
# store: the preset list opens on stage 1 with each family in the
# tutorial's order; a one-line hint says where to start and goes once the
# store has a run; the editor lists the tutorial's knobs first, marks a
# value that is not the default ('*') and one changed since the file was
# opened ('+'), and says which keys do nothing in the current setting.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/lib.sh
lab_init tui_start
tmux_init start

# The names in the preset list's first column, in order.
listed() { screen | awk '/^name /{on=1; next} on && NF {print $1}'; }
# The key names of the editor's rows under its first heading, marks dropped.
knob_rows() {
    screen | awk '/^\[the tutorial.s knobs\]/{on=1; next} /^\[/{on=0}
                  on {sub(/^[*+ ]+/, ""); print $1}'
}
expect() { # what want got
    [ "$2" = "$3" ] && return 0
    echo "--- $1: expected"; echo "$2"; echo "--- got"; echo "$3"; echo "--- screen:"; screen
    return 1
}

T new-session -d -s start -x 100 -y 30 \
    "cd $PWD && LANG=C.UTF-8 TERM=xterm-256color $FINELAB --runs-dir $tmp/runs; sleep 30"

list_opens_on_stage_1_in_tutorial_order() {
    wait_for "backbone_w025" || return 1
    expect "demo family" "demo_ft_last_layer demo_ft_all demo_all_direct demo_no_bilinear \
demo_scratch demo_res_dim demo_weight_decay demo_optimizer demo_augment_off demo_augment_on \
demo_lr_wd tiny_scratch" "$(listed | head -12 | xargs)" || return 1
    expect "cub family" "ft_last_layer ft_all all_direct no_bilinear res_dim_sweep \
weight_decay_sweep" "$(listed | sed -n 13,18p | xargs)" || return 1
    screen | grep -q "^file: presets/demo/ft_last_layer.ini" || { screen; return 1; }
    # The selected preset's description, which the list cuts at 80 columns, stands above it.
    screen | grep -q "^demo_ft_last_layer: stage 1: frozen shipped backbone" || { screen; return 1; }
}
first_start_hint_goes_with_the_first_run() {
    wait_for "Start here: run stage 1" || return 1
    lab_birds 3 10 || return 1
    tiny_preset "$tmp/quick.ini" "$tmp/birds" 2 experiment.threads=1 || return 1
    "$FINELAB" run "$tmp/quick.ini" --runs-dir "$tmp/runs" >"$tmp/run.out" 2>&1 ||
        { cat "$tmp/run.out"; return 1; }
    wait_gone "Start here" 10 && screen | grep -q "demo_ft_last_layer"
}
editor_lists_the_knobs_first() {
    keys Enter
    wait_for "Editing presets/demo/ft_last_layer.ini" || return 1
    expect "knobs" "transfer.mode data.resolution model.bilinear_dim solver.weight_decay \
solver.base_lr solver.lr_policy solver.max_iter solver.batch_size solver.iter_size solver.type \
model.init data.train_crop" "$(knob_rows | xargs)" &&
        screen | grep -q "^\* not the default  *+ changed since opened"
}
editor_marks_changed_values() {
    # Stage 1 keeps the default mode and changes the resolution.
    screen | grep -q "^   transfer.mode  *= last_layer$" &&
        screen | grep -q "^\*  data.resolution  *= 224$" || { screen; return 1; }
    keys Down Right
    wait_for "^\*+ data.resolution  *= 336$" || return 1
    screen | grep -q "ft_last_layer.ini  (modified)" || return 1
    keys Left # back to the value on disk: no longer changed
    wait_for "^\*  data.resolution  *= 224$" || return 1
    keys Up Right
    wait_for "^\*+ transfer.mode  *= all$"
}
editor_marks_keys_that_do_nothing() {
    # data.mean does nothing while normalize = auto follows the weights...
    select_key data.mean || return 1
    wait_for "^   mean  *= 103.939, 116.779, 123.68   (unused unless normalize = manual)$" || return 1
    screen | grep -q "^   split_seed  *= 1   (unused with split = official)$" || { screen; return 1; }
    # ... and matters once normalize (the row above) is manual.
    keys Up Right Down
    wait_for "^\*+ normalize  *= manual$" && wait_for "^   mean  *= 103.939, 116.779, 123.68$"
}

check list_opens_on_stage_1_in_tutorial_order list_opens_on_stage_1_in_tutorial_order
check first_start_hint_goes_with_the_first_run first_start_hint_goes_with_the_first_run
check editor_lists_the_knobs_first editor_lists_the_knobs_first
check editor_marks_changed_values editor_marks_changed_values
check editor_marks_keys_that_do_nothing editor_marks_keys_that_do_nothing
T send-keys -t start F10
finish
