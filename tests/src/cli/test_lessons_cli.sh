#!/usr/bin/env bash
# test_lessons_cli — `finelab lessons` on a fixture store (the figures
# README measured, written by `test_famruns --write-store`, no training):
# each lesson in the tutorial's order with its state, figures, margin and
# next step, the family's wall time; --md as README's table; a run taken
# away makes its lessons read "runs missing" with the command that makes
# it; a run on another dataset is another group, named, and --dataset
# reads it with commands on that dataset; bad arguments exit 2.
cd "$(dirname "$0")/../../.." || exit 1
. tests/lib/lib.sh
lab_init lessons_cli
store=$tmp/runs
"$(dirname "$FINELAB")/tests/src/report/test_famruns" --write-store "$store" || exit 1

lessons() { "$FINELAB" lessons --runs-dir "$store" "$@"; }

each_lesson_in_order() {
    lessons >"$tmp/out" || return 1
    diff <(grep '^L[0-9] ' "$tmp/out") - <<'END' || return 1
L0 transfer decides: shows
L1 stage 1 overfits: not measured
L2 stage 2 beats stage 1: does not show
L3 all at once is in between: shows
L4 bilinear beats a plain head: does not show
L5 resolution matters, dim barely: shows
L6 weight decay: no gain: does not show
END
    grep -qx '  this store: stage 1 67.67% vs scratch 5.00% (demo family)' "$tmp/out" &&
        grep -qx '  margin:     stage 1 vs scratch +62.67 points, 29.7 SE (>= 2 SE)' "$tmp/out" &&
        grep -qx '  margin:     stage 2 vs stage 1 +2.33 points, 0.9 SE (>= 2 SE)' "$tmp/out" &&
        grep -qx '  tutorial:   74.5% -> 86.8%' "$tmp/out" &&
        grep -q '^  next:       tune the plain head.s rate: `finelab lr-find presets/demo/no_bilinear.ini`$' "$tmp/out" &&
        grep -qx 'demo family on data/demo: 14 of 20 runs; wall time 10m 12s against the 30-minute budget (9 of 14 runs without a recorded time)' "$tmp/out" ||
        { cat "$tmp/out"; return 1; }
}
markdown_table() {
    lessons --md >"$tmp/md" || return 1
    [ "$(sed -n 1p "$tmp/md")" = "| lesson | the tutorial | this store | margin | shows? | next |" ] &&
        [ "$(sed -n 2p "$tmp/md")" = "|---|---|---|---|---|---|" ] &&
        [ "$(grep -c '^| L[0-6] ' "$tmp/md")" -eq 7 ] &&
        [ "$(grep -c '| \*\*shows\*\* |' "$tmp/md")" -eq 3 ] &&
        grep -q '^| L5 resolution matters, dim barely: .* | d 8192 over px: 67.67 / 60.17 / 53.83%; 224 px over d: 67.67 / 66.83 / 67.17 / 66.00% | 224 px vs 112 px: +13.84 points, 5.0 SE (>= 2 SE); spread over d 1.67 points vs over px 13.84 (<= half) | \*\*shows\*\* | - |$' "$tmp/md" &&
        grep -qx 'demo family on data/demo: 14 of 20 runs; wall time .*' "$tmp/md" ||
        { cat "$tmp/md"; return 1; }
}
missing_run_named() {
    mkdir -p "$tmp/aside" && mv "$store"/*-demo_scratch "$tmp/aside/" || return 1
    lessons >"$tmp/out"
    local rc=$?
    mv "$tmp"/aside/* "$store/"
    [ $rc -eq 0 ] || return 1
    grep -qx 'L0 transfer decides: runs missing' "$tmp/out" &&
        grep -qx 'L3 all at once is in between: runs missing' "$tmp/out" &&
        grep -qx '  missing:    scratch' "$tmp/out" &&
        grep -qx '  next:       `finelab run presets/demo/scratch.ini`' "$tmp/out" &&
        grep -qx 'L5 resolution matters, dim barely: shows' "$tmp/out" || { cat "$tmp/out"; return 1; }
}
another_dataset() {
    # Stage 1 again on another seed's dataset: a group of its own.
    local from to
    from=$(ls -d "$store"/*-demo_ft_last_layer)
    to=$store/20261202-000000-demo_ft_last_layer
    cp -r "$from" "$to" && sed -i 's|^dataset = data/demo$|dataset = data/x|' "$to/preset.ini" &&
        grep -qx 'dataset = data/x' "$to/preset.ini" || return 1
    lessons >"$tmp/out" || return 1
    grep -qx 'demo family on data/demo: 14 of 20 runs; .*' "$tmp/out" &&
        grep -qx 'also demo runs on data/x: finelab lessons --dataset data/x' "$tmp/out" ||
        { cat "$tmp/out"; return 1; }
    lessons --dataset data/x >"$tmp/x" || return 1
    grep -qx 'L1 stage 1 overfits: not measured' "$tmp/x" &&
        grep -qx 'L0 transfer decides: runs missing' "$tmp/x" &&
        grep -qx '  next:       `finelab run presets/demo/scratch.ini --set data.dataset=data/x`' "$tmp/x" &&
        grep -qx '  next:       `finelab run presets/demo/weight_decay_sweep.ini --set data.dataset=data/x`' "$tmp/x" &&
        grep -qx 'demo family on data/x: 1 of 20 runs; .*' "$tmp/x" &&
        grep -qx 'also demo runs on data/demo: finelab lessons --dataset data/demo' "$tmp/x" ||
        { cat "$tmp/x"; return 1; }
}
empty_store() {
    lessons --runs-dir "$tmp/none" >"$tmp/out" || return 1
    [ "$(grep -c ': runs missing$' "$tmp/out")" -eq 7 ]
}
bad_arguments() {
    lessons --bogus 2>"$tmp/err"
    [ $? -eq 2 ] && grep -q "finelab lessons: unexpected argument '--bogus'" "$tmp/err" || return 1
    "$FINELAB" lessons --dataset 2>/dev/null
    [ $? -eq 2 ] && "$FINELAB" help | grep -q '^  lessons '
}

check each_lesson_in_order each_lesson_in_order
check markdown_table markdown_table
check missing_run_named missing_run_named
check another_dataset another_dataset
check empty_store empty_store
check bad_arguments bad_arguments
finish
