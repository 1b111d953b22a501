/*
 * fig_grid — a sweep's heat map. See fig_grid.h.
 *
 * The pivot is src/report/pivot.c's, built as the Grid screen builds it
 * (values descending, so the tutorial's 448 / 336 / 224 rows read top
 * down); this file only lays it out: a panel with the column values on x
 * and the row values on y (reversed, so the pivot's first row is on top),
 * a cell per pair sized by the panel, its text sized by the cell, and the
 * colour bar at the right over the cells' accuracy range.
 */
#include "src/plot/fig_grid.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/plot/fig.h"
#include "src/plot/panel.h"
#include "src/preset/schema.h"
#include "src/report/mattered.h"
#include "src/report/pivot.h"
#include "src/report/sweep_trials.h"
#include "src/run/runstore.h"

static const CanvasColor empty_fill = {0.95, 0.95, 0.95};

typedef struct GridRuns {
    int n;
    Preset *presets;
    RunStatus *status;
    PivotEntry *entries;
} GridRuns;

FigGridOptions fig_grid_defaults(void) {
    return (FigGridOptions){.row_key = FIG_GRID_KEY_DEFAULT, .col_key = FIG_GRID_KEY_DEFAULT};
}

void fig_grid_free_runs(char **dirs, int n) {
    if (!dirs) return;
    for (int i = 0; i < n; i++) free(dirs[i]);
    free(dirs);
}

Status fig_grid_sweep_runs(const char *runs_dir, const char *name, char ***dirs, int *n,
                           Error *err) {
    char **ids;
    int n_ids;
    *dirs = NULL;
    *n = 0;
    Status st = runstore_list(runs_dir, &ids, &n_ids, err);
    if (st) return st;
    char **out = calloc(FIG_GRID_RUNS_MAX, sizeof *out);
    if (!out) st = error_set(err, ST_NOMEM, "%s: out of memory", runs_dir);
    for (int i = 0; !st && i < n_ids && *n < FIG_GRID_RUNS_MAX; i++) {
        char dir[2048];
        RunStatus rs;
        snprintf(dir, sizeof dir, "%s/%s", runs_dir, ids[i]);
        if (runstore_read_status(dir, &rs, NULL) || !rs.sweep[0] || strcmp(rs.preset, name) != 0)
            continue;
        if (!(out[*n] = strdup(dir)))
            st = error_set(err, ST_NOMEM, "%s: out of memory", runs_dir);
        else
            (*n)++;
    }
    runstore_free_list(ids, n_ids);
    if (st) {
        fig_grid_free_runs(out, *n);
        *n = 0;
        return st;
    }
    *dirs = out;
    return ST_OK;
}

static void runs_fini(GridRuns *g) {
    free(g->presets);
    free(g->status);
    free(g->entries);
}

static Status runs_load(GridRuns *g, char *const *dirs, int n, Error *err) {
    memset(g, 0, sizeof *g);
    g->presets = malloc(sizeof *g->presets * (size_t)n);
    g->status = malloc(sizeof *g->status * (size_t)n);
    g->entries = malloc(sizeof *g->entries * (size_t)n);
    if (!g->presets || !g->status || !g->entries)
        return error_set(err, ST_NOMEM, "out of memory reading %d runs", n);
    for (int i = 0; i < n; i++) {
        char path[2048];
        snprintf(path, sizeof path, "%s/preset.ini", dirs[i]);
        Status st = runstore_read_status(dirs[i], &g->status[i], err);
        if (!st) st = preset_load(&g->presets[i], path, err);
        if (st) return st;
        const RunStatus *s = &g->status[i];
        g->entries[i] =
            (PivotEntry){i, &g->presets[i], s->best_accuracy, s->state == RUN_PRUNED ? s->iter : 0};
        g->n++;
    }
    return ST_OK;
}

