/*
 * fanova — which swept keys, and which pairs of them, explain a study's
 * accuracy: the functional ANOVA of Hutter, Hoos and Leyton-Brown (ICML
 * 2014), as Optuna's FanovaImportanceEvaluator computes it. A random forest
 * of regression trees is fit to the trials, and each tree's function is
 * split, exactly, into the variance of each key's marginal and of each
 * pair's beyond its two keys, as shares of the tree's variance over the
 * unit box, averaged over the trees.
 *
 * The caller scales every key to [0, 1]: a range key (log-scaled where it
 * is log) by its position in [lo, hi], a key given as k values (a grid or
 * a categorical key) by its level's centre (i + 0.5) / k, so that under the
 * uniform measure each level weighs 1/k and a split between neighbouring
 * levels falls on their boundary. Pure: the caller owns in and out, the
 * scratch is taken and freed within the call; reentrant, any thread.
 * Errors come back as a Status with a sentence in *err.
 */
#ifndef FINELAB_FANOVA_H
#define FINELAB_FANOVA_H

#include "engine/base/error.h"

enum {
    FANOVA_KEYS_MAX = 16,
    FANOVA_TREES_DEFAULT = 64, /* Optuna's */
    FANOVA_TREES_MAX = 4096,
};

/* Below this out-of-bag R^2 the forest explains no more of the accuracy
 * than its mean does: the trials show no key that matters, their accuracy
 * looks like noise, and the shares are not worth showing. Accuracy drawn
 * independently of 3 keys reads a median of -0.25 on 60 trials; 3 draws in
 * 1000 pass 0.1 there, 5% on 20 trials, 8% on 10 (fewer trials, more
 * chance). One key that matters reads 0.96 and more on 60. */
#define FANOVA_NOISE_R2 0.1

typedef struct FanovaInput {
    int n, d;           /* trials (2 or more), keys (1..FANOVA_KEYS_MAX) */
    const double *x;    /* n x d, row-major; each value in [0, 1] */
    const double *y;    /* n values, finite (the accuracy) */
    int trees;          /* 0: FANOVA_TREES_DEFAULT; at most FANOVA_TREES_MAX */
    unsigned long seed; /* the forest's draws: bootstraps, and key orders that break ties */
} FanovaInput;

typedef struct FanovaResult {
    int d;
    double main[FANOVA_KEYS_MAX]; /* share of the variance of key i's marginal alone */
    /* i != j: the share of the pair's marginal beyond its two mains;
     * pair[i][j] == pair[j][i], the diagonal 0 */
    double pair[FANOVA_KEYS_MAX][FANOVA_KEYS_MAX];
    /* The forest's out-of-bag R^2: each trial predicted by the trees whose
     * bootstrap did not draw it (trials every tree drew are left out),
     * 1 - SSE/SST around those trials' mean accuracy; how much of the
     * accuracy the forest explains. NaN when no trial is out of bag or
     * their accuracies are all equal (see FANOVA_NOISE_R2). */
    double oob_r2;
    /* Trees the shares average: those whose function is not flat. 0 when
     * every tree is flat (the trials' accuracies all equal, in the
     * bootstrap of each), and then every share is 0. */
    int trees_used;
} FanovaResult;

/* Fits in->trees trees, each to a bootstrap of the n trials drawn from
 * in->seed (the same input and seed give the same result to the bit), and
 * fills *out. ST_ARG (naming the trial, 0-based, and the key) for fewer
 * than 2 trials, a key count out of range, a tree count out of range, an x
 * outside [0, 1] or not finite, a y not finite; ST_NOMEM. *out is set only
 * on success. Time grows with trees x trials x keys x log(trials) for the
 * fit and trees x key pairs x leaves x the pair's grid cells for the
 * shares: 64 trees on 200 trials of 16 keys take 0.2 s on one core, on
 * 1000 trials 3 s; the caller runs it off the drawing thread. */
Status fanova_run(const FanovaInput *in, FanovaResult *out, Error *err);

/* The decomposition of one tree fit to the n trials as given, without a
 * bootstrap (in->trees is not read; in->seed draws the order in which its
 * nodes try the keys, which decides ties): the tests' view of a single
 * tree, whose shares can be worked out by hand. trees_used is 1, or 0 when
 * the tree is flat; oob_r2 is NaN. Errors as fanova_run. */
Status fanova_tree_shares(const FanovaInput *in, FanovaResult *out, Error *err);

#endif
