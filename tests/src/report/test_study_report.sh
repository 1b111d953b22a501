#!/bin/bash
# test_study_report.sh — any sweep read as a study (src/report/sweep_trials.c,
# study_report.c, study_importance.c) through `finelab study`: a grid sweep
# named by its preset (12 runs of a tiny network on generated birds) with
# its trials, best trials and history, as Markdown and as CSV; a bad
# argument and an unknown sweep are refused; with python3-optuna its Optuna
# log has the same 12 complete trials and the same best; a random sweep of
# 18 draws reads its key as the range they span. And the importance
# against Optuna's own fANOVA (python3-sklearn): the same ranking of the
# keys on the demo family's measured res x dim sweep (README's figures,
# written by test_famruns --write-store) and on the tutorial's res x dim
# table (448 / 336 / 224 x 8192 .. 1024, its "448 -> 224 costs ~10 points,
# 8192 -> 1024 very little" as numbers: a fixture, not a measurement);
# pure noise is not ranked; and runs made in one second are trials in the
# order made.
. "$(dirname "$0")/../../lib/lib.sh"
PY=/usr/bin/python3
lab_init study_report
lab_birds 3 6 || exit 1
root=$(pwd)
cd "$tmp" || exit 1
tiny_preset g.ini birds 40 experiment.threads=1 experiment.name=g
printf '[sweep]\n%s\n%s\n' 'solver.base_lr = 0.1, 0.03, 0.01, 0.003' \
    'model.bilinear_dim = 32, 64, 128' >>g.ini
"$FINELAB" run g.ini --runs-dir r --progress 0 >g.log 2>&1 || { cat g.log; exit 1; }

