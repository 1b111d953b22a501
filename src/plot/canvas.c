/*
 * canvas — a figure's surface over cairo. See canvas.h.
 *
 * cairo writes all three formats through a write callback (the SVG and
 * PDF surfaces as they are finished, the PNG encoder from an image
 * surface), so every format streams into one AtomicFile opened at
 * creation: a path that cannot be written fails before any drawing, and
 * the file appears only when the whole image reached the disk. The
 * layout is scaled once (cairo_scale) from canvas units to the file's,
 * and font metrics are unhinted, so a text is as wide in a PNG as in the
 * PDF of the same figure and a layout that fits one fits all.
 */
#include "src/plot/canvas.h"

#include <cairo.h>
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/io/atomic_file.h"

static const char *const font_family = "sans-serif"; /* fontconfig's: DejaVu Sans on Debian */
static const double text_size = 11, marker_size = 6;

struct Canvas {
    CanvasFormat fmt;
    char *path;
    AtomicFile file;
    int file_open; /* 1 until committed or aborted */
    cairo_surface_t *surface;
    cairo_t *cr;
    double w, h; /* layout size in canvas units */
    int clipped;
};

const CanvasColor CANVAS_BLACK = {0, 0, 0}, CANVAS_WHITE = {1, 1, 1},
                  CANVAS_GREY = {0.45, 0.45, 0.45}, CANVAS_LIGHT = {0.88, 0.88, 0.88};

/* --- the file ----------------------------------------------------------------------------- */

Status canvas_format_of(const char *path, CanvasFormat *fmt, Error *err) {
    static const struct {
        const char *ext;
        CanvasFormat fmt;
    } kinds[] = {{".png", CANVAS_PNG}, {".svg", CANVAS_SVG}, {".pdf", CANVAS_PDF}};
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    if (dot && (!slash || dot > slash))
        for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
            if (strcasecmp(dot, kinds[i].ext) == 0) {
                *fmt = kinds[i].fmt;
                return ST_OK;
            }
    return error_set(err, ST_ARG,
                     "%s: unknown image type '%s' (the file must end in .png, .svg or .pdf)", path,
                     dot && (!slash || dot > slash) ? dot : "");
}

/* cairo's write callback: into the canvas's temporary file. */
static cairo_status_t canvas_write(void *closure, const unsigned char *data, unsigned int len) {
    AtomicFile *f = closure;
    atomic_file_write(f, data, len);
    return f->err_no ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

static cairo_surface_t *canvas_surface(Canvas *c, int width, int height) {
    switch (c->fmt) {
    case CANVAS_PNG:
        return cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
    case CANVAS_SVG:
        return cairo_svg_surface_create_for_stream(canvas_write, &c->file, width, height);
    case CANVAS_PDF: {
        cairo_surface_t *s =
            cairo_pdf_surface_create_for_stream(canvas_write, &c->file, width, height);
        cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "finelab plot");
        return s;
    }
    }
    return NULL;
}

