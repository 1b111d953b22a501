/*
 * panel — a plot with axes on a canvas. See panel.h.
 *
 * The layout is measured, not guessed: the left margin is the widest y
 * tick label plus the y title's line, the bottom one a tick label's line
 * plus the x title's, and the tick count comes down from the target
 * until neighbouring labels keep a gap between them, so labels never
 * overlap whatever the range or the canvas size.
 */
#include "src/plot/panel.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static const double tick_len = 4, gap = 5, label_size = 10, axis_title_size = 11, title_size = 12;
static const double label_gap = 8; /* the least space between two x tick labels */

static const CanvasStyle frame_style = {.color = {0.25, 0.25, 0.25}, .width = 0.8};
static const CanvasStyle grid_style = {.color = {0.89, 0.89, 0.89}, .width = 0.6};

/* The text of tick v of a. */
static void tick_text(const Axis *a, double v, double step, char *buf, size_t cap) {
    int i = (int)lround(v);
    if (a->n_labels > 0)
        snprintf(buf, cap, "%s", i >= 0 && i < a->n_labels && a->labels[i] ? a->labels[i] : "");
    else
        axis_label(v, step, a->log, buf, cap);
}

static double label_width(Canvas *c, const Axis *a, double v, double step) {
    char buf[256];
    CanvasText t = {.size = label_size};
    tick_text(a, v, step, buf, sizeof buf);
    return canvas_text_width(c, buf, &t);
}

double panel_px(const Panel *p, double v) {
    return p->x + axis_frac(&p->xa, v) * p->w;
}

double panel_py(const Panel *p, double v) {
    return p->y + p->h - axis_frac(&p->ya, v) * p->h;
}

/* 1 when the x tick labels, centred on their ticks, keep label_gap apart. */
static int x_labels_fit(const Panel *p) {
    double prev_right = -INFINITY;
    for (int i = 0; i < p->n_xt; i++) {
        double cx = panel_px(p, p->xt[i]), w = label_width(p->c, &p->xa, p->xt[i], p->xstep);
        if (cx - w / 2 < prev_right + label_gap) return 0;
        prev_right = cx + w / 2;
    }
    return 1;
}

/* 1 when the y tick labels keep a line and a half apart. */
static int y_labels_fit(const Panel *p) {
    double line = canvas_text_height(p->c, label_size);
    for (int i = 1; i < p->n_yt; i++)
        if (fabs(panel_py(p, p->yt[i]) - panel_py(p, p->yt[i - 1])) < line * 1.3) return 0;
    return 1;
}

/* Picks the ticks of one axis: from target (or every category) down. */
static void pick_ticks(Panel *p, int x) {
    const Axis *a = x ? &p->xa : &p->ya;
    double *t = x ? p->xt : p->yt, *step = x ? &p->xstep : &p->ystep;
    int *n = x ? &p->n_xt : &p->n_yt;
    int target = a->n_labels > 0 ? a->n_labels : x ? PANEL_TICKS_X : PANEL_TICKS_Y;
    for (; target >= 2; target--) {
        *n = axis_ticks(a, target, t, a->n_labels > 0 ? target : AXIS_TICKS_MAX, step);
        if (x ? x_labels_fit(p) : y_labels_fit(p)) return;
    }
    *n = axis_ticks(a, 2, t, a->n_labels > 0 ? 2 : AXIS_TICKS_MAX, step);
}

void panel_init(Panel *p, Canvas *c, double bx, double by, double bw, double bh, const Axis *xa,
                const Axis *ya, const char *title) {
    *p = (Panel){.c = c, .xa = *xa, .ya = *ya, .title = title, .grid = 1};
    p->bx = bx, p->by = by, p->bw = bw, p->bh = bh;
    double line = canvas_text_height(c, label_size);
    double top = title ? canvas_text_height(c, title_size) + gap : 6;
    double bottom = tick_len + 2 + line + (xa->title ? canvas_text_height(c, axis_title_size) : 0);
    p->y = by + top;
    p->h = fmax(bh - top - bottom, 10);
    pick_ticks(p, 0); /* the y ticks need the height; the left margin needs their labels */
    double ylab = 0;
    for (int i = 0; i < p->n_yt; i++) ylab = fmax(ylab, label_width(c, &p->ya, p->yt[i], p->ystep));
    double left = ylab + tick_len + gap + (ya->title ? canvas_text_height(c, axis_title_size) : 0);
    double right = 12;
    p->x = bx + left;
    p->w = fmax(bw - left - right, 10);
    pick_ticks(p, 1);
    /* A last x label centred on the right edge may stick out: make room. */
    if (p->n_xt > 0) {
        double cx = panel_px(p, p->xt[p->n_xt - 1]);
        double over = cx + label_width(c, &p->xa, p->xt[p->n_xt - 1], p->xstep) / 2 - (bx + bw);
        if (over > 0) {
            p->w = fmax(p->w - over, 10);
            pick_ticks(p, 1);
        }
    }
}

