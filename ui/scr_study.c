/*
 * scr_study — screen 8: a sweep read as a study (sweep_trials.h), as
 * Optuna's plots and W&B's parallel view read one, in the terminal. The
 * sweep is the selected run's (screen 3) when it belongs to one, else the
 * newest run's that does: an asha study, a halving sweep, or a grid or
 * random sweep by its preset's name. Four views, v cycles them:
 *   - parallel coordinates (parcoords.h): an axis per swept key, then the
 *     held-out and the test accuracy; the axes reorder (< >) and take a
 *     brush ([ ] from the selected trial's place, x clears) that filters
 *     the lines and the table of trials below them (best first; Enter
 *     opens the selected one's run in the Monitor);
 *   - a slice: the held-out accuracy against the selected axis' key, each
 *     trial a point;
 *   - the history: the best held-out accuracy so far against the trials
 *     and against the iterations spent;
 *   - the importance: fANOVA's share of the variance per key and of the
 *     largest pair (study_importance.h), or why the trials do not allow it.
 * e writes the view shown as a picture (src/plot/fig_study.h), as
 * `finelab plot SWEEP --what <view>` draws it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/plot/fig_study.h"
#include "src/report/parcoords.h"
#include "src/report/study_axes.h"
#include "src/report/study_importance.h"
#include "src/report/study_report.h"
#include "ui/screen.h"
#include "ui/term.h"

enum { STUDY_TABLE_MIN = 3 };

typedef struct StudyData {
    const SweepTrials *s; /* the Study state's cache's */
    int n_axes;           /* the swept keys, then held-out and test */
    ParcoordsAxis axes[STUDY_AXES_MAX];
    double *pos;  /* s.n x n_axes places (NaN: none) */
    double *held; /* per trial: held-out accuracy at its furthest rung (-1) */
    int *rows;    /* kept trials, best first */
    int n_rows;
    int best;      /* the study's best trial (-1) */
    double lo, hi; /* the accuracy axes' range */
} StudyData;

static void study_data_free(StudyData *d) {
    free(d->pos);
    free(d->held);
    free(d->rows);
}

/* The sweep of run e ("": none): its halving sweep or study, else its
 * preset's name when it has a sweep label. */
static void study_of_run(const RunEntry *e, char *id, size_t cap) {
    const RunStatus *st = &e->status;
    snprintf(id, cap, "%s", st->halving[0] ? st->halving : st->sweep[0] ? st->preset : "");
}

static int study_pick(const App *a, char *id, size_t cap) {
    id[0] = '\0';
    if (a->sel_run < a->n_runs) study_of_run(&a->runs[a->sel_run], id, cap);
    for (int i = a->n_runs - 1; !id[0] && i >= 0; i--) study_of_run(&a->runs[i], id, cap);
    return id[0] ? 0 : -1;
}

/* A new sweep: its axes in their own order, no brush, the first axis. */
static void study_state_reset(StudyState *st, const char *id, int n_axes) {
    snprintf(st->id, sizeof st->id, "%s", id);
    st->n_axes = n_axes;
    for (int i = 0; i < n_axes; i++) st->order[i] = i, st->lo[i] = 0, st->hi[i] = 1;
    st->axis = 0;
    st->sel = 0;
}

static double accuracy_place(const StudyData *d, double v) {
    return v >= 0 ? (v - d->lo) / (d->hi - d->lo) : NAN;
}

/* The value at place t of axis id, as text. */
static void study_axis_text(const StudyData *d, int id, double t, char *buf, size_t cap) {
    const PresetSweep *sw = &d->s->preset->sweep;
    if (id < sw->n_keys)
        study_axis_label(&sw->keys[id], t, buf, cap);
    else
        snprintf(buf, cap, "%.1f%%", 100 * (d->lo + t * (d->hi - d->lo)));
}

/* "brush on KEY: LO .. HI" of axis id, "" without one. */
static void study_brush_text(const StudyData *d, int id, char *buf, size_t cap) {
    const ParcoordsAxis *ax = &d->axes[id];
    char lo[32], hi[32];
    buf[0] = '\0';
    if (!parcoords_brushed(ax)) return;
    study_axis_text(d, id, ax->brush_lo, lo, sizeof lo);
    study_axis_text(d, id, ax->brush_hi, hi, sizeof hi);
    snprintf(buf, cap, "brush on %s: %s .. %s", ax->name, lo, hi);
}

