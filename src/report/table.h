/*
 * table — the Compare screen's table drawn into a TextGrid: a CompareTable
 * (compare.h) transposed, as W&B's and Guild's compare tables are: one row
 * per run, one column per CompareRow (the differing preset keys, then the
 * results). A TableView says how to sort, which run is the pinned baseline
 * (every other row shows ▲/▼ after numeric values that differ from it),
 * which row is selected and how far the table is scrolled.
 *
 * Nothing here allocates state that outlives a call or includes curses:
 * the UI owns the view and copies the grid to the screen, mapping the
 * TableStyle numbers below to colours. Pure functions of their inputs,
 * callable from any thread; CSV and Markdown export stay in compare.c.
 */
#ifndef FINELAB_TABLE_H
#define FINELAB_TABLE_H

#include "src/report/compare.h"
#include "src/report/textgrid.h"

/* Styles of the cells table_render writes (0 is plain text). ▲/▼ carry the
 * comparison style; everything else in a row carries the row's style. */
typedef enum TableStyle {
    TABLE_STYLE_PLAIN = 0,
    TABLE_STYLE_HEADER = 1, /* column names, sort mark, scroll marks */
    TABLE_STYLE_SELECTED,   /* every cell of the selected row except its arrows */
    TABLE_STYLE_BASELINE,   /* the text of the pinned baseline row (when not selected) */
    TABLE_STYLE_BETTER,     /* ▲/▼ of a result better than the baseline's */
    TABLE_STYLE_WORSE,      /* ▲/▼ of a result worse than the baseline's */
    TABLE_STYLE_NEUTRAL,    /* ▲/▼ of a preset key (neither better nor worse) */
    TABLE_STYLE_PRUNED,     /* the text of a run successive halving pruned (not selected) */
} TableStyle;

/* Owned by the caller (the UI). Rows are positions in the sorted order. */
typedef struct TableView {
    int sort_col;   /* CompareTable row index to sort by; -1: by run id */
    int sort_desc;  /* 1: descending (missing values stay last either way) */
    int baseline;   /* run index (into CompareTable.runs) of the pinned run; -1: none */
    int selected;   /* sorted position of the highlighted row */
    int scroll_row; /* sorted position shown first under the header */
    int scroll_col; /* data columns scrolled off to the left (the run id stays) */
    int ascii;      /* 1: ^ v ~ < > instead of ▲ ▼ … ‹ › */
} TableView;

/* Fills order[0..t->n_runs) with run indices in display order: by v's sort
 * column (numerically when the column has numbers, else as text), stable,
 * NaN / "-" / "" last in both directions. Never fails. */
void table_order(const CompareTable *t, const TableView *v, int *order);

/* Draws the table into the w x h area of g at (x0, y0): a header row, then
 * one row per run from v->scroll_row. Columns that do not fit whole are left
 * out (a lone first column is clipped); › and ‹ in the header say columns
 * are hidden right or left. Needs w >= 8 and h >= 1; on out of memory the
 * area is left blank. */
void table_render(TextGrid *g, int x0, int y0, int w, int h, const CompareTable *t,
                  const TableView *v);

/* The run index shown on row y of an area drawn with v (0 is the header),
 * or -1 for the header, past the last run, or on out of memory. */
int table_run_at(const CompareTable *t, const TableView *v, int y);

/* The run index of the selected row, or -1 (no runs, out of memory). */
int table_selected_run(const CompareTable *t, const TableView *v);

/* Brings v into range for t and an area h rows high: sort_col, baseline,
 * selected and scroll_col clamped, scroll_row moved so selected is shown. */
void table_clamp(TableView *v, const CompareTable *t, int h);

#endif
