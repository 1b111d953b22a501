/*
 * chart — line charts into a TextGrid. See chart.h.
 *
 * Points are mapped onto a "dot" raster whose resolution depends on the
 * glyph set (1x1, 1x2 or 2x4 dots per cell); consecutive points are joined
 * by straight dot lines (a dotted line sets every other dot it visits,
 * counted along the whole series so that dense points still look dotted);
 * each cell's dots become one character. A cell shared by two series shows
 * the later series. Point marks are a layer of whole cells above the dots:
 * a marked cell shows the mark, whatever lines pass through it.
 */
#include "src/report/chart.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The chart area as a grid of cells, each sx x sy dots (braille: 2 x 4,
 * blocks: 1 x 2, ASCII: 1 x 1), with the last series that set a dot there,
 * and above them the point marks. */
typedef struct DotGrid {
    int cols, rows;     /* cells */
    int sx, sy;         /* dots per cell */
    unsigned *mask;     /* dot bits per cell */
    int *style;         /* series style per cell */
    const char **mark;  /* ASCII mark per cell */
    const char **point; /* point mark per cell (NULL: none), drawn over the dots */
    int *point_style;   /* series style of the point mark */
} DotGrid;

static const unsigned braille_bit[4][2] = {{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}};

static void dots_plot(DotGrid *r, int dx, int dy, const ChartSeries *s) {
    if (dx < 0 || dy < 0 || dx >= r->cols * r->sx || dy >= r->rows * r->sy) return;
    int cx = dx / r->sx, cy = dy / r->sy, i = cy * r->cols + cx;
    unsigned bit = r->sx == 2 ? braille_bit[dy % 4][dx % 2] : r->sy == 2 ? 1u << (dy % 2) : 1u;
    r->mask[i] |= bit;
    r->style[i] = s->style;
    r->mark[i] = s->mark;
}

/* Visits the dots after (x0, y0) up to (x1, y1); *phase counts the dots the
 * series has visited, and a dotted series sets only the even ones. */
static void dots_line(DotGrid *r, int x0, int y0, int x1, int y1, const ChartSeries *s,
                      long *phase) {
    int dx = abs(x1 - x0), dy = -abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
    int e = dx + dy;
    while (x0 != x1 || y0 != y1) {
        int e2 = 2 * e;
        if (e2 >= dy) {
            e += dy;
            x0 += sx;
        }
        if (e2 <= dx) {
            e += dx;
            y0 += sy;
        }
        if (s->line != CHART_DOTTED || *phase % 2 == 0) dots_plot(r, x0, y0, s);
        (*phase)++;
    }
}

/* Marks the cell of dot (dx, dy) with the series' mark. */
static void dots_mark(DotGrid *r, int dx, int dy, const ChartSeries *s) {
    if (dx < 0 || dy < 0 || dx >= r->cols * r->sx || dy >= r->rows * r->sy) return;
    int i = dy / r->sy * r->cols + dx / r->sx;
    r->point[i] = s->mark ? s->mark : "*";
    r->point_style[i] = s->style;
}

static void dots_glyph(const DotGrid *r, int i, ChartGlyphs glyphs, char out[5]) {
    unsigned m = r->mask[i];
    if (glyphs == CHART_ASCII) {
        snprintf(out, 5, "%s", r->mark[i] ? r->mark[i] : "*");
    } else if (glyphs == CHART_BLOCK) {
        snprintf(out, 5, "%s", m == 3 ? "\xe2\x96\x88" : m == 1 ? "\xe2\x96\x80" : "\xe2\x96\x84");
    } else {
        unsigned cp = 0x2800 + m; /* three-byte UTF-8 */
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        out[3] = '\0';
    }
}

void chart_format(double v, char *buf, size_t cap) {
    double a = fabs(v);
    if (v == floor(v) && a < 1e5)
        snprintf(buf, cap, "%.0f", v);
    else if (a >= 1e5 || a < 1e-3)
        snprintf(buf, cap, "%.1e", v);
    else if (a >= 100)
        snprintf(buf, cap, "%.0f", v);
    else if (a >= 10)
        snprintf(buf, cap, "%.1f", v);
    else if (a >= 1)
        snprintf(buf, cap, "%.2f", v);
    else
        snprintf(buf, cap, "%.3g", v);
}

