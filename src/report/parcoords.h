/*
 * parcoords — parallel coordinates drawn into a TextGrid (the Study
 * screen's, as Optuna's plot_parallel_coordinate and W&B's parallel view
 * draw a study): one vertical axis per swept key and per accuracy, each
 * trial a line through its places on them (study_axes.h gives a key's
 * place, 0 at the bottom and 1 at the top). Above each axis its name and
 * its top value, below it its bottom value; the selected axis' name is in
 * brackets. The lines are chart_plot's dots (braille, blocks or ASCII);
 * each keeps apart without colour: a dimmed trial (pruned, failed,
 * running) is dotted, the best is drawn last with a '*' where it crosses
 * each axis, and the selected one with '@'. A brush on an axis keeps the
 * lines whose place there is within [lo, hi]; the part of the axis it
 * keeps is drawn heavy. Pure; any thread.
 */
#ifndef FINELAB_PARCOORDS_H
#define FINELAB_PARCOORDS_H

#include "src/report/chart.h"
#include "src/report/textgrid.h"

typedef enum ParcoordsStyle {
    PARCOORDS_STYLE_LINE = 1, /* a complete trial (chart series style 1) */
    PARCOORDS_STYLE_BEST = 2, /* the best trial */
    PARCOORDS_STYLE_DIM = 9,  /* pruned, waiting, failed or running */
    PARCOORDS_STYLE_SELECTED, /* the selected trial, and the selected axis' name */
    PARCOORDS_STYLE_AXIS,     /* the axes and their value labels */
    PARCOORDS_STYLE_BRUSH,    /* the brushed part of an axis */
} ParcoordsStyle;

typedef struct ParcoordsAxis {
    char name[48];             /* as shown above the axis (cut to fit) */
    char top[16], bottom[16];  /* the values at 1 and at 0 */
    double brush_lo, brush_hi; /* the kept places; 0 and 1: no brush */
} ParcoordsAxis;

typedef struct ParcoordsLine {
    const double *pos; /* per axis (the axes' own order), its place in [0, 1]; NaN: none */
    int style;         /* PARCOORDS_STYLE_LINE, _BEST, _DIM or _SELECTED */
} ParcoordsLine;

/* Draws the axes order[0 .. n_order) (indices into axes) left to right and
 * the lines into the w x h area at (x0, y0); axis sel (a place in order)
 * is marked. Lines are drawn dim first, then complete, selected and best.
 * Needs w >= 4 * n_order and h >= 5; smaller areas say so. */
void parcoords_render(TextGrid *g, int x0, int y0, int w, int h, const ParcoordsAxis *axes,
                      const int *order, int n_order, int sel, const ParcoordsLine *lines,
                      int n_lines, ChartGlyphs glyphs);

/* 1 when pos (one place per axis, n_axes) is within every axis' brush; a
 * missing place (NaN) is outside a brushed axis. */
int parcoords_kept(const ParcoordsAxis *axes, int n_axes, const double *pos);

/* 1 when axis a has a brush. */
int parcoords_brushed(const ParcoordsAxis *a);

#endif