static void study_axes(StudyData *d, const StudyState *st) {
    const PresetSweep *sw = &d->s->preset->sweep;
    for (int j = 0; j < d->n_axes; j++) {
        ParcoordsAxis *ax = &d->axes[j];
        memset(ax, 0, sizeof *ax);
        if (j < sw->n_keys) {
            char name[96];
            study_axis_name(&sw->keys[j], name, sizeof name);
            const char *dot = strchr(name, '.');
            snprintf(ax->name, sizeof ax->name, "%.47s", dot ? dot + 1 : name);
            study_axis_label(&sw->keys[j], 1, ax->top, sizeof ax->top);
            study_axis_label(&sw->keys[j], 0, ax->bottom, sizeof ax->bottom);
        } else {
            snprintf(ax->name, sizeof ax->name, "%s", j == sw->n_keys ? "held-out" : "test");
            snprintf(ax->top, sizeof ax->top, "%.0f%%", 100 * d->hi);
            snprintf(ax->bottom, sizeof ax->bottom, "%.0f%%", 100 * d->lo);
        }
        ax->brush_lo = st->lo[j];
        ax->brush_hi = st->hi[j];
    }
}

/* Reads the sweep and works out every trial's places and the kept rows. */
static int study_load(App *a, StudyData *d) {
    memset(d, 0, sizeof *d);
    char id[256];
    if (study_pick(a, id, sizeof id)) return -1;
    Error err = {0};
    if (!(d->s = sweep_trials_cached(&a->study.sweep, a->runs_dir, id, a->runs_loaded_at, &err))) {
        app_message(a, 1, "Study: %s", err.msg);
        return -1;
    }
    const PresetSweep *sw = &d->s->preset->sweep;
    int n = d->s->n;
    d->n_axes = sw->n_keys + 2;
    StudyState *st = &a->study;
    if (strcmp(st->id, id) != 0 || st->n_axes != d->n_axes) study_state_reset(st, id, d->n_axes);
    d->pos = calloc((size_t)(n * d->n_axes + 1), sizeof *d->pos);
    d->held = calloc((size_t)n + 1, sizeof *d->held);
    d->rows = calloc((size_t)n + 1, sizeof *d->rows);
    if (!d->pos || !d->held || !d->rows) return -1;
    int *order = malloc(sizeof *order * (size_t)(n + 1));
    if (!order || study_report_scores(d->s, d->held, order, &d->best, &d->lo, &d->hi)) {
        free(order);
        return -1;
    }
    study_axes(d, st);
    for (int i = 0; i < n; i++) {
        double *p = d->pos + (size_t)i * (size_t)d->n_axes;
        for (int j = 0; j < sw->n_keys; j++)
            p[j] = j < d->s->trials[i].n_x ? study_axis_position(&sw->keys[j], d->s->trials[i].x[j])
                                           : NAN;
        p[sw->n_keys] = accuracy_place(d, d->held[i]);
        p[sw->n_keys + 1] = accuracy_place(d, d->s->test[i]);
    }
    for (int k = 0; k < n; k++)
        if (parcoords_kept(d->axes, d->n_axes, d->pos + (size_t)order[k] * (size_t)d->n_axes))
            d->rows[d->n_rows++] = order[k];
    free(order);
    if (st->sel >= d->n_rows) st->sel = d->n_rows ? d->n_rows - 1 : 0;
    return 0;
}

static int trial_dim(const StudyTrial *t) {
    return t->state != TRIAL_COMPLETE;
}

static int map_style(int s) {
    switch (s) {
    case PARCOORDS_STYLE_LINE:
        return 1;
    case PARCOORDS_STYLE_BEST:
        return 2;
    case PARCOORDS_STYLE_DIM:
        return ST_DIM;
    case PARCOORDS_STYLE_SELECTED:
        return ST_SELECTED;
    case PARCOORDS_STYLE_BRUSH:
        return ST_TITLE;
    default:
        return 0;
    }
}

static ChartGlyphs study_glyphs(const App *a) {
    return a->utf8 ? a->glyphs : CHART_ASCII;
}

static void study_percent(char *buf, size_t cap, double v) {
    if (v >= 0)
        snprintf(buf, cap, "%.2f%%", 100 * v);
    else
        snprintf(buf, cap, "-");
}

/* params ("data.resolution=448, model.bilinear_dim=8192") without the
 * sections ("resolution=448, bilinear_dim=8192"), as the axes name them. */
