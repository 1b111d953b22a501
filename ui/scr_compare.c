/*
 * scr_compare — screen 5: the runs marked on screen 3 (all runs when none
 * is marked) side by side: the table of table.c (one row per run, the
 * preset keys that differ or all of them, then the results), sortable by
 * any column, with a pinned baseline that the other rows are compared to
 * (▲/▼); below it an overlay chart of the runs' test accuracy (or loss),
 * one colour and one mark per run, the marks drawn on each run's points
 * in every glyph set so that runs read apart without colour. The table
 * exports as CSV or Markdown.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/io/fileio.h"
#include "src/plot/fig_curves.h"
#include "src/report/compare.h"
#include "src/report/halving_cost.h"
#include "src/report/table.h"
#include "ui/screen.h"
#include "ui/term.h"

enum { CMP_MAX = 64 };

static const char *const marks[8] = {"*", "o", "+", "x", "#", "@", "%", "&"};

/* The runs to compare: the marked ones, else every run (newest CMP_MAX). */
static int picked(App *a, char **dirs) {
    int n = 0;
    for (int i = 0; i < a->n_runs && n < CMP_MAX; i++)
        if (a->runs[i].marked) dirs[n++] = a->runs[i].dir;
    if (n) return n;
    for (int i = a->n_runs > CMP_MAX ? a->n_runs - CMP_MAX : 0; i < a->n_runs; i++)
        dirs[n++] = a->runs[i].dir;
    return n;
}

static int load(App *a, CompareTable *t, Error *err) {
    char *dirs[CMP_MAX];
    int n = picked(a, dirs);
    if (!n) return -1;
    return compare_load(t, a->runs_dir, dirs, n, a->compare.all, err) ? -1 : 0;
}

static TableView view(App *a, const CompareTable *t, int h) {
    TableView v = {.sort_col = a->compare.sort_col,
                   .sort_desc = a->compare.sort_desc,
                   .baseline = a->compare.baseline,
                   .selected = a->compare.selected,
                   .ascii = !a->utf8};
    table_clamp(&v, t, h);
    a->compare.selected = v.selected;
    a->compare.sort_col = v.sort_col;
    a->compare.baseline = v.baseline;
    return v;
}

static int map_style(int s) {
    switch (s) {
    case TABLE_STYLE_HEADER:
        return ST_HEADER;
    case TABLE_STYLE_SELECTED:
        return ST_SELECTED;
    case TABLE_STYLE_BASELINE:
        return ST_TITLE;
    case TABLE_STYLE_BETTER:
        return ST_GOOD;
    case TABLE_STYLE_WORSE:
        return ST_BAD;
    case TABLE_STYLE_NEUTRAL:
    case TABLE_STYLE_PRUNED:
        return ST_DIM;
    default:
        return 0;
    }
}

/* With runs of a halving sweep: how many were pruned, and what they spent. */
static void halving_line(const CompareTable *t, TextGrid *g) {
    HalvingCost c = {0};
    for (int i = 0; i < t->n_runs; i++) halving_cost_add(&c, &t->runs[i].status);
    char line[256];
    if (halving_cost_text(&c, line, sizeof line)) textgrid_text(g, 0, 1, line, ST_DIM);
}

