/*
 * runner — runs one concrete preset (no sweep) end to end: checks it
 * (preflight.h) and opens the dataset, and only then creates the run
 * directory (preset.ini, status.ini, metrics.tsv, log.txt), builds the
 * trainer, steps it to the end, keeps status.ini current and records how it
 * ended, and with [solver] snapshot_keep removes the older snapshots as new
 * ones are written. Also resumes an existing run from its newest good
 * snapshot. The headless
 * `finelab run` and the TUI's engine thread both call it; progress leaves
 * through RunnerCallbacks on the calling thread. Library code: it never
 * prints and never exits.
 */
#ifndef FINELAB_RUNNER_H
#define FINELAB_RUNNER_H

#include "engine/base/error.h"
#include "engine/train/trainer.h"
#include "src/preset/preset.h"
#include "src/run/preflight.h"
#include "src/run/runstore.h"

typedef struct RunnerCallbacks {
    void *ctx;
    /* The run directory exists (reported before any row or log line but
     * those about images left out while the dataset opened). */
    void (*on_start)(void *ctx, const char *run_dir, const RunStatus *st);
    void (*on_row)(void *ctx, const TrainRow *row, const RunStatus *st);
    /* A log line (also in log.txt) and its kind (trainer.h); one that
     * reports a problem the run goes on past (a bad snapshot passed over)
     * starts with "warning: ". */
    void (*on_log)(void *ctx, TrainLogKind kind, const char *line);
    /* The phase or its progress changed (st->phase, phase_done,
     * phase_total, phase_eta): at most every RUNNER_PROGRESS_SECONDS within
     * a phase, and whenever a phase starts or ends. status.ini gets the same. */
    void (*on_progress)(void *ctx, const RunStatus *st);
    /* Asked once per iteration and per batch of the feature cache and of a
     * test pass (the caller may pause there); nonzero asks the run to stop
     * after a snapshot (state stopped). */
    int (*should_stop)(void *ctx);
} RunnerCallbacks;

/* The steady rate of progress reports within a phase. */
#define RUNNER_PROGRESS_SECONDS 0.5

typedef struct RunResult {
    RunState state;
    char run_dir[1024];
    double final_accuracy, best_accuracy; /* of the held-out passes (validation or test) */
    double test_accuracy;                 /* the test split's (runstatus_test_accuracy), -1 none */
    char heldout[8];                      /* "val" or "test": what the held-out passes read */
    int bad_input;  /* 1 when the preset or its files were at fault (exit code 2) */
    int shared;     /* MPI: the run failed with an error every rank has (none waits) */
    int unrecorded; /* it failed because the run store could not be written (a full disk) */
} RunResult;

/* Formats a line and hands it to on_line(ctx, line) (nothing when
 * on_line is NULL): how the sweeps that drive the runner tell their
 * progress. */
__attribute__((format(printf, 3, 4))) void runner_say(void (*on_line)(void *ctx, const char *line),
                                                      void *ctx, const char *fmt, ...);

/* The engine configuration a run of p uses (network, solver, loaders,
 * intervals), for dataset ds; weights, init_from and snapshot_dir are left
 * NULL. The one place preset keys become engine settings. */
void runner_config(const Preset *p, const Dataset *ds, TrainConfig *c);

/* The whole engine configuration of a run of p from its plan
 * (preflight_plan): runner_config on the plan's dataset, plus the backbone,
 * init_from and input convention the plan resolved; snapshot_dir NULL. */
void runner_plan_config(const Preset *p, const RunPlan *plan, TrainConfig *c);

/* Where a run of a successive-halving sweep goes (src/search/halving.h): the
 * sweep's id, the candidate, the rung it trains to and that rung's
 * iteration (stop_at; 0: on to max_iter, the last rung). */
typedef struct RunnerRung {
    const char *halving;
    int candidate, rung, stop_at;
} RunnerRung;

/* Runs p (sweep already expanded; sweep_label may be "") into a new run
 * under runs_dir. Returns ST_OK when training ran to its end or was
 * stopped; otherwise the error (also recorded in status.ini when the run
 * directory exists). A preset that fails preflight_check or whose dataset
 * does not open creates no run directory (res->run_dir "", bad_input 1). */
Status runner_run(const Preset *p, const char *sweep_label, const char *runs_dir,
                  const RunnerCallbacks *cb, RunResult *res, Error *err);
/* Continues the stopped, interrupted or failed run in run_dir from its
 * newest good snapshot (snapshot_check, agreed by every rank): each newer
 * one is reported through on_log and log.txt ("warning: snapshots/
 * iter_40.safetensors: <why>; continuing from iter_20.safetensors") and
 * renamed iter_<N>.safetensors.bad, and metrics.tsv loses the rows from the
 * snapshot used on, as they are written again. One without a snapshot
 * (interrupted before its first) trains again from iteration 0 in the same
 * directory. When snapshots exist but none is good, the error names each
 * with its cause and the run is left as it was (bad_input), rather than
 * trained again from 0; so is it when preflight_check fails. ST_STATE for
 * a queued, running or done run. */
Status runner_resume(const char *run_dir, const char *runs_dir, const RunnerCallbacks *cb,
                     RunResult *res, Error *err);
/* runner_run and runner_resume for a halving sweep's candidate (rung not
 * NULL): the run records rung's fields in status.ini and ends at
 * rung->stop_at (when above 0) with a snapshot and a test pass there, in
 * state stopped, which the sweep turns into pruned or resumes. */
Status runner_run_rung(const Preset *p, const char *sweep_label, const char *runs_dir,
                       const RunnerRung *rung, const RunnerCallbacks *cb, RunResult *res,
                       Error *err);
Status runner_resume_rung(const char *run_dir, const char *runs_dir, const RunnerRung *rung,
                          const RunnerCallbacks *cb, RunResult *res, Error *err);

#endif
