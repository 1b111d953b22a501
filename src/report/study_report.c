/*
 * study_report — a study as text, Markdown or CSV. See study_report.h.
 */
#include "src/report/study_report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/strbuf.h"
#include "src/report/study_axes.h"

void study_report_order(const SweepTrials *s, int *order) {
    for (int i = 0; i < s->n; i++) order[i] = i;
    for (int a = 1; a < s->n; a++) /* insertion: stable, the earlier trial first on a tie */
        for (int b = a; b > 0 && asha_ahead(&s->trials[order[b]].asha,
                                            &s->trials[order[b - 1]].asha, &s->rungs);
             b--) {
            int t = order[b];
            order[b] = order[b - 1], order[b - 1] = t;
        }
}

void study_report_history(const SweepTrials *s, double *best, long *spent) {
    int last = s->rungs.n_rungs - 1;
    double b = -1;
    long used = 0;
    for (int i = 0; i < s->n; i++) {
        const StudyTrial *t = &s->trials[i];
        int top = asha_top_rung(&t->asha, &s->rungs);
        if (top >= 0) used += t->iter[top];
        if (top == last && t->asha.score[last].accuracy > b) b = t->asha.score[last].accuracy;
        best[i] = b, spent[i] = used;
    }
}

static const char *state_name(const StudyTrial *t) {
    if (!t->started[0] && t->state == TRIAL_WAITING) return "not begun";
    static const char *const names[] = {"running", "waiting", "failed", "complete"};
    return names[t->state];
}

static void percent(char *buf, size_t cap, double v) {
    if (v >= 0)
        snprintf(buf, cap, "%.2f%%", 100 * v);
    else
        snprintf(buf, cap, "-");
}

double study_report_held(const SweepTrials *s, int i, int *top) {
    *top = asha_top_rung(&s->trials[i].asha, &s->rungs);
    return *top >= 0 ? s->trials[i].asha.score[*top].accuracy : -1;
}

int study_report_scores(const SweepTrials *s, double *held, int *order, int *best, double *lo,
                        double *hi) {
    int *own = order ? NULL : malloc(sizeof *own * (size_t)(s->n + 1)), top;
    if (!order && !(order = own)) return -1;
    double l = INFINITY, h = -INFINITY;
    for (int i = 0; i < s->n; i++) {
        held[i] = study_report_held(s, i, &top);
        double v[2] = {held[i], s->test[i]};
        for (int k = 0; k < 2; k++)
            if (v[k] >= 0) l = fmin(l, v[k]), h = fmax(h, v[k]);
    }
    study_report_order(s, order);
    *best = s->n && held[order[0]] >= 0 ? order[0] : -1;
    free(own);
    if (!isfinite(l)) l = 0, h = 1;
    *lo = floor(l * 100) / 100;
    *hi = ceil(h * 100) / 100;
    if (*hi <= *lo) *hi = *lo + 0.01;
    return 0;
}

static void report_head(StrBuf *b, const SweepTrials *s, int md) {
    int count[4] = {0};
    for (int i = 0; i < s->n; i++) count[s->trials[i].state]++;
    strbuf_printf(b,
                  "%sstudy %s: %d trials: %d complete, %d pruned or waiting, %d failed, %d "
                  "running; rungs",
                  md ? "## " : "", s->id, s->n, count[TRIAL_COMPLETE], count[TRIAL_WAITING],
                  count[TRIAL_FAILED], count[TRIAL_RUNNING]);
    for (int k = 0; k < s->rungs.n_rungs; k++) strbuf_printf(b, " %d", s->rungs.iter[k]);
    strbuf_printf(b, "\n%s%s", md ? "\n" : "", sweep_trials_kind_name(s->kind));
    if (s->kind == SWEEP_TRIALS_RUNS)
        strbuf_puts(b,
                    " (the runs of the preset by this name; each key's values as they took them)");
    if (s->left_out)
        strbuf_printf(b, "; %d older runs with other swept keys left out", s->left_out);
    strbuf_puts(b, "\n");
}

