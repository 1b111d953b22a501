/*
 * fig_study — a study's views as pictures. See fig_study.h.
 */
#include "src/plot/fig_study.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/plot/canvas.h"
#include "src/plot/fig.h"
#include "src/plot/legend.h"
#include "src/plot/panel.h"
#include "src/report/study_axes.h"
#include "src/report/study_importance.h"
#include "src/report/study_report.h"

static const char *const kind_names[FIG_STUDY_KINDS] = {"parallel", "slice", "history",
                                                        "importance"};

FigStudyOptions fig_study_defaults(void) {
    return (FigStudyOptions){.kind = FIG_STUDY_PARALLEL};
}

const char *fig_study_kind_name(FigStudyKind kind) {
    return kind >= 0 && kind < FIG_STUDY_KINDS ? kind_names[kind] : "?";
}

int fig_study_kind_of(const char *name) {
    for (int k = 0; k < FIG_STUDY_KINDS; k++)
        if (strcmp(name, kind_names[k]) == 0) return k;
    return -1;
}

/* What every view reads of the study: each trial's held-out accuracy at
 * its furthest rung (-1), the best trial, the accuracies' range. */
typedef struct StudyFig {
    const SweepTrials *s;
    double *held;
    int best;
    double lo, hi; /* the accuracy axes, as fractions */
} StudyFig;

static Status study_fig_init(StudyFig *f, const SweepTrials *s, Error *err) {
    memset(f, 0, sizeof *f);
    f->s = s;
    if (!(f->held = malloc(sizeof *f->held * (size_t)(s->n + 1))) ||
        study_report_scores(s, f->held, NULL, &f->best, &f->lo, &f->hi))
        return error_set(err, ST_NOMEM, "out of memory drawing study %s", s->id);
    return ST_OK;
}

static int dim(const StudyTrial *t) {
    return t->state != TRIAL_COMPLETE;
}

/* The styles that keep trials apart without colour. */
static CanvasStyle style_best(void) {
    return (CanvasStyle){
        .color = CANVAS_BLACK, .width = 3.2, .marker = CANVAS_MARK_CIRCLE, .marker_size = 8};
}

static CanvasStyle style_dim(void) {
    return (CanvasStyle){.color = canvas_tint(CANVAS_GREY, 0.35),
                         .width = 1.0,
                         .dash = CANVAS_DASHED,
                         .marker = CANVAS_MARK_CROSS,
                         .marker_size = 6};
}

static CanvasStyle style_trial(CanvasColor color) {
    return (CanvasStyle){
        .color = color, .width = 1.5, .marker = CANVAS_MARK_CIRCLE, .marker_size = 6};
}

static double heat_of(const StudyFig *f, double v) {
    return (v - f->lo) / (f->hi - f->lo);
}

/* --- parallel coordinates ------------------------------------------------ */

static void axis_title(const StudyFig *f, int id, char *buf, size_t cap) {
    const PresetSweep *sw = &f->s->preset->sweep;
    if (id < sw->n_keys)
        study_axis_name(&sw->keys[id], buf, cap);
    else
        snprintf(buf, cap, "%s", id == sw->n_keys ? "held-out accuracy" : "test accuracy");
}

/* Trial i's place on axis id (NaN: none). */
static double place(const StudyFig *f, int i, int id) {
    const PresetSweep *sw = &f->s->preset->sweep;
    const StudyTrial *t = &f->s->trials[i];
    if (id < sw->n_keys) return id < t->n_x ? study_axis_position(&sw->keys[id], t->x[id]) : NAN;
    double v = id == sw->n_keys ? f->held[i] : f->s->test[i];
    return v >= 0 ? heat_of(f, v) : NAN;
}

/* The values along axis id at x, from y0 (place 1) down to y1 (place 0). */
static void axis_labels(Canvas *c, const StudyFig *f, int id, double x, double y0, double y1) {
    const PresetSweep *sw = &f->s->preset->sweep;
    CanvasText t = {.size = 9.5, .anchor = CANVAS_RIGHT, .color = CANVAS_GREY};
    char buf[64];
    if (id < sw->n_keys && sw->keys[id].dist == SWEEP_LIST) {
        const SweepKey *k = &sw->keys[id];
        int every = k->n_values > 12 ? (k->n_values + 11) / 12 : 1;
        for (int v = 0; v < k->n_values; v += every) {
            double y = y1 - study_axis_position(k, v) * (y1 - y0);
            canvas_text(c, x - 5, y, k->values[v], &t);
        }
        return;
    }
    for (int q = 0; q <= 4; q++) {
        double pl = q / 4.0;
        if (id < sw->n_keys)
            study_axis_label(&sw->keys[id], pl, buf, sizeof buf);
        else
            snprintf(buf, sizeof buf, "%.1f%%", 100 * (f->lo + pl * (f->hi - f->lo)));
        canvas_text(c, x - 5, y1 - pl * (y1 - y0), buf, &t);
    }
}

