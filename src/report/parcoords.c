/*
 * parcoords — parallel coordinates in a TextGrid. See parcoords.h.
 */
#include "src/report/parcoords.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int parcoords_brushed(const ParcoordsAxis *a) {
    return a->brush_lo > 0 || a->brush_hi < 1;
}

int parcoords_kept(const ParcoordsAxis *axes, int n_axes, const double *pos) {
    for (int i = 0; i < n_axes; i++) {
        if (!parcoords_brushed(&axes[i])) continue;
        if (!(pos[i] >= axes[i].brush_lo - 1e-9 && pos[i] <= axes[i].brush_hi + 1e-9)) return 0;
    }
    return 1;
}

/* Writes s centred on column cx of row y, within [lo, hi). */
static void centred(TextGrid *g, int cx, int y, int lo, int hi, const char *s, int style) {
    int len = textgrid_utf8_cells(s), x = cx - len / 2;
    if (x + len > hi) x = hi - len;
    if (x < lo) x = lo;
    char cut[64];
    int room = hi - x, n = 0;
    for (const char *c = s; *c && room > 0 && n < (int)sizeof cut - 5; room--) {
        int l = textgrid_utf8_len(c);
        memcpy(cut + n, c, (size_t)l);
        n += l, c += l;
    }
    cut[n] = '\0';
    textgrid_text(g, x, y, cut, style);
}

/* The line's series: the places in axis order, styled by kind. */
static ChartSeries line_series(const ParcoordsLine *l, const int *order, int n_order, double *xs,
                               double *ys) {
    for (int a = 0; a < n_order; a++) xs[a] = a, ys[a] = l->pos[order[a]];
    ChartSeries s = {.x = xs, .y = ys, .n = n_order, .style = l->style, .line = CHART_SOLID};
    switch (l->style) {
    case PARCOORDS_STYLE_BEST:
        s.mark = "*", s.mark_every = 1;
        break;
    case PARCOORDS_STYLE_SELECTED:
        s.mark = "@", s.mark_every = 1;
        break;
    case PARCOORDS_STYLE_DIM:
        s.mark = ".", s.line = CHART_DOTTED;
        break;
    default:
        s.mark = "+";
        break;
    }
    return s;
}

static int draw_rank(int style) {
    return style == PARCOORDS_STYLE_DIM        ? 0
           : style == PARCOORDS_STYLE_LINE     ? 1
           : style == PARCOORDS_STYLE_SELECTED ? 2
                                               : 3;
}

void parcoords_render(TextGrid *g, int x0, int y0, int w, int h, const ParcoordsAxis *axes,
                      const int *order, int n_order, int sel, const ParcoordsLine *lines,
                      int n_lines, ChartGlyphs glyphs) {
    if (n_order < 2 || w < 4 * n_order || h < 5) {
        textgrid_text(g, x0, y0, "(too small for the parallel coordinates)", PARCOORDS_STYLE_AXIS);
        return;
    }
    int margin = w / n_order / 2, pw = w - 2 * margin, ph = h - 3, px = x0 + margin, py = y0 + 2;
    ChartOptions o = {.glyphs = glyphs, .x_min = 0, .x_max = n_order - 1, .y_min = 0, .y_max = 1};
    ChartSeries *s = calloc((size_t)n_lines + 1, sizeof *s);
    double *xy = calloc((size_t)(2 * n_lines * n_order) + 1, sizeof *xy);
    int n = 0;
    for (int rank = 0; s && xy && rank < 4; rank++) /* dim first, the best last */
        for (int i = 0; i < n_lines; i++)
            if (draw_rank(lines[i].style) == rank) {
                s[n] = line_series(&lines[i], order, n_order, xy + 2 * n * n_order,
                                   xy + (2 * n + 1) * n_order);
                n++;
            }
    if (s && xy) chart_plot(g, px, py, pw, ph, &o, s, n);
    free(s);
    free(xy);
    int prev_end = x0;
    for (int a = 0; a < n_order; a++) {
        const ParcoordsAxis *ax = &axes[order[a]];
        int cx = px + chart_column(&o, pw, a), half = w / n_order / 2;
        int lo = a ? cx - half + 1 : x0, hi = a == n_order - 1 ? x0 + w : cx + half;
        if (lo < prev_end) lo = prev_end;
        char name[64];
        snprintf(name, sizeof name, a == sel ? "[%s]" : "%s", ax->name);
        centred(g, cx, y0, lo, hi, name,
                a == sel ? PARCOORDS_STYLE_SELECTED : PARCOORDS_STYLE_AXIS);
        centred(g, cx, y0 + 1, lo, hi, ax->top, PARCOORDS_STYLE_AXIS);
        centred(g, cx, py + ph, lo, hi, ax->bottom, PARCOORDS_STYLE_AXIS);
        prev_end = hi;
        for (int r = 0; r < ph; r++) { /* the axis, where no line is drawn */
            const TextCell *c = textgrid_at(g, cx, py + r);
            if (!c || strcmp(c->ch, " ") != 0) continue;
            double t = 1 - (r + 0.5) / ph;
            int kept = parcoords_brushed(ax) && t >= ax->brush_lo - 0.5 / ph &&
                       t <= ax->brush_hi + 0.5 / ph;
            const char *glyph = glyphs == CHART_ASCII ? (kept ? "#" : "|")
                                                      : (kept ? "\xe2\x94\x83" : "\xe2\x94\x82");
            textgrid_put(g, cx, py + r, glyph, kept ? PARCOORDS_STYLE_BRUSH : PARCOORDS_STYLE_AXIS);
        }
    }
}