static void report_importance(StrBuf *b, const SweepTrials *s, const StudyImportance *imp, int md) {
    const PresetSweep *sw = &s->preset->sweep;
    char name[96], name2[96];
    strbuf_puts(b, md ? "\n### Importance\n\n" : "\nimportance");
    if (!imp->ranked) {
        strbuf_printf(b, "%s%s\n", md ? "" : ": ", imp->why);
        return;
    }
    strbuf_printf(b,
                  "%s(fANOVA on a random forest over the %d trials scored at rung %d, %d "
                  "iterations; share of the variance of their held-out accuracy; out-of-bag "
                  "R^2 %.2f):\n",
                  md ? "" : " ", imp->n_trials, imp->rung + 1, s->rungs.iter[imp->rung],
                  imp->oob_r2);
    if (md) strbuf_puts(b, "\n| key | share |\n|---|---|\n");
    for (int r = 0; r < imp->d; r++) {
        int j = imp->order[r];
        study_axis_name(&sw->keys[j], name, sizeof name);
        if (md) {
            strbuf_printf(b, "| %s | %.1f%% |\n", name, 100 * imp->share[j]);
        } else {
            int bar = (int)(imp->share[j] * 30 + 0.5);
            strbuf_printf(b, "  %-32s %5.1f%%  ", name, 100 * imp->share[j]);
            for (int c = 0; c < bar; c++) strbuf_puts(b, "#");
            strbuf_puts(b, "\n");
        }
    }
    int pair[STUDY_REPORT_PAIRS][2], n = study_importance_pairs(imp, pair, STUDY_REPORT_PAIRS);
    for (int p = 0; p < n; p++) { /* each pair beyond its two keys, the largest first */
        study_axis_name(&sw->keys[pair[p][0]], name, sizeof name);
        study_axis_name(&sw->keys[pair[p][1]], name2, sizeof name2);
        strbuf_printf(b, md ? "| %s x %s (together) | %.1f%% |\n" : "  %s x %s together: %.1f%%\n",
                      name, name2, 100 * imp->pair[pair[p][0]][pair[p][1]]);
    }
}

static void report_best(StrBuf *b, const SweepTrials *s, const int *order, int md) {
    strbuf_puts(b, md ? "\n### Best trials\n\n| trial | rung | held-out | test | params |\n"
                        "|---|---|---|---|---|\n"
                      : "\nbest trials (furthest rung, then held-out accuracy there):\n");
    if (!md)
        strbuf_printf(b, "%6s %6s %10s %8s  %s\n", "trial", "rung", "held-out", "test", "params");
    for (int m = 0; m < s->n && m < STUDY_REPORT_BEST; m++) {
        int i = order[m], top;
        char held[16], tested[16];
        percent(held, sizeof held, study_report_held(s, i, &top));
        percent(tested, sizeof tested, top == s->rungs.n_rungs - 1 ? s->test[i] : -1);
        if (md)
            strbuf_printf(b, "| %d | %d/%d | %s | %s | %s |\n", i, top + 1, s->rungs.n_rungs, held,
                          tested, s->trials[i].params);
        else
            strbuf_printf(b, "%6d %3d/%-2d %10s %8s  %s\n", i, top + 1, s->rungs.n_rungs, held,
                          tested, s->trials[i].params);
    }
}

static void report_history(StrBuf *b, const SweepTrials *s, const double *best, const long *spent,
                           int md) {
    strbuf_puts(b, md ? "\n### History\n\n| trial | iterations | best held-out |\n|---|---|---|\n"
                      : "\nhistory (best held-out accuracy at the last rung so far):\n");
    if (!md) strbuf_printf(b, "%6s %12s %10s\n", "trial", "iterations", "best");
    for (int i = 0; i < s->n; i++) {
        char text[16];
        percent(text, sizeof text, best[i]);
        strbuf_printf(b, md ? "| %d | %ld | %s |\n" : "%6d %12ld %10s\n", i, spent[i], text);
    }
}

