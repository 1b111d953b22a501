/*
 * legend — what explains a figure's marks: a legend box (each entry a
 * sample of its series, line and marker as panel_series draws them, and
 * its label), laid out in as many columns as fit a width so a figure can
 * put it under its panels where it hides no data; and the colour bar of a
 * heat map (the colour scale with ticks and a title).
 *
 * Plain functions over a Canvas (src/plot/canvas.h); entries are the
 * caller's. Same threads as the canvas.
 */
#ifndef FINELAB_LEGEND_H
#define FINELAB_LEGEND_H

#include "src/plot/axis.h"
#include "src/plot/canvas.h"

typedef struct LegendEntry {
    const char *label;
    CanvasStyle style; /* its sample: a line (width > 0) with a marker (not NONE) on it */
    int bold;          /* 1: the label in bold (the best run's) */
} LegendEntry;

/* The layout of a legend: columns, rows, the box's size. */
typedef struct LegendLayout {
    int cols, rows;
    double col_w; /* one column's width */
    double w, h;  /* the whole box */
} LegendLayout;

/* Lays out the n entries in at most max_w canvas units: as many columns
 * as fit (each as wide as the widest entry), labels cut with "…" when even
 * one column does not. */
LegendLayout legend_layout(Canvas *c, const LegendEntry *e, int n, double max_w);
/* Draws the legend laid out as l with its top-left at (x, y): a white box
 * with a thin frame, the entries row by row. */
void legend_draw(Canvas *c, double x, double y, const LegendEntry *e, int n, const LegendLayout *l);

/* A vertical colour bar in the rectangle (x, y, w, h): map(t) from t = 0
 * at the bottom to 1 at the top, with a's ticks and labels (a->min at the
 * bottom, a->max at the top) on its right and a->title above it.
 * legend_colorbar_width is what it takes beside the bar, labels included. */
void legend_colorbar(Canvas *c, double x, double y, double w, double h, const Axis *a,
                     CanvasColor (*map)(double t));
double legend_colorbar_width(Canvas *c, double w, const Axis *a);

#endif
