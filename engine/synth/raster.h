/*
 * raster — anti-aliased 2-D drawing into a float RGB canvas: rotated
 * ellipses, polygons, round-capped polyline strokes, rings, soft blobs,
 * linear gradients, per-pixel noise and bilinear upscaling. It exists for
 * the generated bird dataset (synth) and is fast enough to draw a 448 px
 * scene in a few milliseconds on one core.
 *
 * Design: every shape is drawn from its signed distance to the pixel centre,
 * so the coverage of an edge pixel is the length of a 1-pixel box filter
 * that falls inside the shape (exact for straight edges, close for curves);
 * only the pixels of the shape's bounding box (+1 px) are visited, clipped
 * to the canvas. A pixel becomes colour*a + old*(1-a) with a = coverage *
 * paint alpha. Besides colour, a canvas keeps a "mark" mask (the visible
 * coverage of shapes painted with mark = 1; other shapes painted over them
 * hide them) and the bounding box of pixels at least half covered by shapes
 * painted with box = 1 — which is how synth measures the visible area of the
 * telling parts and the true bird bounding box.
 *
 * Coordinates are canvas pixels, x right, y down, pixel (i, j) covering
 * [i, i+1) x [j, j+1). A canvas owns its buffers (raster_init / raster_fini).
 * Reentrant: one thread per canvas. Only init/reshape/to_image allocate.
 */
#ifndef FINELAB_RASTER_H
#define FINELAB_RASTER_H

#include <stddef.h>

#include "engine/base/error.h"
#include "engine/base/rng.h"
#include "engine/data/image.h"

typedef struct RasterCanvas {
    int w, h;
    float *rgb;  /* w*h*3 values, nominally in [0, 1]; clamped only by raster_to_image */
    float *mask; /* w*h visible coverage of mark = 1 paints, in [0, 1] */
    int box[4];  /* x0, y0, x1, y1 (inclusive) of box = 1 pixels; empty while x1 < x0 */
    size_t cap;  /* pixels allocated */
} RasterCanvas;

/* How a shape is painted: a flat colour (rgb) or, when the gradient axis
 * has non-zero length, a linear gradient from rgb at (gx0, gy0) to rgb2 at
 * (gx1, gy1), clamped beyond the ends. */
typedef struct RasterPaint {
    float rgb[3], rgb2[3];
    float gx0, gy0, gx1, gy1;
    float alpha; /* opacity in [0, 1] */
    int mark;    /* 1: adds to the canvas mask; 0: hides the mask under it */
    int box;     /* 1: pixels covered >= 50% grow the canvas box */
} RasterPaint;

/* Allocates a w x h canvas, black, mask 0, box empty. ST_NOMEM leaves c
 * empty (raster_fini is still safe). */
Status raster_init(RasterCanvas *c, int w, int h);
/* Resizes c to w x h reusing memory when large enough, then clears it as
 * raster_clear(c, black). ST_NOMEM keeps the old buffers. */
Status raster_reshape(RasterCanvas *c, int w, int h);
void raster_fini(RasterCanvas *c);
/* Fills c with rgb, zeroes the mask and empties the box. */
void raster_clear(RasterCanvas *c, const float rgb[3]);

/* A flat paint (mark = box = 0). */
RasterPaint raster_flat(float r, float g, float b, float alpha);
/* A gradient paint from a at (x0, y0) to b at (x1, y1) (mark = box = 0). */
RasterPaint raster_gradient(const float a[3], const float b[3], float x0, float y0, float x1,
                            float y1, float alpha);

/* Paints the whole canvas (a sky, a wash of light). */
void raster_fill(RasterCanvas *c, const RasterPaint *p);
/* Filled ellipse centred at (cx, cy), semi-axes rx, ry, rotated by angle
 * radians (positive turns +x towards +y). */
void raster_ellipse(RasterCanvas *c, float cx, float cy, float rx, float ry, float angle,
                    const RasterPaint *p);
/* Filled polygon of n >= 3 vertices xy[2*i], xy[2*i+1] (even-odd rule, any
 * orientation, self-intersections allowed). */
void raster_polygon(RasterCanvas *c, const float *xy, int n, const RasterPaint *p);
/* Stroke of width along the polyline of n >= 1 points, with round caps and
 * round joins (n = 1 draws a dot). Overlapping segments are painted once. */
void raster_stroke(RasterCanvas *c, const float *xy, int n, float width, const RasterPaint *p);
/* Ring between radii r_in and r_out around (cx, cy); r_in <= 0 gives a
 * filled circle of radius r_out. */
void raster_ring(RasterCanvas *c, float cx, float cy, float r_in, float r_out,
                 const RasterPaint *p);
/* Soft round blob of radius r: opaque (times alpha) up to hardness*r, then
 * a smooth fall-off to 0 at r. hardness in [0, 1). */
void raster_blob(RasterCanvas *c, float cx, float cy, float r, float hardness,
                 const RasterPaint *p);

/* Adds noise to every pixel: a shared luminance term of standard deviation
 * sigma plus an independent per-channel term of chroma*sigma
 * (approximately normal; every draw comes from r). */
void raster_noise(RasterCanvas *c, Rng *r, float sigma, float chroma);
/* Per-channel affine change of every pixel: v = v*gain[k] + bias[k]. */
void raster_adjust(RasterCanvas *c, const float gain[3], const float bias[3]);
/* Draws src scaled bilinearly to cover all of dst (colour only; dst's mask
 * and box are untouched). */
void raster_upscale(const RasterCanvas *src, RasterCanvas *dst);

/* Writes c into img as 8-bit RGB (clamped to [0, 1], rounded); img is
 * reshaped. ST_NOMEM leaves img as it was. */
Status raster_to_image(const RasterCanvas *c, Image *img);
/* Sum of the mask over all pixels (the visible marked area in pixels). */
double raster_mask_area(const RasterCanvas *c);

#endif