static void draw_parallel(Canvas *c, const StudyFig *f, const FigStudyOptions *o, double top) {
    const SweepTrials *s = f->s;
    int n_axes = s->preset->sweep.n_keys + 2, order[FIG_STUDY_AXES_MAX];
    for (int a = 0; a < n_axes; a++) order[a] = o->n_order == n_axes ? o->order[a] : a;
    Axis bar = {.min = 100 * f->lo, .max = 100 * f->hi, .title = "held-out accuracy (%)"};
    LegendEntry e[3] = {{"best trial", style_best(), 1},
                        {"complete (colour: held-out accuracy)", style_trial(canvas_heat(0.6)), 0},
                        {"pruned, failed or running", style_dim(), 0}};
    double bottom = fig_legend_below(c, e, 3);
    double bar_w = legend_colorbar_width(c, 16, &bar) + 24;
    double left = FIG_MARGIN + 70, right = canvas_width(c) - FIG_MARGIN - bar_w - 20;
    double y0 = top + 30, y1 = bottom - 20;
    double *xs = malloc(sizeof *xs * (size_t)n_axes), *ys = malloc(sizeof *ys * (size_t)n_axes);
    if (!xs || !ys) {
        free(xs), free(ys);
        return;
    }
    CanvasStyle axis = {.color = CANVAS_GREY, .width = 1.2};
    CanvasText name = {.size = 11, .bold = 1, .anchor = CANVAS_CENTER, .baseline = CANVAS_BOTTOM};
    for (int a = 0; a < n_axes; a++) {
        xs[a] = left + a * (right - left) / (n_axes - 1);
        canvas_line(c, xs[a], y0, xs[a], y1, &axis);
        char title[96];
        axis_title(f, order[a], title, sizeof title);
        canvas_text(c, xs[a], y0 - 8, title, &name);
        axis_labels(c, f, order[a], xs[a], y0, y1);
        if (o->brushed && (o->lo[order[a]] > 0 || o->hi[order[a]] < 1)) {
            double b0 = y1 - o->hi[order[a]] * (y1 - y0), b1 = y1 - o->lo[order[a]] * (y1 - y0);
            canvas_fill_rect(c, xs[a] - 4, b0, 8, b1 - b0, canvas_tint(CANVAS_GREY, 0.6));
        }
    }
    for (int pass = 0; pass < 3; pass++) /* dim, then complete, then the best over them */
        for (int i = 0; i < s->n; i++) {
            int cls = i == f->best ? 2 : dim(&s->trials[i]) ? 0 : 1, kept = 1;
            if (cls != pass) continue;
            for (int a = 0; a < n_axes; a++) {
                double pl = place(f, i, order[a]);
                ys[a] = isnan(pl) ? NAN : y1 - pl * (y1 - y0);
                if (o->brushed && (o->lo[order[a]] > 0 || o->hi[order[a]] < 1))
                    kept &= pl >= o->lo[order[a]] - 1e-9 && pl <= o->hi[order[a]] + 1e-9;
            }
            if (!kept) continue;
            CanvasStyle st = cls == 2   ? style_best()
                             : cls == 0 ? style_dim()
                                        : style_trial(canvas_heat(heat_of(f, f->held[i])));
            canvas_polyline(c, xs, ys, n_axes, &st);
            if (cls == 2)
                for (int a = 0; a < n_axes; a++)
                    if (!isnan(ys[a])) canvas_marker(c, xs[a], ys[a], &st);
        }
    legend_colorbar(c, canvas_width(c) - FIG_MARGIN - bar_w + 24, y0, 16, y1 - y0, &bar,
                    canvas_heat);
    free(xs), free(ys);
}

/* --- slice ---------------------------------------------------------------- */

