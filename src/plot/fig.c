/*
 * fig — the page every figure kind shares. See fig.h.
 */
#include "src/plot/fig.h"

#include <stdio.h>
#include <string.h>

static const double title_size = 14, subtitle_size = 10.5, note_size = 10.5;

double fig_header(Canvas *c, const char *title, const char *subtitle) {
    char buf[1024];
    double room = canvas_width(c) - 2 * FIG_MARGIN, y = FIG_MARGIN - 4;
    CanvasText t = {.size = title_size, .bold = 1, .baseline = CANVAS_TOP};
    canvas_text(c, FIG_MARGIN, y, canvas_text_fit(c, title, &t, room, buf, sizeof buf), &t);
    y += canvas_text_height(c, title_size) + 2;
    if (subtitle) {
        CanvasText s = {.size = subtitle_size, .color = {0.33, 0.33, 0.33}, .baseline = CANVAS_TOP};
        canvas_text(c, FIG_MARGIN, y, canvas_text_fit(c, subtitle, &s, room, buf, sizeof buf), &s);
        y += canvas_text_height(c, subtitle_size);
    }
    return y + 10;
}

double fig_legend_below(Canvas *c, const LegendEntry *e, int n) {
    double bottom = canvas_height(c) - FIG_MARGIN + 4;
    if (n <= 0) return bottom;
    LegendLayout l = legend_layout(c, e, n, canvas_width(c) - 2 * FIG_MARGIN);
    legend_draw(c, (canvas_width(c) - l.w) / 2, bottom - l.h, e, n, &l);
    return bottom - l.h - 8;
}

double fig_note_above(Canvas *c, double bottom, const char *text, int max_lines) {
    CanvasText t = {.size = note_size, .color = {0.25, 0.25, 0.25}, .baseline = CANVAS_BOTTOM};
    double room = canvas_width(c) - 2 * FIG_MARGIN, line = canvas_text_height(c, note_size);
    char lines[8][1024];
    int n = 0;
    const char *s = text;
    while (*s && n < max_lines && n < 8) {
        /* the longest run of whole words that fits, or the rest on the last line */
        size_t take = strlen(s), fit = 0;
        if (n + 1 < max_lines && n + 1 < 8) {
            for (size_t i = 0; i <= take; i++) {
                if (s[i] != ' ' && s[i] != '\0') continue;
                snprintf(lines[n], sizeof lines[n], "%.*s", (int)i, s);
                if (canvas_text_width(c, lines[n], &t) > room) break;
                fit = i;
            }
            if (fit > 0 && fit < take) take = fit;
        }
        char part[1024];
        snprintf(part, sizeof part, "%.*s", (int)take, s);
        canvas_text_fit(c, part, &t, room, lines[n++], sizeof lines[0]);
        s += take;
        while (*s == ' ') s++;
    }
    for (int i = 0; i < n; i++)
        canvas_text(c, FIG_MARGIN, bottom - (n - 1 - i) * line, lines[i], &t);
    return n ? bottom - n * line - 8 : bottom;
}

const char *fig_run_id(const char *dir, char *buf, size_t cap) {
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/') n--; /* "runs/x/" */
    const char *end = dir + n, *start = end;
    while (start > dir && start[-1] != '/') start--;
    snprintf(buf, cap, "%.*s", (int)(end - start), start);
    return buf;
}
