/*
 * textgrid — the in-memory character screen. See textgrid.h.
 */
#include "src/report/textgrid.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

Status textgrid_init(TextGrid *g, int w, int h) {
    g->w = g->h = 0;
    g->cells = NULL;
    if (w < 1 || h < 1) return ST_ARG;
    g->cells = malloc(sizeof(TextCell) * (size_t)w * (size_t)h);
    if (!g->cells) return ST_NOMEM;
    g->w = w;
    g->h = h;
    textgrid_clear(g);
    return ST_OK;
}

void textgrid_fini(TextGrid *g) {
    if (!g) return;
    free(g->cells);
    g->cells = NULL;
    g->w = g->h = 0;
}

void textgrid_clear(TextGrid *g) {
    for (int i = 0; i < g->w * g->h; i++) {
        g->cells[i].ch[0] = ' ';
        g->cells[i].ch[1] = '\0';
        g->cells[i].style = 0;
    }
}

int textgrid_utf8_len(const char *s) {
    unsigned char c = (unsigned char)s[0];
    int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    for (int i = 1; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) return 1;
    return n;
}

int textgrid_utf8_cells(const char *s) {
    int n = 0;
    for (; *s; s += textgrid_utf8_len(s)) n++;
    return n;
}

void textgrid_put(TextGrid *g, int x, int y, const char *ch, int style) {
    if (x < 0 || y < 0 || x >= g->w || y >= g->h) return;
    TextCell *c = &g->cells[y * g->w + x];
    int n = textgrid_utf8_len(ch);
    memcpy(c->ch, ch, (size_t)n);
    c->ch[n] = '\0';
    c->style = style;
}

int textgrid_text(TextGrid *g, int x, int y, const char *s, int style) {
    int cells = 0;
    while (*s && x + cells < g->w) {
        textgrid_put(g, x + cells, y, s, style);
        s += textgrid_utf8_len(s);
        cells++;
    }
    return cells;
}

int textgrid_printf(TextGrid *g, int x, int y, int style, const char *fmt, ...) {
    char line[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    return textgrid_text(g, x, y, line, style);
}

const TextCell *textgrid_at(const TextGrid *g, int x, int y) {
    return &g->cells[y * g->w + x];
}

void textgrid_paste(TextGrid *dst, int x, int y, const TextGrid *src, int (*map)(int style)) {
    for (int j = 0; j < src->h; j++)
        for (int i = 0; i < src->w; i++) {
            const TextCell *c = textgrid_at(src, i, j);
            textgrid_put(dst, x + i, y + j, c->ch, map ? map(c->style) : c->style);
        }
}

char *textgrid_string(const TextGrid *g) {
    size_t cap = (size_t)g->w * (size_t)g->h * 4 + (size_t)g->h + 1, n = 0;
    char *out = malloc(cap);
    if (!out) return NULL;
    for (int y = 0; y < g->h; y++) {
        for (int x = 0; x < g->w; x++) {
            const char *ch = g->cells[y * g->w + x].ch;
            size_t len = strlen(ch);
            memcpy(out + n, ch, len);
            n += len;
        }
        if (y + 1 < g->h) out[n++] = '\n';
    }
    out[n] = '\0';
    return out;
}
