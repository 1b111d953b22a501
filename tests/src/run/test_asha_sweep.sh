#!/bin/bash
# test_asha_sweep.sh — asynchronous successive halving studies on generated
# birds, through `finelab run` and `finelab resume`: one worker finishes a
# TPE study (every trial drawn once, reported at rung 0, the summary's
# counts the runs' states); its winner re-run alone from its point gives
# the same rows; three workers share one study (no trial trained by two at
# once, the same summary from all); a worker killed mid-trial (its run
# made to look another machine's) has that trial released and trained on
# by the next (in the same run); a stopped
# study resumes by its id; submit writes one resume per array task; the
# lab's r runs a study as one job, and its Compare and Grid count the
# trials it pruned and the iterations they spent; and the refusals.
. "$(dirname "$0")/../../lib/lib.sh"
lab_init asha
tmux_init asha
lab_birds 3 6 || exit 1
cd "$tmp" || exit 1
tiny_preset p.ini birds 450 solver.test_interval=50 experiment.threads=1 experiment.name=asha
# Rates up to 0.03: higher ones train this net at the edge of diverging,
# and whether a trial's loss turns NaN then rests on the last bits of the
# arithmetic (a kernel's rounding), which these tests are not about; a
# failed trial makes the study's exit status 1.
printf '[sweep]\nstrategy = asha\nsamples = 12\nmin_iter = 50\neta = 3\nsampler = tpe\n%s\n%s\n' \
    'solver.base_lr = loguniform(1e-4, 0.03)' 'model.width = 0.0625, 0.125' >>p.ini
# Long trials (rung 0 is 600 iterations, most of a second; 60 in a
# sanitizer build, as long) to stop and kill in.
k=600
sanitized && k=60
tiny_preset k.ini birds $((9 * k)) solver.test_interval=$k experiment.threads=1 experiment.name=k
printf '[sweep]\nstrategy = asha\nsamples = 3\nmin_iter = %s\nsolver.base_lr = 0.01, 0.003, 0.001\n' \
    $k >>k.ini

journal() { cat "$1"/studies/*/journal.tsv; }
count() { journal "$1" | grep -c "^kind=$2	"; }
# wait_started DIR TRIAL: until the journal says a worker started TRIAL.
wait_started() {
    for _ in $(seq 400); do
        grep -q "^kind=start	trial=$2	" "$1"/studies/*/journal.tsv 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}

one_worker_finishes() {
    "$FINELAB" run p.ini --runs-dir a --progress 0 >a.log 2>&1 || { cat a.log; return 1; }
    [ "$(count a trial)" -eq 12 ] || return 1
    [ "$(journal a | awk -F'\t' '$1 == "kind=report" && $3 == "rung=0"' | wc -l)" -eq 12 ] ||
        return 1
    local line c p
    line=$(grep "^asha study .*: 12 trials, " a.log) || { cat a.log; return 1; }
    c=$(echo "$line" | sed 's/.* \([0-9]*\) complete.*/\1/')
    p=$(echo "$line" | sed 's/.* \([0-9]*\) pruned.*/\1/')
    [ "$c" -ge 1 ] && [ $((c + p)) -eq 12 ] || { echo "$line"; return 1; }
    [ "$(grep -l '^state = done' a/*/status.ini | wc -l)" -eq "$c" ] &&
        [ "$(grep -l '^state = pruned' a/*/status.ini | wc -l)" -eq "$p" ] || return 1
    echo "$line" | grep -q "best: trial [0-9]* (solver.base_lr=.*) at rung 3/3, test "
}

# The winner's point, as --set assignments, on the preset without its
# sweep: the rows its run wrote rung by rung, uninterrupted.
a_trial_reruns_alone() {
    local w n params
    w=$(grep -l '^state = done' a/*/status.ini | head -1) && w=${w%/status.ini}
    n=$(sed -n 's/^candidate = //p' "$w/status.ini")
    params=$(journal a | awk -F'\t' -v t="trial=$n" '$1 == "kind=trial" && $2 == t {
        for (i = 1; i <= NF; i++) if ($i ~ /^params=/) print substr($i, 8) }')
    local -a sets=()
    IFS=',' read -ra kv <<<"$params"
    for x in "${kv[@]}"; do sets+=(--set "${x# }"); done
    [ "${#sets[@]}" -eq 4 ] || { echo "$params"; return 1; }
    sed '/^\[sweep\]/,$d' p.ini >alone.ini
    "$FINELAB" run alone.ini "${sets[@]}" --runs-dir r --progress 0 >r.log 2>&1 || return 1
    diff <(cut -f1-5 "$w/metrics.tsv") <(cut -f1-5 r/*/metrics.tsv)
}

