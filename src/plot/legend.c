/*
 * legend — legend boxes and colour bars. See legend.h.
 *
 * Entries go down the columns (matplotlib's ncol order), so a list in
 * the order of the runs reads top to bottom. A colour bar is drawn as
 * thin overlapping bands rather than a gradient, which every format
 * renders alike; its title stands upright beside the labels, where a
 * long title takes no width from the figure.
 */
#include "src/plot/legend.h"

#include <math.h>
#include <stdio.h>

static const double pad = 7, sample_w = 30, sample_gap = 6, col_gap = 16, text_size = 10.5;
static const double label_size = 10, title_size = 11;
static const CanvasStyle frame_style = {.color = {0.6, 0.6, 0.6}, .width = 0.7};

static double row_height(Canvas *c) {
    return canvas_text_height(c, text_size) * 1.35;
}

LegendLayout legend_layout(Canvas *c, const LegendEntry *e, int n, double max_w) {
    LegendLayout l = {.cols = 1};
    double widest = 0;
    for (int i = 0; i < n; i++) {
        CanvasText t = {.size = text_size, .bold = e[i].bold};
        widest = fmax(widest, canvas_text_width(c, e[i].label ? e[i].label : "", &t));
    }
    l.col_w = sample_w + sample_gap + widest + col_gap;
    double room = max_w - 2 * pad + col_gap; /* the last column needs no gap after it */
    if (l.col_w > room) l.col_w = room;
    l.cols = (int)floor(room / l.col_w);
    if (l.cols < 1) l.cols = 1;
    if (l.cols > n) l.cols = n > 0 ? n : 1;
    l.rows = n > 0 ? (n + l.cols - 1) / l.cols : 0;
    l.cols = l.rows > 0 ? (n + l.rows - 1) / l.rows : 1; /* no empty column */
    l.w = 2 * pad + l.cols * l.col_w - col_gap;
    l.h = 2 * pad + l.rows * row_height(c) -
          (l.rows ? row_height(c) - canvas_text_height(c, text_size) : 0);
    return l;
}

void legend_draw(Canvas *c, double x, double y, const LegendEntry *e, int n,
                 const LegendLayout *l) {
    if (n <= 0) return;
    canvas_fill_rect(c, x, y, l->w, l->h, CANVAS_WHITE);
    canvas_stroke_rect(c, x, y, l->w, l->h, &frame_style);
    double rh = row_height(c), first = y + pad + canvas_text_height(c, text_size) / 2;
    char buf[512];
    for (int i = 0; i < n; i++) {
        double cx = x + pad + (i / l->rows) * l->col_w, cy = first + (i % l->rows) * rh;
        CanvasStyle s = e[i].style;
        if (s.width > 0) canvas_line(c, cx, cy, cx + sample_w, cy, &s);
        canvas_marker(c, cx + sample_w / 2, cy, &s);
        CanvasText t = {.size = text_size, .bold = e[i].bold};
        double room = l->col_w - sample_w - sample_gap - (l->cols > 1 ? col_gap : 0);
        canvas_text(c, cx + sample_w + sample_gap, cy,
                    canvas_text_fit(c, e[i].label ? e[i].label : "", &t, room, buf, sizeof buf),
                    &t);
    }
}

/* The widest tick label of a, and its ticks into t (returns how many). */
static int colorbar_ticks(Canvas *c, const Axis *a, double *t, double *step, double *widest) {
    int n = axis_ticks(a, 5, t, AXIS_TICKS_MAX, step);
    *widest = 0;
    char buf[64];
    CanvasText lt = {.size = label_size};
    for (int i = 0; i < n; i++) {
        axis_label(t[i], *step, a->log, buf, sizeof buf);
        *widest = fmax(*widest, canvas_text_width(c, buf, &lt));
    }
    return n;
}

double legend_colorbar_width(Canvas *c, double w, const Axis *a) {
    double t[AXIS_TICKS_MAX], step, widest;
    colorbar_ticks(c, a, t, &step, &widest);
    return w + 7 + widest + (a->title ? 6 + canvas_text_height(c, title_size) : 0);
}

void legend_colorbar(Canvas *c, double x, double y, double w, double h, const Axis *a,
                     CanvasColor (*map)(double t)) {
    enum { BANDS = 96 };
    for (int i = 0; i < BANDS; i++) {
        double y0 = y + h - (i + 1) * h / BANDS;
        canvas_fill_rect(c, x, y0, w, h / BANDS + (i + 1 < BANDS ? 0.5 : 0),
                         map((i + 0.5) / BANDS));
    }
    canvas_stroke_rect(c, x, y, w, h, &frame_style);
    double t[AXIS_TICKS_MAX], step, widest;
    int n = colorbar_ticks(c, a, t, &step, &widest);
    CanvasText lt = {.size = label_size};
    char buf[64];
    for (int i = 0; i < n; i++) {
        double f = axis_frac(a, t[i]);
        if (!(f >= -1e-9 && f <= 1 + 1e-9)) continue;
        double ty = y + h - f * h;
        canvas_line(c, x + w, ty, x + w + 4, ty, &frame_style);
        axis_label(t[i], step, a->log, buf, sizeof buf);
        canvas_text(c, x + w + 7, ty, buf, &lt);
    }
    if (a->title) {
        CanvasText tt = {
            .size = title_size, .anchor = CANVAS_CENTER, .baseline = CANVAS_TOP, .upright = 1};
        /* upright, the text's top faces left: its top line sits after the labels */
        canvas_text(c, x + w + 7 + widest + 6, y + h / 2, a->title, &tt);
    }
}