void panel_axes(const Panel *p) {
    Canvas *c = p->c;
    char buf[256];
    canvas_fill_rect(c, p->x, p->y, p->w, p->h, CANVAS_WHITE);
    if (p->grid && p->xa.n_labels == 0)
        for (int i = 0; i < p->n_xt; i++) {
            double x = panel_px(p, p->xt[i]);
            canvas_line(c, x, p->y, x, p->y + p->h, &grid_style);
        }
    if (p->grid && p->ya.n_labels == 0)
        for (int i = 0; i < p->n_yt; i++) {
            double y = panel_py(p, p->yt[i]);
            canvas_line(c, p->x, y, p->x + p->w, y, &grid_style);
        }
    if (p->xa.n_labels == 0 || p->ya.n_labels == 0) /* a heat map's cells are their own frame */
        canvas_stroke_rect(c, p->x, p->y, p->w, p->h, &frame_style);
    CanvasText lx = {.size = label_size, .anchor = CANVAS_CENTER, .baseline = CANVAS_TOP};
    for (int i = 0; i < p->n_xt; i++) {
        double x = panel_px(p, p->xt[i]), y = p->y + p->h;
        if (p->xa.n_labels == 0) canvas_line(c, x, y, x, y + tick_len, &frame_style);
        tick_text(&p->xa, p->xt[i], p->xstep, buf, sizeof buf);
        canvas_text(c, x, y + tick_len + 2, buf, &lx);
    }
    CanvasText ly = {.size = label_size, .anchor = CANVAS_RIGHT, .baseline = CANVAS_MIDDLE};
    for (int i = 0; i < p->n_yt; i++) {
        double y = panel_py(p, p->yt[i]);
        if (p->ya.n_labels == 0) canvas_line(c, p->x - tick_len, y, p->x, y, &frame_style);
        tick_text(&p->ya, p->yt[i], p->ystep, buf, sizeof buf);
        canvas_text(c, p->x - tick_len - 3, y, buf, &ly);
    }
    if (p->xa.title) {
        CanvasText t = {
            .size = axis_title_size, .anchor = CANVAS_CENTER, .baseline = CANVAS_BOTTOM};
        canvas_text(c, p->x + p->w / 2, p->by + p->bh, p->xa.title, &t);
    }
    if (p->ya.title) {
        CanvasText t = {
            .size = axis_title_size, .anchor = CANVAS_CENTER, .baseline = CANVAS_TOP, .upright = 1};
        canvas_text(c, p->bx, p->y + p->h / 2, p->ya.title, &t);
    }
    if (p->title) {
        CanvasText t = {.size = title_size, .bold = 1, .baseline = CANVAS_TOP};
        canvas_text(c, p->x, p->by,
                    canvas_text_fit(c, p->title, &t, p->bx + p->bw - p->x, buf, sizeof buf), &t);
    }
}

void panel_series(const Panel *p, const double *x, const double *y, int n, const CanvasStyle *s,
                  int mark_every) {
    if (n <= 0) return;
    double *px = malloc(sizeof(double) * (size_t)n), *py = malloc(sizeof(double) * (size_t)n);
    if (px && py) {
        for (int i = 0; i < n; i++) {
            px[i] = panel_px(p, x[i]);
            py[i] = panel_py(p, y[i]);
        }
        canvas_clip(p->c, p->x, p->y, p->w, p->h);
        canvas_polyline(p->c, px, py, n, s);
        if (mark_every > 0) {
            double m = (s->marker_size > 0 ? s->marker_size : 6) / 2 + 1;
            canvas_clip(p->c, p->x - m, p->y - m, p->w + 2 * m, p->h + 2 * m);
            for (int i = 0; i < n; i++)
                if (i % mark_every == 0 || i == n - 1) canvas_marker(p->c, px[i], py[i], s);
        }
        canvas_unclip(p->c);
    }
    free(px);
    free(py);
}

void panel_rule(const Panel *p, int vertical, double v, const CanvasStyle *s) {
    canvas_clip(p->c, p->x, p->y, p->w, p->h);
    if (vertical)
        canvas_line(p->c, panel_px(p, v), p->y, panel_px(p, v), p->y + p->h, s);
    else
        canvas_line(p->c, p->x, panel_py(p, v), p->x + p->w, panel_py(p, v), s);
    canvas_unclip(p->c);
}

void panel_cell(const Panel *p, int col, int row, CanvasColor fill, const char *text,
                const CanvasText *t, const CanvasStyle *outline) {
    double x0 = panel_px(p, col - 0.5), x1 = panel_px(p, col + 0.5);
    double y0 = panel_py(p, row - 0.5), y1 = panel_py(p, row + 0.5);
    double x = fmin(x0, x1) + 0.75, y = fmin(y0, y1) + 0.75;
    double w = fabs(x1 - x0) - 1.5, h = fabs(y1 - y0) - 1.5;
    canvas_fill_rect(p->c, x, y, w, h, fill);
    if (outline) {
        double in = outline->width / 2;
        canvas_stroke_rect(p->c, x + in, y + in, w - 2 * in, h - 2 * in, outline);
    }
    if (text) {
        CanvasText ink = {.size = 12, .color = canvas_ink_on(fill)};
        CanvasText set = t ? *t : ink;
        set.anchor = CANVAS_CENTER;
        set.baseline = CANVAS_MIDDLE;
        canvas_text(p->c, x + w / 2, y + h / 2, text, &set);
    }
}
