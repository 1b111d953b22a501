#!/usr/bin/python3
"""optuna_objective — Debian's python3-optuna (3.1) driving finelab runs.

Usage: optuna_objective.py FINELAB PRESET RUNS_DIR SEED TRIALS LR_LO LR_HI WD_LO WD_HI

An Optuna study (TPESampler(seed=SEED), its defaults otherwise: 10 random
startup trials, 24 candidates, univariate) over base_lr and weight_decay,
both log-uniform, maximising the validation accuracy of a full finelab run
of PRESET with the trial's values set (`finelab run --set ...`), which is
what finelab's own sampler = tpe maximises. One line per trial on stdout:
"trial N val V test T iter I lr X wd Y" (the run's validation accuracy at
max_iter, its test accuracy on the weights of the best validation pass,
the iterations it ran). bench/search_compare.sh reads them.
"""
import configparser
import os
import re
import subprocess
import sys

import optuna


def status(run_dir):
    c = configparser.ConfigParser()
    with open(os.path.join(run_dir, "status.ini")) as f:
        c.read_string(f.read())
    s = c[c.sections()[0]]
    return float(s["final_accuracy"]), float(s["test_accuracy"]), int(s["iter"])


def main():
    finelab, preset, runs_dir = sys.argv[1:4]
    seed, trials = int(sys.argv[4]), int(sys.argv[5])
    lr_lo, lr_hi, wd_lo, wd_hi = (float(v) for v in sys.argv[6:10])
    optuna.logging.set_verbosity(optuna.logging.WARNING)

    def objective(trial):
        lr = trial.suggest_float("base_lr", lr_lo, lr_hi, log=True)
        wd = trial.suggest_float("weight_decay", wd_lo, wd_hi, log=True)
        out = subprocess.run(
            [finelab, "run", preset, "--set", "solver.base_lr=%.17g" % lr,
             "--set", "solver.weight_decay=%.17g" % wd, "--runs-dir", runs_dir,
             "--progress", "0"],
            check=True, capture_output=True, text=True).stdout
        run_dir = re.search(r"^run: (.*)$", out, re.M).group(1)
        val, test, it = status(run_dir)
        print("trial %d val %.6f test %.6f iter %d lr %.4g wd %.4g"
              % (trial.number, val, test, it, lr, wd), flush=True)
        return val

    study = optuna.create_study(direction="maximize",
                                sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(objective, n_trials=trials)


if __name__ == "__main__":
    main()
