#!/bin/bash
# test_halving_sweep.sh — a real successive-halving sweep on generated birds:
# the right numbers of pruned and finished runs, curves continued (not
# restarted) by the promoted, a sweep stopped between rungs resumed by its
# id, two workers sharing one sweep (one of them killed mid-candidate) to
# the same runs, rows and winner as one worker, the lab running it as one
# job (r), submit's script of workers, and the refusals (--sweep-index;
# submit --ranks).
. "$(dirname "$0")/../../lib/lib.sh"
lab_init halving
tmux_init halving
lab_birds 3 6 || exit 1
cd "$tmp" || exit 1
tiny_preset p.ini birds 80 solver.test_interval=10 experiment.threads=1
printf '[sweep]\nstrategy = halving\nmin_iter = 20\neta = 2\nsolver.base_lr = 0.1, 0.03, 0.01, 0.003\n' >>p.ini

# Longer candidates for two workers to share (rung 0: 600 iterations,
# most of a second; 60 in a sanitizer build).
k=600
sanitized && k=60
tiny_preset w.ini birds $((4 * k)) solver.test_interval=$((k / 2)) experiment.threads=1 \
    experiment.name=w
printf '[sweep]\nstrategy = halving\nmin_iter = %s\neta = 2\nsolver.base_lr = 0.03, 0.01, 0.003, 0.001\n' \
    $k >>w.ini

states() { cat "$1"/*/status.ini | sed -n 's/^state = //p' | sort | uniq -c | tr -s ' ' | tr '\n' ';'; }

whole_sweep() {
    "$FINELAB" run p.ini --runs-dir a --progress 0 >a.log 2>&1 || return 1
    # 4 -> 2 -> 1 over rungs 20, 40, 80.
    [ "$(states a)" = " 1 done; 3 pruned;" ] || { states a; return 1; }
    grep -q "160 iterations against the full grid's 320" a.log || return 1
    # The winner's curve: one test row per test pass 0..80, no restart.
    local w; w=$(grep -l "^state = done" a/*/status.ini); w=${w%/status.ini}
    [ "$(awk -F'\t' '$2=="test"{print $1}' "$w/metrics.tsv" | tr '\n' ' ')" = \
      "0 10 20 30 40 50 60 70 80 " ] || return 1
    grep -q "resumed from .*iter_20.safetensors" "$w/log.txt" &&
        grep -q "resumed from .*iter_40.safetensors" "$w/log.txt" || return 1
    # A pruned run keeps its curve to its rung and reads pruned.
    local p; p=$(grep -l "^rung = 0" a/*/status.ini | head -1); p=${p%/status.ini}
    grep -q "^state = pruned" "$p/status.ini" && grep -q "^iter = 20" "$p/status.ini" &&
        [ "$(awk -F'\t' '$2=="test"' "$p/metrics.tsv" | wc -l)" -eq 3 ] || return 1
    "$FINELAB" compare "$p" --runs-dir a | grep -q "pruned @20" || return 1
    ! "$FINELAB" resume "$p" --runs-dir a >/dev/null 2>&1
}

# Ctrl-C once rung 2 has begun; the sweep stops and resumes by its id to
# the same result as the whole sweep's.
stopped_and_resumed() {
    mkfifo out.fifo
    "$FINELAB" run p.ini --runs-dir b --progress 0 >out.fifo 2>&1 &
    local pid=$! line
    while IFS= read -r line; do
        echo "$line" >>b.log
        case $line in "halving rung 2/3"*) kill -INT $pid ;; esac
    done <out.fifo
    wait $pid
    grep -q "^stopped: continue the sweep with 'finelab resume " b.log || return 1
    local id; id=$(sed -n "s/^stopped: continue the sweep with 'finelab resume \(.*\)'$/\1/p" b.log)
    "$FINELAB" resume "$id" --runs-dir b --progress 0 >c.log 2>&1 || return 1
    [ "$(states b)" = " 1 done; 3 pruned;" ] || { states b; return 1; }
    # Same decisions and accuracies as the uninterrupted sweep.
    [ "$(grep "best:" c.log | sed 's/.*best: //')" = "$(grep "best:" a.log | sed 's/.*best: //')" ]
}

# rows DIR: each candidate's metrics rows (iteration, split, loss,
# accuracy), candidate by candidate.
rows() {
    local d
    for d in "$1"/*/; do
        [ -f "$d/metrics.tsv" ] || continue
        echo "candidate $(sed -n 's/^candidate = //p' "$d/status.ini")"
        cut -f1-5 "$d/metrics.tsv"
    done | awk '/^candidate/ { c = $2; next } { print c "\t" $0 }' | sort
}