/* A label for v on an axis spanning span: whole numbers stay whole, and
 * other values get enough decimals that the axis ends differ (a loss
 * between 1.3857 and 1.3887 must not read 1.39 at both ends). */
static void chart_label(double v, double span, char *buf, size_t cap) {
    if (v == floor(v) && fabs(v) < 1e7 && span >= 1) {
        snprintf(buf, cap, "%.0f", v);
        return;
    }
    int decimals = span > 0 ? (int)ceil(-log10(span)) + 2 : 2;
    if (decimals < 0) decimals = 0;
    if (decimals > 6 || fabs(v) >= 1e6) {
        chart_format(v, buf, cap);
        return;
    }
    snprintf(buf, cap, "%.*f", decimals, v);
    if (strlen(buf) > 7) chart_format(v, buf, cap);
}

void chart_ema(const double *y, int n, double weight, double *out) {
    double s = 0, wk = 1;
    for (int i = 0; i < n; i++) {
        s = weight * s + (1 - weight) * y[i];
        wk *= weight;
        out[i] = weight > 0 ? s / (1 - wk) : y[i];
    }
}

static double chart_yv(const ChartOptions *o, double y) {
    return o->log_y ? (y > 0 ? log10(y) : NAN) : y;
}

static double chart_xv(const ChartOptions *o, double x) {
    return o->log_x ? (x > 0 ? log10(x) : NAN) : x;
}

/* The visible ranges: options where given, else the data's. */
static int chart_ranges(const ChartOptions *o, const ChartSeries *s, int n, double *xl, double *xh,
                        double *yl, double *yh) {
    *xl = *yl = INFINITY;
    *xh = *yh = -INFINITY;
    for (int k = 0; k < n; k++)
        for (int i = 0; i < s[k].n; i++) {
            double x = chart_xv(o, s[k].x[i]), y = chart_yv(o, s[k].y[i]);
            if (!isfinite(x) || !isfinite(y)) continue;
            if (!isnan(o->x_min) && x < chart_xv(o, o->x_min)) continue;
            if (!isnan(o->x_max) && x > chart_xv(o, o->x_max)) continue;
            *xl = fmin(*xl, x);
            *xh = fmax(*xh, x);
            *yl = fmin(*yl, y);
            *yh = fmax(*yh, y);
        }
    if (!isnan(o->x_min)) *xl = chart_xv(o, o->x_min);
    if (!isnan(o->x_max)) *xh = chart_xv(o, o->x_max);
    if (!isnan(o->y_min)) *yl = chart_yv(o, o->y_min);
    if (!isnan(o->y_max)) *yh = chart_yv(o, o->y_max);
    if (!isfinite(*xl) || !isfinite(*yl) || !isfinite(*xh) || !isfinite(*yh)) return -1;
    if (*xh <= *xl) *xh = *xl + 1;
    if (*yh <= *yl) { /* constant series: a band around the value */
        double pad = fabs(*yl) > 0 ? fabs(*yl) * 0.1 : 1.0;
        *yl -= pad;
        *yh += pad;
    }
    return 0;
}

/* The visible ranges and the dot raster's last column and row. */
typedef struct ChartFrame {
    double xl, xh, yl, yh;
    int dw, dh;
} ChartFrame;

/* The dot of point (x, y); 0 when it is outside the visible ranges. */
static int chart_dot(const ChartOptions *o, const ChartFrame *f, double x, double y, int *dx,
                     int *dy) {
    x = chart_xv(o, x);
    y = chart_yv(o, y);
    if (!isfinite(x) || !isfinite(y) || x < f->xl || x > f->xh) return 0;
    double fy = (y - f->yl) / (f->yh - f->yl);
    if (fy < 0 || fy > 1) return 0;
    *dx = (int)lround((x - f->xl) / (f->xh - f->xl) * f->dw);
    *dy = f->dh - (int)lround(fy * f->dh);
    return 1;
}

/* The series' line: its first visible point, then dot lines on. */
static void chart_line(DotGrid *r, const ChartOptions *o, const ChartFrame *f,
                       const ChartSeries *s) {
    int have = 0, px = 0, py = 0, dx, dy;
    long phase = 0;
    for (int i = 0; s->line != CHART_POINTS && i < s->n; i++) {
        if (!chart_dot(o, f, s->x[i], s->y[i], &dx, &dy)) continue;
        if (have) {
            dots_line(r, px, py, dx, dy, s, &phase);
        } else {
            dots_plot(r, dx, dy, s);
            phase = 1;
        }
        have = 1;
        px = dx;
        py = dy;
    }
}