static void draw_slice(Canvas *c, const StudyFig *f, const FigStudyOptions *o, double top) {
    const SweepTrials *s = f->s;
    const SweepKey *k = &s->preset->sweep.keys[o->key];
    LegendEntry e[3] = {{"best trial", style_best(), 1},
                        {"complete", style_trial(canvas_color(0)), 0},
                        {"pruned, failed or running (at its furthest rung)", style_dim(), 0}};
    double bottom = fig_legend_below(c, e, 3);
    char name[96];
    study_axis_name(k, name, sizeof name);
    const char *labels[PRESET_SWEEP_VALUES_MAX];
    Axis x = {0}, y = {0};
    if (k->dist == SWEEP_LIST) {
        for (int v = 0; v < k->n_values; v++) labels[v] = k->values[v];
        axis_categories(&x, labels, k->n_values);
    } else {
        x.min = k->lo, x.max = k->hi, x.log = k->dist == SWEEP_LOGUNIFORM;
    }
    x.title = name;
    double *xv = calloc((size_t)s->n + 1, sizeof *xv), *yv = calloc((size_t)s->n + 1, sizeof *yv);
    if (!xv || !yv) {
        free(xv), free(yv);
        return;
    }
    for (int i = 0; i < s->n; i++) yv[i] = f->held[i] >= 0 ? 100 * f->held[i] : NAN;
    axis_fit(&y, yv, s->n, 0, 0);
    axis_fit_done(&y);
    y.title = "held-out accuracy (%)";
    Panel p;
    panel_init(&p, c, FIG_MARGIN, top, canvas_width(c) - 2 * FIG_MARGIN, bottom - top, &x, &y,
               NULL);
    panel_axes(&p);
    for (int pass = 0; pass < 3; pass++)
        for (int i = 0; i < s->n; i++) {
            int cls = i == f->best ? 2 : dim(&s->trials[i]) ? 0 : 1;
            if (cls != pass || isnan(yv[i])) continue;
            CanvasStyle st = cls == 2   ? style_best()
                             : cls == 0 ? style_dim()
                                        : style_trial(canvas_color(0));
            st.width = 0; /* points alone */
            xv[0] = s->trials[i].x[o->key];
            panel_series(&p, xv, &yv[i], 1, &st, 1);
        }
    free(xv), free(yv);
}

/* --- history --------------------------------------------------------------- */

static void draw_history(Canvas *c, const StudyFig *f, double top) {
    const SweepTrials *s = f->s;
    int n = s->n, last = s->rungs.n_rungs - 1;
    double *best = calloc((size_t)n + 1, sizeof *best), *own = calloc((size_t)n + 1, sizeof *own);
    double *trial = calloc((size_t)n + 1, sizeof *trial), *it = calloc((size_t)n + 1, sizeof *it);
    long *spent = calloc((size_t)n + 1, sizeof *spent);
    if (best && own && trial && it && spent) {
        study_report_history(s, best, spent);
        for (int i = 0; i < n; i++) {
            trial[i] = i, it[i] = (double)spent[i];
            best[i] = best[i] >= 0 ? 100 * best[i] : NAN;
            const StudyTrial *t = &s->trials[i];
            own[i] = t->asha.reported[last] && t->asha.score[last].scored
                         ? 100 * t->asha.score[last].accuracy
                         : NAN;
        }
        CanvasStyle line = {.color = CANVAS_BLACK, .width = 2.4, .marker = CANVAS_MARK_NONE};
        CanvasStyle pts = style_trial(canvas_color(0));
        pts.width = 0;
        LegendEntry e[2] = {{"best held-out accuracy so far", line, 1},
                            {"each trial's, at the last rung", pts, 0}};
        double bottom = fig_legend_below(c, e, 2), w = (canvas_width(c) - 2 * FIG_MARGIN) / 2;
        Axis y = {0};
        axis_fit(&y, best, n, 0, 0);
        axis_fit(&y, own, n, 0, 1);
        axis_fit_done(&y);
        y.title = "held-out accuracy (%)";
        for (int k = 0; k < 2; k++) {
            const double *xv = k ? it : trial;
            Axis x = {0};
            axis_fit(&x, xv, n, 0, 0);
            axis_fit_done(&x);
            x.title = k ? "iterations spent" : "trial";
            Panel p;
            panel_init(&p, c, FIG_MARGIN + k * w, top, w, bottom - top, &x, &y,
                       k ? "against iterations spent" : "against trials");
            panel_axes(&p);
            panel_series(&p, xv, best, n, &line, 0);
            panel_series(&p, xv, own, n, &pts, 1);
        }
    }
    free(best), free(own), free(trial), free(it), free(spent);
}

/* --- importance ------------------------------------------------------------ */

