#!/usr/bin/env bash
# test_diagnosis_show — `finelab show`'s diagnosis: section and `finelab
# compare`'s diagnosis row on real runs of tiny presets: a run that
# diverges (base_lr 100: NaN at once) is said to, with the lower learning
# rate to fork; a stage-2 run started from a stage-1 run is named under
# the stage-1 run and the other way round; a sweep's runs say which swept
# key mattered; a metrics.tsv fixture put in a run directory (a run of
# "another process") reads as the fixture's finding, with its numbers; the
# real under-trained stage-1 curves in a last_layer run whose head can fit
# its training images read as under-trained, the change left to lr-find.
cd "$(dirname "$0")/../../.." || exit 1
. tests/lib/lib.sh
lab_init diagnosis_show
lab_birds 3 10 || exit 1
runs=$tmp/runs
run() { "$FINELAB" run "$1" --runs-dir "$runs" >"$tmp/run.out" 2>&1; }
id_of() { ls "$runs" | grep -- "-$1\$" | tail -1; }
show() { "$FINELAB" show "$1" --runs-dir "${2:-$runs}"; }
section() { show "$@" | sed -n '/^diagnosis:/,$p'; }
expect() { # what pattern text
    grep -q -- "$2" <<<"$3" && return 0
    echo "--- $1: no '$2' in:"; echo "$3"; return 1
}

tiny_preset "$tmp/a.ini" "$tmp/birds" 40 experiment.name=tiny_a experiment.threads=1 || exit 1
tiny_preset "$tmp/boom.ini" "$tmp/birds" 40 experiment.name=tiny_boom experiment.threads=1 \
    solver.base_lr=100 || exit 1

a_diverging_run_says_so() {
    run "$tmp/boom.ini" # fails: diverged
    local s; s=$(section "$(id_of tiny_boom)")
    expect diverging "^  diverging: the run stopped as diverged at iteration [0-9]" "$s" &&
        expect next "^    next: lower the learning rate: solver.base_lr 100 -> 10 " "$s" &&
        expect change "^    change: solver.base_lr=10  (f on the lab's Monitor writes it as preset tiny_boom_lower_lr)" "$s"
}
every_run_has_a_diagnosis() {
    run "$tmp/a.ini" || { cat "$tmp/run.out"; return 1; }
    local s; s=$(section "$(id_of tiny_a)")
    # Whatever it finds, each finding names a kind, its next step and the numbers' run.
    expect section "^diagnosis:$" "$s" &&
        expect kind "^  \(diverging\|overfitting\|under-trained\|underfitting\|unstable\|plateau\|still improving\|not enough data yet\|no problem seen\)" "$s"
}
stage_runs_name_each_other() {
    tiny_preset "$tmp/b.ini" "$tmp/birds" 20 experiment.name=tiny_b experiment.threads=1 \
        transfer.mode=all transfer.init_from=tiny_a solver.base_lr=0.001 || return 1
    run "$tmp/b.ini" || { cat "$tmp/run.out"; return 1; }
    local a b; a=$(id_of tiny_a); b=$(id_of tiny_b)
    expect stage2 "^  compare: the two-stage run of this preset ($b) reached [0-9.]*%; this run [0-9.]*%$" \
        "$(section "$a")" &&
        expect stage1 "^  compare: its stage 1 ($a) reached [0-9.]*%; this run [0-9.]*%$" "$(section "$b")"
}
a_sweep_says_which_key_mattered() {
    { cat "$tmp/a.ini"; printf '[sweep]\nsolver.base_lr = 0.01, 0.0001\n'; } >"$tmp/sw.ini"
    sed -i 's/^name = tiny_a/name = tiny_sw/' "$tmp/sw.ini"
    run "$tmp/sw.ini" || { cat "$tmp/run.out"; return 1; }
    local ids; ids=$(ls "$runs" | grep -- "-tiny_sw")
    [ "$(wc -l <<<"$ids")" -eq 2 ] || { echo "sweep runs: $ids"; return 1; }
    expect show "^  sweep: what mattered (range of the mean best test accuracy over each key's values, 2 runs): solver.base_lr [0-9.]* points (" \
        "$(section "$(head -1 <<<"$ids")")" || return 1
    local c; c=$("$FINELAB" compare $ids --runs-dir "$runs")
    expect compare-row "^diagnosis  " "$c" &&
        expect compare-importance "^what mattered (range of the mean best test accuracy over each key's values, 2 runs): solver.base_lr" "$c"
}
a_fixture_in_a_run_directory_reads_as_its_finding() {
    mkdir -p "$tmp/other"
    cp -r "$runs/$(id_of tiny_a)" "$tmp/other/20260101-000000-fixture"
    cp tests/fixtures/diagnosis/overfitting.tsv "$tmp/other/20260101-000000-fixture/metrics.tsv"
    local s; s=$(section 20260101-000000-fixture "$tmp/other")
    expect overfitting "^  overfitting: train accuracy 98.0% vs test 69.9% at iteration 1000: a gap of 28.1 points" "$s" &&
        expect next "or weight decay (solver.weight_decay, 0.0005 now)" "$s" &&
        expect change "^    change: data.train_crop=resized  (f on the lab's Monitor writes it as preset tiny_a_augment)" "$s"
}
an_under_trained_head_says_so() {
    # tiny_a's run as a last_layer run: a head on 64 features, 15 images x 2 views.
    local d="$tmp/other/20260101-000000-stage1"
    mkdir -p "$tmp/other"
    cp -r "$runs/$(id_of tiny_a)" "$d"
    cp tests/fixtures/diagnosis/undertrained_stage1.tsv "$d/metrics.tsv"
    sed -i 's/^mode = scratch$/mode = last_layer/' "$d/preset.ini"
    local s; s=$(section 20260101-000000-stage1 "$tmp/other")
    expect under-trained "^  under-trained: train accuracy 69.0% vs test 67.7% at iteration 3600, .*a linear head on 64 features can fit all 30 training vectors (15 images x 2 views)$" "$s" &&
        expect next "^    next: the learning rate is too low .*finelab lr-find" "$s" &&
        expect change "^    change: solver.base_lr=<lr-find's suggestion>  (finelab lr-find $d/preset.ini finds it)$" "$s"
}

check a_diverging_run_says_so a_diverging_run_says_so
check every_run_has_a_diagnosis every_run_has_a_diagnosis
check stage_runs_name_each_other stage_runs_name_each_other
check a_sweep_says_which_key_mattered a_sweep_says_which_key_mattered
check a_fixture_in_a_run_directory_reads_as_its_finding a_fixture_in_a_run_directory_reads_as_its_finding
check an_under_trained_head_says_so an_under_trained_head_says_so
finish
