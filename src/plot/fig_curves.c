/*
 * fig_curves — runs' curves as a picture. See fig_curves.h.
 *
 * Each run is read once into a RunCurves (its status, its two curves from
 * curve_split, the smoothed train rows and the accuracies in percent),
 * then the axes are fitted over every run and the two panels drawn side
 * by side under the header, above the legend. The styles say what a line
 * is without colour: one run's series differ by width and dash (raw thin
 * and pale, smoothed solid, held-out dashed with a circle per pass), and
 * overlaid runs by dash and marker as well as colour.
 */
#include "src/plot/fig_curves.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/plot/fig.h"
#include "src/plot/panel.h"
#include "src/report/chart.h"
#include "src/report/curve.h"
#include "src/report/score.h"
#include "src/run/runstore.h"

typedef struct RunCurves {
    char id[256];
    char label[720]; /* what the legend calls it */
    RunStatus st;
    Curve train, test;
    double *loss_s, *acc_s;      /* the train rows smoothed (acc in percent) */
    double *acc_train, *acc_val; /* accuracy in percent, raw */
} RunCurves;

FigCurvesOptions fig_curves_defaults(void) {
    return (FigCurvesOptions){.ema = 0.6};
}

static void run_fini(RunCurves *r) {
    curve_fini(&r->train);
    curve_fini(&r->test);
    free(r->loss_s);
    free(r->acc_s);
    free(r->acc_train);
    free(r->acc_val);
}

static Status run_load(RunCurves *r, const char *dir, double ema, Error *err) {
    memset(r, 0, sizeof *r);
    fig_run_id(dir, r->id, sizeof r->id);
    RunRow *rows = NULL;
    int n = 0;
    Status st = runstore_read_status(dir, &r->st, err);
    if (!st) st = runstore_read_metrics(dir, &rows, &n, err);
    if (!st && (st = curve_split(rows, n, &r->train, &r->test)))
        error_set(err, st, "%s: out of memory reading its rows", dir);
    free(rows);
    if (st) return st;
    size_t bytes = sizeof(double) * (size_t)(r->train.n + r->test.n + 1);
    r->loss_s = malloc(bytes), r->acc_s = malloc(bytes);
    r->acc_train = malloc(bytes), r->acc_val = malloc(bytes);
    if (!r->loss_s || !r->acc_s || !r->acc_train || !r->acc_val)
        return error_set(err, ST_NOMEM, "%s: out of memory", dir);
    for (int i = 0; i < r->train.n; i++) r->acc_train[i] = 100 * r->train.acc[i];
    for (int i = 0; i < r->test.n; i++) r->acc_val[i] = 100 * r->test.acc[i];
    chart_ema(r->train.loss, r->train.n, ema, r->loss_s);
    chart_ema(r->acc_train, r->train.n, ema, r->acc_s);
    return ST_OK;
}

/* "data.resolution=224, model.bilinear_dim=8192" without the sections. */
static void short_label(const char *label, char *buf, size_t cap) {
    size_t o = 0;
    for (const char *s = label; *s && o + 1 < cap;) {
        const char *eq = strchr(s, '='), *dot = NULL;
        for (const char *k = s; eq && k < eq; k++)
            if (*k == '.') dot = k;
        if (dot) s = dot + 1;
        const char *next = strstr(s, ", ");
        size_t len = next ? (size_t)(next - s) + 2 : strlen(s);
        if (len > cap - 1 - o) len = cap - 1 - o;
        memcpy(buf + o, s, len);
        o += len;
        s += len;
    }
    buf[o] = '\0';
}

/* The legend's name of each run: its sweep label alone when all are runs
 * of one sweep, else its id (with its label), then its best held-out
 * figure. */
static void name_runs(RunCurves *r, int n) {
    int one_sweep = n > 1;
    for (int i = 0; i < n; i++)
        one_sweep &= r[i].st.sweep[0] && strcmp(r[i].st.preset, r[0].st.preset) == 0;
    for (int i = 0; i < n; i++) {
        char label[300] = "", best[64];
        if (r[i].st.sweep[0]) short_label(r[i].st.sweep, label, sizeof label);
        score_heldout(&r[i].st, r[i].st.best_accuracy, best, sizeof best);
        if (one_sweep)
            snprintf(r[i].label, sizeof r[i].label, "%s: best %s", label, best);
        else
            snprintf(r[i].label, sizeof r[i].label, "%s%s%s%s: best %s", r[i].id,
                     label[0] ? "  (" : "", label, label[0] ? ")" : "", best);
    }
}

