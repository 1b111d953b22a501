/*
 * study_importance — which swept keys a study's accuracy depends on: the
 * functional ANOVA of fanova.h over its trials, with the share of the
 * variance per key and per pair of keys (Optuna's fANOVA, which its
 * importance plot draws).
 *
 * The trials it explains are the scored ones at one rung, so that every
 * figure was measured after as many iterations: the furthest rung with at
 * least STUDY_IMPORTANCE_MIN_TRIALS scores and STUDY_IMPORTANCE_PER_KEY per
 * swept key (a grid or random sweep has one rung: every run's best
 * held-out accuracy). Six is the demo's res x dim sweep, three per key a
 * grid of three values of one key. Where no rung has that many,
 * or the forest explains no more of the accuracy than its mean does (its
 * out-of-bag R^2 under fanova.h's FANOVA_NOISE_R2: the accuracies look like
 * noise around the keys), it says so instead of ranking. Pure; any thread.
 */
#ifndef FINELAB_STUDY_IMPORTANCE_H
#define FINELAB_STUDY_IMPORTANCE_H

#include <stddef.h>

#include "engine/base/error.h"
#include "src/preset/preset.h"
#include "src/report/fanova.h"
#include "src/search/journal.h"

enum { STUDY_IMPORTANCE_MIN_TRIALS = 6, STUDY_IMPORTANCE_PER_KEY = 3 };

typedef struct StudyImportance {
    int ranked;    /* 1: the shares below hold; 0: why says why not */
    char why[256]; /* "too few trials: ..." or "the accuracies look like noise: ..." */
    int rung;      /* the rung explained (-1: none) */
    int n_trials;  /* scored trials there */
    int d;         /* keys */
    double share[FANOVA_KEYS_MAX];                 /* of each key alone */
    double pair[FANOVA_KEYS_MAX][FANOVA_KEYS_MAX]; /* of each pair beyond its two keys */
    double oob_r2;                                 /* the forest's out-of-bag R^2 */
    int order[FANOVA_KEYS_MAX];                    /* keys by share, largest first */
} StudyImportance;

/* The importance of sw's keys over trials (n of them) with rungs r into
 * imp. Trials too few or noise are not errors (imp->ranked 0); fails only
 * on out of memory. */
Status study_importance(const PresetSweep *sw, const StudyTrial *trials, int n, const AshaRungs *r,
                        StudyImportance *imp, Error *err);

/* The last importance a screen computed and what it was computed from
 * (a fingerprint of the trials' points, states and scores), so a screen
 * that draws the same study again does not grow the forest again (64
 * trees over a thousand trials take seconds). Caller storage; zeroed is
 * empty. */
typedef struct StudyImportanceCache {
    int valid;
    double print[4];
    StudyImportance imp;
} StudyImportanceCache;

/* study_importance through cache: the cached result when the trials are
 * those it was computed from, else computed and kept. */
Status study_importance_cached(StudyImportanceCache *cache, const PresetSweep *sw,
                               const StudyTrial *trials, int n, const AshaRungs *r,
                               StudyImportance *imp, Error *err);

/* The pair (i < j) with the largest share into *i, *j; -1 when d < 2. */
void study_importance_top_pair(const StudyImportance *imp, int *i, int *j);
/* The pairs (i < j) by share, largest first, into pair (cap of them at
 * most); returns how many. */
int study_importance_pairs(const StudyImportance *imp, int (*pair)[2], int cap);

#endif