static void comparescr_draw(App *a, TextGrid *g) {
    CompareTable t;
    Error err = {0};
    int marked = 0;
    for (int i = 0; i < a->n_runs; i++) marked += a->runs[i].marked;
    if (load(a, &t, &err)) {
        textgrid_text(g, 0, 0, a->n_runs ? err.msg : "Compare: no runs yet", ST_DIM);
        return;
    }
    char line[1600];
    snprintf(line, sizeof line, "Compare: %d run%s (%s)   keys: %s   sort: %s%s   baseline: %s",
             t.n_runs, t.n_runs == 1 ? "" : "s",
             marked ? "marked on screen 3" : "all: mark with Space on 3",
             a->compare.all ? "all" : "differing",
             a->compare.sort_col < 0 ? "run" : t.rows[a->compare.sort_col].label,
             a->compare.sort_desc ? " (desc)" : "",
             a->compare.baseline >= 0 && a->compare.baseline < t.n_runs
                 ? t.runs[a->compare.baseline].id
                 : "none");
    textgrid_text(g, 0, 0, line, ST_TITLE);
    halving_line(&t, g);
    int table_h = (g->h - 2) / 2;
    if (table_h > t.n_runs + 1) table_h = t.n_runs + 1;
    if (table_h < 3) table_h = 3;
    TableView v = view(a, &t, table_h);
    TextGrid tg;
    if (textgrid_init(&tg, g->w, table_h) == ST_OK) {
        table_render(&tg, 0, 0, g->w, table_h, &t, &v);
        textgrid_paste(g, 0, 2, &tg, map_style);
        textgrid_fini(&tg);
    }
    /* Overlay chart of the runs in table order. */
    int order[CMP_MAX], cy = 3 + table_h, ch = g->h - cy - 1;
    table_order(&t, &v, order);
    ChartSeries series[CMP_MAX];
    double *xs[CMP_MAX] = {0}, *ys[CMP_MAX] = {0};
    char labels[CMP_MAX][32];
    int ns = 0;
    for (int k = 0; k < t.n_runs && ns < CMP_MAX; k++) {
        int r = order[k];
        RunRow *rows;
        int n;
        if (runstore_read_metrics(t.runs[r].dir, &rows, &n, NULL)) continue;
        xs[ns] = malloc(sizeof(double) * (size_t)(n + 1));
        ys[ns] = malloc(sizeof(double) * (size_t)(n + 1));
        int m = 0;
        for (int i = 0; xs[ns] && ys[ns] && i < n; i++)
            if (rows[i].heldout == !a->compare.loss || (a->compare.loss && !rows[i].heldout)) {
                xs[ns][m] = rows[i].iter;
                ys[ns][m++] = a->compare.loss ? rows[i].loss : 100 * rows[i].accuracy;
            }
        free(rows);
        /* Each run's points carry its mark in every glyph set; train loss
         * rows are dense, so their marks are spaced to keep the lines seen. */
        snprintf(labels[ns], sizeof labels[ns], "%.24s", t.runs[r].id);
        series[ns] = (ChartSeries){.x = xs[ns],
                                   .y = ys[ns],
                                   .n = m,
                                   .style = 1 + ns % ST_SERIES_MAX,
                                   .mark = marks[ns % 8],
                                   .mark_every = a->compare.loss ? 8 : 1,
                                   .label = labels[ns]};
        ns++;
    }
    if (ch >= 4) {
        /* The runs' held-out split: val, test, or held-out when they differ. */
        const char *held = t.n_runs ? runstatus_heldout_name(&t.runs[0].status) : "test";
        for (int i = 1; i < t.n_runs; i++)
            if (strcmp(runstatus_heldout_name(&t.runs[i].status), held) != 0) held = "held-out";
        char what[48];
        snprintf(what, sizeof what, "%s accuracy %%", held);
        snprintf(line, sizeof line, "%s by iteration, one mark per run (t: %s):",
                 a->compare.loss ? "train loss" : what, a->compare.loss ? "accuracy" : "loss");
        int x = textgrid_text(g, 0, cy, line, ST_TITLE);
        ChartGlyphs glyphs = a->utf8 ? a->glyphs : CHART_ASCII;
        chart_legend(g, x + 2, cy, glyphs, series, ns);
        ChartOptions o = {.glyphs = glyphs, .x_min = NAN, .x_max = NAN, .y_min = NAN, .y_max = NAN};
        chart_render(g, 0, cy + 1, g->w, ch, &o, series, ns);
    }
    for (int k = 0; k < ns; k++) {
        free(xs[k]);
        free(ys[k]);
    }
    compare_fini(&t);
}

static void with_table(App *a, void (*fn)(App *, CompareTable *)) {
    CompareTable t;
    Error err = {0};
    if (load(a, &t, &err)) {
        app_message(a, 1, "compare: %s", err.msg[0] ? err.msg : "no runs");
        return;
    }
    fn(a, &t);
    compare_fini(&t);
}

static void sort_next(App *a, CompareTable *t) {
    a->compare.sort_col = a->compare.sort_col + 1 >= t->n_rows ? -1 : a->compare.sort_col + 1;
}

static void sort_prev(App *a, CompareTable *t) {
    a->compare.sort_col = a->compare.sort_col <= -1 ? t->n_rows - 1 : a->compare.sort_col - 1;
}

static void pin(App *a, CompareTable *t) {
    TableView v = view(a, t, a->h);
    int r = table_selected_run(t, &v);
    a->compare.baseline = r == a->compare.baseline ? -1 : r;
}