/* "val", "test", or "held-out" when the runs differ. */
static const char *heldout_name(const RunCurves *r, int n) {
    const char *name = runstatus_heldout_name(&r[0].st);
    for (int i = 1; i < n; i++)
        if (strcmp(runstatus_heldout_name(&r[i].st), name) != 0) return "held-out";
    return name;
}

/* The run with the best held-out accuracy, or -1 when none has one. */
static int best_run(const RunCurves *r, int n) {
    int b = -1;
    for (int i = 0; i < n; i++)
        if (r[i].st.best_accuracy >= 0 && (b < 0 || r[i].st.best_accuracy > r[b].st.best_accuracy))
            b = i;
    return b;
}

/* Markers every so many points, so that about want show. */
static int every(int n, int want) {
    return n <= want ? 1 : (n + want - 1) / want;
}

static void empty_note(const Panel *p, int points) {
    if (points) return;
    CanvasText t = {.color = CANVAS_GREY, .anchor = CANVAS_CENTER};
    canvas_text(p->c, p->x + p->w / 2, p->y + p->h / 2, "no rows yet", &t);
}

/* The axes over what is drawn: iterations, loss, accuracy in percent (one
 * run: its train and held-out rows; several: their smoothed train loss
 * and held-out accuracy). */
static void fit_axes(const RunCurves *r, int n, const FigCurvesOptions *o, Axis *x, Axis *loss,
                     Axis *acc) {
    for (int i = 0; i < n; i++) {
        const double *train_loss = n > 1 && o->ema > 0 ? r[i].loss_s : r[i].train.loss;
        axis_fit(x, r[i].train.iter, r[i].train.n, 0, i > 0);
        axis_fit(x, r[i].test.iter, r[i].test.n, 0, 1);
        axis_fit(loss, train_loss, r[i].train.n, o->log_y, i > 0);
        axis_fit(loss, r[i].test.loss, n == 1 ? r[i].test.n : 0, o->log_y, 1);
        axis_fit(acc, r[i].acc_train, n == 1 ? r[i].train.n : 0, 0, i > 0);
        axis_fit(acc, r[i].acc_val, r[i].test.n, 0, 1);
    }
    axis_fit_done(x);
    axis_fit_done(loss);
    axis_fit_done(acc);
    if (acc->max > 100) acc->max = 100 + (acc->max - acc->min) * 0.02;
}

/* One run as the Monitor draws it. */
static void draw_one(const RunCurves *r, const FigCurvesOptions *o, const Panel *pl,
                     const Panel *pa) {
    CanvasStyle raw = {.color = canvas_tint(canvas_color(0), o->ema > 0 ? 0.55 : 0),
                       .width = o->ema > 0 ? 0.8 : 1.6};
    CanvasStyle smooth = {.color = canvas_color(0), .width = 1.8};
    CanvasStyle held = {.color = canvas_color(1),
                        .width = 1.5,
                        .dash = CANVAS_DASHED,
                        .marker = CANVAS_MARK_CIRCLE,
                        .marker_size = 6,
                        .hollow = 1};
    int m = every(r->test.n, 40);
    panel_series(pl, r->train.iter, r->train.loss, r->train.n, &raw, 0);
    panel_series(pa, r->train.iter, r->acc_train, r->train.n, &raw, 0);
    if (o->ema > 0) {
        panel_series(pl, r->train.iter, r->loss_s, r->train.n, &smooth, 0);
        panel_series(pa, r->train.iter, r->acc_s, r->train.n, &smooth, 0);
    }
    panel_series(pl, r->test.iter, r->test.loss, r->test.n, &held, m);
    panel_series(pa, r->test.iter, r->acc_val, r->test.n, &held, m);
}

