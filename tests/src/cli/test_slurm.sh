#!/usr/bin/env bash
# test_slurm — `finelab submit` against a real Slurm on this one machine,
# started here and stopped again (by pid): munged as the munge user on a
# key and socket of its own, slurmctld and slurmd on a slurm.conf in the
# scratch directory (SLURM_CONF), on ports of their own. The node says 4
# CPUs (config_overrides), so the array's %2 and not the machine's cores
# is what holds the tasks back.
#
# A 4-combination sweep submitted with --max-parallel 2 --wait makes 4
# finished runs with the right keys and labels, never more than 2 running
# at once (squeue polled while it waits) and 2 at some moment; while tasks
# wait, `finelab runs` shows them queued with the job id (and the lab's
# Runs screen a held one). A task held back
# (--begin) reads queued, then cancelled once scancel'd, and a run another
# node said was training for that task reads interrupted; `scancel --batch
# --signal=INT` stops a running task's run cleanly (stopped, a snapshot). With an MPI build
# (`finelab version` says MPI) a --ranks 2 task runs under mpirun.
# Skips, saying why, where Slurm is not installed or not root.
cd "$(dirname "$0")/../../.." || exit 1
. tests/lib/lib.sh
skip() {
    echo "[  SKIPPED ] test_slurm: $*"
    exit 0
}
for c in slurmctld slurmd sbatch squeue scancel sinfo munged runuser; do
    command -v "$c" > /dev/null ||
        skip "no '$c': Slurm is not installed (apt-get install slurm-wlm munge; .ci/run does)"
done
[ "$(id -u)" -eq 0 ] || skip "starting slurmd and munged needs root"
id munge > /dev/null 2>&1 || skip "no munge user (apt-get install munge)"

lab_init slurm
daemons=()
stop_daemons() {
    local p
    [ -S "$tmp/tmux.sock" ] && tmux -S "$tmp/tmux.sock" kill-server 2> /dev/null
    [ -s "$tmp/munge/munged.pid" ] && daemons+=("$(cat "$tmp/munge/munged.pid")")
    for p in "${daemons[@]}"; do kill "$p" 2> /dev/null; done
    for p in "${daemons[@]}"; do
        for _ in $(seq 50); do kill -0 "$p" 2> /dev/null || break; sleep 0.1; done
    done
    rm -rf "$tmp"
}
trap stop_daemons EXIT
chmod 755 "$tmp" # munged runs as munge and must reach its directory

start_munge() {
    mkdir -p "$tmp/munge" && chown munge:munge "$tmp/munge" && chmod 700 "$tmp/munge" &&
        dd if=/dev/urandom of="$tmp/munge/munge.key" bs=1024 count=1 status=none &&
        chown munge:munge "$tmp/munge/munge.key" && chmod 400 "$tmp/munge/munge.key" &&
        runuser -u munge -- munged --force --key-file="$tmp/munge/munge.key" \
            --socket="$tmp/munge/munge.sock" --pid-file="$tmp/munge/munged.pid" \
            --log-file="$tmp/munge/munged.log" --seed-file="$tmp/munge/munged.seed"
}

start_slurm() {
    local node port=$((20000 + ($$ % 10000) * 2))
    node=$(slurmd -C | sed -n 's/^NodeName=\([^ ]*\).*/\1/p')
    [ -n "$node" ] || return 1
    mkdir -p "$tmp/slurm/state" "$tmp/slurm/spool" || return 1
    cat > "$tmp/slurm/slurm.conf" << CONF
ClusterName=finelabtest
SlurmctldHost=localhost
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$tmp/munge/munge.sock
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
ReturnToService=2
SlurmdParameters=config_overrides
StateSaveLocation=$tmp/slurm/state
SlurmdSpoolDir=$tmp/slurm/spool
SlurmctldPidFile=$tmp/slurm/slurmctld.pid
SlurmdPidFile=$tmp/slurm/slurmd.pid
SlurmctldLogFile=$tmp/slurm/slurmctld.log
SlurmdLogFile=$tmp/slurm/slurmd.log
NodeName=$node NodeAddr=127.0.0.1 CPUs=4 RealMemory=1000 State=UNKNOWN
PartitionName=finelab Nodes=ALL Default=YES State=UP MaxTime=INFINITE
CONF
    export SLURM_CONF=$tmp/slurm/slurm.conf
    slurmctld -D -i > "$tmp/slurm/slurmctld.out" 2>&1 &
    daemons+=($!)
    slurmd -D > "$tmp/slurm/slurmd.out" 2>&1 &
    daemons+=($!)
    for _ in $(seq 100); do
        [ "$(sinfo -h -o %T 2> /dev/null)" = idle ] && return 0
        sleep 0.2
    done
    echo "slurm did not come up:"; tail -5 "$tmp/slurm/slurmctld.log" "$tmp/slurm/slurmd.log"
    return 1
}