grid_as_a_study() {
    "$FINELAB" study g --runs-dir r >p.log 2>&1 || { cat p.log; return 1; }
    grep -q "^study g: 12 trials: 12 complete, 0 pruned or waiting, 0 failed, 0 running; rungs 40$" p.log &&
        grep -q "^sweep (the runs of the preset by this name" p.log &&
        grep -q "^importance" p.log &&
        [ "$(sed -n '/^history/,$p' p.log | grep -c '^ *[0-9]* *[0-9]*0 ')" -eq 12 ] &&
        sed -n '/^history/,$p' p.log | tail -1 | grep -q "^ *11 *480 " || { cat p.log; return 1; }
    # the best trial: the highest best accuracy among the runs
    local best want
    best=$(grep -A2 '^best trials' p.log | tail -1 | awk '{print $3}')
    want=$(grep -h '^best_accuracy' r/*/status.ini | awk '{printf "%.2f%%\n", 100 * $3}' | sort -n | tail -1)
    [ "$best" = "$want" ] || { echo "best $best, want $want"; cat p.log; return 1; }
}
markdown_and_csv() {
    "$FINELAB" study g --runs-dir r --md >m.md 2>&1 || { cat m.md; return 1; }
    grep -q "^## study g: 12 trials" m.md && grep -q "^### Best trials" m.md &&
        grep -q "^| trial | rung | held-out | test | params |$" m.md &&
        grep -q "^### History" m.md || { cat m.md; return 1; }
    "$FINELAB" study g --runs-dir r --csv >c.csv 2>&1 || { cat c.csv; return 1; }
    "$PY" - <<'PYEOF' || { cat c.csv; return 1; }
import csv
rows = list(csv.reader(open("c.csv")))
head = rows[0]
assert head[:7] == ["trial", "state", "rung", "heldout", "test", "best_so_far", "iterations_so_far"], head
assert head[7:] == ["solver.base_lr", "model.bilinear_dim", "run"], head
trials = rows[1:13]
assert [int(r[0]) for r in trials] == list(range(12))
assert all(r[1] == "complete" and r[2] == "1" for r in trials)
assert sorted({r[7] for r in trials}) == ["0.003", "0.01", "0.03", "0.1"]
assert int(trials[-1][6]) == 480
best = max(float(r[3]) for r in trials)
assert abs(float(trials[-1][5]) - best) < 1e-9
PYEOF
}
refused() {
    "$FINELAB" study g --md --csv --runs-dir r >e.log 2>&1
    [ $? -eq 2 ] && grep -q "^finelab study: --md and --csv go alone" e.log || { cat e.log; return 1; }
    "$FINELAB" study nosuch --runs-dir r >e.log 2>&1
    [ $? -eq 2 ] && grep -q "no study, halving sweep or swept preset called 'nosuch' in r" e.log ||
        { cat e.log; return 1; }
}
grid_read_by_optuna() {
    "$PY" -c 'import optuna' 2>/dev/null ||
        { echo "no python3-optuna: skipped (.ci/run installs it)"; return 0; }
    "$FINELAB" study g --runs-dir r --optuna g.optuna >w.log 2>&1 || { cat w.log; return 1; }
    local best
    best=$(grep -A2 '^best trials' p.log | tail -1 | awk '{print $1}')
    "$PY" - "$best" <<'PYEOF' 2>py.err || { cat py.err; return 1; }
import sys, warnings
warnings.simplefilter("ignore")
import optuna
storage = optuna.storages.JournalStorage(optuna.storages.JournalFileStorage("g.optuna"))
s = optuna.load_study(study_name="g", storage=storage)
states = [t.state.name for t in s.trials]
assert len(s.trials) == 12 and states.count("COMPLETE") == 12, states
assert s.best_trial.number == int(sys.argv[1]), (s.best_trial.number, sys.argv[1])
assert s.best_trial.params["model.bilinear_dim"] in ("32", "64", "128")
PYEOF
}

# A random sweep of 18 draws: more values of base_lr than a list holds, so
# the key reads as the range the draws span (log: they span a decade).
random_draws_read_as_a_range() {
    tiny_preset rnd.ini birds 20 experiment.threads=1 experiment.name=rnd
    printf '[sweep]\nstrategy = random\nsamples = 18\n%s\n' \
        'solver.base_lr = loguniform(0.001, 0.1)' >>rnd.ini
    "$FINELAB" run rnd.ini --runs-dir rr --progress 0 >rnd.log 2>&1 || { cat rnd.log; return 1; }
    "$FINELAB" study rnd --runs-dir rr --csv >rnd.csv 2>&1 || { cat rnd.csv; return 1; }
    [ "$(awk -F, 'NR > 1 && $2 == "complete"' rnd.csv | wc -l)" -eq 18 ] || { cat rnd.csv; return 1; }
    "$PY" -c 'import optuna' 2>/dev/null || return 0
    "$FINELAB" study rnd --runs-dir rr --optuna rnd.optuna >/dev/null 2>&1 || return 1
    "$PY" - <<'PYEOF' 2>py.err || { cat py.err; return 1; }
import warnings
warnings.simplefilter("ignore")
import optuna
s = optuna.load_study(study_name="rnd", storage=optuna.storages.JournalStorage(
    optuna.storages.JournalFileStorage("rnd.optuna")))
d = s.trials[0].distributions["solver.base_lr"]
assert isinstance(d, optuna.distributions.FloatDistribution) and d.log, d
assert 0.001 <= d.low < d.high <= 0.1 and len(s.trials) == 18
assert all(d.low <= t.params["solver.base_lr"] <= d.high for t in s.trials)
PYEOF
}

# fixture_run DIR PRESET LABEL ACCURACY: a done run of a sweep, copied from
# the first of the famruns store with its preset, label and accuracy set.
fixture_run() {
    cp -r "$first" "$1" &&
        sed -i -e "s|^preset = .*|preset = $2|" -e "s|^sweep = .*|sweep = $3|" \
            -e "s|^best_accuracy = .*|best_accuracy = $4|" "$1/status.ini"
}
# same_ranking SWEEP STORE: finelab's importance (from --csv) and Optuna's
# fANOVA on finelab's log of the sweep rank the keys alike.
same_ranking() {
    "$FINELAB" study "$1" --runs-dir "$2" --csv >"$1.csv" 2>&1 &&
        "$FINELAB" study "$1" --runs-dir "$2" --optuna "$1.optuna" >/dev/null 2>&1 ||
        { cat "$1.csv"; return 1; }
    local ours
    ours=$(sed -n '/^key,share$/,$p' "$1.csv" | tail -n +2 | grep -v ' x ' | cut -d, -f1 | paste -sd' ')
    [ -n "$ours" ] || { echo "finelab did not rank $1:"; "$FINELAB" study "$1" --runs-dir "$2"; return 1; }
    "$PY" - "$1" "$ours" <<'PYEOF' 2>py.err || { cat py.err; return 1; }
import sys, warnings
warnings.simplefilter("ignore")
import optuna
storage = optuna.storages.JournalStorage(optuna.storages.JournalFileStorage(sys.argv[1] + ".optuna"))
s = optuna.load_study(study_name=sys.argv[1], storage=storage)
imp = optuna.importance.get_param_importances(
    s, evaluator=optuna.importance.FanovaImportanceEvaluator(seed=0))
theirs = " ".join(imp)
print("%s: finelab %s; Optuna %s (%s)" % (sys.argv[1], sys.argv[2], theirs,
      ", ".join("%.3f" % v for v in imp.values())))
assert theirs == sys.argv[2], (theirs, sys.argv[2])
PYEOF
    cat py.err
}
importance_agrees_with_optuna() {
    "$PY" -c 'import optuna, sklearn' 2>/dev/null ||
        { echo "no python3-optuna or python3-sklearn: skipped (.ci/run installs them)"; return 0; }
    (cd "$root" && "$(dirname "$FINELAB")/tests/src/report/test_famruns" --write-store "$tmp/fam") \
        >/dev/null || return 1
    same_ranking demo_res_dim fam || return 1
    first=$(ls -d fam/*demo_ft_last_layer | head -1)
    mkdir -p tut && local i=0 res dim acc
    for res in 448 336 224; do
        for dim in 8192 4096 2048 1024; do
            acc=$(awk -v r=$res -v d=$dim 'BEGIN {
                a = r == 448 ? 0.84 : r == 336 ? 0.80 : 0.74
                printf "%.4f", a - (d == 4096 ? 0.002 : d == 2048 ? 0.004 : d == 1024 ? 0.006 : 0) }')
            fixture_run "tut/2026120$i-tutorial" tutorial_res_dim \
                "data.resolution=$res, model.bilinear_dim=$dim" "$acc" || return 1
            i=$((i + 1))
        done
    done
    same_ranking tutorial_res_dim tut || return 1
    "$FINELAB" study tutorial_res_dim --runs-dir tut | grep -q "^  data.resolution  *9[0-9]\.[0-9]%" ||
        { "$FINELAB" study tutorial_res_dim --runs-dir tut; return 1; }
}
# Eleven runs made in one second ("<time>-nat", "-nat-2" .. "-nat-11"):
# trials in the order made, -nat-10 after -nat-9, not after -nat.
trials_in_the_order_made() {
    first=$(ls -d fam/*demo_ft_last_layer | head -1)
    mkdir -p nat && local i
    for i in 1 2 3 4 5 6 7 8 9 10 11; do
        fixture_run "nat/20261201-000000-nat$([ $i -gt 1 ] && echo "-$i")" nat \
            "solver.base_lr=$i" "0.5" || return 1
    done
    "$FINELAB" study nat --runs-dir nat --csv >nat.csv 2>&1 || { cat nat.csv; return 1; }
    [ "$(awk -F, 'NR > 1 && NR <= 12 {print $8}' nat.csv | paste -sd' ')" = "1 2 3 4 5 6 7 8 9 10 11" ] ||
        { cat nat.csv; return 1; }
}
noise_is_not_ranked() { # 6 x 6 trials whose accuracy is drawn apart from their keys
    first=$(ls -d fam/*demo_ft_last_layer | head -1)
    mkdir -p noise && local i=0 a b acc
    mapfile -t acc < <("$PY" -c 'import random
r = random.Random(7)
for _ in range(36): print("%.4f" % (0.5 + r.random() / 10))')
    for a in 1 2 3 4 5 6; do
        for b in 1 2 3 4 5 6; do
            fixture_run "noise/202612$((100 + i))-noise" noise \
                "solver.base_lr=0.0$a, solver.weight_decay=0.00$b" "${acc[$i]}" || return 1
            i=$((i + 1))
        done
    done
    "$FINELAB" study noise --runs-dir noise >n.log 2>&1 || { cat n.log; return 1; }
    grep -q "^importance: the accuracies look like noise around the keys" n.log || { cat n.log; return 1; }
}

check grid_as_a_study grid_as_a_study
check markdown_and_csv markdown_and_csv
check refused refused
check grid_read_by_optuna grid_read_by_optuna
check random_draws_read_as_a_range random_draws_read_as_a_range
check importance_agrees_with_optuna importance_agrees_with_optuna
check trials_in_the_order_made trials_in_the_order_made
check noise_is_not_ranked noise_is_not_ranked
finish
