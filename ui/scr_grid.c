/*
 * scr_grid — screen 6: a sweep as a pivot table (pivot.c). The sweep is
 * the runs that share the preset name of the newest swept run (or of the
 * run selected on screen 3, when it belongs to a sweep); rows and columns
 * are two of the keys that vary among them, resolution x bilinear dim by
 * default as in the tutorial's table; cells show the best held-out accuracy
 * (the validation split's where the runs have one; the selected run's
 * test figure is shown beside it below the table)
 * with heat shading. Enter opens the cell's run in the monitor. Under the
 * table, which swept key mattered most (src/report/importance.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/plot/fig_grid.h"
#include "src/preset/schema.h"
#include "src/report/halving_cost.h"
#include "src/report/mattered.h"
#include "src/report/pivot.h"
#include "src/report/score.h"
#include "src/report/sweep_trials.h"
#include "ui/screen.h"
#include "ui/term.h"

enum { GRID_MAX = 256, GRID_KEYS = 16 };

typedef struct GridData {
    int n;
    int run[GRID_MAX]; /* index into a->runs */
    Preset *presets;
    PivotEntry entries[GRID_MAX];
    int keys[GRID_KEYS], n_keys;
    char name[256];
} GridData;

static int grid_load(App *a, GridData *d) {
    memset(d, 0, sizeof *d);
    const RunEntry *pick =
        a->sel_run < a->n_runs && a->runs[a->sel_run].status.sweep[0] ? &a->runs[a->sel_run] : NULL;
    for (int i = a->n_runs - 1; !pick && i >= 0; i--)
        if (a->runs[i].status.sweep[0]) pick = &a->runs[i];
    if (!pick) return -1;
    snprintf(d->name, sizeof d->name, "%s", pick->status.preset);
    d->presets = malloc(sizeof(Preset) * GRID_MAX);
    if (!d->presets) return -1;
    for (int i = 0; i < a->n_runs && d->n < GRID_MAX; i++) {
        const RunEntry *e = &a->runs[i];
        if (!e->status.sweep[0] || strcmp(e->status.preset, d->name) != 0) continue;
        char path[1700];
        snprintf(path, sizeof path, "%s/preset.ini", e->dir);
        if (preset_load(&d->presets[d->n], path, NULL)) continue;
        d->run[d->n] = i;
        d->entries[d->n] = (PivotEntry){i, &d->presets[d->n], e->status.best_accuracy,
                                        e->status.state == RUN_PRUNED ? e->status.iter : 0};
        d->n++;
    }
    d->n_keys = pivot_varying_keys(d->entries, d->n, d->keys, GRID_KEYS);
    if (d->n_keys > GRID_KEYS) d->n_keys = GRID_KEYS;
    return d->n ? 0 : -1;
}

/* The pivot's row and column schema keys from the app's choices. */
static void grid_axes(App *a, GridData *d, int *row, int *col) {
    pivot_default_keys(d->entries, d->n, row, col);
    if (a->grid.row_key > 0 && d->n_keys) *row = d->keys[(a->grid.row_key - 1) % d->n_keys];
    if (a->grid.col_key > 0 && d->n_keys) *col = d->keys[(a->grid.col_key - 1) % d->n_keys];
}

static int map_style(int s) {
    if (s >= PIVOT_STYLE_HEAT1 && s <= PIVOT_STYLE_HEAT5) return ST_HEAT + s;
    if (s == PIVOT_STYLE_HEADER) return ST_HEADER;
    if (s == PIVOT_STYLE_SELECTED) return ST_SELECTED;
    if (s == PIVOT_STYLE_PRUNED) return ST_DIM;
    return 0;
}

/* "what mattered" (mattered.h): fANOVA's shares where the sweep's trials
 * allow, else the range of the mean best accuracy per key and why. */
static void grid_importance(App *a, const GridData *d, TextGrid *g, int y) {
    StudyImportance imp = {0};
    char line[2300] = "";
    const SweepTrials *s =
        sweep_trials_cached(&a->grid.sweep, a->runs_dir, d->name, a->runs_loaded_at, NULL);
    if (s) {
        study_importance_cached(&a->grid.importance, &s->preset->sweep, s->trials, s->n, &s->rungs,
                                &imp, NULL);
        mattered_fanova(&s->preset->sweep, &imp, line, sizeof line);
    }
    if (!imp.ranked) {
        const char *labels[GRID_MAX];
        double best[GRID_MAX];
        for (int i = 0; i < d->n; i++) {
            labels[i] = a->runs[d->run[i]].status.sweep;
            best[i] = a->runs[d->run[i]].status.best_accuracy;
        }
        int val = d->n && runstatus_has_val(&a->runs[d->run[0]].status);
        if (!mattered_range(labels, best, d->n, val ? "val" : "", &imp, line, sizeof line)) {
            int x = textgrid_text(g, 0, y, "what mattered: ", ST_TITLE);
            textgrid_text(g, x, y, "not enough runs with an accuracy yet", ST_DIM);
            return;
        }
    }
    const char *rest = strstr(line, "): "); /* the head as a title, the keys plain */
    rest = rest ? rest + 3 : line;
    int x = textgrid_printf(g, 0, y, ST_TITLE, "%.*s", (int)(rest - line), line);
    textgrid_text(g, x, y, rest, 0);
}

/* A halving sweep's cost: iterations its runs spent against the full grid's. */
static void grid_halving_line(const App *a, const GridData *d, TextGrid *g) {
    HalvingCost c = {0};
    for (int i = 0; i < d->n; i++) halving_cost_add(&c, &a->runs[d->run[i]].status);
    char line[256];
    if (halving_cost_text(&c, line, sizeof line)) textgrid_text(g, 0, 1, line, ST_DIM);
}

