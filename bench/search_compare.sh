#!/usr/bin/env bash
# bench/search_compare.sh OUT — `make bench-search`: finelab's samplers
# against Debian's python3-optuna (3.1) on the demo's stage 1
# (presets/demo/ft_last_layer.ini, on validation) with base_lr x
# weight_decay as continuous ranges, at equal budgets, over seeds:
#   random     finelab strategy = random, SEARCH_TRIALS full runs
#   tpe        finelab strategy = asha with one rung (min_iter = max_iter):
#              TPE, every trial in full, SEARCH_TRIALS of them
#   optuna     Optuna's TPESampler(seed) driving `finelab run --set ...`
#              (bench/optuna_objective.py), SEARCH_TRIALS trials
#   asha+tpe   finelab strategy = asha (rungs max_iter / 3 and max_iter,
#              eta 3) with TPE, 1.5 x SEARCH_TRIALS trials: about the same
#              iterations (a promotion is one more run in the "runs" column)
# Each trial trains the classifier on the shared feature cache (built once,
# by the first run) for SEARCH_ITER iterations (the preset's schedule
# scaled), so a trial takes seconds. Printed per method: the mean over
# seeds of the best validation accuracy, the test accuracy of that best
# run, and the best validation accuracy when half the budget was spent.
# Env: SEARCH_SEEDS (3), SEARCH_TRIALS (16), SEARCH_ITER (1200);
# SEARCH_FIRST (1): the first seed (to finish a bench that was cut short,
# in another SEARCH_DIR, and average the two results files).
set -u
out=${1:-build/release}
cd "$(dirname "$0")/.." || exit 1
finelab=$PWD/$out/finelab
seeds=${SEARCH_SEEDS:-3} trials=${SEARCH_TRIALS:-16} iter=${SEARCH_ITER:-1200}
first=${SEARCH_FIRST:-1}
step=$((iter / 3))
work=${SEARCH_DIR:-$(mktemp -d /tmp/finelab_search_XXXXXX)}
runs=$work/runs # one store: the feature cache is built once and shared
mkdir -p "$runs"
. bench/stage1_search.sh
space=$stage1_space
stage1_preset "$iter" search "$work/base.ini"

# field KEY STATUS_FILE
field() { sed -n "s/^$1 = //p" "$2"; }

# rows_runs DIR...: "iter val test" per run, in order.
rows_runs() {
    for d in "$@"; do
        echo "$(field iter "$d/status.ini") $(field final_accuracy "$d/status.ini") $(field test_accuracy "$d/status.ini")"
    done
}

# rows_study ID: "iterations val test" per journal report, in order; val
# and test only for a report at the last rung (-1 otherwise).
rows_study() {
    local j=$runs/studies/$1/journal.tsv
    awk -F'\t' -v last="$iter" '$1 == "kind=report" {
        split($4, a, "="); it = a[2]; split($5, b, "="); acc = b[2]; split($7, r, "=")
        split($3, k, "="); t = $2
        spent = it - (t in at ? at[t] : 0); at[t] = it
        print spent, (it == last ? acc : -1), r[2] }' "$j" |
        while read -r spent val run; do
            local test=-1
            [ "$val" != -1 ] && test=$(field test_accuracy "$run/status.ini")
            echo "$spent $val $test"
        done
}

# summarise: "iter val test" rows -> "best_val test_of_best val_at_half spent runs"
# (runs: trials, or for asha the rung reports, a promotion being one more)
summarise() {
    awk -v budget=$((trials * iter)) '{ spent += $1; n++
        if ($2 > best) { best = $2; test = $3 }
        if (spent <= budget / 2) half = best }
        END { printf "%.4f %.4f %.4f %d %d\n", best, test, half, spent, n }'
}

results=$work/results.txt
: >"$results"
for ((s = first; s <= seeds; s++)); do
    for method in random tpe optuna asha; do
        p=$work/$method-$s.ini
        case $method in
        random) printf '\n[sweep]\nstrategy = random\nsamples = %d\nseed = %d\n%s\n' \
            "$trials" "$s" "$space" ;;
        tpe) printf '\n[sweep]\nstrategy = asha\nsamples = %d\nseed = %d\nmin_iter = %d\nsampler = tpe\n%s\n' \
            "$trials" "$s" "$iter" "$space" ;;
        asha) printf '\n[sweep]\nstrategy = asha\nsamples = %d\nseed = %d\nmin_iter = %d\neta = 3\nsampler = tpe\n%s\n' \
            $((trials * 3 / 2)) "$s" "$step" "$space" ;;
        optuna) ;;
        esac | cat "$work/base.ini" - >"$p"
        t0=$(date +%s)
        case $method in
        random)
            before=$(ls "$runs" | grep -c '^20')
            "$finelab" run "$p" --runs-dir "$runs" --progress 0 >"$work/$method-$s.log" 2>&1 ||
                { tail "$work/$method-$s.log"; exit 1; }
            mapfile -t dirs < <(ls -d "$runs"/20* | tail -n +$((before + 1)))
            line=$(rows_runs "${dirs[@]}" | summarise) ;;
        tpe | asha)
            "$finelab" run "$p" --runs-dir "$runs" --progress 0 >"$work/$method-$s.log" 2>&1 ||
                { tail "$work/$method-$s.log"; exit 1; }
            id=$(sed -n 's/^asha study \(.*\): worker .*/\1/p' "$work/$method-$s.log")
            line=$(rows_study "$id" | summarise) ;;
        optuna)
            /usr/bin/python3 bench/optuna_objective.py "$finelab" "$work/base.ini" "$runs" "$s" \
                "$trials" 0.1 100 1e-6 1e-2 >"$work/$method-$s.log" 2>&1 ||
                { tail "$work/$method-$s.log"; exit 1; }
            line=$(awk '$1 == "trial" { print $8, $4, $6 }' "$work/$method-$s.log" | summarise) ;;
        esac
        echo "$method $s $line $(($(date +%s) - t0))" | tee -a "$results"
    done
done

echo
echo "== search on the demo's stage 1 (validation), base_lr x weight_decay, $trials trials of $iter iterations each (asha: the same iterations), mean over seeds $first to $seeds"
printf '%-10s %8s %12s %10s %14s %12s %8s\n' method runs iterations "best val" "test of best" "val at 1/2" seconds
for method in random tpe optuna asha; do
    awk -v m=$method '$1 == m { n++; v += $3; t += $4; h += $5; it += $6; tr += $7; sec += $8 }
        END { printf "%-10s %8.1f %12.0f %9.2f%% %13.2f%% %11.2f%% %8.0f\n", m, tr / n, it / n,
              100 * v / n, 100 * t / n, 100 * h / n, sec / n }' "$results"
done
echo "(per seed: $results)"