static void short_params(const char *params, char *buf, size_t cap) {
    size_t n = 0;
    for (const char *p = params; *p && n + 1 < cap;) {
        const char *dot = strchr(p, '.'), *eq = strchr(p, '=');
        if (dot && eq && dot < eq && (p == params || p[-1] == ' ')) p = dot + 1;
        const char *end = strstr(p, ", ");
        size_t len = end ? (size_t)(end - p) + 2 : strlen(p);
        if (len > cap - 1 - n) len = cap - 1 - n;
        memcpy(buf + n, p, len);
        n += len, p += len;
    }
    buf[n] = '\0';
}

/* The kept trials from row y down, best first, the selected one marked. */
static void study_table(App *a, const StudyData *d, TextGrid *g, int y, int h) {
    textgrid_printf(g, 0, y, ST_HEADER, "%6s  %-9s %5s %9s %8s  %s", "trial", "state", "rung",
                    "held-out", "test", "params");
    int rows = h - 1, first = a->study.sel >= rows ? a->study.sel - rows + 1 : 0;
    static const char *const states[] = {"running", "waiting", "failed", "complete"};
    for (int r = 0; r < rows && first + r < d->n_rows; r++) {
        int i = d->rows[first + r];
        const StudyTrial *t = &d->s->trials[i];
        int top = asha_top_rung(&t->asha, &d->s->rungs);
        char held[16], test[16], rung[16];
        study_percent(held, sizeof held, d->held[i]);
        study_percent(test, sizeof test, d->s->test[i]);
        snprintf(rung, sizeof rung, "%d/%d", top + 1, d->s->rungs.n_rungs);
        int style = first + r == a->study.sel ? ST_SELECTED : trial_dim(t) ? ST_DIM : 0;
        char params[JOURNAL_PARAMS_MAX];
        short_params(t->params, params, sizeof params);
        textgrid_printf(g, 0, y + 1 + r, style, "%5d%s  %-9s %5s %9s %8s  %s", i,
                        i == d->best ? "*" : " ", states[t->state], rung, held, test, params);
    }
}

static void study_parallel(App *a, const StudyData *d, TextGrid *g, int y, int h) {
    int table_h = h / 3 < STUDY_TABLE_MIN ? STUDY_TABLE_MIN : h / 3, ph = h - table_h - 1;
    ParcoordsLine *lines = calloc((size_t)d->n_rows + 1, sizeof *lines);
    TextGrid pg;
    if (lines && textgrid_init(&pg, g->w, ph) == ST_OK) {
        int sel = a->study.sel < d->n_rows ? d->rows[a->study.sel] : -1;
        for (int r = 0; r < d->n_rows; r++) {
            int i = d->rows[r];
            lines[r].pos = d->pos + (size_t)i * (size_t)d->n_axes;
            lines[r].style = i == d->best                  ? PARCOORDS_STYLE_BEST
                             : i == sel                    ? PARCOORDS_STYLE_SELECTED
                             : trial_dim(&d->s->trials[i]) ? PARCOORDS_STYLE_DIM
                                                           : PARCOORDS_STYLE_LINE;
        }
        parcoords_render(&pg, 0, 0, g->w, ph, d->axes, a->study.order, d->n_axes, a->study.axis,
                         lines, d->n_rows, study_glyphs(a));
        textgrid_paste(g, 0, y, &pg, map_style);
        textgrid_fini(&pg);
    }
    free(lines);
    char brush[160];
    study_brush_text(d, a->study.order[a->study.axis], brush, sizeof brush);
    textgrid_printf(g, 0, y + ph, ST_DIM, "* best  @ selected  . pruned/failed/running  %s", brush);
    study_table(a, d, g, y + ph + 1, table_h);
}

/* The key of the selected axis (the first key when an accuracy is selected). */
static int study_slice_key(const App *a, const StudyData *d) {
    int id = a->study.order[a->study.axis];
    return id < d->s->preset->sweep.n_keys ? id : 0;
}

static int slice_map(int s) {
    return s == 3 ? ST_DIM : s;
}