/* Unhinted metrics, so text measures the same in every format. */
static void canvas_font_setup(cairo_t *cr) {
    cairo_font_options_t *o = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(o, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(o, CAIRO_HINT_STYLE_NONE);
    cairo_set_font_options(cr, o);
    cairo_font_options_destroy(o);
    cairo_select_font_face(cr, font_family, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
}

Status canvas_create(Canvas **out, const char *path, int width, int height, Error *err) {
    *out = NULL;
    CanvasFormat fmt;
    Status st = canvas_format_of(path, &fmt, err);
    if (st) return st;
    if (width == 0 && height == 0) {
        width = fmt == CANVAS_PNG ? CANVAS_PNG_W : CANVAS_BASE_W;
        height = fmt == CANVAS_PNG ? CANVAS_PNG_H : CANVAS_BASE_H;
    }
    if (width < 16 || height < 16 || width > CANVAS_SIZE_MAX || height > CANVAS_SIZE_MAX)
        return error_set(err, ST_ARG, "%s: size %dx%d is outside 16 .. %d on a side", path, width,
                         height, CANVAS_SIZE_MAX);
    Canvas *c = calloc(1, sizeof *c);
    if (!c || !(c->path = strdup(path))) {
        free(c);
        return error_set(err, ST_NOMEM, "%s: out of memory", path);
    }
    c->fmt = fmt;
    if ((st = atomic_file_open(&c->file, path, err))) {
        free(c->path);
        free(c);
        return st;
    }
    c->file_open = 1;
    c->surface = canvas_surface(c, width, height);
    c->cr = cairo_create(c->surface);
    if (cairo_status(c->cr) != CAIRO_STATUS_SUCCESS) {
        st = error_set(err, ST_NOMEM, "%s: cannot make a %dx%d surface: %s", path, width, height,
                       cairo_status_to_string(cairo_status(c->cr)));
        canvas_destroy(c);
        return st;
    }
    double scale = fmin(width / (double)CANVAS_BASE_W, height / (double)CANVAS_BASE_H);
    c->w = width / scale;
    c->h = height / scale;
    cairo_scale(c->cr, scale, scale);
    canvas_font_setup(c->cr);
    canvas_fill_rect(c, 0, 0, c->w, c->h, CANVAS_WHITE);
    *out = c;
    return ST_OK;
}

Status canvas_finish(Canvas *c, Error *err) {
    CHECK(c->file_open);
    canvas_unclip(c);
    cairo_status_t cs = cairo_status(c->cr);
    if (cs == CAIRO_STATUS_SUCCESS && c->fmt == CANVAS_PNG) {
        cairo_surface_flush(c->surface);
        cs = cairo_surface_write_to_png_stream(c->surface, canvas_write, &c->file);
    } else if (cs == CAIRO_STATUS_SUCCESS) {
        cairo_surface_finish(c->surface);
        cs = cairo_surface_status(c->surface);
    }
    c->file_open = 0;
    if (cs == CAIRO_STATUS_SUCCESS || c->file.err_no) /* commit names a write's own cause */
        return atomic_file_commit(&c->file, err);
    atomic_file_abort(&c->file);
    return error_set(err, ST_IO, "%s: cannot draw the image: %s", c->path,
                     cairo_status_to_string(cs));
}

void canvas_destroy(Canvas *c) {
    if (!c) return;
    if (c->cr) cairo_destroy(c->cr);
    if (c->surface) cairo_surface_destroy(c->surface); /* may still write, into the open file */
    if (c->file_open) atomic_file_abort(&c->file);
    free(c->path);
    free(c);
}

double canvas_width(const Canvas *c) {
    return c->w;
}

double canvas_height(const Canvas *c) {
    return c->h;
}

CanvasFormat canvas_format(const Canvas *c) {
    return c->fmt;
}

/* --- shapes ------------------------------------------------------------------------------- */

static void set_color(cairo_t *cr, CanvasColor k) {
    cairo_set_source_rgb(cr, k.r, k.g, k.b);
}

/* s's colour, width and dash (in multiples of the width, at least 1 unit). */
static void set_line(cairo_t *cr, const CanvasStyle *s) {
    static const double dashed[] = {5, 3}, dotted[] = {0.01, 2.4}, dashdot[] = {7, 2.5, 0.01, 2.5},
                        longdash[] = {11, 3.5};
    static const struct {
        const double *d;
        int n;
    } pattern[CANVAS_DASH_COUNT] = {
        {NULL, 0}, {dashed, 2}, {dotted, 2}, {dashdot, 4}, {longdash, 2}};
    set_color(cr, s->color);
    cairo_set_line_width(cr, s->width);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    int k = s->dash >= 0 && s->dash < CANVAS_DASH_COUNT ? (int)s->dash : 0;
    double d[4], u = fmax(s->width, 1);
    for (int i = 0; i < pattern[k].n; i++) d[i] = pattern[k].d[i] * u;
    /* Round caps make the near-zero dashes dots and keep short dashes whole. */
    cairo_set_line_cap(cr, k == CANVAS_SOLID ? CAIRO_LINE_CAP_BUTT : CAIRO_LINE_CAP_ROUND);
    cairo_set_dash(cr, d, pattern[k].n, 0);
}

void canvas_fill_rect(Canvas *c, double x, double y, double w, double h, CanvasColor color) {
    set_color(c->cr, color);
    cairo_rectangle(c->cr, x, y, w, h);
    cairo_fill(c->cr);
}

void canvas_stroke_rect(Canvas *c, double x, double y, double w, double h, const CanvasStyle *s) {
    if (s->width <= 0) return;
    set_line(c->cr, s);
    cairo_rectangle(c->cr, x, y, w, h);
    cairo_stroke(c->cr);
}

void canvas_line(Canvas *c, double x0, double y0, double x1, double y1, const CanvasStyle *s) {
    if (s->width <= 0) return;
    set_line(c->cr, s);
    cairo_move_to(c->cr, x0, y0);
    cairo_line_to(c->cr, x1, y1);
    cairo_stroke(c->cr);
}

void canvas_polyline(Canvas *c, const double *x, const double *y, int n, const CanvasStyle *s) {
    if (s->width <= 0) return;
    set_line(c->cr, s);
    int pen = 0; /* 1 while a piece is open */
    for (int i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i])) {
            pen = 0;
            continue;
        }
        if (pen)
            cairo_line_to(c->cr, x[i], y[i]);
        else
            cairo_move_to(c->cr, x[i], y[i]);
        pen = 1;
    }
    cairo_stroke(c->cr);
}

