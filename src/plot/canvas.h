/*
 * canvas — the drawing surface of a figure, over cairo: a PNG, SVG or PDF
 * file chosen by the file's extension, and the primitives every figure
 * draws with (rectangles, lines and polylines with dashes, markers, text
 * in any of four anchors and upright or turned, clipping), with the
 * figures' shared palette: series styles that differ in colour, dash and
 * marker at once, so series read apart in print without colour, and a
 * heat map's colour scale.
 *
 * Coordinates are the canvas's own units, origin top-left, y down: the
 * figure is laid out on a canvas at least 800 x 500 units (CANVAS_BASE_W x
 * CANVAS_BASE_H) whose aspect is the file's, scaled to the file's size
 * (pixels for PNG, points for SVG and PDF), so text and lines keep their
 * proportion at any --size. Text is 11 units by default.
 *
 * A file is written whole or not at all: canvas_create opens a temporary
 * file beside the target (engine/io/atomic_file.h, so a path that cannot
 * be written fails there, before anything is drawn), canvas_finish writes
 * the image into it and renames it over the target; a canvas destroyed
 * unfinished, or whose drawing or writing failed, leaves the target as it
 * was. Only src/plot includes cairo.h: this header does not, so the front
 * ends include it without cairo's flags.
 *
 * A Canvas is owned by its creator and used by one thread at a time;
 * different canvases may be drawn on different threads.
 */
#ifndef FINELAB_CANVAS_H
#define FINELAB_CANVAS_H

#include <stddef.h>

#include "engine/base/error.h"

enum {
    CANVAS_BASE_W = 800, /* the smallest layout width in canvas units */
    CANVAS_BASE_H = 500, /* ... and height */
    CANVAS_PNG_W = 1600, /* the default file size: PNG in pixels (twice the base) */
    CANVAS_PNG_H = 1000,
    CANVAS_SIZE_MAX = 10000, /* the largest side a file may ask for */
};

typedef enum CanvasFormat { CANVAS_PNG, CANVAS_SVG, CANVAS_PDF } CanvasFormat;

typedef struct Canvas Canvas;

typedef struct CanvasColor {
    double r, g, b; /* 0 .. 1 */
} CanvasColor;

typedef enum CanvasDash {
    CANVAS_SOLID,
    CANVAS_DASHED,
    CANVAS_DOTTED,
    CANVAS_DASHDOT,
    CANVAS_LONGDASH,
    CANVAS_DASH_COUNT
} CanvasDash;

typedef enum CanvasMarker {
    CANVAS_MARK_NONE,
    CANVAS_MARK_CIRCLE,
    CANVAS_MARK_SQUARE,
    CANVAS_MARK_TRIANGLE,
    CANVAS_MARK_DIAMOND,
    CANVAS_MARK_CROSS, /* x */
    CANVAS_MARK_PLUS,
    CANVAS_MARK_TRIANGLE_DOWN,
    CANVAS_MARK_COUNT
} CanvasMarker;

/* How a line or a marker is drawn. */
typedef struct CanvasStyle {
    CanvasColor color;
    double width;        /* line width in canvas units; 0 draws no line */
    CanvasDash dash;     /* scaled with the width */
    CanvasMarker marker; /* what canvas_marker draws */
    double marker_size;  /* across, in canvas units (0: 6) */
    int hollow;          /* 1: markers are outlines filled white, 0: filled with the colour */
} CanvasStyle;

typedef enum CanvasAnchor {
    CANVAS_LEFT = 0, /* x is where the text starts */
    CANVAS_CENTER = 1,
    CANVAS_RIGHT = 2
} CanvasAnchor;

typedef enum CanvasBaseline {
    CANVAS_MIDDLE = 0, /* y is the middle of the font's capitals */
    CANVAS_TOP = 1,    /* y is the top of the font's ascent */
    CANVAS_BOTTOM = 2, /* y is the bottom of its descent */
    CANVAS_BASELINE = 3
} CanvasBaseline;

/* How a text is set. Zeroed is 11-unit regular black, left, middle. */
typedef struct CanvasText {
    double size; /* font size in canvas units (0: 11) */
    int bold;
    CanvasColor color;
    CanvasAnchor anchor;
    CanvasBaseline baseline;
    int upright; /* 1: turned a quarter counterclockwise (read bottom to top), as a y axis title;
                    anchor and baseline then apply along the turned text */
} CanvasText;

