/*
 * asha — asynchronous successive halving's decisions (Li et al., "A System
 * for Massively Parallel Hyperparameter Tuning", MLSys 2020), with no
 * training in them: the rungs, and what a free worker does next.
 *
 * Rungs: rung k trains to min_iter * eta^k; the first rung at or past
 * max_iter is the last and trains to max_iter. A trial that has reported
 * at rung k (its held-out score there) is promotable when it ranks in the
 * top floor(r_k / eta) of the r_k trials that have reported at rung k so
 * far (halving.h's order: accuracy, then loss, then the lower index) and
 * has not gone on from rung k yet. A free worker promotes the promotable
 * trial of the highest rung (the best of them), else starts a new trial:
 * no rung waits for its slowest member, and a late reporter that ranks in
 * the top later is promoted then. Pure functions; any thread.
 */
#ifndef FINELAB_ASHA_H
#define FINELAB_ASHA_H

#include "src/search/halving.h"

enum { ASHA_TRIALS_MAX = 1024 }; /* trials one study holds (more are not ranked) */

/* The rungs of a sweep: iter[k] for k < n_rungs (the last is max_iter). */
typedef struct AshaRungs {
    int n_rungs;
    int iter[HALVING_RUNGS_MAX];
} AshaRungs;

void asha_rungs(AshaRungs *r, int min_iter, int eta, int max_iter);

/* What the study knows of one trial. */
typedef struct AshaTrial {
    int target; /* the rung it has been sent to (0 when started) */
    int busy;   /* 1 while a worker trains it towards target */
    /* reported[k]: it reported at rung k, with score[k] (scored 0: it
     * failed or diverged there, and goes no further) */
    int reported[HALVING_RUNGS_MAX];
    HalvingScore score[HALVING_RUNGS_MAX];
} AshaTrial;

/* The next job for a free worker among the n trials: the index of the
 * trial to promote (*rung: the rung it goes on to), or -1: start a new
 * trial at rung 0. */
int asha_next(const AshaTrial *t, int n, const AshaRungs *r, int eta, int *rung);

/* The highest of the r->n_rungs rungs at which t reported a score, or -1. */
int asha_top_rung(const AshaTrial *t, const AshaRungs *r);
/* 1 when a is ahead of b in a study's result: it got to a higher rung, or
 * to the same one with a higher held-out accuracy there (Optuna's order);
 * a trial with no score is ahead of none. */
int asha_ahead(const AshaTrial *a, const AshaTrial *b, const AshaRungs *r);

/* 1 when trial i is promotable from rung k now (the rule above). */
int asha_promotable(const AshaTrial *t, int n, int eta, int i, int k);

#endif
