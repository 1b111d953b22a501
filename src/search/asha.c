/*
 * asha — asynchronous successive halving. See asha.h.
 */
#include "src/search/asha.h"

void asha_rungs(AshaRungs *r, int min_iter, int eta, int max_iter) {
    r->n_rungs = 0;
    long iter = min_iter;
    if (min_iter >= 1 && eta >= 2)
        while (iter < max_iter && r->n_rungs < HALVING_RUNGS_MAX - 1) {
            r->iter[r->n_rungs++] = (int)iter;
            iter *= eta;
        }
    r->iter[r->n_rungs++] = max_iter;
}

/* The trials that have reported at rung k, best first, into order;
 * returns how many. */
static int asha_ranked(const AshaTrial *t, int n, int k, int order[ASHA_TRIALS_MAX]) {
    static _Thread_local HalvingScore s[ASHA_TRIALS_MAX];
    static _Thread_local int ids[ASHA_TRIALS_MAX];
    int m = 0;
    for (int i = 0; i < n && i < ASHA_TRIALS_MAX; i++) {
        s[i] = t[i].score[k];
        if (t[i].reported[k]) ids[m++] = i;
    }
    halving_rank(s, ids, m, order);
    return m;
}

/* Trial i can go on from rung k, if it ranks high enough there. */
static int asha_free_at(const AshaTrial *t, int i, int k) {
    return t[i].reported[k] && t[i].score[k].scored && t[i].target <= k && !t[i].busy;
}

int asha_promotable(const AshaTrial *t, int n, int eta, int i, int k) {
    int order[ASHA_TRIALS_MAX];
    if (!asha_free_at(t, i, k)) return 0;
    int top = asha_ranked(t, n, k, order) / eta;
    for (int j = 0; j < top; j++)
        if (order[j] == i) return 1;
    return 0;
}

int asha_next(const AshaTrial *t, int n, const AshaRungs *r, int eta, int *rung) {
    int order[ASHA_TRIALS_MAX];
    for (int k = r->n_rungs - 2; k >= 0; k--) {
        int top = asha_ranked(t, n, k, order) / eta;
        for (int j = 0; j < top; j++)
            if (asha_free_at(t, order[j], k)) {
                *rung = k + 1;
                return order[j];
            }
    }
    *rung = 0;
    return -1;
}

int asha_top_rung(const AshaTrial *t, const AshaRungs *r) {
    int top = -1;
    for (int k = 0; k < r->n_rungs; k++)
        if (t->reported[k] && t->score[k].scored) top = k;
    return top;
}

int asha_ahead(const AshaTrial *a, const AshaTrial *b, const AshaRungs *r) {
    int ta = asha_top_rung(a, r), tb = asha_top_rung(b, r);
    if (ta < 0 || ta != tb) return ta > tb;
    return a->score[ta].accuracy > b->score[tb].accuracy;
}
