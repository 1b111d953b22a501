/*
 * study_importance — fANOVA over a study's trials. See study_importance.h.
 */
#include "src/report/study_importance.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/report/study_axes.h"

/* The furthest rung with at least min scored trials, or -1; the count of
 * the rung with the most scores into *best_count. */
static int importance_rung(const StudyTrial *t, int n, const AshaRungs *r, int min,
                           int *best_count) {
    *best_count = 0;
    for (int k = r->n_rungs - 1; k >= 0; k--) {
        int c = 0;
        for (int i = 0; i < n; i++)
            c += t[i].state != TRIAL_FAILED && t[i].asha.reported[k] && t[i].asha.score[k].scored &&
                 isfinite(t[i].asha.score[k].accuracy);
        if (c > *best_count) *best_count = c;
        if (c >= min) return k;
    }
    return -1;
}

static int scored_at(const StudyTrial *t, int k) {
    return t->state != TRIAL_FAILED && t->asha.reported[k] && t->asha.score[k].scored &&
           isfinite(t->asha.score[k].accuracy);
}

Status study_importance(const PresetSweep *sw, const StudyTrial *trials, int n, const AshaRungs *r,
                        StudyImportance *imp, Error *err) {
    memset(imp, 0, sizeof *imp);
    imp->d = sw->n_keys < FANOVA_KEYS_MAX ? sw->n_keys : FANOVA_KEYS_MAX;
    int most, min = STUDY_IMPORTANCE_PER_KEY * imp->d;
    if (min < STUDY_IMPORTANCE_MIN_TRIALS) min = STUDY_IMPORTANCE_MIN_TRIALS;
    imp->rung = importance_rung(trials, n, r, min, &most);
    if (imp->rung < 0 || imp->d < 1) {
        snprintf(imp->why, sizeof imp->why,
                 "too few trials for the importance: %d scored at one rung, fANOVA here wants %d "
                 "(%d a key, at least %d)",
                 most, min, STUDY_IMPORTANCE_PER_KEY, STUDY_IMPORTANCE_MIN_TRIALS);
        imp->rung = -1;
        return ST_OK;
    }
    int k = imp->rung, d = imp->d, m = 0;
    double *x = malloc(sizeof *x * (size_t)(n * d + 1)), *y = malloc(sizeof *y * (size_t)(n + 1));
    if (!x || !y) {
        free(x), free(y);
        return error_set(err, ST_NOMEM, "out of memory for the importance of %d trials", n);
    }
    for (int i = 0; i < n; i++) {
        if (!scored_at(&trials[i], k)) continue;
        for (int j = 0; j < d; j++) x[m * d + j] = study_axis_unit(&sw->keys[j], trials[i].x[j]);
        y[m++] = trials[i].asha.score[k].accuracy;
    }
    imp->n_trials = m;
    FanovaInput in = {.n = m, .d = d, .x = x, .y = y, .seed = 1};
    FanovaResult res;
    Status s = fanova_run(&in, &res, err);
    free(x), free(y);
    if (s) return s;
    imp->oob_r2 = res.oob_r2;
    for (int j = 0; j < d; j++) {
        imp->share[j] = res.main[j];
        for (int l = 0; l < d; l++) imp->pair[j][l] = res.pair[j][l];
        imp->order[j] = j;
    }
    for (int a = 1; a < d; a++) /* by share, largest first; stable */
        for (int b = a; b > 0 && imp->share[imp->order[b]] > imp->share[imp->order[b - 1]]; b--) {
            int t = imp->order[b];
            imp->order[b] = imp->order[b - 1], imp->order[b - 1] = t;
        }
    if (isnan(res.oob_r2)) {
        snprintf(imp->why, sizeof imp->why,
                 "the %d trials' accuracies cannot be told apart out of bag (all alike, or "
                 "every trial in every tree's draw), so no key is ranked",
                 m);
        return ST_OK;
    }
    if (res.oob_r2 < FANOVA_NOISE_R2) {
        snprintf(imp->why, sizeof imp->why,
                 "the accuracies look like noise around the keys: the forest explains %.0f%% of "
                 "them out of bag (R^2 %.2f, under %.2f), so no key is ranked",
                 res.oob_r2 > 0 ? 100 * res.oob_r2 : 0.0, res.oob_r2, FANOVA_NOISE_R2);
        return ST_OK;
    }
    imp->ranked = 1;
    return ST_OK;
}

int study_importance_pairs(const StudyImportance *imp, int (*pair)[2], int cap) {
    int all[FANOVA_KEYS_MAX * (FANOVA_KEYS_MAX - 1) / 2][2], n = 0;
    for (int a = 0; a < imp->d; a++)
        for (int b = a + 1; b < imp->d; b++) {
            int at = n++; /* insertion, largest first; the earlier pair first on a tie */
            for (; at > 0 && imp->pair[a][b] > imp->pair[all[at - 1][0]][all[at - 1][1]]; at--)
                all[at][0] = all[at - 1][0], all[at][1] = all[at - 1][1];
            all[at][0] = a, all[at][1] = b;
        }
    if (n > cap) n = cap;
    memcpy(pair, all, sizeof all[0] * (size_t)(n > 0 ? n : 0));
    return n;
}

void study_importance_top_pair(const StudyImportance *imp, int *i, int *j) {
    int p[1][2];
    if (study_importance_pairs(imp, p, 1))
        *i = p[0][0], *j = p[0][1];
    else
        *i = *j = -1;
}

/* What the importance depends on, folded into four numbers: the count,
 * and sums over every point, state and score weighted by position. */
static void importance_print(const PresetSweep *sw, const StudyTrial *t, int n, const AshaRungs *r,
                             double *print) {
    print[0] = n + 1000.0 * sw->n_keys + 1e6 * r->n_rungs;
    print[1] = print[2] = print[3] = 0;
    for (int i = 0; i < n; i++) {
        double w = 1 + i * 0.618;
        for (int j = 0; j < t[i].n_x; j++) print[1] += w * (j + 1) * t[i].x[j];
        print[2] += w * (t[i].state + 1);
        for (int k = 0; k < r->n_rungs; k++)
            if (t[i].asha.reported[k] && t[i].asha.score[k].scored)
                print[3] += w * (k + 1) * t[i].asha.score[k].accuracy;
    }
}

Status study_importance_cached(StudyImportanceCache *cache, const PresetSweep *sw,
                               const StudyTrial *trials, int n, const AshaRungs *r,
                               StudyImportance *imp, Error *err) {
    double print[4];
    importance_print(sw, trials, n, r, print);
    if (cache->valid && memcmp(print, cache->print, sizeof print) == 0) {
        *imp = cache->imp;
        return ST_OK;
    }
    Status s = study_importance(sw, trials, n, r, imp, err);
    if (!s) {
        cache->valid = 1;
        memcpy(cache->print, print, sizeof print);
        cache->imp = *imp;
    }
    return s;
}
