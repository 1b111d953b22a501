#!/usr/bin/env bash
# test_slurm — `finelab submit` against a real Slurm on this one machine,
# started here and stopped again (tests/lib/slurm.sh). The node says 4
# CPUs, so the array's %2 and not the machine's cores is what holds the
# tasks back.
#
# A 4-combination sweep submitted with --max-parallel 2 --wait makes 4
# finished runs with the right keys and labels, never more than 2 running
# at once (squeue polled while it waits) and 2 at some moment; while tasks
# wait, `finelab runs` shows them queued with the job id (and the lab's
# Runs screen a held one). A task held back
# (--begin) reads queued, then cancelled once scancel'd, and a run another
# node said was training for that task reads interrupted; `scancel --batch
# --signal=INT` stops a running task's run cleanly (stopped, a snapshot). With an MPI build
# (`finelab version` says MPI) a --ranks 2 task runs under mpirun. A
# halving sweep and an asha study go as arrays of workers that finish them
# together, and when one is scancel'd mid-trial the other trains that
# trial on.
# Skips, saying why, where Slurm is not installed or not root.
cd "$(dirname "$0")/../../.." || exit 1
. tests/lib/lib.sh
skip() {
    echo "[  SKIPPED ] test_slurm: $*"
    exit 0
}
. tests/lib/slurm.sh
why=$(slurm_missing) && skip "$why"

lab_init slurm
stop_daemons() {
    [ -S "$tmp/tmux.sock" ] && tmux -S "$tmp/tmux.sock" kill-server 2> /dev/null
    slurm_stop
    rm -rf "$tmp"
}
trap stop_daemons EXIT

slurm_start || exit 1

lab_birds 3 10
tiny_preset "$tmp/sweep.ini" "$tmp/birds" 30 experiment.threads=1
printf '[sweep]\nsolver.base_lr = 0.01, 0.02\nmodel.bilinear_dim = 32, 64\n' >> "$tmp/sweep.ini"
runs=$tmp/runs