static void open_selected(App *a, CompareTable *t) {
    TableView v = view(a, t, a->h);
    int r = table_selected_run(t, &v);
    if (r < 0) return;
    app_watch(a, t->runs[r].dir);
}

static void export_as(App *a, CompareTable *t, CompareFormat fmt) {
    char *text = compare_format(t, fmt);
    char path[1200], stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    snprintf(path, sizeof path, "%s/compare-%s.%s", a->runs_dir, stamp,
             fmt == COMPARE_CSV ? "csv" : "md");
    Error err = {0};
    if (!text || fileio_write_atomic(path, text, strlen(text), &err))
        app_message(a, 1, "not exported: %s", text ? err.msg : "out of memory");
    else
        app_message(a, 0, "wrote %s", path);
    free(text);
}

static void export_csv(App *a, CompareTable *t) {
    export_as(a, t, COMPARE_CSV);
}

static void export_md(App *a, CompareTable *t) {
    export_as(a, t, COMPARE_MD);
}

static void comparescr_sort_next(App *a) {
    with_table(a, sort_next);
}

static void comparescr_sort_prev(App *a) {
    with_table(a, sort_prev);
}

static void comparescr_reverse(App *a) {
    a->compare.sort_desc = !a->compare.sort_desc;
}

static void comparescr_baseline(App *a) {
    with_table(a, pin);
}

static void comparescr_all(App *a) {
    a->compare.all = !a->compare.all;
    a->compare.sort_col = -1;
}

static void comparescr_chart(App *a) {
    a->compare.loss = !a->compare.loss;
}

static void comparescr_export_csv(App *a) {
    with_table(a, export_csv);
}

static void comparescr_export_md(App *a) {
    with_table(a, export_md);
}

/* Writes the compared runs' curves as <runs>/plots/compare-<UTC time>-curves.png,
 * the picture `finelab plot RUN...` draws of them (e is the CSV export here). */
static void comparescr_plot(App *a) {
    char *dirs[CMP_MAX], name[64], path[1700];
    int n = picked(a, dirs);
    time_t now = time(NULL);
    struct tm tm;
    Error err = {0};
    if (!n) {
        app_message(a, 1, "no runs to plot");
        return;
    }
    gmtime_r(&now, &tm);
    strftime(name, sizeof name, "compare-%Y%m%d-%H%M%S", &tm);
    if (app_plot_path(a, name, "curves", path, sizeof path)) return;
    FigCurvesOptions o = fig_curves_defaults();
    o.ema = a->ema;
    o.log_y = a->log_y;
    if (fig_curves_write(path, dirs, n, &o, &err))
        app_message(a, 1, "not written: %s", err.msg);
    else
        app_message(a, 0, "wrote %s", path);
}

static void comparescr_open(App *a) {
    with_table(a, open_selected);
}

/* The table's rows are runs, so the selection has no known count here: the
 * table clamps it when it draws. */
static void comparescr_move(App *a, int delta) {
    app_step(&a->compare.selected, 1 << 20, delta);
}

static const KeyBinding compare_keys[] = {
    {TERM_KEY_RIGHT, "Right", NULL, "sort by the next column", comparescr_sort_next, 0},
    {TERM_KEY_LEFT, "Left", NULL, "sort by the previous column", comparescr_sort_prev, 0},
    {'o', "o", "Order", "reverse the sort order", comparescr_reverse, 0},
    {'b', "b", "Base", "pin the selected run as the baseline (again: unpin)", comparescr_baseline,
     0},
    {'a', "a", "All", "show all preset keys or only those that differ", comparescr_all, 0},
    {'t', "t", "Chart", "overlay chart: test accuracy or loss", comparescr_chart, 0},
    {'e', "e", "CSV", "export the table as CSV", comparescr_export_csv, 0},
    {'m', "m", "Md", "export the table as Markdown", comparescr_export_md, 0},
    {'P', "P", "Plot", "write the runs' curves as runs/plots/compare-<time>-curves.png",
     comparescr_plot, 0},
    {'\n', "Enter", NULL, "watch the selected run", comparescr_open, 0},
};

const ScreenClass compare_screen = {
    .name = "Compare",
    .draw = comparescr_draw,
    SCREEN_KEYS(compare_keys),
    .move = comparescr_move,
    .shows_runs = 1,
};
