/*
 * fig — what every figure kind shares, so that they look alike and a new
 * kind is one file (fig_<kind>.c: read its data, lay out its panels, draw
 * through src/plot/panel.h and legend.h): the page's margins, a header
 * (a bold title and a grey line under it) across the top, a legend box
 * across the bottom, and the run's name as figures print it. The kinds
 * so far: fig_curves.h (runs' loss and accuracy against iteration),
 * fig_grid.h (a sweep's heat map).
 *
 * Plain functions over a Canvas; same threads as the canvas.
 */
#ifndef FINELAB_FIG_H
#define FINELAB_FIG_H

#include <stddef.h>

#include "src/plot/canvas.h"
#include "src/plot/legend.h"

enum { FIG_MARGIN = 16 }; /* canvas units left free around the page */

/* Draws title (bold, cut to the page's width) and subtitle (grey; NULL:
 * none) at the top of the page; returns the y under them, where panels
 * may start. */
double fig_header(Canvas *c, const char *title, const char *subtitle);

/* Lays out the n entries across the bottom of the page (centred) and
 * draws them; returns the y above the legend, where panels must end (the
 * page's bottom margin when n is 0). */
double fig_legend_below(Canvas *c, const LegendEntry *e, int n);

/* Draws text (grey, 10.5 units) at the bottom of the page above bottom,
 * wrapped at spaces into at most max_lines lines (the last cut with "…");
 * returns the y above it (bottom when text is empty). */
double fig_note_above(Canvas *c, double bottom, const char *text, int max_lines);

/* The last part of a run directory's path (its run id) into buf. */
const char *fig_run_id(const char *dir, char *buf, size_t cap);

#endif