start_munge || { echo "munged did not start"; cat "$tmp/munge/munged.log"; exit 1; }
start_slurm || exit 1

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

# A halving sweep goes as one task that runs it rung by rung.
halving_sweep_as_one_task() {
    tiny_preset "$tmp/halving.ini" "$tmp/birds" 40 solver.test_interval=10 experiment.threads=1
    printf '[sweep]\nstrategy = halving\nmin_iter = 10\neta = 2\nsolver.base_lr = 0.1, 0.03, 0.01, 0.003\n' \
        >> "$tmp/halving.ini"
    "$FINELAB" submit "$tmp/halving.ini" --runs-dir "$tmp/runs_halving" --wait \
        > "$tmp/halving.out" 2>&1 || { cat "$tmp/halving.out" "$tmp/runs_halving"/slurm/*.out; return 1; }
    local states
    states=$(cat "$tmp/runs_halving"/*/status.ini | sed -n 's/^state = //p' | sort | uniq -c | xargs)
    [ "$states" = "1 done 3 pruned" ] || { echo "$states"; cat "$tmp/runs_halving"/slurm/*.out; return 1; }
}

# An asha study goes as an array of workers, each `finelab resume <id>`,
# that finish the one study together.
asha_study_as_workers() {
    tiny_preset "$tmp/asha.ini" "$tmp/birds" 90 solver.test_interval=10 experiment.threads=1
    printf '[sweep]\nstrategy = asha\nsamples = 9\nmin_iter = 10\nsampler = tpe\n%s\n' \
        'solver.base_lr = loguniform(1e-3, 1)' >> "$tmp/asha.ini"
    "$FINELAB" submit "$tmp/asha.ini" --runs-dir "$tmp/runs_asha" --max-parallel 3 --wait \
        > "$tmp/asha.out" 2>&1 || { cat "$tmp/asha.out" "$tmp/runs_asha"/slurm/*.out; return 1; }
    local j; j=$(ls "$tmp/runs_asha"/studies/*/journal.tsv) || return 1
    [ "$(grep -c '^kind=trial	' "$j")" -eq 9 ] &&
        [ "$(ls "$tmp/runs_asha"/slurm/*.out | wc -l)" -eq 3 ] || { cat "$j"; return 1; }
    # Every worker ends with the study's one summary.
    [ "$(grep -h '^asha study .*: 9 trials, ' "$tmp/runs_asha"/slurm/*.out | sort -u | wc -l)" -eq 1 ] ||
        { cat "$tmp/runs_asha"/slurm/*.out; return 1; }
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
check slurm_halving_sweep_as_one_task halving_sweep_as_one_task
check slurm_asha_study_as_workers asha_study_as_workers
check slurm_odd_paths odd_paths
if "$FINELAB" version | grep -q '^MPI: ' && ! "$FINELAB" version | grep -q '^MPI: not built'; then
    check slurm_two_rank_task two_rank_task
else
    echo "[  SKIPPED ] slurm_two_rank_task: this finelab has no MPI support" \
        "('finelab version' says MPI: not built; make MPI=1 after make deps MPI=1)"
fi
finish