/* The series' point marks, left to right, mark_every columns apart. */
static void chart_marks(DotGrid *r, const ChartOptions *o, const ChartFrame *f,
                        const ChartSeries *s) {
    int last = 0, have = 0, dx, dy;
    int every = s->line == CHART_POINTS && s->mark_every < 1 ? 1 : s->mark_every;
    for (int i = 0; every > 0 && i < s->n; i++) {
        if (!chart_dot(o, f, s->x[i], s->y[i], &dx, &dy)) continue;
        int col = dx / r->sx;
        if (have && every > 1 && col < last + every) continue;
        dots_mark(r, dx, dy, s);
        have = 1;
        last = col;
    }
}

/* A log x axis labelled at its whole decades ("1e-6" .. "0.001" .. "1" ..
 * "1000" .. "1e4"), each centred under its column, left to right as long
 * as they keep a space between them. */
static void chart_decades(TextGrid *g, int x0, int y, int cols, const ChartFrame *f) {
    int next = x0; /* the first free column */
    for (double d = ceil(f->xl); d <= f->xh; d++) {
        char buf[16];
        if (d >= -3 && d <= 3)
            snprintf(buf, sizeof buf, "%g", pow(10, d));
        else
            snprintf(buf, sizeof buf, "1e%.0f", d);
        int len = (int)strlen(buf);
        int col = x0 + (int)lround((d - f->xl) / (f->xh - f->xl) * (cols - 1)) - len / 2;
        if (col < next && next == x0) col = x0;           /* the first may start at the axis */
        if (col + len > x0 + cols) col = x0 + cols - len; /* the last ends at the edge */
        if (col < next) continue;
        textgrid_text(g, col, y, buf, 0);
        next = col + len + 1;
    }
}

/* The series' dots in the cols x rows cells at (x0, y0) within frame f. */
static void chart_paint(TextGrid *g, int x0, int y0, const ChartOptions *o, const ChartFrame *f,
                        DotGrid r, const ChartSeries *series, int n_series) {
    size_t cells = (size_t)r.cols * (size_t)r.rows;
    r.mask = calloc(cells, sizeof *r.mask);
    r.style = calloc(cells, sizeof *r.style);
    r.mark = calloc(cells, sizeof *r.mark);
    r.point = calloc(cells, sizeof *r.point);
    r.point_style = calloc(cells, sizeof *r.point_style);
    if (!r.mask || !r.style || !r.mark || !r.point || !r.point_style) goto done;
    for (int k = 0; k < n_series; k++) chart_line(&r, o, f, &series[k]);
    for (int k = 0; k < n_series; k++) chart_marks(&r, o, f, &series[k]);
    for (size_t i = 0; i < cells; i++) {
        int cx = x0 + (int)(i % (size_t)r.cols), cy = y0 + (int)(i / (size_t)r.cols);
        char glyph[5];
        if (r.point[i]) {
            textgrid_put(g, cx, cy, r.point[i], r.point_style[i]);
        } else if (r.mask[i]) {
            dots_glyph(&r, (int)i, o->glyphs, glyph);
            textgrid_put(g, cx, cy, glyph, r.style[i]);
        }
    }
done:
    free(r.mask);
    free(r.style);
    free(r.mark);
    free(r.point);
    free(r.point_style);
}

static DotGrid chart_dots(const ChartOptions *o, int cols, int rows) {
    DotGrid r = {.cols = cols, .rows = rows};
    r.sx = o->glyphs == CHART_BRAILLE ? 2 : 1;
    r.sy = o->glyphs == CHART_BRAILLE ? 4 : o->glyphs == CHART_BLOCK ? 2 : 1;
    return r;
}