static Status draw(Canvas *c, RunCurves *r, int n, const FigCurvesOptions *o) {
    const char *held = heldout_name(r, n);
    int best = n > 1 ? best_run(r, n) : -1;
    char title[600], sub[900], ema[48], score[96];
    snprintf(ema, sizeof ema, o->ema > 0 ? "smoothed by EMA %.2f" : "raw", o->ema);
    LegendEntry e[FIG_CURVES_RUNS_MAX];
    CanvasStyle *styles = NULL;
    int n_e = 0;
    char held_label[64], smooth_label[64];
    if (n == 1) {
        score_line(&r[0].st, score, sizeof score);
        snprintf(title, sizeof title, "%s", r[0].id);
        snprintf(sub, sizeof sub, "%s%s%s, iteration %d of %d, best %s; train rows %s",
                 runstore_state_name(r[0].st.state), r[0].st.sweep[0] ? ", " : "", r[0].st.sweep,
                 r[0].st.iter, r[0].st.max_iter, score, ema);
        snprintf(smooth_label, sizeof smooth_label, "train, EMA %.2f", o->ema);
        snprintf(held_label, sizeof held_label, "%s (each held-out pass)", held);
        e[n_e++] =
            (LegendEntry){.label = o->ema > 0 ? "train, raw" : "train",
                          .style = {.color = canvas_tint(canvas_color(0), o->ema > 0 ? 0.55 : 0),
                                    .width = o->ema > 0 ? 0.8 : 1.6}};
        if (o->ema > 0)
            e[n_e++] = (LegendEntry){.label = smooth_label,
                                     .style = {.color = canvas_color(0), .width = 1.8}};
        e[n_e++] = (LegendEntry){.label = held_label,
                                 .style = {.color = canvas_color(1),
                                           .width = 1.5,
                                           .dash = CANVAS_DASHED,
                                           .marker = CANVAS_MARK_CIRCLE,
                                           .hollow = 1}};
    } else {
        name_runs(r, n);
        snprintf(title, sizeof title, "%d runs: train loss and %s accuracy by iteration", n, held);
        snprintf(sub, sizeof sub,
                 "left: train loss, %s; right: %s accuracy at each held-out pass%s%s%s", ema, held,
                 best >= 0 ? "; thickest, in bold: the best (" : "", best >= 0 ? r[best].id : "",
                 best >= 0 ? ")" : "");
        if (!(styles = malloc(sizeof *styles * (size_t)n))) return ST_NOMEM;
        for (int i = 0; i < n; i++) {
            styles[i] = canvas_series_style(i);
            if (i == best) styles[i].width = 3;
            e[n_e++] = (LegendEntry){.label = r[i].label, .style = styles[i], .bold = i == best};
        }
    }
    double top = fig_header(c, title, sub);
    double bottom = fig_legend_below(c, e, n_e);
    Axis x, loss, acc;
    fit_axes(r, n, o, &x, &loss, &acc);
    x.title = "iteration";
    loss.title = o->log_y ? "loss (log scale)" : "loss";
    char acc_title[64];
    snprintf(acc_title, sizeof acc_title, "%s%s accuracy (%%)", n == 1 ? "train and " : "", held);
    acc.title = acc_title;
    double half = (canvas_width(c) - 2 * FIG_MARGIN - 24) / 2;
    Panel pl, pa;
    panel_init(&pl, c, FIG_MARGIN, top, half, bottom - top, &x, &loss,
               n == 1 ? "loss" : "train loss");
    panel_init(&pa, c, FIG_MARGIN + half + 24, top, half, bottom - top, &x, &acc,
               n == 1 ? "accuracy" : "held-out accuracy");
    panel_axes(&pl);
    panel_axes(&pa);
    int points = 0;
    for (int i = 0; i < n; i++) points += r[i].train.n + r[i].test.n;
    if (n == 1) {
        draw_one(&r[0], o, &pl, &pa);
    } else {
        for (int k = 0; k <= n; k++) { /* the best last, on top */
            int i = k < n ? k : best;
            if (i < 0 || (k < n && i == best)) continue;
            const double *loss_y = o->ema > 0 ? r[i].loss_s : r[i].train.loss;
            panel_series(&pl, r[i].train.iter, loss_y, r[i].train.n, &styles[i],
                         every(r[i].train.n, 8));
            panel_series(&pa, r[i].test.iter, r[i].acc_val, r[i].test.n, &styles[i],
                         every(r[i].test.n, 25));
        }
    }
    empty_note(&pl, points);
    empty_note(&pa, points);
    free(styles);
    return ST_OK;
}

Status fig_curves_write(const char *path, char *const *dirs, int n, const FigCurvesOptions *o,
                        Error *err) {
    if (n < 1 || n > FIG_CURVES_RUNS_MAX)
        return error_set(err, ST_ARG, "%s: %d runs to plot (1 to %d)", path, n,
                         FIG_CURVES_RUNS_MAX);
    FigCurvesOptions opt = o ? *o : fig_curves_defaults();
    if (!(opt.ema >= 0 && opt.ema < 1)) opt.ema = 0;
    RunCurves *r = calloc((size_t)n, sizeof *r);
    if (!r) return error_set(err, ST_NOMEM, "%s: out of memory", path);
    Canvas *c = NULL;
    Status st = ST_OK;
    int loaded = 0;
    for (; loaded < n && !st; loaded++) st = run_load(&r[loaded], dirs[loaded], opt.ema, err);
    if (!st) st = canvas_create(&c, path, opt.width, opt.height, err);
    if (!st && (st = draw(c, r, n, &opt))) error_set(err, st, "%s: out of memory", path);
    if (!st) st = canvas_finish(c, err);
    canvas_destroy(c);
    for (int i = 0; i < loaded; i++) run_fini(&r[i]);
    free(r);
    return st;
}
