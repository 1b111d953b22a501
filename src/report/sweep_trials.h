/*
 * sweep_trials — a halving sweep read as a study's trials (journal.h's
 * StudyTrial, what an asha study's journal replays into), so that one
 * reader (`finelab study`, the Optuna log) serves both: each candidate's
 * point and label, its run (the latest in the store with the sweep's id
 * and the candidate), its held-out accuracy at each rung it reached, and
 * its state (done: complete; pruned or stopped at a rung: waiting there;
 * failed or diverged: failed; queued, running or interrupted: running; no
 * run yet: not started, "" started). Reads the store; any thread.
 */
#ifndef FINELAB_SWEEP_TRIALS_H
#define FINELAB_SWEEP_TRIALS_H

#include "engine/base/error.h"
#include "src/preset/preset.h"
#include "src/search/asha.h"
#include "src/search/journal.h"

/* Halving sweep id under runs_dir: its preset into p, its candidates into
 * t (cap of them at most; *n), its rungs' iterations into rungs. ST_IO
 * when there is no such sweep or the store cannot be read. */
Status sweep_trials_halving(const char *runs_dir, const char *id, Preset *p, StudyTrial *t, int cap,
                            int *n, AshaRungs *rungs, Error *err);

#endif