# Polls squeue while the array runs: how many tasks run (one number a
# line), and `finelab runs` once while some wait.
watch_queue() {
    while [ ! -e "$tmp/watch.stop" ]; do
        squeue -h -r -t RUNNING -o %i | wc -l >> "$tmp/running"
        if [ ! -s "$tmp/runs.pending" ] && ls "$runs"/slurm/*.job > /dev/null 2>&1 &&
            squeue -h -r -t PENDING -o %i | grep -q .; then
            "$FINELAB" runs --runs-dir "$runs" > "$tmp/runs.pending" 2>&1
        fi
        sleep 0.2
    done
}

sweep_as_array() {
    watch_queue &
    local watcher=$!
    "$FINELAB" submit "$tmp/sweep.ini" --runs-dir "$runs" --max-parallel 2 --wait \
        > "$tmp/submit.out" 2> "$tmp/submit.err"
    local rc=$?
    touch "$tmp/watch.stop"
    wait "$watcher"
    [ $rc -eq 0 ] || { echo "submit exit $rc"; cat "$tmp/submit.err" "$runs"/slurm/*.out; return 1; }
    job=$(head -1 "$tmp/submit.out")
    [[ $job =~ ^[0-9]+$ ]] || { echo "no job id: $(cat "$tmp/submit.out")"; return 1; }
    return 0
}
four_runs_done_with_their_keys() {
    local dirs d labels
    dirs=$(cd "$runs" && ls -d -- */ | grep -v '^slurm/$')
    [ "$(echo "$dirs" | wc -l)" -eq 4 ] || { echo "runs: $dirs"; return 1; }
    for d in $dirs; do
        grep -q '^state = done' "$runs/$d/status.ini" || { cat "$runs/$d/status.ini"; return 1; }
        local lr dim
        lr=$(sed -n 's/^sweep = solver.base_lr=\([^,]*\), .*/\1/p' "$runs/$d/status.ini")
        dim=$(sed -n 's/^sweep = .*model.bilinear_dim=\(.*\)/\1/p' "$runs/$d/status.ini")
        grep -qx "base_lr = $lr" "$runs/$d/preset.ini" &&
            grep -qx "bilinear_dim = $dim" "$runs/$d/preset.ini" ||
            { echo "$d: preset.ini does not say base_lr $lr, bilinear_dim $dim"; return 1; }
    done
    # Each run names its array task.
    [ "$(cat "$runs"/*/status.ini | sed -n 's/^slurm = //p' | sort)" = \
        "$(printf "${job}_%d\n" 0 1 2 3)" ] || { grep -h '^slurm' "$runs"/*/status.ini; return 1; }
    labels=$(cat "$runs"/*/status.ini | sed -n 's/^sweep = //p' | sort)
    [ "$labels" = "$(printf '%s\n' 'solver.base_lr=0.01, model.bilinear_dim=32' \
        'solver.base_lr=0.01, model.bilinear_dim=64' 'solver.base_lr=0.02, model.bilinear_dim=32' \
        'solver.base_lr=0.02, model.bilinear_dim=64')" ] || { echo "labels: $labels"; return 1; }
    # Each task's output in the run store, its run's first line in it.
    [ "$(grep -l '^run: ' "$runs"/slurm/*-"$job"_*.out | wc -l)" -eq 4 ]
}
never_more_than_two_at_once() {
    local most
    most=$(sort -n "$tmp/running" | tail -1)
    echo "most tasks running at once: $most ($(wc -l < "$tmp/running") polls)"
    [ "$most" -eq 2 ]
}
waiting_tasks_read_queued() {
    cat "$tmp/runs.pending"
    grep -qE "^slurm ${job}_[0-9] \(sweep\) +queued " "$tmp/runs.pending" || return 1
    # Every task has its run now: no task line is left.
    "$FINELAB" runs --runs-dir "$runs" > "$tmp/runs.after" &&
        ! grep -q '^slurm ' "$tmp/runs.after" || { cat "$tmp/runs.after"; return 1; }
}
held_task_queued_then_cancelled() {
    local held
    tiny_preset "$tmp/held.ini" "$tmp/birds" 2
    held=$("$FINELAB" submit "$tmp/held.ini" --runs-dir "$runs" --sbatch --begin=now+1hour) ||
        return 1
    "$FINELAB" runs --runs-dir "$runs" | grep -E "^slurm ${held}_0 \(held\) +queued " ||
        { "$FINELAB" runs --runs-dir "$runs"; return 1; }
    # The lab's Runs screen lists it too, below the runs.
    if command -v tmux > /dev/null; then
        sock=$tmp/tmux.sock session=lab
        T new-session -d -s lab -x 120 -y 30 \
            "cd $tmp && LANG=C.UTF-8 TERM=xterm-256color $FINELAB --runs-dir $runs; sleep 30"
        keys 3
        wait_for "slurm ${held}_0 (held) *queued" 20 || return 1
        keys q
    fi
    scancel "$held" || return 1
    for _ in $(seq 50); do
        "$FINELAB" runs --runs-dir "$runs" | grep -qE "^slurm ${held}_0 \(held\) +cancelled " &&
            break
        sleep 0.2
    done
    "$FINELAB" runs --runs-dir "$runs" | grep -qE "^slurm ${held}_0 \(held\) +cancelled " ||
        { "$FINELAB" runs --runs-dir "$runs"; return 1; }
    # A run another node says it is training, its task cancelled: read here,
    # it is interrupted; one whose job Slurm does not know stays running.
    local d
    d=$(cd "$runs" && ls -d -- *-sweep | head -1)
    mkdir -p "$tmp/faked" && cp -r "$runs/$d" "$tmp/faked/a" && cp -r "$runs/$d" "$tmp/faked/b" || return 1
    sed -i -e 's/^state = .*/state = running/' -e 's/^pid = .*/pid = 99999999/' \
        -e 's/^host = .*/host = some-compute-node/' "$tmp/faked"/[ab]/status.ini
    sed -i "s/^slurm = .*/slurm = ${held}_0/" "$tmp/faked/a/status.ini"
    sed -i "s/^slurm = .*/slurm = 999999_0/" "$tmp/faked/b/status.ini"
    "$FINELAB" runs --runs-dir "$tmp/faked" > "$tmp/faked.out"
    grep -qE '^a +interrupted ' "$tmp/faked.out" && grep -qE '^b +running ' "$tmp/faked.out" ||
        { cat "$tmp/faked.out"; return 1; }
}
scancel_int_stops_cleanly() {
    local job d
    tiny_preset "$tmp/long.ini" "$tmp/birds" 100000
    job=$("$FINELAB" submit "$tmp/long.ini" --runs-dir "$tmp/runs_long") || return 1
    for _ in $(seq 100); do
        d=$(ls -d "$tmp/runs_long"/*-long 2> /dev/null | head -1)
        [ -n "$d" ] && grep -q '^phase = train' "$d/status.ini" 2> /dev/null && break
        sleep 0.2
    done
    [ -n "$d" ] || { echo "the task made no run"; cat "$tmp/runs_long"/slurm/*.out; return 1; }
    scancel --batch --signal=INT "${job}_0" || return 1
    for _ in $(seq 100); do
        grep -q '^state = stopped' "$d/status.ini" && ls "$d"/snapshots/iter_*.safetensors \
            > /dev/null 2>&1 && return 0
        sleep 0.2
    done
    cat "$d/status.ini" "$tmp/runs_long"/slurm/*.out
    return 1
}
two_rank_task() {
    tiny_preset "$tmp/mpi.ini" "$tmp/birds" 4
    # Under ASan the ranks run without leak checks, as in test_mpi.sh: Open
    # MPI keeps its allocations to the end (sbatch passes the environment on).
    local leaks=()
    case $FINELAB in
    */asan/*) leaks=(env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0") ;;
    esac
    OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
        "${leaks[@]}" "$FINELAB" submit "$tmp/mpi.ini" --runs-dir "$tmp/runs_mpi" --ranks 2 --wait \
        > "$tmp/mpi.out" 2>&1 || { cat "$tmp/mpi.out" "$tmp/runs_mpi"/slurm/*.out; return 1; }
    grep -q '^state = done' "$tmp/runs_mpi"/*/status.ini &&
        grep -q '^ranks = 2' "$tmp/runs_mpi"/*/status.ini ||
        { cat "$tmp/runs_mpi"/*/status.ini; return 1; }
}

