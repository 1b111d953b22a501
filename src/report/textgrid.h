/*
 * textgrid — an in-memory screen: a width x height grid of cells, each one
 * UTF-8 character (up to 4 bytes) with a style number. Charts, tables and
 * grids render into it; the TUI copies it to curses and tests compare it
 * with expected text, so rendering is testable without a terminal.
 * Caller storage; one thread at a time.
 */
#ifndef FINELAB_TEXTGRID_H
#define FINELAB_TEXTGRID_H

#include <stddef.h>

#include "engine/base/error.h"

typedef struct TextCell {
    char ch[5]; /* one UTF-8 character, NUL-terminated */
    int style;  /* 0 = plain; renderers number their series / heat levels from 1 */
} TextCell;

typedef struct TextGrid {
    int w, h;
    TextCell *cells; /* h rows of w cells */
} TextGrid;

/* Allocates a grid of spaces. ST_NOMEM leaves g empty. */
Status textgrid_init(TextGrid *g, int w, int h);
void textgrid_fini(TextGrid *g);
/* Fills every cell with a space, style 0. */
void textgrid_clear(TextGrid *g);
/* Sets cell (x, y) to the UTF-8 character ch; out-of-range is ignored. */
void textgrid_put(TextGrid *g, int x, int y, const char *ch, int style);
/* Writes s from (x, y) rightwards, one character per cell, clipped at the
 * right edge; returns the number of cells written. */
int textgrid_text(TextGrid *g, int x, int y, const char *s, int style);
/* textgrid_text of a printf-formatted line (cut at 4 KB); returns cells. */
int textgrid_printf(TextGrid *g, int x, int y, int style, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
const TextCell *textgrid_at(const TextGrid *g, int x, int y);
/* Copies every cell of src into dst with its top-left corner at (x, y),
 * clipped to dst; each style goes through map (NULL: kept as it is). */
void textgrid_paste(TextGrid *dst, int x, int y, const TextGrid *src, int (*map)(int style));
/* The grid as text: rows joined by '\n', trailing spaces of each row kept
 * (so tests compare exact shapes). malloc'd; NULL on out of memory. */
char *textgrid_string(const TextGrid *g);
/* Length in bytes of the UTF-8 character starting at s (1 for bad bytes). */
int textgrid_utf8_len(const char *s);
/* The cells a NUL-terminated UTF-8 string takes: one per character. */
int textgrid_utf8_cells(const char *s);

#endif
