/*
 * halving — successive halving's arithmetic, with no training in it: the
 * rung schedule of a sweep and which candidates a rung promotes. The sweep
 * driver (halving_sweep.h) and its tests use it on metrics read from the
 * run store, so a decision is a pure function of what the store holds.
 *
 * Schedule: n candidates; rung k trains survivors(k) of them to iteration
 * min_iter * eta^k; survivors(0) = n, survivors(k+1) = max(1,
 * floor(survivors(k) / eta)). A rung at or past max_iter, or the one after
 * a single survivor is left, is the last and trains to max_iter.
 * Ranking at a rung: higher test accuracy first, then lower test loss, then
 * the lower candidate index; a candidate with no score (failed, diverged)
 * is never promoted. Pure functions; any thread.
 */
#ifndef FINELAB_HALVING_H
#define FINELAB_HALVING_H

enum { HALVING_RUNGS_MAX = 32 };

typedef struct HalvingPlan {
    int n_candidates, n_rungs;
    int iter[HALVING_RUNGS_MAX]; /* the iteration rung k trains to (the last: max_iter) */
    int keep[HALVING_RUNGS_MAX]; /* candidates that train in rung k */
} HalvingPlan;

/* A candidate's test pass at a rung: accuracy (0..1) and loss; scored 0
 * when it has none. */
typedef struct HalvingScore {
    int scored;
    double accuracy, loss;
} HalvingScore;

/* The schedule for n >= 1 candidates (min_iter >= 1, eta >= 2, max_iter >
 * min_iter; otherwise one rung of all n at max_iter). */
void halving_plan(HalvingPlan *plan, int n, int min_iter, int eta, int max_iter);
/* Iterations the plan spends when every candidate runs its rungs in full,
 * and what the full grid (n x max_iter) spends. */
long halving_iterations(const HalvingPlan *plan);
long halving_grid_iterations(const HalvingPlan *plan);
/* Orders the n candidates listed in ids by score (best first, the rule
 * above) into order; scores are indexed by candidate id. */
void halving_rank(const HalvingScore *scores, const int *ids, int n, int *order);
/* Of the n candidates in ids (who trained in a rung), writes the at most
 * keep best scored ones to promoted in candidate order; returns how many. */
int halving_promote(const HalvingScore *scores, const int *ids, int n, int keep, int *promoted);

#endif
