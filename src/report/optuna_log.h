/*
 * optuna_log — a study (an asha study's journal, or a halving sweep read
 * as one: sweep_trials.h) as the log of Optuna's JournalStorage (Optuna
 * 3.1's JournalFileStorage: one JSON object a line), so that Debian's
 * python3-optuna opens a finelab study with
 *
 *   storage = optuna.storages.JournalStorage(
 *       optuna.storages.JournalFileStorage("study.log"))
 *   study = optuna.load_study(study_name=NAME, storage=storage)
 *
 * and its plots and importance run on it. The log makes the study
 * (maximize: the held-out accuracy) and each trial whole, in the trial's
 * order:
 *   params        each swept key: a range as FloatDistribution (log for
 *                 loguniform; IntDistribution for an integer key), a list
 *                 as CategoricalDistribution of its values' text (the
 *                 parameter is the value's index, as Optuna stores it);
 *   state         complete (it reached the last rung), pruned (it
 *                 stopped at a lower one), fail, running, or waiting (not
 *                 begun);
 *   value         a complete trial's held-out accuracy at the last rung;
 *   intermediate_values   its accuracy at each rung it reported at, keyed
 *                 by the rung's iteration (as Optuna's pruners record it);
 *   user_attrs    its run directory and its params as finelab writes them.
 * Pure over its inputs; reentrant, any thread.
 */
#ifndef FINELAB_OPTUNA_LOG_H
#define FINELAB_OPTUNA_LOG_H

#include "engine/base/error.h"
#include "src/preset/preset.h"
#include "src/search/asha.h"
#include "src/search/journal.h"

/* The log of study `name` (p: its preset, with its [sweep]; its n trials
 * and rungs as the journal leaves them) as a malloc'd NUL-terminated text
 * (free it). NULL with err set: out of memory, or a trial whose point does
 * not fit the sweep's keys (named). */
char *optuna_log_format(const Preset *p, const char *name, const StudyTrial *t, int n,
                        const AshaRungs *rungs, Error *err);

#endif