/* The format named by path's extension (.png, .svg, .pdf; any case).
 * ST_ARG naming path and the extension otherwise. */
Status canvas_format_of(const char *path, CanvasFormat *fmt, Error *err);

/* A canvas for the file path, width x height pixels (PNG) or points (SVG,
 * PDF); 0 x 0 takes the default (CANVAS_PNG_W x CANVAS_PNG_H, or the
 * base size in points). Painted white. ST_ARG for an unknown extension or
 * a side outside 16 .. CANVAS_SIZE_MAX, ST_IO when the file cannot be
 * written there (the error names path), ST_NOMEM; *c is then NULL and
 * nothing is left on disk. */
Status canvas_create(Canvas **c, const char *path, int width, int height, Error *err);
/* Writes the image and puts it in place at path. ST_IO naming path when
 * drawing or writing failed: the target then keeps its old content (or
 * stays absent). Call once; then canvas_destroy. */
Status canvas_finish(Canvas *c, Error *err);
/* Frees c; an unfinished canvas's file is not written. c may be NULL. */
void canvas_destroy(Canvas *c);

/* The layout size in canvas units (at least the base size, the file's
 * aspect). */
double canvas_width(const Canvas *c);
double canvas_height(const Canvas *c);
CanvasFormat canvas_format(const Canvas *c);

/* --- shapes (canvas units) ---------------------------------------------------------- */

void canvas_fill_rect(Canvas *c, double x, double y, double w, double h, CanvasColor color);
/* The outline of the rectangle in s's colour, width and dash. */
void canvas_stroke_rect(Canvas *c, double x, double y, double w, double h, const CanvasStyle *s);
void canvas_line(Canvas *c, double x0, double y0, double x1, double y1, const CanvasStyle *s);
/* A line through the n points in s's colour, width and dash; a point
 * with a NaN coordinate breaks it in two. */
void canvas_polyline(Canvas *c, const double *x, const double *y, int n, const CanvasStyle *s);
/* s's marker centred on (x, y); nothing for CANVAS_MARK_NONE. */
void canvas_marker(Canvas *c, double x, double y, const CanvasStyle *s);
/* Restricts drawing to the rectangle until canvas_unclip. Not nested. */
void canvas_clip(Canvas *c, double x, double y, double w, double h);
void canvas_unclip(Canvas *c);

/* --- text ----------------------------------------------------------------------------- */

/* Draws UTF-8 text at (x, y) as t says (NULL: the defaults); returns its
 * width in canvas units. */
double canvas_text(Canvas *c, double x, double y, const char *text, const CanvasText *t);
/* The width text would take (upright or not, along the text). */
double canvas_text_width(Canvas *c, const char *text, const CanvasText *t);
/* The height of a line of text at size (0: 11): ascent plus descent. */
double canvas_text_height(Canvas *c, double size);
/* text as it fits in width units: whole, or cut on a UTF-8 character
 * boundary and ended with "…" (into buf, cap bytes). Returns buf. */
char *canvas_text_fit(Canvas *c, const char *text, const CanvasText *t, double width, char *buf,
                      size_t cap);

/* --- palette -------------------------------------------------------------------------- */

extern const CanvasColor CANVAS_BLACK, CANVAS_WHITE, CANVAS_GREY, CANVAS_LIGHT;

/* The k-th of 8 colours (Okabe and Ito's, told apart by most colour-blind
 * readers), cycling. */
CanvasColor canvas_color(int k);
/* Series k's style: colour k, and a dash and a marker that also change
 * with k (5 dashes and 7 markers, so the first 35 series differ in dash
 * and marker alone), width 1.6. */
CanvasStyle canvas_series_style(int k);
/* The colour at t in 0 .. 1 on a perceptually even scale (viridis: dark
 * blue-violet at 0, yellow at 1; reads as a grey ramp when printed in
 * black and white). */
CanvasColor canvas_heat(double t);
/* Black or white, whichever reads better on bg. */
CanvasColor canvas_ink_on(CanvasColor bg);
/* color mixed with white: amount 0 keeps it, 1 is white. */
CanvasColor canvas_tint(CanvasColor color, double amount);

#endif
