/*
 * panel — one plot of a figure: a rectangle of a canvas with an x and a
 * y axis (src/plot/axis.h: linear, log or categorical), laid out with
 * room for its title, tick labels and axis titles, and what goes inside
 * it in data coordinates: series (a line through the points and markers
 * on them, clipped to the plot area), reference lines, and the cells of a
 * heat map on categorical axes. A figure is some panels on one canvas
 * plus a legend (src/plot/legend.h); every figure kind draws through
 * these, so they look alike.
 *
 * A Panel is caller storage, valid while its canvas is; it copies its
 * axes (not the axes' label arrays or titles, which must outlive it).
 * Drawing order is the caller's: panel_axes first (background, grid,
 * frame, ticks, labels, titles), then the data. Same threads as its canvas.
 */
#ifndef FINELAB_PANEL_H
#define FINELAB_PANEL_H

#include "src/plot/axis.h"
#include "src/plot/canvas.h"

enum { PANEL_TICKS_X = 7, PANEL_TICKS_Y = 6 }; /* about this many ticks per numeric axis */

typedef struct Panel {
    Canvas *c;
    double x, y, w, h; /* the plot area, inside the axes, in canvas units */
    Axis xa, ya;
    const char *title; /* above the plot area; NULL: none */
    int grid; /* 1 (panel_init's default): light grid lines at the ticks of a numeric axis */
    /* The layout panel_init chose: the box it was given, the ticks. */
    double bx, by, bw, bh;
    double xt[AXIS_TICKS_MAX], yt[AXIS_TICKS_MAX], xstep, ystep;
    int n_xt, n_yt;
} Panel;

/* Lays out a panel in the box (bx, by, bw, bh) of c: the plot area is what
 * the title, the tick labels and the axis titles leave, and the ticks are
 * chosen (about PANEL_TICKS_X and PANEL_TICKS_Y; fewer where their labels
 * would touch). Draws nothing. */
void panel_init(Panel *p, Canvas *c, double bx, double by, double bw, double bh, const Axis *xa,
                const Axis *ya, const char *title);

/* Draws the background, grid lines, frame, ticks and their labels, the
 * axis titles and the title. */
void panel_axes(const Panel *p);

/* Where data value v falls in canvas units (outside the area when v is
 * out of range; NAN when it is not finite, or not positive on a log axis). */
double panel_px(const Panel *p, double v);
double panel_py(const Panel *p, double v);

/* The n points (x[i], y[i]) as a line in s's colour, width and dash,
 * broken at a point that cannot be placed (NaN, or not positive on a log
 * axis), with s's marker on every mark_every-th point (0: none; the last
 * point is always marked when any is). Clipped to the plot area (markers
 * a little beyond it, so one on the edge shows whole); draws nothing when
 * out of memory. */
void panel_series(const Panel *p, const double *x, const double *y, int n, const CanvasStyle *s,
                  int mark_every);

/* A line across the whole plot area at data value v: vertical (at x = v)
 * or horizontal (at y = v). */
void panel_rule(const Panel *p, int vertical, double v, const CanvasStyle *s);

/* A heat map's cell at categorical positions (col, row) (the unit square
 * around them, less a hairline gap) filled with fill, text (NULL: none)
 * centred in it as t says (NULL: ink that reads on fill), and an outline
 * in outline's style when outline is not NULL (the best cell's). */
void panel_cell(const Panel *p, int col, int row, CanvasColor fill, const char *text,
                const CanvasText *t, const CanvasStyle *outline);

#endif