/* The outline of marker m of size d around (x, y) as the current path;
 * 0 for the open ones (cross, plus), which are only stroked. */
static int marker_path(cairo_t *cr, CanvasMarker m, double x, double y, double d) {
    double r = d / 2;
    switch (m) {
    case CANVAS_MARK_CIRCLE:
        cairo_new_sub_path(cr);
        cairo_arc(cr, x, y, r, 0, 2 * M_PI);
        return 1;
    case CANVAS_MARK_SQUARE:
        cairo_rectangle(cr, x - r * 0.85, y - r * 0.85, d * 0.85, d * 0.85);
        return 1;
    case CANVAS_MARK_TRIANGLE:
    case CANVAS_MARK_TRIANGLE_DOWN: {
        double s = m == CANVAS_MARK_TRIANGLE ? 1 : -1;
        cairo_move_to(cr, x, y - s * r * 1.1);
        cairo_line_to(cr, x + r, y + s * r * 0.75);
        cairo_line_to(cr, x - r, y + s * r * 0.75);
        cairo_close_path(cr);
        return 1;
    }
    case CANVAS_MARK_DIAMOND:
        cairo_move_to(cr, x, y - r * 1.15);
        cairo_line_to(cr, x + r * 0.85, y);
        cairo_line_to(cr, x, y + r * 1.15);
        cairo_line_to(cr, x - r * 0.85, y);
        cairo_close_path(cr);
        return 1;
    case CANVAS_MARK_CROSS:
        cairo_move_to(cr, x - r, y - r);
        cairo_line_to(cr, x + r, y + r);
        cairo_move_to(cr, x - r, y + r);
        cairo_line_to(cr, x + r, y - r);
        return 0;
    case CANVAS_MARK_PLUS:
        cairo_move_to(cr, x - r * 1.15, y);
        cairo_line_to(cr, x + r * 1.15, y);
        cairo_move_to(cr, x, y - r * 1.15);
        cairo_line_to(cr, x, y + r * 1.15);
        return 0;
    default:
        return 0;
    }
}

void canvas_marker(Canvas *c, double x, double y, const CanvasStyle *s) {
    if (s->marker <= CANVAS_MARK_NONE || s->marker >= CANVAS_MARK_COUNT || !isfinite(x) ||
        !isfinite(y))
        return;
    cairo_t *cr = c->cr;
    double d = s->marker_size > 0 ? s->marker_size : marker_size;
    cairo_save(cr);
    cairo_set_dash(cr, NULL, 0, 0);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_SQUARE);
    cairo_new_path(cr);
    int closed = marker_path(cr, s->marker, x, y, d);
    if (closed) {
        set_color(cr, s->hollow ? CANVAS_WHITE : s->color);
        cairo_fill_preserve(cr);
        cairo_set_line_width(cr, s->hollow ? 1.3 : 0.8);
    } else {
        cairo_set_line_width(cr, 1.6);
    }
    set_color(cr, s->color);
    cairo_stroke(cr);
    cairo_restore(cr);
}

void canvas_clip(Canvas *c, double x, double y, double w, double h) {
    canvas_unclip(c);
    cairo_save(c->cr);
    cairo_rectangle(c->cr, x, y, w, h);
    cairo_clip(c->cr);
    c->clipped = 1;
}

void canvas_unclip(Canvas *c) {
    if (!c->clipped) return;
    cairo_restore(c->cr);
    c->clipped = 0;
}

/* --- text --------------------------------------------------------------------------------- */

static void set_font(cairo_t *cr, const CanvasText *t) {
    cairo_select_font_face(cr, font_family, CAIRO_FONT_SLANT_NORMAL,
                           t && t->bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, t && t->size > 0 ? t->size : text_size);
}

double canvas_text_width(Canvas *c, const char *text, const CanvasText *t) {
    cairo_text_extents_t e;
    set_font(c->cr, t);
    cairo_text_extents(c->cr, text, &e);
    return e.x_advance;
}

double canvas_text_height(Canvas *c, double size) {
    cairo_font_extents_t fe;
    CanvasText t = {.size = size};
    set_font(c->cr, &t);
    cairo_font_extents(c->cr, &fe);
    return fe.ascent + fe.descent;
}