static void study_slice(App *a, const StudyData *d, TextGrid *g, int y, int h) {
    const PresetSweep *sw = &d->s->preset->sweep;
    if (!sw->n_keys) return;
    int key = study_slice_key(a, d), n = d->s->n;
    const SweepKey *k = &sw->keys[key];
    double *xs = calloc((size_t)(3 * n) + 1, sizeof *xs),
           *ys = calloc((size_t)(3 * n) + 1, sizeof *ys);
    TextGrid cg;
    if (xs && ys && textgrid_init(&cg, g->w, h - 1) == ST_OK) {
        int m[3] = {0}; /* complete, best, dim */
        for (int i = 0; i < n; i++) {
            if (d->held[i] < 0) continue;
            int c = i == d->best ? 1 : trial_dim(&d->s->trials[i]) ? 2 : 0;
            xs[c * n + m[c]] = d->s->trials[i].x[key];
            ys[c * n + m[c]++] = 100 * d->held[i];
        }
        ChartSeries s[3] = {{.x = xs,
                             .y = ys,
                             .n = m[0],
                             .style = 1,
                             .mark = "o",
                             .line = CHART_POINTS,
                             .label = "complete"},
                            {.x = xs + n,
                             .y = ys + n,
                             .n = m[1],
                             .style = 2,
                             .mark = "*",
                             .line = CHART_POINTS,
                             .label = "best"},
                            {.x = xs + 2 * n,
                             .y = ys + 2 * n,
                             .n = m[2],
                             .style = 3,
                             .mark = ".",
                             .line = CHART_POINTS,
                             .label = "not complete"}};
        int list = k->dist == SWEEP_LIST;
        ChartOptions o = {.glyphs = study_glyphs(a),
                          .log_x = k->dist == SWEEP_LOGUNIFORM,
                          .x_min = list ? -0.5 : k->lo,
                          .x_max = list ? k->n_values - 0.5 : k->hi,
                          .y_min = NAN,
                          .y_max = NAN};
        chart_render(&cg, 0, 0, g->w, h - 1, &o, s, 3);
        if (list) { /* the levels under their columns instead of numbers */
            for (int x = 0; x < g->w; x++) textgrid_put(&cg, x, h - 2, " ", 0);
            for (int v = 0; v < k->n_values; v++) {
                int col = CHART_LABEL_W + chart_column(&o, g->w - CHART_LABEL_W, v);
                textgrid_text(&cg, col - textgrid_utf8_cells(k->values[v]) / 2, h - 2, k->values[v],
                              0);
            }
        }
        textgrid_paste(g, 0, y, &cg, slice_map);
        textgrid_fini(&cg);
        char name[96];
        study_axis_name(k, name, sizeof name);
        int x = textgrid_printf(g, 0, y + h - 1, ST_DIM, "held-out %% against %s  ", name);
        chart_legend(g, x, y + h - 1, study_glyphs(a), s, 3);
    }
    free(xs);
    free(ys);
}

static void study_history(App *a, const StudyData *d, TextGrid *g, int y, int h) {
    int n = d->s->n;
    double *best = calloc((size_t)n + 1, sizeof *best), *xs = calloc((size_t)n + 1, sizeof *xs);
    double *ys = calloc((size_t)n + 1, sizeof *ys), *it = calloc((size_t)n + 1, sizeof *it);
    long *spent = calloc((size_t)n + 1, sizeof *spent);
    if (best && xs && ys && it && spent) {
        study_report_history(d->s, best, spent);
        int m = 0;
        for (int i = 0; i < n; i++)
            if (best[i] >= 0) xs[m] = i, it[m] = (double)spent[i], ys[m++] = 100 * best[i];
        int h1 = (h - 2) / 2, h2 = h - 2 - h1;
        ChartOptions o = {
            .glyphs = study_glyphs(a), .x_min = NAN, .x_max = NAN, .y_min = NAN, .y_max = NAN};
        ChartSeries s1 = {.x = xs,
                          .y = ys,
                          .n = m,
                          .style = 2,
                          .mark = "*",
                          .mark_every = 1,
                          .line = CHART_SOLID,
                          .label = "best held-out accuracy so far (%)"};
        ChartSeries s2 = s1;
        s2.x = it;
        textgrid_text(g, 0, y, "against trials", ST_HEADER);
        chart_render(g, 0, y + 1, g->w, h1, &o, &s1, 1);
        textgrid_text(g, 0, y + 1 + h1, "against iterations spent", ST_HEADER);
        chart_render(g, 0, y + 2 + h1, g->w, h2, &o, &s2, 1);
        if (!m) textgrid_text(g, 0, y + h - 1, "no trial has reached the last rung yet", ST_DIM);
    }
    free(best), free(xs), free(ys), free(it), free(spent);
}

