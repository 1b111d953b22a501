/*
 * halving — rung schedule and promotion. See halving.h.
 *
 * The synchronous form (Jamieson and Talwalkar's successive halving, the
 * brackets of Hyperband): a rung waits for all its candidates before it
 * promotes any, so the decision never depends on which run finished first
 * (ASHA's asynchronous promotions would, on a shared machine).
 */
#include "src/search/halving.h"

void halving_plan(HalvingPlan *plan, int n, int min_iter, int eta, int max_iter) {
    plan->n_candidates = n;
    plan->n_rungs = 0;
    int keep = n;
    long iter = min_iter;
    if (min_iter >= 1 && eta >= 2 && max_iter > min_iter) {
        while (iter < max_iter && keep > 1 && plan->n_rungs < HALVING_RUNGS_MAX - 1) {
            plan->iter[plan->n_rungs] = (int)iter;
            plan->keep[plan->n_rungs++] = keep;
            keep = keep / eta > 1 ? keep / eta : 1;
            iter *= eta;
        }
    }
    plan->iter[plan->n_rungs] = max_iter;
    plan->keep[plan->n_rungs++] = keep;
}

long halving_iterations(const HalvingPlan *plan) {
    long total = 0;
    for (int k = 0; k < plan->n_rungs; k++)
        total += (long)plan->keep[k] * (plan->iter[k] - (k ? plan->iter[k - 1] : 0));
    return total;
}

long halving_grid_iterations(const HalvingPlan *plan) {
    return (long)plan->n_candidates * plan->iter[plan->n_rungs - 1];
}

/* 1 when candidate a ranks before candidate b. */
static int halving_before(const HalvingScore *s, int a, int b) {
    if (s[a].scored != s[b].scored) return s[a].scored;
    if (s[a].scored && s[a].accuracy != s[b].accuracy) return s[a].accuracy > s[b].accuracy;
    if (s[a].scored && s[a].loss != s[b].loss) return s[a].loss < s[b].loss;
    return a < b;
}

void halving_rank(const HalvingScore *scores, const int *ids, int n, int *order) {
    for (int i = 0; i < n; i++) { /* insertion sort: a rung has at most a few hundred */
        int c = ids[i], j = i;
        while (j > 0 && halving_before(scores, c, order[j - 1])) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = c;
    }
}

int halving_promote(const HalvingScore *scores, const int *ids, int n, int keep, int *promoted) {
    int order[1024], m = 0;
    if (n > 1024) n = 1024;
    halving_rank(scores, ids, n, order);
    for (int i = 0; i < n && m < keep; i++)
        if (scores[order[i]].scored) promoted[m++] = order[i];
    for (int i = 1; i < m; i++) /* candidate order */
        for (int j = i; j > 0 && promoted[j] < promoted[j - 1]; j--) {
            int x = promoted[j];
            promoted[j] = promoted[j - 1];
            promoted[j - 1] = x;
        }
    return m;
}