# A halving sweep goes as an array of workers, each `finelab resume <id>`,
# that train its rungs together.
halving_sweep_as_workers() {
    tiny_preset "$tmp/halving.ini" "$tmp/birds" 40 solver.test_interval=10 experiment.threads=1
    printf '[sweep]\nstrategy = halving\nmin_iter = 10\neta = 2\nsolver.base_lr = 0.1, 0.03, 0.01, 0.003\n' \
        >> "$tmp/halving.ini"
    "$FINELAB" submit "$tmp/halving.ini" --runs-dir "$tmp/runs_halving" --max-parallel 2 --wait \
        > "$tmp/halving.out" 2>&1 || { cat "$tmp/halving.out" "$tmp/runs_halving"/slurm/*.out; return 1; }
    local states
    states=$(cat "$tmp/runs_halving"/*/status.ini | sed -n 's/^state = //p' | sort | uniq -c | xargs)
    [ "$states" = "1 done 3 pruned" ] || { echo "$states"; cat "$tmp/runs_halving"/slurm/*.out; return 1; }
    [ "$(ls "$tmp/runs_halving"/slurm/*.out | wc -l)" -eq 2 ] &&
        [ "$(grep -h '^halving sweep .*: 1 done, 3 pruned' "$tmp/runs_halving"/slurm/*.out |
            sort -u | wc -l)" -eq 1 ] || { cat "$tmp/runs_halving"/slurm/*.out; return 1; }
}

# An asha study goes as an array of workers, each `finelab resume <id>`,
# that finish the one study together.
asha_study_as_workers() {
    tiny_preset "$tmp/asha.ini" "$tmp/birds" 90 solver.test_interval=10 experiment.threads=1
    printf '[sweep]\nstrategy = asha\nsamples = 9\nmin_iter = 10\nsampler = tpe\n%s\n' \
        'solver.base_lr = loguniform(1e-3, 0.03)' >> "$tmp/asha.ini"
    "$FINELAB" submit "$tmp/asha.ini" --runs-dir "$tmp/runs_asha" --max-parallel 3 --wait \
        > "$tmp/asha.out" 2>&1 || { cat "$tmp/asha.out" "$tmp/runs_asha"/slurm/*.out; return 1; }
    local j; j=$(ls "$tmp/runs_asha"/studies/*/journal.tsv) || return 1
    [ "$(grep -c '^kind=trial	' "$j")" -eq 9 ] &&
        [ "$(ls "$tmp/runs_asha"/slurm/*.out | wc -l)" -eq 3 ] || { cat "$j"; return 1; }
    # Every worker ends with the study's one summary.
    [ "$(grep -h '^asha study .*: 9 trials, ' "$tmp/runs_asha"/slurm/*.out | sort -u | wc -l)" -eq 1 ] ||
        { cat "$tmp/runs_asha"/slurm/*.out; return 1; }
}

# Two workers; task 0 is cancelled while it trains a trial (scancel:
# SIGTERM, which ends finelab without a word): its lock goes with it, and
# task 1 releases the trial, trains it on, and finishes the study.
asha_worker_cancelled() {
    local k=1500 job j dir=$tmp/runs_ashak
    sanitized && k=100
    tiny_preset "$tmp/ashak.ini" "$tmp/birds" $((3 * k)) solver.test_interval=$k experiment.threads=1
    printf '[sweep]\nstrategy = asha\nsamples = 3\nmin_iter = %s\n%s\n' $k \
        'solver.base_lr = 0.01, 0.003, 0.001' >> "$tmp/ashak.ini"
    job=$("$FINELAB" submit "$tmp/ashak.ini" --runs-dir "$dir" --max-parallel 2) || return 1
    for _ in $(seq 300); do
        j=$(ls "$dir"/studies/*/journal.tsv 2> /dev/null) &&
            grep -q "^kind=start	.*	slurm=${job}_0	" "$j" && break
        sleep 0.1
    done
    grep -q "^kind=start	.*	slurm=${job}_0	" "$j" || { cat "$j" "$dir"/slurm/*.out; return 1; }
    scancel "${job}_0" || return 1
    for _ in $(seq 600); do
        squeue -h -j "$job" 2> /dev/null | grep -q . || break
        sleep 0.2
    done
    grep -q "^kind=release	.*	why=worker .* is gone (its lock is free)	" "$j" &&
        grep -q '^asha study .*: 3 trials, ' "$dir"/slurm/*_1.out ||
        { cat "$j" "$dir"/slurm/*.out; return 1; }
}

# A preset, dataset and run store whose paths hold spaces, a '#' and
# non-ASCII letters: the #SBATCH lines escape them, so the task runs the
# preset and writes its output where finelab said.
odd_paths() {
    local dir="$tmp/odd dir #1 é" runs="$tmp/runs odd ü"
    mkdir -p "$dir" && cp -r "$tmp/birds" "$dir/birds ü" || return 1
    tiny_preset "$dir/préset two.ini" "$dir/birds ü" 4 || return 1
    "$FINELAB" submit "$dir/préset two.ini" --runs-dir "$runs" --wait > "$tmp/odd.out" 2>&1 ||
        { cat "$tmp/odd.out" "$runs"/slurm/*.out; return 1; }
    grep -q '^state = done' "$runs"/*"préset two"/status.ini &&
        ls "$runs"/slurm/*"préset two"-*_0.out > /dev/null || { ls -R "$runs"; return 1; }
}

check slurm_sweep_as_array sweep_as_array
check slurm_four_runs_done_with_their_keys four_runs_done_with_their_keys
check slurm_never_more_than_two_at_once never_more_than_two_at_once
check slurm_waiting_tasks_read_queued waiting_tasks_read_queued
check slurm_held_task_queued_then_cancelled held_task_queued_then_cancelled
check slurm_scancel_int_stops_cleanly scancel_int_stops_cleanly
check slurm_halving_sweep_as_workers halving_sweep_as_workers
check slurm_asha_study_as_workers asha_study_as_workers
check slurm_asha_worker_cancelled asha_worker_cancelled
check slurm_odd_paths odd_paths
if "$FINELAB" version | grep -q '^MPI: ' && ! "$FINELAB" version | grep -q '^MPI: not built'; then
    check slurm_two_rank_task two_rank_task
else
    echo "[  SKIPPED ] slurm_two_rank_task: this finelab has no MPI support" \
        "('finelab version' says MPI: not built; make MPI=1 after make deps MPI=1)"
fi
finish
