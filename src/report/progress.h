/*
 * progress — what a run is doing, as the Runs and Monitor screens and
 * `finelab runs` show it, from its status alone (so it works for other
 * processes' runs): the phase, how far it is and an ETA.
 *
 * A running run in a phase other than training (dataset, weights, cache,
 * test, snapshot) shows that phase's own progress and ETA from status.ini's
 * phase fields; in training, the iterations and the training phase's ETA
 * (its own rate, which leaves out the cache and the weights), or the run's
 * average rate before there is one. A run that is not running shows its
 * iterations and no ETA. Pure functions, callable from any thread.
 */
#ifndef FINELAB_PROGRESS_H
#define FINELAB_PROGRESS_H

#include <stddef.h>

#include "src/run/runstore.h"

typedef struct RunProgress {
    char phase[16]; /* "cache", "train", ...; the state's name when not running */
    double
        fraction;   /* 0..1 of the phase (of the run in training or when not running); -1 unknown */
    double eta;     /* seconds left in the phase shown (training: in the run); -1 unknown */
    char count[48]; /* "600/1800" views, "1200/3600" iterations, "" unknown */
} RunProgress;

void progress_of(const RunStatus *st, RunProgress *out);
/* What a phase is, for a beginner: "building the feature cache (the
 * frozen backbone over every image view)" for "cache", and so on; the
 * name itself for one it does not know. */
const char *progress_phase_text(const char *phase);
/* "42s", "3m05s", "2h10m", or "-" for a negative (unknown) time or NaN; times
 * over a million hours print as a million hours. */
void progress_eta_text(double seconds, char *buf, size_t cap);

#endif
