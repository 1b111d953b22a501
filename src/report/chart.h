/*
 * chart — line charts drawn into a TextGrid: several series of (x, y)
 * points over shared axes, with y labels on the left and x labels below.
 *
 * Glyph sets: ASCII (one mark character per cell, a different mark per
 * series), block (half blocks, two points per cell vertically) and braille
 * (2 x 4 dots per cell). Series stay apart without colour in every set: a
 * line is solid or dotted, and a series can have its points drawn as its
 * mark (gnuplot's linespoints) over every line, so sparse test points read
 * `o` in braille as in ASCII. chart_legend writes what each series looks
 * like in the plot, so a legend cannot promise a mark that is not drawn.
 * Log-y (log-x) plots log10 of positive values; a log axis is labelled in
 * the values themselves. The debiased EMA smoothing
 * (TensorBoard and W&B's) is a separate step, so a caller can draw raw and
 * smoothed series side by side. Pure functions of their inputs; any thread.
 */
#ifndef FINELAB_CHART_H
#define FINELAB_CHART_H

#include "src/report/textgrid.h"

typedef enum ChartGlyphs { CHART_ASCII, CHART_BLOCK, CHART_BRAILLE } ChartGlyphs;

typedef enum ChartLine {
    CHART_SOLID,  /* every dot between consecutive points */
    CHART_DOTTED, /* every other dot, counted from the first point along the whole series */
    CHART_POINTS  /* no line: the points alone, each drawn as the series' mark */
} ChartLine;

typedef struct ChartSeries {
    const double *x, *y; /* n points, x ascending */
    int n;
    int style;         /* textgrid style of the series (1, 2, ...) */
    const char *mark;  /* one ASCII character, e.g. "*", "o", "+": the ASCII set draws the line
                          with it, and point marks use it in every set */
    ChartLine line;    /* how the line between points is drawn */
    int mark_every;    /* 0: no point marks; 1: every point is drawn as mark, over all lines;
                          N > 1: the same, but no two marks closer than N columns */
    const char *label; /* what chart_legend names the series; NULL: left out of it */
} ChartSeries;

typedef struct ChartOptions {
    ChartGlyphs glyphs;
    int log_y;           /* 1: logarithmic y (non-positive values are skipped) */
    int log_x;           /* 1: logarithmic x, the same way (x stays ascending) */
    double x_min, x_max; /* visible x range; NAN takes it from the data */
    double y_min, y_max; /* visible y range; NAN takes it from the data */
} ChartOptions;

/* The columns chart_render keeps left of its plot area: a 7-character
 * label, a space, the axis. */
enum { CHART_LABEL_W = 9 };

/* Draws the series into the w x h area of g whose top-left is (x0, y0):
 * y labels, axes, x labels and the plot. Needs w >= 16 and h >= 4; smaller
 * areas are left blank. A constant series gets a range around its value;
 * a single point is drawn as one mark. */
void chart_render(TextGrid *g, int x0, int y0, int w, int h, const ChartOptions *o,
                  const ChartSeries *series, int n_series);

/* The series alone, without axes or labels, in the w x h cells at (x0,
 * y0): the plot area of chart_render, for a caller that draws its own
 * axes (the Study screen's parallel coordinates). */
void chart_plot(TextGrid *g, int x0, int y0, int w, int h, const ChartOptions *o,
                const ChartSeries *series, int n_series);
/* The cell column (0 .. w - 1) where chart_plot draws x in a w-cell area,
 * with o's x_min and x_max both set; -1 when x is not drawable. */
int chart_column(const ChartOptions *o, int w, double x);

/* The text that stands for s in a plot of the glyph set: its mark when the
 * set is ASCII or its points are marked, else a sample of its line (braille
 * solid "⠤⠤", dotted "⠄⠄"; block "▀▀▀", "▀ ▀"). Writes at most cap bytes. */
void chart_sample(const ChartSeries *s, ChartGlyphs glyphs, char *buf, size_t cap);

/* Writes a legend on row y from column x, clipped at the grid's edge: for
 * each series with a label its chart_sample, a space and the label, in the
 * series' style, two spaces apart. Returns the cells written. */
int chart_legend(TextGrid *g, int x, int y, ChartGlyphs glyphs, const ChartSeries *series,
                 int n_series);

/* Debiased exponential moving average: s_t = w s_{t-1} + (1 - w) y_t,
 * out_t = s_t / (1 - w^(t+1)); weight in [0, 1), 0 copies y. */
void chart_ema(const double *y, int n, double weight, double *out);

/* Formats v compactly in at most 7 characters (e.g. "0.0123", "1.2e+04"). */
void chart_format(double v, char *buf, size_t cap);

#endif