static void grid_draw(App *a, TextGrid *g) {
    GridData d;
    if (grid_load(a, &d)) {
        screen_no_sweep(g, "Grid");
        free(d.presets);
        return;
    }
    int row, col;
    grid_axes(a, &d, &row, &col);
    Pivot p;
    if (pivot_build(&p, d.entries, d.n, row, col, 1)) {
        textgrid_text(g, 0, 0, "Grid: cannot build the pivot", ST_ERROR);
        free(d.presets);
        return;
    }
    PivotView v = {.sel_row = a->grid.sel_row, .sel_col = a->grid.sel_col, .ascii = !a->utf8};
    pivot_clamp(&v, &p);
    a->grid.sel_row = v.sel_row;
    a->grid.sel_col = v.sel_col;
    char line[1024];
    snprintf(line, sizeof line,
             "Grid: sweep of %s, %d runs; best %s accuracy per cell (r/c choose the keys)", d.name,
             d.n, runstatus_heldout_name(&a->runs[d.run[0]].status));
    textgrid_text(g, 0, 0, line, ST_TITLE);
    grid_halving_line(a, &d, g);
    TextGrid pg;
    int h = g->h - 4;
    if (textgrid_init(&pg, g->w, h) == ST_OK) {
        pivot_render(&pg, 0, 0, g->w, h, &p, &v);
        textgrid_paste(g, 0, 2, &pg, map_style);
        textgrid_fini(&pg);
    }
    grid_importance(a, &d, g, g->h - 2);
    int r = pivot_selected_run(&p, &v);
    if (r >= 0) {
        char score[64];
        score_line(&a->runs[r].status, score, sizeof score);
        snprintf(line, sizeof line, "selected: %s (%s)  %s", a->runs[r].id, a->runs[r].status.sweep,
                 score);
        textgrid_text(g, 0, g->h - 1, line, ST_DIM);
    }
    pivot_fini(&p);
    free(d.presets);
}

static void grid_cycle(App *a, int *which) {
    GridData d;
    if (grid_load(a, &d) || d.n_keys == 0) {
        app_message(a, 0, "no swept keys to choose from");
        free(d.presets);
        return;
    }
    *which = *which % d.n_keys + 1; /* 0: default, then each varying key in turn */
    const SchemaKey *k = schema_at(d.keys[*which - 1]);
    app_message(a, 0, "%s.%s", k->section, k->key);
    free(d.presets);
}

static void grid_row_key(App *a) {
    grid_cycle(a, &a->grid.row_key);
}

static void grid_col_key(App *a) {
    grid_cycle(a, &a->grid.col_key);
}

static void grid_open(App *a) {
    GridData d;
    if (grid_load(a, &d)) {
        free(d.presets);
        return;
    }
    int row, col;
    grid_axes(a, &d, &row, &col);
    Pivot p;
    if (pivot_build(&p, d.entries, d.n, row, col, 1) == ST_OK) {
        PivotView v = {.sel_row = a->grid.sel_row, .sel_col = a->grid.sel_col};
        int r = pivot_selected_run(&p, &v);
        if (r >= 0) {
            app_watch(a, a->runs[r].dir);
        }
        pivot_fini(&p);
    }
    free(d.presets);
}

/* Writes the pivot as <runs>/plots/<sweep>-grid.png, the picture
 * `finelab plot <sweep> --rows ... --cols ...` draws, on the keys shown. */
static void grid_export(App *a) {
    GridData d;
    char path[1700];
    char **dirs = NULL;
    Error err = {0};
    if (grid_load(a, &d)) {
        app_message(a, 1, "no sweep to plot");
    } else if (!(dirs = malloc(sizeof *dirs * (size_t)d.n))) {
        app_message(a, 1, "out of memory");
    } else if (app_plot_path(a, d.name, "grid", path, sizeof path) == 0) {
        FigGridOptions o = fig_grid_defaults();
        grid_axes(a, &d, &o.row_key, &o.col_key);
        o.name = d.name;
        for (int i = 0; i < d.n; i++) dirs[i] = a->runs[d.run[i]].dir;
        if (fig_grid_write(path, dirs, d.n, &o, &err))
            app_message(a, 1, "not written: %s", err.msg);
        else
            app_message(a, 0, "wrote %s", path);
    }
    free(dirs);
    free(d.presets);
}

/* Rows and columns have no known count here: the pivot clamps the
 * selection when it draws. */
static void grid_move(App *a, int delta) {
    app_step(&a->grid.sel_row, 1 << 20, delta);
}

static void grid_left(App *a) {
    app_step(&a->grid.sel_col, 1 << 20, -1);
}

static void grid_right(App *a) {
    app_step(&a->grid.sel_col, 1 << 20, 1);
}

static const KeyBinding grid_keys[] = {
    {TERM_KEY_LEFT, "Left", NULL, "previous column", grid_left, 0},
    {TERM_KEY_RIGHT, "Right", NULL, "next column", grid_right, 0},
    {'r', "r", "Rows", "choose the key of the rows", grid_row_key, 0},
    {'c', "c", "Cols", "choose the key of the columns", grid_col_key, 0},
    {'\n', "Enter", "Open", "watch the cell's run", grid_open, 0},
    {'e', "e", "Export", "write the grid as runs/plots/<sweep>-grid.png (finelab plot)",
     grid_export, 0},
};

const ScreenClass grid_screen = {
    .name = "Grid",
    .draw = grid_draw,
    SCREEN_KEYS(grid_keys),
    .move = grid_move,
    .shows_runs = 1,
};
