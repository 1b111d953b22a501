#!/usr/bin/env bash
# test_submit — one combination of a sweep, and the sbatch script of a
# sweep, without Slurm: `finelab run --sweep-index K` trains combination K
# alone with the sweep's label, refuses an index out of range naming the
# range; `finelab submit --dry-run` prints the script (one array task per
# combination, %K, the run store's absolute paths) and submits nothing.
# A running run's status names its host: read on another node of a shared
# run store, a pid that is not there does not make it interrupted. The
# real Slurm test is tests/src/cli/test_slurm.sh.
cd "$(dirname "$0")/../../.." || exit 1
. tests/lib/lib.sh
lab_init submit
lab_birds 3 10

tiny_preset "$tmp/sweep.ini" "$tmp/birds" 2
printf '[sweep]\nsolver.base_lr = 0.01, 0.02\nmodel.bilinear_dim = 32, 64\n' >> "$tmp/sweep.ini"

sweep_index_runs_one() {
    "$FINELAB" run "$tmp/sweep.ini" --sweep-index 2 --runs-dir "$tmp/runs" > "$tmp/out" 2>&1 \
        || { cat "$tmp/out"; return 1; }
    local dirs
    dirs=$(ls "$tmp/runs")
    [ "$(echo "$dirs" | wc -l)" -eq 1 ] || { echo "runs: $dirs"; return 1; }
    grep -q '^state = done' "$tmp/runs/$dirs/status.ini" || return 1
    grep -q '^sweep = solver.base_lr=0.02, model.bilinear_dim=32' "$tmp/runs/$dirs/status.ini" \
        || { cat "$tmp/runs/$dirs/status.ini"; return 1; }
    grep -q '^bilinear_dim = 32' "$tmp/runs/$dirs/preset.ini" &&
        grep -q '^base_lr = 0.02' "$tmp/runs/$dirs/preset.ini"
}
sweep_index_out_of_range() {
    "$FINELAB" run "$tmp/sweep.ini" --sweep-index 4 --runs-dir "$tmp/runs2" > /dev/null 2> "$tmp/err"
    [ $? -eq 2 ] || return 1
    grep -qF -- "--sweep-index 4 is out of range: the sweep has 4 combinations (0-3)" "$tmp/err" \
        || { cat "$tmp/err"; return 1; }
    [ ! -e "$tmp/runs2" ] || ! ls "$tmp/runs2"/*/status.ini 2> /dev/null
}
sweep_index_not_a_number() {
    "$FINELAB" run "$tmp/sweep.ini" --sweep-index -1 > /dev/null 2> "$tmp/err"
    [ $? -eq 2 ] && grep -qF -- "--sweep-index wants a combination number" "$tmp/err"
}

dry_run_prints_the_script() {
    (cd "$tmp" && "$FINELAB" submit sweep.ini --runs-dir store --max-parallel 2 --ranks 2 \
        --sbatch --time=0:10:00 --dry-run) > "$tmp/script" 2> "$tmp/err" || { cat "$tmp/err"; return 1; }
    local want
    want=$(printf '%s\n' '#!/bin/sh' "# finelab submit: 4 combinations of $tmp/sweep.ini" \
        '#SBATCH --job-name="sweep"' '#SBATCH --array=0-3%2')
    [ "$(head -4 "$tmp/script")" = "$want" ] || { cat "$tmp/script"; return 1; }
    grep -qE "^#SBATCH --output=\"$tmp/store/slurm/[0-9]{8}-[0-9]{6}-sweep-%A_%a.out\"\$" "$tmp/script" &&
        grep -qx '#SBATCH --ntasks=2' "$tmp/script" &&
        grep -qx '#SBATCH --time=0:10:00' "$tmp/script" &&
        grep -qxF "exec mpirun -np 2 '$FINELAB' run '$tmp/sweep.ini' --sweep-index \"\$SLURM_ARRAY_TASK_ID\" --runs-dir '$tmp/store' --progress 60" "$tmp/script" \
        || { cat "$tmp/script"; return 1; }
    # Nothing written, nothing submitted.
    [ ! -e "$tmp/store" ]
}
submit_refuses_a_bad_combination() {
    cp "$tmp/sweep.ini" "$tmp/bad.ini"
    printf 'data.dataset = %s, %s\n' "$tmp/birds" "$tmp/missing" >> "$tmp/bad.ini"
    "$FINELAB" submit "$tmp/bad.ini" --runs-dir "$tmp/store" > /dev/null 2> "$tmp/err"
    [ $? -eq 2 ] || return 1
    grep -qF "data.dataset: $tmp/missing: no such file or directory" "$tmp/err" \
        || { cat "$tmp/err"; return 1; }
    [ ! -e "$tmp/store" ]
}
submit_without_slurm_fails_cleanly() {
    # PATH without sbatch: exit 1 and a sentence, the script left for a look.
    PATH=/nonexistent "$FINELAB" submit "$tmp/sweep.ini" --runs-dir "$tmp/store3" \
        > /dev/null 2> "$tmp/err"
    [ $? -eq 1 ] && grep -qF "did not submit a job" "$tmp/err" || { cat "$tmp/err"; return 1; }
    ! ls "$tmp/store3/slurm/"*.job 2> /dev/null
}
run_on_another_host_stays_running() {
    local d
    d=$(ls "$tmp/runs" | head -1)
    grep -qx "host = $(hostname)" "$tmp/runs/$d/status.ini" || { cat "$tmp/runs/$d/status.ini"; return 1; }
    cp -r "$tmp/runs" "$tmp/hosts"
    # A pid no process has here (above the kernel's pid_max).
    sed -i -e 's/^state = .*/state = running/' -e 's/^pid = .*/pid = 99999999/' \
        -e 's/^host = .*/host = some-compute-node/' "$tmp/hosts/$d/status.ini"
    "$FINELAB" runs --runs-dir "$tmp/hosts" | grep -qE "^$d +running " || return 1
    sed -i "s/^host = .*/host = $(hostname)/" "$tmp/hosts/$d/status.ini"
    "$FINELAB" runs --runs-dir "$tmp/hosts" | grep -qE "^$d +interrupted "
}

check sweep_index_runs_one sweep_index_runs_one
check sweep_index_out_of_range sweep_index_out_of_range
check run_on_another_host_stays_running run_on_another_host_stays_running
check sweep_index_not_a_number sweep_index_not_a_number
check dry_run_prints_the_script dry_run_prints_the_script
check submit_refuses_a_bad_combination submit_refuses_a_bad_combination
check submit_without_slurm_fails_cleanly submit_without_slurm_fails_cleanly
finish
