/*
 * asha_sweep — one worker of an asha study ([sweep] strategy = asha): it
 * asks the study's journal (study.h) what to do next, trains it through
 * the runner, reports the held-out score at the rung, and asks again, until
 * the study has drawn `samples` trials and nothing is left to promote or
 * train. Any number of workers run one study at once: several processes
 * (`finelab resume <study id>` in each), Slurm array tasks, the lab.
 *
 * What a worker does next (under the study's lock): a trial whose worker
 * died trains again to its rung; else the promotable trial of the highest
 * rung (asha.h) resumes its own run from the rung's snapshot to the next
 * rung; else a new trial is drawn (sampler random: draw k of the sweep's
 * seed, as strategy random; tpe: tpe.h over the trials so far, the running
 * ones as the constant liar's, a draw that repeats an earlier trial's point
 * drawn again) and trains to rung 0; else, while others still train, it
 * waits for them. The last worker marks the trials left at a lower rung
 * pruned. Runs carry `halving = <study id>`, `candidate` (the trial) and
 * `rung` in status.ini.
 *
 * Deterministic: each trial's point is a function of the journal before it
 * (with one worker, of the seed alone); its training, of its point and
 * seed. With several workers the order in which trials report, and so
 * what TPE and the promotions see, depends on timing.
 *
 * Under MPI (mpirun -np N) the worker is the whole job, every rank calling
 * asha_sweep_run: rank 0 alone decides and writes the journal, and every
 * step, stop and error reaches all ranks, so they leave together; on_line
 * is called on rank 0 only, and only rank 0's outcome is filled in.
 *
 * Called on the thread that trains; never prints: lines leave via on_line.
 */
#ifndef FINELAB_ASHA_SWEEP_H
#define FINELAB_ASHA_SWEEP_H

#include "engine/base/error.h"
#include "src/run/runner.h"
#include "src/search/asha.h"

typedef struct AshaOutcome {
    AshaRungs rungs;
    int stopped; /* a stop was asked: `finelab resume <id>` continues */
    int trials;  /* trials drawn */
    int complete, pruned, failed, duplicates;
    int best;             /* the trial that got furthest, best there (-1: none scored) */
    int best_rung;        /* the rung it reached */
    double best_accuracy; /* its held-out accuracy there, which chose it */
    double best_test;     /* its test split's accuracy, -1 none */
    char heldout[8];      /* "val" or "test": the split that chose */
    char best_params[1024];
    long iterations; /* iterations the study's runs spent, as far as they got */
} AshaOutcome;

/* Works on study id under runs_dir until it is finished or cb's
 * should_stop says stop. ST_OK unless the store cannot be read or written. */
Status asha_sweep_run(const char *runs_dir, const char *id, const RunnerCallbacks *cb,
                      void (*on_line)(void *ctx, const char *line), void *line_ctx,
                      AshaOutcome *out, Error *err);

#endif
