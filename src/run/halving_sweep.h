/*
 * halving_sweep — runs a [sweep] strategy = halving end to end through the
 * runner, rung by rung (halving.h's schedule): every candidate of rung k
 * trains to its iteration (a stop at the rung: snapshot and held-out pass
 * there), then the rung's held-out accuracies in the run store (the
 * validation split's where the preset has one) decide who goes on; the
 * others are marked pruned, the promoted resume their own runs from the
 * rung's snapshot. Every decision is read back from the store (a rung's,
 * once taken, from its record), so the same call continues a sweep that
 * was stopped or killed anywhere: runs that reached their rung are not
 * trained again.
 *
 * Any number of processes call it on one sweep at once (`finelab resume
 * <id>` in each, Slurm array tasks): each trains the next candidate no one
 * else has claimed, waits while the others finish a rung, and they make
 * the same decisions and train the same runs as one process would.
 *
 * A sweep is recorded as runs_dir/halving/<id>/preset.ini (the preset with
 * its [sweep], --set applied), beside its lock, its candidates' claims and
 * its rungs' decisions; its runs carry `halving = <id>` in status.ini.
 * Called on the thread that trains (the headless run's main thread); never
 * prints: lines leave through on_line.
 */
#ifndef FINELAB_HALVING_SWEEP_H
#define FINELAB_HALVING_SWEEP_H

#include <stddef.h>

#include "engine/base/error.h"
#include "src/preset/preset.h"
#include "src/search/halving.h"
#include "src/run/runner.h"

typedef struct HalvingOutcome {
    HalvingPlan plan;
    int stopped;          /* a stop was asked: resume with halving_sweep_run again */
    int best;             /* the winner's candidate index (-1: none finished) */
    double best_accuracy; /* its held-out accuracy at max_iter, which chose it */
    double best_test;     /* its test split's accuracy (runstatus_test_accuracy), -1 none */
    char heldout[8];      /* "val" or "test": the split that chose */
    long iterations;      /* iterations the sweep's runs spent (as far as they got) */
    int pruned, done, failed;
} HalvingOutcome;

/* Records p as a new halving sweep under runs_dir; its id goes to id. */
Status halving_sweep_create(const Preset *p, const char *runs_dir, char *id, size_t cap,
                            Error *err);
/* Reads sweep id's preset into p. ST_IO when there is no such sweep. */
Status halving_sweep_load(const char *runs_dir, const char *id, Preset *p, Error *err);
/* Runs (or continues) sweep id of preset p. cb: every run's callbacks (its
 * should_stop also ends the sweep between runs); on_line: a line on the
 * sweep's progress (rungs, promotions; may be NULL). ST_OK unless the
 * store cannot be read or written; a candidate that fails is not promoted. */
Status halving_sweep_run(const Preset *p, const char *id, const char *runs_dir,
                         const RunnerCallbacks *cb, void (*on_line)(void *ctx, const char *line),
                         void *line_ctx, HalvingOutcome *out, Error *err);

#endif
