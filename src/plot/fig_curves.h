/*
 * fig_curves — the Monitor's and Compare's charts as a picture: runs'
 * loss against iteration in one panel and their accuracy in a second,
 * from the rows of each run's metrics.tsv (runstore_read_metrics, split
 * by src/report/curve.h, smoothed by chart_ema as the Monitor smooths).
 *
 * One run reads as the Monitor draws it: the train rows raw (a thin pale
 * line) and smoothed (solid), the held-out passes (dashed, a circle on
 * each), in both panels. Several runs are overlaid, one style per run
 * (colour, dash and marker: canvas_series_style): the smoothed train loss
 * on the left, the held-out accuracy on the right; the legend under the
 * panels names each run with its sweep label and best held-out accuracy,
 * and the best run is drawn thicker and named in bold, so it stands out
 * in black and white too.
 *
 * Reads the run store only; the file is written whole or not at all
 * (canvas.h). Any thread.
 */
#ifndef FINELAB_FIG_CURVES_H
#define FINELAB_FIG_CURVES_H

#include "engine/base/error.h"

enum { FIG_CURVES_RUNS_MAX = 64 };

typedef struct FigCurvesOptions {
    double ema;        /* the train rows' smoothing weight, 0 .. 0.99 (0: raw only) */
    int log_y;         /* 1: the loss on a log axis */
    int width, height; /* the file's size (canvas_create); 0 x 0: the default */
} FigCurvesOptions;

/* The options `finelab plot` uses and the lab starts with: EMA 0.6,
 * linear loss, the default size. */
FigCurvesOptions fig_curves_defaults(void);

/* Draws the curves of the n run directories (1 .. FIG_CURVES_RUNS_MAX)
 * into path (.png, .svg or .pdf). ST_IO naming the run whose status or
 * rows cannot be read, ST_ARG for no runs or too many, and canvas_create's
 * and canvas_finish's errors; path is then as it was. */
Status fig_curves_write(const char *path, char *const *dirs, int n, const FigCurvesOptions *o,
                        Error *err);

#endif
