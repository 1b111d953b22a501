/*
 * axis — the arithmetic of a figure's axes, apart from drawing: where the
 * ticks of a range go (linear: 1, 2 or 5 times a power of ten, as gnuplot
 * and matplotlib pick them; log: the decades, with 2 and 5 between them
 * when the range spans few), how a tick reads ("0.25", "1e-04"),
 * the range around some data (padded, a constant widened, a log range
 * kept positive), and where a value falls on an axis.
 *
 * An Axis is plain caller storage describing one axis of a panel
 * (src/plot/panel.h): numeric (linear or log) or categorical, where n
 * labels sit at positions 0 .. n-1 (the heat map's rows and columns, a
 * parallel-coordinates figure's keys). Pure functions; any thread.
 */
#ifndef FINELAB_AXIS_H
#define FINELAB_AXIS_H

#include <stddef.h>

enum { AXIS_TICKS_MAX = 32 };

typedef struct Axis {
    double min, max;           /* the visible range in data units; min < max (log: min > 0) */
    int log;                   /* 1: log10 scale */
    const char *const *labels; /* n_labels names: a categorical axis, position i is labels[i]
                                  and the range -0.5 .. n_labels - 0.5 (axis_categories) */
    int n_labels;
    int reverse;       /* 1: max at the left (x) or at the bottom (y) */
    const char *title; /* under the x axis, beside the y axis; NULL: none */
} Axis;

/* A numeric axis over the finite values of v (n of them; on a log axis
 * the positive ones), padded by 4% on each side (a linear range that
 * starts at 0 or above keeps 0 as its floor when the padding would cross
 * it, as for a loss or an accuracy); a constant or empty series gets a
 * range around its value (0 .. 1 when there is none). Ranges of several
 * series: call axis_fit once per series with grow 1 after the first. */
void axis_fit(Axis *a, const double *v, int n, int log, int grow);
/* Closes a's range after the axis_fit calls: padding, the 0 floor and the
 * empty case. */
void axis_fit_done(Axis *a);

/* A categorical axis of n labels (not copied: they must outlive a). */
void axis_categories(Axis *a, const char *const *labels, int n);

/* The ticks of a's range in ascending order into t (at most cap; never
 * more than AXIS_TICKS_MAX), about target of them on a linear axis;
 * returns how many. *step gets the linear step (on a log axis the
 * smallest ratio between ticks, 10 for decades), which axis_label takes.
 * A categorical axis ticks every position (every k-th when there are
 * more than cap). */
int axis_ticks(const Axis *a, int target, double *t, int cap, double *step);

/* v as a tick of an axis whose ticks are step apart: as many decimals as
 * the step needs ("0.25", "100", "0.0"), e-notation from 1e5 up and for
 * steps below 1e-3 ("2e-04", "2.5e+06"; 0 then reads "0"). log: a log
 * axis's tick (e-notation below 1e-3, no trailing zeros: "0.02", "1"). */
void axis_label(double v, double step, int log, char *buf, size_t cap);

/* Where v falls on a, 0 at min and 1 at max (reversed when a->reverse),
 * outside 0 .. 1 when v is out of range; NAN when v is not finite or, on
 * a log axis, not positive. */
double axis_frac(const Axis *a, double v);

#endif
