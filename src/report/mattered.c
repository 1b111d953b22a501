/*
 * mattered — a sweep's "what mattered" line. See mattered.h.
 */
#include "src/report/mattered.h"

#include <stdio.h>

#include "src/report/importance.h"
#include "src/report/study_axes.h"

int mattered_fanova(const PresetSweep *sw, const StudyImportance *imp, char *buf, size_t cap) {
    buf[0] = '\0';
    if (!imp->ranked || cap < 2) return 0;
    int at = snprintf(buf, cap,
                      "what mattered (fANOVA over %d runs, share of variance): ", imp->n_trials);
    char name[96];
    for (int r = 0; r < imp->d && at < (int)cap; r++) {
        study_axis_name(&sw->keys[imp->order[r]], name, sizeof name);
        at += snprintf(buf + at, cap - (size_t)at, "%s%s %.0f%%", r ? ", " : "", name,
                       100 * imp->share[imp->order[r]]);
    }
    int i, j;
    study_importance_top_pair(imp, &i, &j);
    if (i >= 0 && at < (int)cap)
        snprintf(buf + at, cap - (size_t)at, "; together %.0f%%", 100 * imp->pair[i][j]);
    return 1;
}

int mattered_range(const char *const *labels, const double *best, int n, const char *split,
                   const StudyImportance *imp, char *buf, size_t cap) {
    ImportanceKey keys[IMPORTANCE_KEYS_MAX];
    int k = importance_rank(labels, best, n, keys, IMPORTANCE_KEYS_MAX);
    buf[0] = '\0';
    if (!k || cap < 2) return 0;
    char text[2048];
    importance_format(keys, k, text, sizeof text);
    const char *why = !imp || imp->ranked || !imp->why[0] ? ""
                      : imp->rung < 0                     ? "; too few runs for fANOVA"
                                                          : "; noise to fANOVA";
    snprintf(buf, cap, "what mattered (range of the mean best %s%saccuracy per key): %s%s", split,
             split[0] ? " " : "", text, why);
    return 1;
}
