#!/usr/bin/env bash
# bench/asha_workers.sh OUT — `make bench-workers`: one asha study (TPE) on
# the demo's stage 1 (presets/demo/ft_last_layer.ini on validation, base_lr
# x weight_decay as continuous ranges, the schedule scaled to WORKERS_ITER
# iterations, rungs at a third and the whole) finished by 1, 2 and 4
# workers, each a Slurm array task (`finelab submit --max-parallel K`) on a real single-host Slurm (tests/lib/slurm.sh, started here
# and stopped again), one BLAS thread per worker. Printed per K: the wall
# time from sbatch to the last task's end, the iterations the study spent
# (asynchronous decisions make them differ a little with K), the
# iterations per second, the speed-up against one worker, and the best
# validation accuracy. The shared feature cache is built before the first
# study, so the studies time training and the workers' coordination.
# Env: WORKERS_TRIALS (24), WORKERS_ITER (1200), WORKERS_SEED (1),
# WORKERS_LIST ("1 2 4").
set -u
out=${1:-build/release}
cd "$(dirname "$0")/.." || exit 1
finelab=$PWD/$out/finelab
trials=${WORKERS_TRIALS:-24} iter=${WORKERS_ITER:-1200} seed=${WORKERS_SEED:-1}
list=${WORKERS_LIST:-1 2 4}
step=$((iter / 3))
. tests/lib/slurm.sh
if why=$(slurm_missing); then
    echo "bench-workers: $why"
    exit 1
fi
tmp=$(mktemp -d /tmp/finelab_workers_XXXXXX)
trap 'slurm_stop; rm -rf "$tmp"' EXIT
slurm_start || exit 1
runs=$tmp/runs

. bench/stage1_search.sh
stage1_preset "$iter" workers "$tmp/base.ini"
if grep -q '^threads = ' "$tmp/base.ini"; then # one BLAS thread per worker
    sed -i 's/^threads = .*/threads = 1/' "$tmp/base.ini"
else
    sed -i 's/^\[experiment\]/[experiment]\nthreads = 1/' "$tmp/base.ini"
fi
# The feature cache, once: every study's trials share it.
"$finelab" run "$tmp/base.ini" --runs-dir "$runs" --progress 0 > "$tmp/cache.log" 2>&1 ||
    { tail "$tmp/cache.log"; exit 1; }
printf '\n[sweep]\nstrategy = asha\nsamples = %d\nseed = %d\nmin_iter = %d\neta = 3\nsampler = tpe\n%s\n' \
    "$trials" "$seed" "$step" "$stage1_space" | cat "$tmp/base.ini" - > "$tmp/study.ini"

echo "== asha + TPE on the demo's stage 1 (validation): $trials trials, rungs $step and $iter, eta 3, one BLAS thread per worker, $(nproc) cores; $(date -u +%Y-%m-%d)"
printf '%8s %10s %12s %10s %9s %10s\n' workers seconds iterations "iter/s" speed-up "best val"
base=""
for k in $list; do
    t0=$(date +%s.%N)
    # Not --wait: sbatch's waiting polls at growing intervals (tens of
    # seconds); squeue every 0.1 s instead.
    job=$("$finelab" submit "$tmp/study.ini" --runs-dir "$runs" --max-parallel "$k" \
        2> "$tmp/submit-$k.err") || { cat "$tmp/submit-$k.err"; exit 1; }
    while squeue -h -j "$job" 2> /dev/null | grep -q .; do sleep 0.1; done
    t1=$(date +%s.%N)
    line=$(grep -h '^asha study .*: [0-9]* trials, ' "$runs"/slurm/*-"${job}"_*.out | head -1)
    [ -n "$line" ] || { cat "$runs"/slurm/*-"${job}"_*.out; exit 1; }
    its=$(echo "$line" | sed -n 's/.*; \([0-9]*\) iterations.*/\1/p')
    val=$(echo "$line" | sed -n 's/.*, val \([0-9.]*%\).*/\1/p')
    secs=$(echo "$t1 - $t0" | bc -l)
    [ -z "$base" ] && base=$secs
    printf '%8d %10.1f %12d %10.0f %8.2fx %10s\n' "$k" "$secs" "$its" "$(echo "$its / $secs" | bc -l)" \
        "$(echo "$base / $secs" | bc -l)" "$val"
done