static void study_importance_view(App *a, const StudyData *d, TextGrid *g, int y, int h) {
    StudyImportance imp;
    Error err = {0};
    const PresetSweep *sw = &d->s->preset->sweep;
    if (study_importance_cached(&a->study.importance, sw, d->s->trials, d->s->n, &d->s->rungs, &imp,
                                &err)) {
        textgrid_text(g, 0, y, err.msg, ST_ERROR);
        return;
    }
    if (!imp.ranked) {
        textgrid_text(g, 0, y, "importance: not ranked", ST_HEADER);
        textgrid_text(g, 0, y + 1, imp.why, ST_DIM);
        return;
    }
    textgrid_printf(g, 0, y, ST_HEADER,
                    "importance: fANOVA over the %d trials scored at rung %d (%d iterations)",
                    imp.n_trials, imp.rung + 1, d->s->rungs.iter[imp.rung]);
    textgrid_printf(g, 0, y + 1, ST_DIM,
                    "share of the variance of their held-out accuracy; out-of-bag R^2 %.2f",
                    imp.oob_r2);
    const char *bar = a->utf8 ? "\xe2\x96\x88" : "#";
    int bar_w = g->w - 42 > 10 ? g->w - 42 : 10, r = 0;
    for (; r < imp.d && 3 + r < h; r++) {
        int j = imp.order[r];
        char name[96];
        study_axis_name(&sw->keys[j], name, sizeof name);
        int x = textgrid_printf(g, 0, y + 3 + r, 0, "%-32s %5.1f%%  ", name, 100 * imp.share[j]);
        for (int c = 0; c < (int)lround(imp.share[j] * bar_w); c++)
            textgrid_put(g, x + c, y + 3 + r, bar, r == 0 ? 2 : 1);
    }
    int pair[STUDY_REPORT_PAIRS][2], n = study_importance_pairs(&imp, pair, STUDY_REPORT_PAIRS);
    for (int p = 0; p < n && 4 + r + p < h; p++) { /* the pairs, largest first, as room allows */
        char n1[96], n2[96];
        study_axis_name(&sw->keys[pair[p][0]], n1, sizeof n1);
        study_axis_name(&sw->keys[pair[p][1]], n2, sizeof n2);
        textgrid_printf(g, 0, y + 4 + r + p, 0, "%s x %s together: %.1f%%", n1, n2,
                        100 * imp.pair[pair[p][0]][pair[p][1]]);
    }
}

static void study_draw(App *a, TextGrid *g) {
    StudyData d;
    if (study_load(a, &d)) {
        screen_no_sweep(g, "Study");
        study_data_free(&d);
        return;
    }
    static const char *const views[] = {"parallel coordinates", "slice", "history", "importance"};
    textgrid_printf(g, 0, 0, ST_TITLE, "Study: %s, %d of %d trials; %s %s", views[a->study.view],
                    d.n_rows, d.s->n, sweep_trials_kind_name(d.s->kind), d.s->id);
    int h = g->h - 1;
    switch (a->study.view) {
    case STUDY_VIEW_PARALLEL:
        study_parallel(a, &d, g, 1, h);
        break;
    case STUDY_VIEW_SLICE:
        study_slice(a, &d, g, 1, h);
        break;
    case STUDY_VIEW_HISTORY:
        study_history(a, &d, g, 1, h);
        break;
    default:
        study_importance_view(a, &d, g, 1, h);
        break;
    }
    study_data_free(&d);
}

/* Reads the sweep (so that a new one starts the state afresh before a
 * key acts on it); 0, or -1 when there is none. */
static int study_sync(App *a) {
    StudyData d;
    int r = study_load(a, &d);
    study_data_free(&d);
    return r;
}

static void study_move(App *a, int delta) {
    if (!study_sync(a)) app_step(&a->study.sel, 1 << 20, delta);
}

static void study_axis_step(App *a, int delta) {
    if (!study_sync(a)) app_step(&a->study.axis, a->study.n_axes, delta);
}

static void study_left(App *a) {
    study_axis_step(a, -1);
}

static void study_right(App *a) {
    study_axis_step(a, 1);
}

/* Moves the selected axis one place left or right. */
static void study_shift(App *a, int delta) {
    StudyState *st = &a->study;
    if (study_sync(a)) return;
    int to = st->axis + delta;
    if (to < 0 || to >= st->n_axes) return;
    int t = st->order[to];
    st->order[to] = st->order[st->axis], st->order[st->axis] = t;
    st->axis = to;
}

static void study_shift_left(App *a) {
    study_shift(a, -1);
}

static void study_shift_right(App *a) {
    study_shift(a, 1);
}

/* Brushes the selected axis from (up = 1) or to the selected trial's
 * place; that trial, which the brush keeps, stays selected. */
