#!/bin/bash
# test_sweep_trials.sh — a halving sweep on generated birds read as a
# study's trials (src/report/sweep_trials.c): `finelab study <sweep id>`
# counts its candidates (one complete, the rest pruned at their rungs),
# names its rungs, and puts the sweep's winner first; a candidate without
# a run yet is a trial not begun; with python3-optuna, the sweep's Optuna
# log reads the same (4 trials, 1 complete, 3 pruned, the same best, each
# one's accuracy at its rungs' iterations).
. "$(dirname "$0")/../../lib/lib.sh"
PY=/usr/bin/python3
lab_init sweep_trials
lab_birds 3 6 || exit 1
cd "$tmp" || exit 1
tiny_preset h.ini birds 80 solver.test_interval=10 experiment.threads=1 experiment.name=h
printf '[sweep]\nstrategy = halving\nmin_iter = 20\neta = 2\n%s\n' \
    'solver.base_lr = 0.03, 0.01, 0.003, 0.001' >>h.ini
"$FINELAB" run h.ini --runs-dir r --progress 0 >h.log 2>&1 || { cat h.log; exit 1; }
hid=$(ls r/halving)
best=$(sed -n 's/.*best: candidate \([0-9]*\) .*/\1/p' h.log)

printed_as_a_study() {
    "$FINELAB" study "$hid" --runs-dir r >p.log 2>&1 || { cat p.log; return 1; }
    grep -q "^study $hid: 4 trials: 1 complete, 3 pruned or waiting, 0 failed, 0 running; rungs 20 40 80$" p.log &&
        [ "$(grep -A2 '^best trials' p.log | tail -1 | awk '{print $1, $2}')" = "$best 3/3" ] ||
        { cat p.log; return 1; }
}

# A sweep begun but not run: its candidates wait (not begun).
not_begun_waits() {
    mkdir -p w/halving && cp -r r/halving/"$hid" w/halving/ || return 1
    "$FINELAB" study "$hid" --runs-dir w >w.log 2>&1 || { cat w.log; return 1; }
    grep -q "^study $hid: 4 trials: 0 complete, 4 pruned or waiting, " w.log || { cat w.log; return 1; }
}

read_by_optuna() {
    "$PY" -c 'import optuna' 2>/dev/null ||
        { echo "no python3-optuna: skipped (.ci/run installs it)"; return 0; }
    "$FINELAB" study "$hid" --runs-dir r --optuna h.optuna >hw.log 2>&1 || { cat hw.log; return 1; }
    "$PY" - "$hid" "$best" <<'PYEOF' 2>py.err || { cat py.err; return 1; }
import sys, warnings
warnings.simplefilter("ignore")
import optuna
storage = optuna.storages.JournalStorage(optuna.storages.JournalFileStorage("h.optuna"))
s = optuna.load_study(study_name=sys.argv[1], storage=storage)
states = [t.state.name for t in s.trials]
assert len(s.trials) == 4 and states.count("COMPLETE") == 1 and states.count("PRUNED") == 3, states
assert s.best_trial.number == int(sys.argv[2]), (s.best_trial.number, sys.argv[2])
assert s.best_trial.params["solver.base_lr"] in ("0.03", "0.01", "0.003", "0.001")
assert sorted(s.best_trial.intermediate_values) == [20, 40, 80], s.best_trial.intermediate_values
for t in s.trials:
    assert 20 in t.intermediate_values
PYEOF
}

check printed_as_a_study printed_as_a_study
check not_begun_waits not_begun_waits
check read_by_optuna read_by_optuna
finish
