/*
 * tpe — the Tree-structured Parzen Estimator (Bergstra et al., NeurIPS
 * 2011) as Optuna 3.1's TPESampler runs it by default: each key on its own
 * (univariate), the trials split into the good gamma(n) = min(ceil(n / 10),
 * 25) and the rest, a Parzen estimator over each group (a truncated normal
 * around every observation plus a prior over the whole range; categories
 * as smoothed counts), 24 candidates drawn from the good group's estimator
 * and the one with the largest l(x) / g(x) kept.
 *
 * The trials are ranked as Optuna ranks them: finished ones by value,
 * then pruned ones by how far they got (a later rung first) and their
 * value there, then running ones last, whatever they will score (the
 * constant liar: parallel workers that draw while others train do not all
 * draw near the same good point). Older observations weigh less once a
 * group has more than 25 (Optuna's default_weights).
 *
 * Pure functions of their arguments and the caller's Rng; any thread.
 */
#ifndef FINELAB_TPE_H
#define FINELAB_TPE_H

#include "engine/base/rng.h"

enum {
    TPE_STARTUP = 10,    /* finished trials (complete or pruned) before TPE draws */
    TPE_CANDIDATES = 24, /* draws from l(x) scored per key */
    TPE_DIMS_MAX = 8,
};

typedef enum TpeKind { TPE_CATEGORICAL, TPE_UNIFORM, TPE_LOGUNIFORM } TpeKind;

/* One key of the search space. */
typedef struct TpeDim {
    TpeKind kind;
    int n_choices; /* categorical: how many (values are their indices) */
    double lo, hi; /* a range (lo > 0 for log) */
    int integer;   /* a range of whole numbers: each one's bin is [v - 0.5, v + 0.5] */
} TpeDim;

typedef enum TpeState { TPE_COMPLETE, TPE_PRUNED, TPE_RUNNING } TpeState;

/* One trial, in the order they were started. */
typedef struct TpeTrial {
    double x[TPE_DIMS_MAX]; /* per key: a category's index or the number */
    TpeState state;
    int step;     /* pruned: the last rung it reported at */
    double value; /* complete: the objective, higher is better; pruned: at its step */
} TpeTrial;

/* How many of trials count towards the startup (complete or pruned). */
int tpe_finished(const TpeTrial *trials, int n);

/* 1 when x lies in the space: each range's value inside it, each
 * category a whole index of it. */
int tpe_in_space(const TpeDim *dims, int n_dims, const double *x);

/* Draws a point into x (n_dims values) by TPE from the n trials (those
 * whose points are not in the space left out). Returns 1, or 0 when fewer
 * than TPE_STARTUP of them have finished (x untouched: the caller draws
 * at random). */
int tpe_suggest(const TpeDim *dims, int n_dims, const TpeTrial *trials, int n, Rng *r, double *x);

/* A uniform draw from the space (integers rounded, categories by index). */
void tpe_random(const TpeDim *dims, int n_dims, Rng *r, double *x);

/* log of the Parzen estimator of dimension d over the m observations obs
 * (in trial order) at v: what tpe_suggest scores; exposed for its tests. */
double tpe_log_density(const TpeDim *d, const double *obs, int m, double v);

#endif