void chart_plot(TextGrid *g, int x0, int y0, int w, int h, const ChartOptions *o,
                const ChartSeries *series, int n_series) {
    if (w < 1 || h < 1) return;
    DotGrid r = chart_dots(o, w, h);
    ChartFrame f = {.dw = r.cols * r.sx - 1, .dh = r.rows * r.sy - 1};
    if (!chart_ranges(o, series, n_series, &f.xl, &f.xh, &f.yl, &f.yh))
        chart_paint(g, x0, y0, o, &f, r, series, n_series);
}

int chart_column(const ChartOptions *o, int w, double x) {
    DotGrid r = chart_dots(o, w, 1);
    double xl = chart_xv(o, o->x_min), xh = chart_xv(o, o->x_max), v = chart_xv(o, x);
    if (!(xh > xl) || !isfinite(v)) return -1;
    return (int)lround((v - xl) / (xh - xl) * (r.cols * r.sx - 1)) / r.sx;
}

void chart_render(TextGrid *g, int x0, int y0, int w, int h, const ChartOptions *o,
                  const ChartSeries *series, int n_series) {
    if (w < 16 || h < 4) return;
    const int label_w = CHART_LABEL_W;
    DotGrid r = chart_dots(o, w - label_w, h - 2);
    for (int yy = 0; yy < h - 2; yy++) textgrid_put(g, x0 + label_w - 1, y0 + yy, "|", 0);
    for (int xx = label_w - 1; xx < w; xx++)
        textgrid_put(g, x0 + xx, y0 + h - 2, xx == label_w - 1 ? "+" : "-", 0);
    ChartFrame f = {.dw = r.cols * r.sx - 1, .dh = r.rows * r.sy - 1};
    if (chart_ranges(o, series, n_series, &f.xl, &f.xh, &f.yl, &f.yh)) {
        textgrid_text(g, x0 + label_w + 1, y0 + (h - 2) / 2, "(no data)", 0);
        return;
    }
    char buf[32];
    for (int k = 0; k < 3; k++) { /* y labels: top, middle, bottom */
        int row = k == 0 ? 0 : k == 1 ? (h - 3) / 2 : h - 3;
        double v = f.yh - (f.yh - f.yl) * row / (double)(h - 3 > 0 ? h - 3 : 1);
        if (o->log_y)
            chart_format(pow(10, v), buf, sizeof buf);
        else
            chart_label(v, f.yh - f.yl, buf, sizeof buf);
        int len = (int)strlen(buf);
        textgrid_text(g, x0 + label_w - 2 - len, y0 + row, buf, 0);
    }
    if (o->log_x) {
        chart_decades(g, x0 + label_w, y0 + h - 1, r.cols, &f);
    } else {
        chart_label(f.xl, f.xh - f.xl, buf, sizeof buf);
        textgrid_text(g, x0 + label_w - 1, y0 + h - 1, buf, 0);
        chart_label(f.xh, f.xh - f.xl, buf, sizeof buf);
        textgrid_text(g, x0 + w - (int)strlen(buf), y0 + h - 1, buf, 0);
    }
    chart_paint(g, x0 + label_w, y0, o, &f, r, series, n_series);
}

void chart_sample(const ChartSeries *s, ChartGlyphs glyphs, char *buf, size_t cap) {
    int dotted = s->line == CHART_DOTTED;
    if (glyphs == CHART_ASCII || s->mark_every > 0 || s->line == CHART_POINTS)
        snprintf(buf, cap, "%s", s->mark ? s->mark : "*");
    else if (glyphs == CHART_BLOCK)
        snprintf(buf, cap, "%s",
                 dotted ? "\xe2\x96\x80 \xe2\x96\x80" : "\xe2\x96\x80\xe2\x96\x80\xe2\x96\x80");
    else
        snprintf(buf, cap, "%s", dotted ? "\xe2\xa0\x84\xe2\xa0\x84" : "\xe2\xa0\xa4\xe2\xa0\xa4");
}

int chart_legend(TextGrid *g, int x, int y, ChartGlyphs glyphs, const ChartSeries *series,
                 int n_series) {
    int x_start = x;
    for (int k = 0; k < n_series; k++) {
        const ChartSeries *s = &series[k];
        if (!s->label) continue;
        char sample[32];
        chart_sample(s, glyphs, sample, sizeof sample);
        if (x > x_start) x += textgrid_text(g, x, y, "  ", 0);
        x += textgrid_printf(g, x, y, s->style, "%s %s", sample, s->label);
    }
    return x - x_start;
}