/* A CSV field: quoted when it holds a comma, quote or newline. */
static void csv_field(StrBuf *b, const char *v, int last) {
    if (strpbrk(v, ",\"\n")) {
        strbuf_puts(b, "\"");
        for (const char *c = v; *c; c++) {
            strbuf_add(b, c, 1);
            if (*c == '"') strbuf_add(b, c, 1); /* a quote is doubled */
        }
        strbuf_puts(b, "\"");
    } else {
        strbuf_puts(b, v);
    }
    strbuf_puts(b, last ? "\n" : ",");
}

static void report_csv(StrBuf *b, const SweepTrials *s, const StudyImportance *imp,
                       const double *best, const long *spent) {
    const PresetSweep *sw = &s->preset->sweep;
    char v[300];
    strbuf_puts(b, "trial,state,rung,heldout,test,best_so_far,iterations_so_far,");
    for (int j = 0; j < sw->n_keys; j++) {
        study_axis_name(&sw->keys[j], v, sizeof v);
        csv_field(b, v, 0);
    }
    strbuf_puts(b, "run\n");
    for (int i = 0; i < s->n; i++) {
        const StudyTrial *t = &s->trials[i];
        int top;
        double h = study_report_held(s, i, &top);
        strbuf_printf(b, "%d,%s,%d,", i, state_name(t), top + 1);
        strbuf_printf(b, h >= 0 ? "%.6f," : ",", h);
        strbuf_printf(b, s->test[i] >= 0 ? "%.6f," : ",", s->test[i]);
        strbuf_printf(b, best[i] >= 0 ? "%.6f," : ",", best[i]);
        strbuf_printf(b, "%ld,", spent[i]);
        for (int j = 0; j < sw->n_keys && j < t->n_x; j++) {
            study_axis_value(&sw->keys[j], t->x[j], v, sizeof v);
            csv_field(b, v, 0);
        }
        csv_field(b, t->run, 1);
    }
    if (!imp->ranked) return;
    strbuf_puts(b, "\nkey,share\n");
    for (int r = 0; r < imp->d; r++) {
        study_axis_name(&sw->keys[imp->order[r]], v, sizeof v);
        csv_field(b, v, 0);
        strbuf_printf(b, "%.6f\n", imp->share[imp->order[r]]);
    }
    int pair[STUDY_REPORT_PAIRS][2], n = study_importance_pairs(imp, pair, STUDY_REPORT_PAIRS);
    for (int p = 0; p < n; p++) { /* "a x b": the pair beyond its two keys */
        char a[96], c[96];
        study_axis_name(&sw->keys[pair[p][0]], a, sizeof a);
        study_axis_name(&sw->keys[pair[p][1]], c, sizeof c);
        snprintf(v, sizeof v, "%s x %s", a, c);
        csv_field(b, v, 0);
        strbuf_printf(b, "%.6f\n", imp->pair[pair[p][0]][pair[p][1]]);
    }
}

char *study_report_format(const SweepTrials *s, const StudyImportance *imp, StudyReportForm form) {
    int *order = malloc(sizeof *order * (size_t)(s->n + 1));
    double *best = malloc(sizeof *best * (size_t)(s->n + 1));
    long *spent = malloc(sizeof *spent * (size_t)(s->n + 1));
    StrBuf b = {0};
    if (!order || !best || !spent) {
        free(order), free(best), free(spent);
        return NULL;
    }
    {
        study_report_order(s, order);
        study_report_history(s, best, spent);
        if (form == STUDY_REPORT_CSV) {
            report_csv(&b, s, imp, best, spent);
        } else {
            int md = form == STUDY_REPORT_MD;
            report_head(&b, s, md);
            report_importance(&b, s, imp, md);
            report_best(&b, s, order, md);
            report_history(&b, s, best, spent, md);
        }
    }
    free(order), free(best), free(spent);
    return strbuf_take(&b);
}