/* "data.resolution" for schema key k, "all" for -1. */
static void key_name(int k, char *buf, size_t cap) {
    if (k < 0) {
        snprintf(buf, cap, "all runs");
        return;
    }
    const SchemaKey *s = schema_at(k);
    snprintf(buf, cap, "%s.%s", s->section, s->key);
}

/* "what mattered" (mattered.h): fANOVA's shares over the sweep called
 * name in the runs' store where its trials allow, else the range of the
 * runs' mean best accuracy per value; "" without two values. */
static void importance_note(const GridRuns *g, const char *name, const char *runs_dir, char *buf,
                            size_t cap) {
    SweepTrials s;
    StudyImportance imp = {0};
    buf[0] = '\0';
    if (name && sweep_trials_load(&s, runs_dir, name, NULL) == ST_OK) {
        if (!study_importance(&s.preset->sweep, s.trials, s.n, &s.rungs, &imp, NULL))
            mattered_fanova(&s.preset->sweep, &imp, buf, cap);
        sweep_trials_free(&s);
    }
    const char **labels = malloc(sizeof *labels * (size_t)g->n);
    double *best = malloc(sizeof *best * (size_t)g->n);
    if (!imp.ranked && labels && best) {
        for (int i = 0; i < g->n; i++) {
            labels[i] = g->status[i].sweep;
            best[i] = g->status[i].best_accuracy;
        }
        mattered_range(labels, best, g->n, "", name ? &imp : NULL, buf, cap);
    }
    free(labels);
    free(best);
}

/* One cell: its number (bold, framed, "best" under it in the best cell),
 * a second line for a pruned run or several runs, or "no run". */
static void draw_cell(const Panel *p, const Pivot *pv, int row, int col, int is_best) {
    const PivotCell *cell = &pv->cells[row * pv->n_cols + col];
    double cw = fabs(panel_px(p, 1) - panel_px(p, 0)), ch = fabs(panel_py(p, 1) - panel_py(p, 0));
    double size = fmin(15, fmin(cw / 5.2, ch / 2.6));
    char num[32], note[64] = "";
    CanvasColor fill = empty_fill;
    if (cell->run < 0) {
        snprintf(num, sizeof num, "no run");
    } else if (cell->accuracy < 0) {
        snprintf(num, sizeof num, "no pass yet");
    } else {
        double span = pv->max_acc - pv->min_acc;
        fill = canvas_heat(span > 0 ? (cell->accuracy - pv->min_acc) / span : 1);
        snprintf(num, sizeof num, "%.2f%%", 100 * cell->accuracy);
    }
    if (is_best)
        snprintf(note, sizeof note, "best");
    else if (cell->pruned_at > 0)
        snprintf(note, sizeof note, "pruned at %d", cell->pruned_at);
    else if (cell->n > 1)
        snprintf(note, sizeof note, "best of %d", cell->n);
    CanvasStyle frame = {.color = CANVAS_BLACK, .width = 3.5};
    CanvasText t = {.size = cell->accuracy < 0 ? size * 0.8 : size,
                    .bold = is_best,
                    .color = cell->accuracy < 0 ? CANVAS_GREY : canvas_ink_on(fill)};
    panel_cell(p, col, row, fill, NULL, NULL, is_best ? &frame : NULL);
    double x = panel_px(p, col), y = panel_py(p, row);
    double line = note[0] ? canvas_text_height(p->c, size * 0.75) / 2 : 0;
    t.anchor = CANVAS_CENTER;
    canvas_text(p->c, x, y - line, num, &t);
    if (note[0]) {
        CanvasText n = t;
        n.size = size * 0.75;
        canvas_text(p->c, x, y + canvas_text_height(p->c, size) / 2, note, &n);
    }
}

/* The figure; sweep: the sweep's name in runs_dir when the runs are a
 * named sweep's (its fANOVA then), NULL for runs listed. */
