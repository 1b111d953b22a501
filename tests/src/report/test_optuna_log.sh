#!/bin/bash
# test_optuna_log.sh — an asha study on generated birds, written as the log
# of Optuna's JournalStorage (`finelab study ID --optuna FILE`), opened by
# Debian's python3-optuna 3.1: the same trials, the same count in each
# state as the journal, the same best trial (number, params, value) as
# finelab's summary, each trial's intermediate values at its rungs, and
# Optuna's TPE draws the next trial from them; the log is written whole
# (no file when the study is unknown). (A halving sweep's log:
# test_sweep_trials.sh.) `finelab study` prints
# the best trials and the history. Skips, saying so, without python3-optuna
# (.ci/run installs it).
. "$(dirname "$0")/../../lib/lib.sh"
PY=/usr/bin/python3
"$PY" -c 'import optuna' 2>/dev/null ||
    { echo "[  SKIPPED ] test_optuna_log: no python3-optuna (apt-get install python3-optuna; .ci/run does)"; exit 0; }
lab_init optuna
lab_birds 3 6 || exit 1
cd "$tmp" || exit 1
tiny_preset p.ini birds 90 solver.test_interval=10 experiment.threads=1 experiment.name=o
printf '[sweep]\nstrategy = asha\nsamples = 12\nmin_iter = 10\nsampler = tpe\n%s\n%s\n' \
    'solver.base_lr = loguniform(1e-4, 0.03)' 'model.width = 0.0625, 0.125' >>p.ini
"$FINELAB" run p.ini --runs-dir r --progress 0 >run.log 2>&1 || { cat run.log; exit 1; }
id=$(ls r/studies)

written_and_read_by_optuna() {
    "$FINELAB" study "$id" --runs-dir r --optuna s.log >w.log 2>&1 || { cat w.log; return 1; }
    grep -q "^wrote s.log: study $id, 12 trials" w.log || return 1
    # finelab's counts and best, from its summary line and journal.
    local line want_best want_params complete
    line=$(grep "^asha study $id: 12 trials, " run.log) || return 1
    complete=$(echo "$line" | sed 's/.* \([0-9]*\) complete.*/\1/')
    want_best=$(echo "$line" | sed -n 's/.*best: trial \([0-9]*\) .*/\1/p')
    want_params=$(echo "$line" | sed -n 's/.*best: trial [0-9]* (\(.*\)) at rung.*/\1/p')
    "$PY" - "$id" "$complete" "$want_best" "$want_params" <<'PYEOF' 2>py.err || { cat py.err; return 1; }
import sys, warnings
warnings.simplefilter("ignore")
import optuna
study_id, complete, best, params = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
storage = optuna.storages.JournalStorage(optuna.storages.JournalFileStorage("s.log"))
s = optuna.load_study(study_name=study_id, storage=storage)
states = [t.state for t in s.trials]
assert len(s.trials) == 12, len(s.trials)
assert states.count(optuna.trial.TrialState.COMPLETE) == complete, (states, complete)
assert states.count(optuna.trial.TrialState.PRUNED) == 12 - complete, states
assert complete >= 1
b = s.best_trial
assert b.number == best, (b.number, best)
assert b.user_attrs["finelab_params"] == params, (b.user_attrs, params)
assert abs(b.params["solver.base_lr"] - float(params.split(",")[0].split("=")[1])) < 1e-12 * 1e4
assert b.params["model.width"] in ("0.0625", "0.125")
# Every trial reported at rung 10; the complete ones at 10, 30 and 90.
for t in s.trials:
    assert 10 in t.intermediate_values, t.intermediate_values
    if t.state == optuna.trial.TrialState.COMPLETE:
        assert sorted(t.intermediate_values) == [10, 30, 90], t.intermediate_values
        assert t.value == t.intermediate_values[90]
# Optuna's sampler goes on from it: TPE draws trial 12 from these 12.
s.sampler = optuna.samplers.TPESampler(seed=1)
t = s.ask()
lr = t.suggest_float("solver.base_lr", 1e-4, 1, log=True)
assert t.number == 12 and 1e-4 <= lr <= 1
PYEOF
}

study_prints_best_and_history() {
    "$FINELAB" study "$id" --runs-dir r >p.log 2>&1 || { cat p.log; return 1; }
    grep -q "^study $id: 12 trials: " p.log && grep -q "^best trials" p.log &&
        grep -q "^history" p.log || { cat p.log; return 1; }
    # The best trial first, as the summary names it.
    local best
    best=$(sed -n 's/.*best: trial \([0-9]*\) .*/\1/p' run.log)
    [ "$(grep -A2 '^best trials' p.log | tail -1 | awk '{print $1}')" = "$best" ] || { cat p.log; return 1; }
}

refusals() {
    ! "$FINELAB" study study-none --runs-dir r --optuna none.log >n.log 2>&1 &&
        grep -q "no study, halving sweep or swept preset called 'study-none' in r" n.log && [ ! -e none.log ]
}

check written_and_read_by_optuna written_and_read_by_optuna
check study_prints_best_and_history study_prints_best_and_history
check refusals refusals
finish