# One worker, then two on one sweep: the second killed (kill -9) once it
# trains a candidate, the first taking that candidate on from its last
# snapshot. The same runs, rows and winner as the one worker's.
workers_share_a_sweep() {
    "$FINELAB" run w.ini --runs-dir w1 --progress 0 >w1.log 2>&1 || { cat w1.log; return 1; }
    "$FINELAB" run w.ini --runs-dir w2 --progress 0 >w2a.log 2>&1 &
    local a=$! b id
    for _ in $(seq 200); do ls w2/halving/*/preset.ini >/dev/null 2>&1 && break; sleep 0.02; done
    id=$(ls w2/halving) || return 1
    "$FINELAB" resume "$id" --runs-dir w2 --progress 0 >w2b.log 2>&1 &
    b=$!
    for _ in $(seq 400); do grep -q "^halving rung .*: candidate" w2b.log && break; sleep 0.05; done
    grep -q "^halving rung .*: candidate" w2b.log || { cat w2a.log w2b.log; return 1; }
    sleep 0.2
    kill -9 $b
    wait $b 2>/dev/null
    wait $a || { cat w2a.log; return 1; }
    [ "$(states w2)" = " 1 done; 3 pruned;" ] || { states w2; return 1; }
    [ "$(grep "best:" w2a.log | sed 's/.*best: //')" = "$(grep "best:" w1.log | sed 's/.*best: //')" ] ||
        { grep best: w1.log w2a.log; return 1; }
    diff <(rows w1) <(rows w2) >/dev/null || { diff <(rows w1) <(rows w2) | head; return 1; }
    # Each rung's decision, recorded once.
    [ "$(ls w2/halving/"$id"/rung*.txt | wc -l)" -eq 2 ]
}

# The lab's r queues the sweep as one job, which runs it rung by rung.
lab_runs_it_as_one_job() {
    lab_run_preset p.ini || return 1
    wait_for "halving sweep of 4 candidates" 10 || return 1
    for _ in $(seq 600); do
        [ "$(states l 2>/dev/null)" = " 1 done; 3 pruned;" ] && break
        sleep 0.1
    done
    [ "$(states l)" = " 1 done; 3 pruned;" ] || { states l; screen; return 1; }
    wait_for "halving sweep .* done: final test accuracy" 20 || return 1
    # Compare (the last runs) and the Grid count what it spent.
    keys 5
    wait_for "halving: 3 of 4 runs pruned .* 160 of the full grid's 320 iterations (50%)" 10 ||
        return 1
    keys 6
    wait_for "halving: 3 of 4 runs pruned .* 160 of the full grid's 320 iterations (50%)" 10 ||
        return 1
    keys F10
}

# With a validation split every choice reads it: the rungs promote the best
# validation passes (accuracy, then loss, then the lower candidate), no
# curve holds a test pass, and the summary gives the winner's test figure.
chosen_on_validation() {
    "$FINELAB" run p.ini --runs-dir v --progress 0 --set data.val=0.34 >v.log 2>&1 || return 1
    [ "$(states v)" = " 1 done; 3 pruned;" ] || { states v; return 1; }
    ! grep -q "$(printf '\ttest\t')" v/*/metrics.tsv || return 1
    local want got d
    want=$(for d in v/*/; do
        [ -f "$d/metrics.tsv" ] || continue # v/halving/: the sweep's own record, not a run
        c=$(sed -n 's/^candidate = //p' "$d/status.ini")
        awk -F'\t' -v c="$c" '$1==20 && $2=="val" {print c, $4, $3}' "$d/metrics.tsv"
    done | sort -k2,2gr -k3,3g -k1,1n | head -2 | cut -d' ' -f1 | sort -n | tr '\n' ' ')
    got=$(sed -n 's/.*at iteration 20: 2 of 4 go on: //p' v.log | sed 's/ ([^)]*)//g; s/,//g')
    [ "$want" = "$got " ] || { echo "promoted '$got', best by validation '$want'"; return 1; }
    grep -q "best: candidate [0-9]* (.*) val [0-9.]*%, test [0-9.]*%" v.log
}

refusals() {
    ! "$FINELAB" run p.ini --sweep-index 1 --runs-dir d >d.log 2>&1 &&
        grep -q "a halving sweep runs as a whole" d.log || return 1
    ! "$FINELAB" submit p.ini --runs-dir d --ranks 2 >e.log 2>&1 &&
        grep -q "a halving sweep's tasks are one process each" e.log || return 1
    # submit: one worker per candidate of rung 0, at most 4, each resuming
    # the sweep (tests/src/cli/test_slurm.sh runs them).
    "$FINELAB" submit p.ini --runs-dir d --dry-run >f.log 2>&1 &&
        grep -q "^#SBATCH --array=0-3$" f.log && ! grep -q -- "--sweep-index" f.log &&
        grep -q "^exec '.*finelab' resume 'SWEEP-ID' --runs-dir '.*/d' --progress 60$" f.log
}

check whole_sweep whole_sweep
check stopped_and_resumed stopped_and_resumed
check workers_share_a_sweep workers_share_a_sweep
check lab_runs_it_as_one_job lab_runs_it_as_one_job
check chosen_on_validation chosen_on_validation
check refusals refusals
finish
