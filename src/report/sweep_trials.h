/*
 * sweep_trials — any sweep read as a study's trials (journal.h's
 * StudyTrial, what an asha study's journal replays into), so that one
 * reader (`finelab study`, the Study screen, the Optuna log) serves every
 * kind:
 *   - an asha study (runs/studies/<id>): its journal, as it is;
 *   - a halving sweep (runs/halving/<id>): each candidate a trial, its
 *     run the latest in the store with the sweep's id and the candidate,
 *     its held-out accuracy at each rung it reached;
 *   - a grid or random sweep, named by its preset's name: each run with
 *     that preset name and a sweep label a trial (the latest run of each
 *     label), one rung at max_iter scored with the run's best held-out
 *     accuracy. Its [sweep] is rebuilt from the labels: each key a list of
 *     the values the runs took (in order of value where they are numbers),
 *     a trial's point the index of its value; where a key took more
 *     numbers than a list holds (16; a random sweep's draws from a range),
 *     the range they span (log-uniform where they are positive and span a
 *     decade), a trial's point its number.
 * A run's state gives its trial's: done, complete; pruned or stopped,
 * waiting (pruned when the sweep is over); failed or diverged, failed;
 * queued, running or interrupted, running; no run yet (a halving
 * candidate), not started ("" started). Reads the store; any thread.
 */
#ifndef FINELAB_SWEEP_TRIALS_H
#define FINELAB_SWEEP_TRIALS_H

#include "engine/base/error.h"
#include "src/preset/preset.h"
#include "src/search/asha.h"
#include "src/search/journal.h"

typedef enum SweepTrialsKind {
    SWEEP_TRIALS_ASHA,
    SWEEP_TRIALS_HALVING,
    SWEEP_TRIALS_RUNS, /* a grid or random sweep, by its preset name */
} SweepTrialsKind;

/* A sweep read as trials; sweep_trials_free frees what it holds. */
typedef struct SweepTrials {
    char id[256];
    SweepTrialsKind kind;
    Preset *preset;     /* its [sweep] names the keys the trials' points are of */
    StudyTrial *trials; /* n of them, in the order they began */
    double *test;       /* per trial: its run's test accuracy when complete, else -1 */
    int n;
    AshaRungs rungs;
    int left_out; /* a sweep by name: runs whose label has other keys than the newest's */
} SweepTrials;

/* Reads the sweep called id under runs_dir into s: an asha study, a
 * halving sweep or the runs of a preset swept by grid or random draws, in
 * that order of lookup. ST_IO when there is none of them by that name or
 * the store cannot be read; ST_FORMAT when a run's label does not parse. */
Status sweep_trials_load(SweepTrials *s, const char *runs_dir, const char *id, Error *err);
void sweep_trials_free(SweepTrials *s);
/* "asha study", "halving sweep", "sweep". */
const char *sweep_trials_kind_name(SweepTrialsKind kind);

/* A screen's last sweep read: read again only when the sweep or the
 * caller's stamp (when it last listed the store: App.runs_loaded_at)
 * changes, so that redraws and keys between two listings do not read
 * every run's status again. Zero it to start; free with
 * sweep_trials_cache_free. */
typedef struct SweepTrialsCache {
    double stamp;
    int loaded; /* s holds sweep s.id as of stamp */
    SweepTrials s;
} SweepTrialsCache;

/* Sweep id under runs_dir as of stamp: c's copy when it is that one, else
 * read (sweep_trials_load) and kept in c. NULL, with the reason in err,
 * when it cannot be read (a failure is not kept: the next call reads
 * again). The sweep stays c's. */
const SweepTrials *sweep_trials_cached(SweepTrialsCache *c, const char *runs_dir, const char *id,
                                       double stamp, Error *err);
void sweep_trials_cache_free(SweepTrialsCache *c);

/* Halving sweep id under runs_dir: its preset into p, its candidates into
 * t and their runs' test accuracies into test (-1 where not done; cap of
 * them at most; *n), its rungs' iterations into rungs. ST_IO when there is
 * no such sweep or the store cannot be read. */
Status sweep_trials_halving(const char *runs_dir, const char *id, Preset *p, StudyTrial *t,
                            double *test, int cap, int *n, AshaRungs *rungs, Error *err);

#endif