double canvas_text(Canvas *c, double x, double y, const char *text, const CanvasText *t) {
    static const CanvasText plain = {0};
    if (!t) t = &plain;
    cairo_t *cr = c->cr;
    double w = canvas_text_width(c, text, t); /* sets the font */
    cairo_font_extents_t fe;
    cairo_font_extents(cr, &fe);
    double dx = t->anchor == CANVAS_CENTER ? -w / 2 : t->anchor == CANVAS_RIGHT ? -w : 0;
    double dy = t->baseline == CANVAS_TOP      ? fe.ascent
                : t->baseline == CANVAS_BOTTOM ? -fe.descent
                : t->baseline == CANVAS_MIDDLE ? (fe.ascent - fe.descent) / 2
                                               : 0;
    cairo_save(cr);
    cairo_translate(cr, x, y);
    if (t->upright) cairo_rotate(cr, -M_PI / 2);
    set_color(cr, t->color);
    cairo_move_to(cr, dx, dy);
    cairo_show_text(cr, text);
    cairo_new_path(cr);
    cairo_restore(cr);
    return w;
}

char *canvas_text_fit(Canvas *c, const char *text, const CanvasText *t, double width, char *buf,
                      size_t cap) {
    snprintf(buf, cap, "%s", text);
    if (canvas_text_width(c, buf, t) <= width) return buf;
    size_t n = strlen(buf);
    while (n > 0) {
        do n--;
        while (n > 0 && ((unsigned char)buf[n] & 0xC0) == 0x80); /* a character's start */
        if (n + 4 > cap) continue;
        memcpy(buf + n, "\xE2\x80\xA6", 4); /* U+2026 and the NUL */
        if (canvas_text_width(c, buf, t) <= width) return buf;
    }
    snprintf(buf, cap, "%s", "\xE2\x80\xA6");
    return buf;
}

/* --- palette ------------------------------------------------------------------------------ */

CanvasColor canvas_color(int k) {
    static const CanvasColor okabe_ito[8] = {
        {0.000, 0.447, 0.698}, /* blue */
        {0.835, 0.369, 0.000}, /* vermillion */
        {0.000, 0.620, 0.451}, /* bluish green */
        {0.800, 0.475, 0.655}, /* reddish purple */
        {0.902, 0.624, 0.000}, /* orange */
        {0.337, 0.706, 0.914}, /* sky blue */
        {0.000, 0.000, 0.000}, /* black */
        {0.600, 0.530, 0.000}, /* Okabe and Ito's yellow, darkened to read on white */
    };
    return okabe_ito[((k % 8) + 8) % 8];
}

CanvasStyle canvas_series_style(int k) {
    static const CanvasMarker marks[7] = {
        CANVAS_MARK_CIRCLE, CANVAS_MARK_SQUARE, CANVAS_MARK_TRIANGLE,     CANVAS_MARK_DIAMOND,
        CANVAS_MARK_CROSS,  CANVAS_MARK_PLUS,   CANVAS_MARK_TRIANGLE_DOWN};
    k = k < 0 ? 0 : k;
    return (CanvasStyle){.color = canvas_color(k),
                         .width = 1.6,
                         .dash = (CanvasDash)(k % CANVAS_DASH_COUNT),
                         .marker = marks[k % 7],
                         .marker_size = 6.5};
}

CanvasColor canvas_heat(double t) {
    static const CanvasColor viridis[9] = {
        {0.267, 0.005, 0.329}, {0.278, 0.176, 0.482}, {0.231, 0.322, 0.545},
        {0.173, 0.447, 0.557}, {0.129, 0.569, 0.549}, {0.157, 0.682, 0.502},
        {0.369, 0.788, 0.384}, {0.678, 0.863, 0.188}, {0.992, 0.906, 0.145}};
    if (!(t > 0)) t = 0; /* NaN too */
    if (t > 1) t = 1;
    double f = t * 8;
    int i = f >= 8 ? 7 : (int)f;
    f -= i;
    const CanvasColor *a = &viridis[i], *b = &viridis[i + 1];
    return (CanvasColor){a->r + f * (b->r - a->r), a->g + f * (b->g - a->g),
                         a->b + f * (b->b - a->b)};
}

CanvasColor canvas_ink_on(CanvasColor bg) {
    double lum = 0.2126 * bg.r + 0.7152 * bg.g + 0.0722 * bg.b;
    return lum < 0.45 ? CANVAS_WHITE : CANVAS_BLACK;
}

CanvasColor canvas_tint(CanvasColor k, double amount) {
    return (CanvasColor){k.r + (1 - k.r) * amount, k.g + (1 - k.g) * amount,
                         k.b + (1 - k.b) * amount};
}
