/*
 * pivot — the Grid screen: a sweep seen as a pivot table, as in the
 * tutorial's resolution x bilinear-dimension table. The caller picks the
 * runs and passes one PivotEntry per run; the pivot's rows are the distinct
 * values of one preset key, its columns those of another, and each cell
 * holds the best test accuracy among the runs with that pair of values
 * (and which run it was, for Enter).
 *
 * pivot_build allocates the Pivot (free with pivot_fini); pivot_render
 * draws it into a TextGrid with a heat level per cell, shown both as a
 * style (PIVOT_STYLE_HEAT1..5, for colour) and as a glyph (so it reads
 * without colour). No curses; pure functions callable from any thread.
 */
#ifndef FINELAB_PIVOT_H
#define FINELAB_PIVOT_H

#include "engine/base/error.h"
#include "src/preset/preset.h"
#include "src/report/textgrid.h"

/* Styles of the cells pivot_render writes (0 is plain: empty cells, '-'). */
typedef enum PivotStyle {
    PIVOT_STYLE_PLAIN = 0,
    PIVOT_STYLE_HEAT1 = 1, /* lowest fifth of the table's accuracy range ... */
    PIVOT_STYLE_HEAT5 = 5, /* ... highest fifth; level k is style k */
    PIVOT_STYLE_HEADER,    /* key names and value labels */
    PIVOT_STYLE_SELECTED,  /* the selected cell, brackets included */
    PIVOT_STYLE_PRUNED,    /* a cell whose best run successive halving pruned (dimmed) */
} PivotStyle;

enum { PIVOT_HEAT_LEVELS = 5 };

typedef struct PivotEntry {
    int run;              /* the caller's run index, handed back by pivot_selected_run */
    const Preset *preset; /* not owned; must outlive pivot_build only */
    double best_accuracy; /* fraction in [0, 1]; negative or NaN: none yet */
    int pruned_at;        /* the iteration successive halving pruned the run at; 0: not pruned */
} PivotEntry;

typedef struct PivotCell {
    double accuracy; /* best among the cell's runs; -1 when none has one */
    int run;         /* the run with that accuracy (else the cell's first run); -1: empty */
    int n;           /* runs in the cell */
    int pruned_at;   /* that run's PivotEntry.pruned_at */
} PivotCell;

typedef struct Pivot {
    int row_key, col_key;    /* schema indices; -1: a single row or column "all" */
    int n_rows, n_cols;      /* distinct values of each key */
    char **row_values;       /* n_rows formatted values, in display order */
    char **col_values;       /* n_cols formatted values, in display order */
    PivotCell *cells;        /* n_rows x n_cols, row-major */
    double min_acc, max_acc; /* over cells with an accuracy; -1 when there is none */
} Pivot;

typedef struct PivotView {
    int sel_row, sel_col; /* the selected cell */
    int ascii;            /* 1: ASCII glyphs (.:+#@ and ...), 0: UTF-8 (▁▂▄▆█ and …) */
} PivotView;

/* Writes the schema indices of the keys whose formatted values are not the
 * same in all n entries into keys (at most cap), in schema order; returns
 * how many vary (which may exceed cap). */
int pivot_varying_keys(const PivotEntry *e, int n, int *keys, int cap);

/* The axes to show first: data.resolution (rows) x model.bilinear_dim
 * (columns) when both vary, else the first two varying keys; -1 for an
 * axis with no key left. */
void pivot_default_keys(const PivotEntry *e, int n, int *row_key, int *col_key);

/* Builds the pivot of n entries over row_key x col_key (schema indices, -1
 * for a single "all" value). Values are sorted numerically when all parse
 * as numbers, else as text; descending 1 reverses both axes (the tutorial's
 * 448 / 336 / 224 order). ST_ARG for a bad key, ST_NOMEM; p is then empty. */
Status pivot_build(Pivot *p, const PivotEntry *e, int n, int row_key, int col_key, int descending);
/* Frees what pivot_build allocated; p may be empty or zeroed. */
void pivot_fini(Pivot *p);

/* Heat level 1..5 of accuracy acc within the pivot's min..max (5 when they
 * are equal), or 0 when acc or the pivot has no accuracy. */
int pivot_heat(const Pivot *p, double acc);

/* Draws the pivot into the w x h area of g at (x0, y0): the column key and
 * values on top, the row key and values on the left, one cell per pair
 * ("▆ 84.50%", '-' when empty, … while its runs have no accuracy yet), the
 * selected cell in [brackets]. Scrolls so the selected cell is shown; ‹ and
 * › on the top row say columns are hidden left or right. Needs w >= 8, h >= 3. */
void pivot_render(TextGrid *g, int x0, int y0, int w, int h, const Pivot *p, const PivotView *v);

/* The run of the selected cell (its best, or its first while none has an
 * accuracy), or -1 for an empty cell or a selection outside the pivot. */
int pivot_selected_run(const Pivot *p, const PivotView *v);

/* Brings v's selection inside p (0, 0 for an empty pivot). */
void pivot_clamp(PivotView *v, const Pivot *p);

#endif