static void study_brush(App *a, int up) {
    StudyData d;
    if (study_load(a, &d) == 0 && a->study.sel < d.n_rows) {
        int id = a->study.order[a->study.axis], i = d.rows[a->study.sel];
        double p = d.pos[(size_t)i * (size_t)d.n_axes + (size_t)id];
        if (isnan(p)) {
            app_message(a, 1, "trial %d has no place on %s", i, d.axes[id].name);
        } else {
            if (up)
                a->study.lo[id] = p;
            else
                a->study.hi[id] = p;
            char text[160];
            d.axes[id].brush_lo = a->study.lo[id], d.axes[id].brush_hi = a->study.hi[id];
            study_brush_text(&d, id, text, sizeof text);
            app_message(a, 0, "%s", text);
            study_data_free(&d);
            if (study_load(a, &d) == 0) /* the same trial stays selected (it is kept) */
                for (int r = 0; r < d.n_rows; r++)
                    if (d.rows[r] == i) a->study.sel = r;
        }
    }
    study_data_free(&d);
}

static void study_brush_from(App *a) {
    study_brush(a, 1);
}

static void study_brush_to(App *a) {
    study_brush(a, 0);
}

static void study_clear(App *a) {
    if (study_sync(a)) return;
    int id = a->study.order[a->study.axis];
    a->study.lo[id] = 0, a->study.hi[id] = 1;
}

static void study_next_view(App *a) {
    a->study.view = (StudyView)((a->study.view + 1) % STUDY_VIEWS);
}

static void study_open(App *a) {
    StudyData d;
    if (study_load(a, &d) == 0 && a->study.sel < d.n_rows) {
        const StudyTrial *t = &d.s->trials[d.rows[a->study.sel]];
        if (t->run[0])
            app_watch(a, t->run);
        else
            app_message(a, 1, "trial %d has no run yet", d.rows[a->study.sel]);
    }
    study_data_free(&d);
}

/* Writes the view shown as a picture: <runs>/plots/<sweep>-<view>.png,
 * with the axis order, the brushes and the selected key as shown. */
static void study_picture(App *a) {
    StudyData d;
    static const FigStudyKind kinds[STUDY_VIEWS] = {FIG_STUDY_PARALLEL, FIG_STUDY_SLICE,
                                                    FIG_STUDY_HISTORY, FIG_STUDY_IMPORTANCE};
    char path[1400];
    Error err = {0};
    if (study_load(a, &d)) {
        app_message(a, 1, "no sweep to plot");
    } else {
        FigStudyOptions o = fig_study_defaults();
        o.kind = kinds[a->study.view];
        o.key = study_slice_key(a, &d);
        o.n_order = d.n_axes;
        o.brushed = 1;
        for (int i = 0; i < d.n_axes; i++)
            o.order[i] = a->study.order[i], o.lo[i] = a->study.lo[i], o.hi[i] = a->study.hi[i];
        if (app_plot_path(a, d.s->id, fig_study_kind_name(o.kind), path, sizeof path) == 0) {
            if (fig_study_write(path, d.s, &o, &err))
                app_message(a, 1, "not written: %s", err.msg);
            else
                app_message(a, 0, "wrote %s", path);
        }
    }
    study_data_free(&d);
}

static const KeyBinding study_keys[] = {
    {TERM_KEY_LEFT, "Left", NULL, "select the axis to the left", study_left, 0},
    {TERM_KEY_RIGHT, "Right", NULL, "select the axis to the right", study_right, 0},
    {'<', "<", "Move", "move the selected axis left", study_shift_left, 0},
    {'>', ">", NULL, "move the selected axis right", study_shift_right, 0},
    {'[', "[", "Brush", "brush the axis from the selected trial's place up", study_brush_from, 0},
    {']', "]", NULL, "brush the axis from the selected trial's place down", study_brush_to, 0},
    {'x', "x", NULL, "clear the selected axis' brush", study_clear, 0},
    {'v', "v", "View", "parallel coordinates, slice, history, importance", study_next_view, 0},
    {'e', "e", "Picture", "write the view as runs/plots/<sweep>-<view>.png", study_picture, 0},
    {'\n', "Enter", "Open", "watch the selected trial's run", study_open, 0},
};

const ScreenClass study_screen = {
    .name = "Study",
    .draw = study_draw,
    SCREEN_KEYS(study_keys),
    .move = study_move,
    .shows_runs = 1,
};