static void draw_importance(Canvas *c, const StudyFig *f, double top) {
    const SweepTrials *s = f->s;
    const PresetSweep *sw = &s->preset->sweep;
    StudyImportance imp;
    if (study_importance(sw, s->trials, s->n, &s->rungs, &imp, NULL)) return;
    if (!imp.ranked) {
        CanvasText t = {.size = 13, .color = CANVAS_GREY};
        canvas_text(c, FIG_MARGIN, top + 30, "not ranked:", &t);
        fig_note_above(c, top + 90, imp.why, 3);
        return;
    }
    enum { PAIRS = 3, BARS = FANOVA_KEYS_MAX + PAIRS };
    char names[BARS][220];
    const char *labels[BARS];
    double share[BARS];
    int n = 0, pair[PAIRS][2], n_pairs = study_importance_pairs(&imp, pair, PAIRS);
    for (int r = 0; r < imp.d; r++, n++) {
        study_axis_name(&sw->keys[imp.order[r]], names[n], sizeof names[n]);
        share[n] = 100 * imp.share[imp.order[r]];
    }
    for (int p = 0; p < n_pairs; p++, n++) { /* the three largest pairs */
        char a[96], b[96];
        study_axis_name(&sw->keys[pair[p][0]], a, sizeof a);
        study_axis_name(&sw->keys[pair[p][1]], b, sizeof b);
        snprintf(names[n], sizeof names[n], "%s x %s (together)", a, b);
        share[n] = 100 * imp.pair[pair[p][0]][pair[p][1]];
    }
    for (int k = 0; k < n; k++) labels[k] = names[k];
    char note[300];
    snprintf(note, sizeof note,
             "fANOVA on a random forest over the %d trials scored at rung %d (%d iterations); the "
             "forest's out-of-bag R^2 %.2f",
             imp.n_trials, imp.rung + 1, s->rungs.iter[imp.rung], imp.oob_r2);
    double bottom = fig_note_above(c, canvas_height(c) - FIG_MARGIN + 4, note, 2);
    Axis x = {.min = 0, .max = 100, .title = "share of the variance of the held-out accuracy (%)"};
    Axis y = {0};
    axis_categories(&y, labels, n);
    y.reverse = 1;
    Panel p;
    panel_init(&p, c, FIG_MARGIN, top, canvas_width(c) - 2 * FIG_MARGIN, bottom - top, &x, &y,
               NULL);
    panel_axes(&p);
    CanvasText t = {.size = 10.5, .bold = 1, .baseline = CANVAS_MIDDLE};
    for (int k = 0; k < n; k++) {
        double y0 = panel_py(&p, k - 0.35), y1 = panel_py(&p, k + 0.35), x0 = panel_px(&p, 0);
        double x1 = panel_px(&p, share[k]);
        CanvasColor fill =
            k == 0 ? canvas_color(0) : canvas_tint(canvas_color(0), k < imp.d ? 0.35 : 0.6);
        canvas_fill_rect(c, x0, fmin(y0, y1), x1 - x0, fabs(y1 - y0), fill);
        char v[16];
        snprintf(v, sizeof v, "%.1f%%", share[k]);
        canvas_text(c, x1 + 6, (y0 + y1) / 2, v, &t);
    }
}

Status fig_study_write(const char *path, const SweepTrials *s, const FigStudyOptions *o,
                       Error *err) {
    FigStudyOptions opt = o ? *o : fig_study_defaults();
    const PresetSweep *sw = &s->preset->sweep;
    if (s->n < 1 || sw->n_keys < 1)
        return error_set(err, ST_ARG, "%s: study %s has no trials or no swept keys", path, s->id);
    if (opt.kind < 0 || opt.kind >= FIG_STUDY_KINDS || opt.key < 0 || opt.key >= sw->n_keys)
        return error_set(err, ST_ARG, "%s: study %s has no view %d of key %d", path, s->id,
                         (int)opt.kind, opt.key);
    StudyFig f;
    Canvas *c = NULL;
    Status st = study_fig_init(&f, s, err);
    if (!st) st = canvas_create(&c, path, opt.width, opt.height, err);
    if (!st) {
        char title[512], sub[300], key[96];
        study_axis_name(&sw->keys[opt.key], key, sizeof key);
        char view[160];
        if (opt.kind == FIG_STUDY_SLICE)
            snprintf(view, sizeof view, "held-out accuracy against %s", key);
        else
            snprintf(view, sizeof view, "%s",
                     opt.kind == FIG_STUDY_PARALLEL  ? "parallel coordinates"
                     : opt.kind == FIG_STUDY_HISTORY ? "optimisation history"
                                                     : "parameter importance");
        snprintf(title, sizeof title, "%s %s: %s", sweep_trials_kind_name(s->kind), s->id, view);
        int count[4] = {0};
        for (int i = 0; i < s->n; i++) count[s->trials[i].state]++;
        snprintf(sub, sizeof sub,
                 "%d trials: %d complete, %d pruned or waiting, %d failed, %d running", s->n,
                 count[TRIAL_COMPLETE], count[TRIAL_WAITING], count[TRIAL_FAILED],
                 count[TRIAL_RUNNING]);
        double top = fig_header(c, title, sub);
        if (opt.kind == FIG_STUDY_PARALLEL)
            draw_parallel(c, &f, &opt, top);
        else if (opt.kind == FIG_STUDY_SLICE)
            draw_slice(c, &f, &opt, top);
        else if (opt.kind == FIG_STUDY_HISTORY)
            draw_history(c, &f, top);
        else
            draw_importance(c, &f, top);
        st = canvas_finish(c, err);
    }
    canvas_destroy(c);
    free(f.held);
    return st;
}