static void draw(Canvas *c, const GridRuns *g, const Pivot *pv, const char *name, const char *sweep,
                 const char *runs_dir) {
    char title[700], sub[600], rows[128], cols[128], note[1600], bar[96];
    const char *held = runstatus_heldout_name(&g->status[0]);
    key_name(pv->row_key, rows, sizeof rows);
    key_name(pv->col_key, cols, sizeof cols);
    snprintf(title, sizeof title, "sweep %s: best %s accuracy per cell, %d run%s", name, held, g->n,
             g->n == 1 ? "" : "s");
    snprintf(sub, sizeof sub,
             "rows: %s, columns: %s; the best cell framed, in bold; darker is lower", rows, cols);
    double top = fig_header(c, title, sub);
    importance_note(g, sweep, runs_dir, note, sizeof note);
    double bottom = fig_note_above(c, canvas_height(c) - FIG_MARGIN + 4, note, 2);
    Axis x = {0}, y = {0}, heat = {0};
    axis_categories(&x, (const char *const *)pv->col_values, pv->n_cols);
    axis_categories(&y, (const char *const *)pv->row_values, pv->n_rows);
    y.reverse = 1;
    x.title = pv->col_key >= 0 ? cols : NULL; /* a single "all" needs no title */
    y.title = pv->row_key >= 0 ? rows : NULL;
    snprintf(bar, sizeof bar, "best %s accuracy (%%)", held);
    heat.min = pv->min_acc >= 0 ? 100 * pv->min_acc : 0;
    heat.max = pv->max_acc >= 0 ? 100 * pv->max_acc : 100;
    if (heat.max - heat.min < 0.01) heat.min -= 0.5, heat.max += 0.5;
    heat.title = bar;
    double bar_w = legend_colorbar_width(c, 16, &heat) + 24;
    Panel p;
    panel_init(&p, c, FIG_MARGIN, top, canvas_width(c) - 2 * FIG_MARGIN - bar_w, bottom - top, &x,
               &y, NULL);
    panel_axes(&p);
    int best = -1;
    for (int i = 0; i < pv->n_rows * pv->n_cols; i++)
        if (pv->cells[i].accuracy >= 0 &&
            (best < 0 || pv->cells[i].accuracy > pv->cells[best].accuracy))
            best = i;
    for (int r = 0; r < pv->n_rows; r++)
        for (int k = 0; k < pv->n_cols; k++) draw_cell(&p, pv, r, k, r * pv->n_cols + k == best);
    legend_colorbar(c, p.x + p.w + 24, p.y, 16, p.h, &heat, canvas_heat);
}

Status fig_grid_write(const char *path, char *const *dirs, int n, const FigGridOptions *o,
                      Error *err) {
    if (n < 1 || n > FIG_GRID_RUNS_MAX)
        return error_set(err, ST_ARG, "%s: %d runs in the grid (1 to %d)", path, n,
                         FIG_GRID_RUNS_MAX);
    FigGridOptions opt = o ? *o : fig_grid_defaults();
    GridRuns g;
    Pivot pv = {0};
    Canvas *c = NULL;
    Status st = runs_load(&g, dirs, n, err);
    if (!st) {
        int row, col;
        pivot_default_keys(g.entries, n, &row, &col);
        if (opt.row_key != FIG_GRID_KEY_DEFAULT) row = opt.row_key;
        if (opt.col_key != FIG_GRID_KEY_DEFAULT) col = opt.col_key;
        if ((st = pivot_build(&pv, g.entries, n, row, col, 1)))
            error_set(err, st, "%s: cannot pivot the runs on keys %d x %d", path, row, col);
    }
    if (!st) st = canvas_create(&c, path, opt.width, opt.height, err);
    if (!st) {
        char runs_dir[1024];
        runstore_store_of(dirs[0], runs_dir, sizeof runs_dir);
        draw(c, &g, &pv, opt.name ? opt.name : g.status[0].preset, opt.name, runs_dir);
        st = canvas_finish(c, err);
    }
    canvas_destroy(c);
    pivot_fini(&pv);
    runs_fini(&g);
    return st;
}