three_workers_share_a_study() {
    "$FINELAB" run p.ini --runs-dir b --progress 0 >b1.log 2>&1 &
    local w1=$! id
    for _ in $(seq 200); do ls b/studies/*/preset.ini >/dev/null 2>&1 && break; sleep 0.02; done
    id=$(ls b/studies) || return 1
    "$FINELAB" resume "$id" --runs-dir b --progress 0 >b2.log 2>&1 &
    local w2=$!
    "$FINELAB" resume "$id" --runs-dir b --progress 0 >b3.log 2>&1 || { cat b3.log; return 1; }
    wait $w1 && wait $w2 || { cat b1.log b2.log; return 1; }
    [ "$(count b trial)" -eq 12 ] || return 1
    # A trial's starts and reports alternate: never two workers on it.
    journal b | awk -F'\t' '$1 == "kind=start" { if (busy[$2]) bad = 1; busy[$2] = 1 }
        $1 == "kind=report" { busy[$2] = 0 } END { exit bad }' || return 1
    [ "$(journal b | grep -o 'worker=[^	]*' | sort -u | wc -l)" -ge 2 ] || return 1
    [ "$(grep -h "^asha study $id: " b1.log b2.log b3.log | grep -v worker | sort -u | wc -l)" -eq 1 ]
}

killed_worker_trial_goes_on() {
    "$FINELAB" run k.ini --runs-dir c --progress 0 >c1.log 2>&1 &
    local w=$! id
    wait_started c 1 || return 1
    sleep 0.2
    kill -9 $w
    wait $w 2>/dev/null
    id=$(ls c/studies)
    ! grep -q "^kind=report	trial=1	" c/studies/"$id"/journal.tsv || return 1 # killed in it
    # As if the worker had been on another machine: its run reads running
    # here (no pid to check), and only its free lock says it is gone.
    local d
    d=$(grep -l '^candidate = 1$' c/*/status.ini) || return 1
    sed -i 's/^host = .*/host = some-other-node/' "$d"
    grep -q '^state = running$' "$d" || return 1
    "$FINELAB" resume "$id" --runs-dir c --progress 0 >c2.log 2>&1 || { cat c2.log; return 1; }
    grep -q "^kind=release	trial=1	why=worker .* is gone (its lock is free)	" c/studies/"$id"/journal.tsv ||
        return 1
    grep -q "^kind=report	trial=1	rung=0	" c/studies/"$id"/journal.tsv &&
        [ "$(count c trial)" -eq 3 ] && [ "$(ls -d c/2* | wc -l)" -eq 3 ] &&
        grep -q "^asha study $id: 3 trials, " c2.log
}

stopped_study_resumes() {
    "$FINELAB" run k.ini --runs-dir d --progress 0 >d1.log 2>&1 &
    local w=$! id
    wait_started d 1 || return 1
    sleep 0.2
    kill -INT $w
    wait $w || { cat d1.log; return 1; }
    id=$(ls d/studies)
    grep -q "^stopped: continue the study with 'finelab resume $id'" d1.log || return 1
    grep -q "^kind=release	trial=1	why=stopped at iteration " d/studies/"$id"/journal.tsv ||
        return 1
    "$FINELAB" resume "$id" --runs-dir d --progress 0 >d2.log 2>&1 || return 1
    [ "$(ls -d d/2* | wc -l)" -eq 3 ] && grep -q "^asha study $id: 3 trials, " d2.log &&
        grep -q "resumed from .*iter_" "$(grep -l '^candidate = 1' d/*/status.ini | xargs dirname)/log.txt"
}

submit_one_resume_per_task() {
    "$FINELAB" submit p.ini --runs-dir s --dry-run --max-parallel 3 >s.out 2>&1 || return 1
    grep -q "^#SBATCH --array=0-2%3$" s.out &&
        grep -q "^exec '.*finelab' resume 'STUDY-ID' --runs-dir '.*/s' --progress 60$" s.out &&
        [ ! -d s/studies ] || return 1 # a dry run makes no study
    # --ranks N: each worker is an N-rank MPI job (tests/src/cli/test_mpi.sh runs one).
    "$FINELAB" submit p.ini --runs-dir s --dry-run --max-parallel 2 --ranks 2 >s2.out 2>&1 &&
        grep -q "^exec mpirun -np 2 '.*finelab' resume 'STUDY-ID' --runs-dir '.*/s' --progress 60$" s2.out
}

# The lab's r queues the study as one job (the lab is its one worker).
lab_runs_a_study() {
    lab_run_preset p.ini 110 || return 1
    wait_for "queued asha: an asha study of up to 12 trials (tpe), one job" 10 || return 1
    wait_for "asha study study-.* done" 120 || return 1
    [ "$(count l trial)" -eq 12 ] || { journal l; return 1; }
    local pruned
    pruned=$(grep -l '^state = pruned' l/*/status.ini | wc -l)
    [ "$pruned" -ge 1 ] || return 1
    # Compare (the last runs) and the Grid (the preset's) count the trials.
    keys 5
    wait_for "asha: [0-9]* of [0-9]* trials pruned (dim, @ iteration); [0-9]* of the [0-9]* iterations of every trial in full" 10 ||
        return 1
    keys 6
    wait_for "asha: $pruned of 12 trials pruned (dim, @ iteration)" 10 || return 1
    keys F10
}

refusals() {
    ! "$FINELAB" run p.ini --sweep-index 0 --runs-dir e >e.out 2>&1 &&
        grep -q "an asha study runs as a whole" e.out || return 1
    ! "$FINELAB" run p.ini --set sweep.strategy=random --runs-dir e >e.out 2>&1 &&
        grep -q "sweep.sampler: tpe draws each trial from the ones before it" e.out
}

check one_worker_finishes one_worker_finishes
check a_trial_reruns_alone a_trial_reruns_alone
check three_workers_share_a_study three_workers_share_a_study
check killed_worker_trial_goes_on killed_worker_trial_goes_on
check stopped_study_resumes stopped_study_resumes
check submit_one_resume_per_task submit_one_resume_per_task
check lab_runs_a_study lab_runs_a_study
check refusals refusals
finish
