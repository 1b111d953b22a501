/*
 * raster — anti-aliased drawing by signed distance. See raster.h.
 *
 * Each primitive finds the clipped pixel window its shape can touch, and
 * for every pixel centre computes a coverage in [0, 1] from the distance to
 * the shape's outline: 0.5 - d for a filled shape (d < 0 inside), or the
 * overlap of [d - 0.5, d + 0.5] with the band [lo, hi] for strokes and
 * rings, which stays right for bands thinner than a pixel. The pixel is
 * then blended through put(), the one place that knows about gradients,
 * the mark mask and the bounding box.
 */
#include "engine/synth/raster.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A paint resolved for one primitive call. */
typedef struct Pen {
    RasterCanvas *c;
    const RasterPaint *p;
    float gx, gy, g0; /* gradient parameter t = x*gx + y*gy + g0 */
    int grad;
    float alpha;
} Pen;

/* A clipped pixel window, inclusive; empty when x1 < x0 or y1 < y0. */
typedef struct Window {
    int x0, y0, x1, y1;
} Window;

/* NaN maps to lo, so a degenerate shape covers nothing instead of
 * reaching a float-to-int conversion. */
static float clampf(float v, float lo, float hi) {
    return v >= lo ? (v <= hi ? v : hi) : lo;
}

static Pen pen_make(RasterCanvas *c, const RasterPaint *p) {
    Pen pen = {.c = c, .p = p, .alpha = clampf(p->alpha, 0.0f, 1.0f)};
    float dx = p->gx1 - p->gx0, dy = p->gy1 - p->gy0, len2 = dx * dx + dy * dy;
    if (len2 > 1e-12f) {
        pen.grad = 1;
        pen.gx = dx / len2;
        pen.gy = dy / len2;
        pen.g0 = -(p->gx0 * pen.gx + p->gy0 * pen.gy);
    }
    return pen;
}

/* The pixels whose centres may lie within 1 px of [minx, maxx] x [miny, maxy]. */
static Window window_of(const RasterCanvas *c, float minx, float miny, float maxx, float maxy) {
    Window win = {0, 0, -1, -1};
    if (!(minx <= maxx && miny <= maxy)) return win; /* also rejects NaN */
    minx = clampf(minx - 1.5f, -1.0f, (float)c->w);
    maxx = clampf(maxx + 1.5f, -1.0f, (float)c->w);
    miny = clampf(miny - 1.5f, -1.0f, (float)c->h);
    maxy = clampf(maxy + 1.5f, -1.0f, (float)c->h);
    win.x0 = minx < 0 ? 0 : (int)minx;
    win.y0 = miny < 0 ? 0 : (int)miny;
    win.x1 = maxx >= (float)c->w ? c->w - 1 : (int)maxx;
    win.y1 = maxy >= (float)c->h ? c->h - 1 : (int)maxy;
    return win;
}

static void put(const Pen *pen, int x, int y, float cov) {
    float a = cov * pen->alpha;
    if (a <= 0.0f) return;
    RasterCanvas *c = pen->c;
    const RasterPaint *p = pen->p;
    size_t i = (size_t)y * (size_t)c->w + (size_t)x;
    float *px = c->rgb + 3 * i;
    if (pen->grad) {
        float t =
            clampf(((float)x + 0.5f) * pen->gx + ((float)y + 0.5f) * pen->gy + pen->g0, 0.0f, 1.0f);
        for (int k = 0; k < 3; k++) {
            float col = p->rgb[k] + t * (p->rgb2[k] - p->rgb[k]);
            px[k] += a * (col - px[k]);
        }
    } else {
        for (int k = 0; k < 3; k++) px[k] += a * (p->rgb[k] - px[k]);
    }
    float *m = c->mask + i;
    *m = p->mark ? *m + a * (1.0f - *m) : *m * (1.0f - a);
    if (p->box && cov >= 0.5f) {
        if (x < c->box[0]) c->box[0] = x;
        if (y < c->box[1]) c->box[1] = y;
        if (x > c->box[2]) c->box[2] = x;
        if (y > c->box[3]) c->box[3] = y;
    }
}

/* Coverage of a pixel whose centre is at distance d from a band [lo, hi]
 * measured along the band's normal. */
static float band_cover(float d, float lo, float hi) {
    float a = d + 0.5f < hi ? d + 0.5f : hi;
    float b = d - 0.5f > lo ? d - 0.5f : lo;
    return clampf(a - b, 0.0f, 1.0f);
}

Status raster_init(RasterCanvas *c, int w, int h) {
    memset(c, 0, sizeof *c);
    return raster_reshape(c, w, h);
}

Status raster_reshape(RasterCanvas *c, int w, int h) {
    CHECK(w > 0 && h > 0);
    size_t n = (size_t)w * (size_t)h;
    if (n > c->cap) {
        float *rgb = malloc(n * 3 * sizeof(float));
        float *mask = malloc(n * sizeof(float));
        if (!rgb || !mask) {
            free(rgb);
            free(mask);
            return ST_NOMEM;
        }
        free(c->rgb);
        free(c->mask);
        c->rgb = rgb;
        c->mask = mask;
        c->cap = n;
    }
    c->w = w;
    c->h = h;
    raster_clear(c, (const float[3]){0.0f, 0.0f, 0.0f});
    return ST_OK;
}

void raster_fini(RasterCanvas *c) {
    if (!c) return;
    free(c->rgb);
    free(c->mask);
    memset(c, 0, sizeof *c);
}

void raster_clear(RasterCanvas *c, const float rgb[3]) {
    size_t n = (size_t)c->w * (size_t)c->h;
    for (size_t i = 0; i < n; i++) {
        c->rgb[3 * i] = rgb[0];
        c->rgb[3 * i + 1] = rgb[1];
        c->rgb[3 * i + 2] = rgb[2];
    }
    memset(c->mask, 0, n * sizeof(float));
    c->box[0] = c->w;
    c->box[1] = c->h;
    c->box[2] = -1;
    c->box[3] = -1;
}

RasterPaint raster_flat(float r, float g, float b, float alpha) {
    return (RasterPaint){.rgb = {r, g, b}, .rgb2 = {r, g, b}, .alpha = alpha};
}

RasterPaint raster_gradient(const float a[3], const float b[3], float x0, float y0, float x1,
                            float y1, float alpha) {
    return (RasterPaint){.rgb = {a[0], a[1], a[2]},
                         .rgb2 = {b[0], b[1], b[2]},
                         .gx0 = x0,
                         .gy0 = y0,
                         .gx1 = x1,
                         .gy1 = y1,
                         .alpha = alpha};
}

void raster_fill(RasterCanvas *c, const RasterPaint *p) {
    Pen pen = pen_make(c, p);
    for (int y = 0; y < c->h; y++)
        for (int x = 0; x < c->w; x++) put(&pen, x, y, 1.0f);
}

void raster_ellipse(RasterCanvas *c, float cx, float cy, float rx, float ry, float angle,
                    const RasterPaint *p) {
    if (!(rx > 0.0f && ry > 0.0f)) return;
    float cs = cosf(angle), sn = sinf(angle);
    float ex = sqrtf(rx * rx * cs * cs + ry * ry * sn * sn);
    float ey = sqrtf(rx * rx * sn * sn + ry * ry * cs * cs);
    Window win = window_of(c, cx - ex, cy - ey, cx + ex, cy + ey);
    Pen pen = pen_make(c, p);
    float ia2 = 1.0f / (rx * rx), ib2 = 1.0f / (ry * ry);
    float dmin = rx < ry ? rx : ry, maxcov = clampf(2.0f * dmin, 0.0f, 1.0f);
    /* Row span of the ellipse grown by 1.5 px: the quadratic in dx. */
    float ga = 1.0f / ((rx + 1.5f) * (rx + 1.5f)), gb = 1.0f / ((ry + 1.5f) * (ry + 1.5f));
    float qa = cs * cs * ga + sn * sn * gb, qb = 2.0f * cs * sn * (ga - gb);
    float qc = sn * sn * ga + cs * cs * gb;
    for (int y = win.y0; y <= win.y1; y++) {
        float dy = (float)y + 0.5f - cy;
        float disc = qb * qb * dy * dy - 4.0f * qa * (qc * dy * dy - 1.0f);
        if (disc < 0.0f) continue;
        float root = sqrtf(disc), xa = cx + (-qb * dy - root) / (2.0f * qa);
        float xb = cx + (-qb * dy + root) / (2.0f * qa);
        if (!(xa <= xb)) { /* overflowed: an ellipse far larger than the canvas */
            xa = -INFINITY;
            xb = INFINITY;
        }
        int x0 = (int)ceilf(clampf(xa - 0.5f, (float)win.x0, (float)win.x1 + 1.0f));
        int x1 = (int)floorf(clampf(xb - 0.5f, (float)win.x0 - 1.0f, (float)win.x1));
        for (int x = x0; x <= x1; x++) {
            float dx = (float)x + 0.5f - cx;
            float u = dx * cs + dy * sn, v = -dx * sn + dy * cs;
            float k0 = sqrtf(u * u * ia2 + v * v * ib2);
            float k1 = sqrtf(u * u * ia2 * ia2 + v * v * ib2 * ib2);
            float d = k1 > 1e-12f ? k0 * (k0 - 1.0f) / k1 : -dmin;
            float cov = clampf(0.5f - d, 0.0f, maxcov);
            if (cov > 0.0f) put(&pen, x, y, cov);
        }
    }
}

/* Squared distance from (px, py) to segment (ax, ay)-(bx, by). */
static float seg_dist2(float px, float py, float ax, float ay, float bx, float by) {
    float vx = bx - ax, vy = by - ay, wx = px - ax, wy = py - ay;
    float len2 = vx * vx + vy * vy;
    float t = len2 > 0.0f ? clampf((wx * vx + wy * vy) / len2, 0.0f, 1.0f) : 0.0f;
    float dx = wx - t * vx, dy = wy - t * vy;
    return dx * dx + dy * dy;
}

static void bounds_of(const float *xy, int n, float *minx, float *miny, float *maxx, float *maxy) {
    *minx = *maxx = xy[0];
    *miny = *maxy = xy[1];
    for (int i = 1; i < n; i++) {
        *minx = fminf(*minx, xy[2 * i]);
        *maxx = fmaxf(*maxx, xy[2 * i]);
        *miny = fminf(*miny, xy[2 * i + 1]);
        *maxy = fmaxf(*maxy, xy[2 * i + 1]);
    }
}

/* Coverage of the pixel centred at (px, py) by the polygon, from all edges:
 * the reference that the row-wise fast path below reproduces. */
static float polygon_cover(const float *xy, int n, float px, float py) {
    float d2 = INFINITY;
    int inside = 0;
    for (int i = 0, j = n - 1; i < n; j = i++) {
        float ax = xy[2 * j], ay = xy[2 * j + 1], bx = xy[2 * i], by = xy[2 * i + 1];
        if ((ay > py) != (by > py) && px < ax + (py - ay) * (bx - ax) / (by - ay)) inside = !inside;
        float e = seg_dist2(px, py, ax, ay, bx, by);
        if (e < d2) d2 = e;
    }
    float d = sqrtf(d2);
    return clampf(0.5f + (inside ? d : -d), 0.0f, 1.0f);
}

enum { POLY_FAST_MAX = 64 };

void raster_polygon(RasterCanvas *c, const float *xy, int n, const RasterPaint *p) {
    CHECK(n >= 3);
    float minx, miny, maxx, maxy;
    bounds_of(xy, n, &minx, &miny, &maxx, &maxy);
    Window win = window_of(c, minx, miny, maxx, maxy);
    Pen pen = pen_make(c, p);
    if (n > POLY_FAST_MAX) {
        for (int y = win.y0; y <= win.y1; y++)
            for (int x = win.x0; x <= win.x1; x++) {
                float cov = polygon_cover(xy, n, (float)x + 0.5f, (float)y + 0.5f);
                if (cov > 0.0f) put(&pen, x, y, cov);
            }
        return;
    }
    /* Per row: the crossings of the pixel-centre line (sorted, for the
     * inside parity) and the edges that come within 1 px of it. A pixel no
     * edge comes near is fully in or out; only the others need distances. */
    float xc[POLY_FAST_MAX], nx0[POLY_FAST_MAX], nx1[POLY_FAST_MAX];
    int near[POLY_FAST_MAX];
    for (int y = win.y0; y <= win.y1; y++) {
        float py = (float)y + 0.5f;
        int ncross = 0, nnear = 0;
        for (int i = 0, j = n - 1; i < n; j = i++) {
            float ax = xy[2 * j], ay = xy[2 * j + 1], bx = xy[2 * i], by = xy[2 * i + 1];
            if ((ay > py) != (by > py)) {
                float x = ax + (py - ay) * (bx - ax) / (by - ay);
                int k = ncross++;
                for (; k > 0 && xc[k - 1] > x; k--) xc[k] = xc[k - 1];
                xc[k] = x;
            }
            if (fminf(ay, by) <= py + 1.0f && fmaxf(ay, by) >= py - 1.0f) {
                near[nnear] = j;
                nx0[nnear] = fminf(ax, bx) - 1.0f;
                nx1[nnear] = fmaxf(ax, bx) + 1.0f;
                nnear++;
            }
        }
        int ci = 0, inside = 0;
        for (int x = win.x0; x <= win.x1; x++) {
            float px = (float)x + 0.5f, d2 = INFINITY;
            /* The crossings left of px have the parity of those right of
             * it, as a closed outline crosses every line an even number of
             * times. */
            for (; ci < ncross && xc[ci] <= px; ci++) inside = !inside;
            for (int k = 0; k < nnear; k++) {
                if (px < nx0[k] || px > nx1[k]) continue;
                int j = near[k], i = j + 1 < n ? j + 1 : 0;
                float e = seg_dist2(px, py, xy[2 * j], xy[2 * j + 1], xy[2 * i], xy[2 * i + 1]);
                if (e < d2) d2 = e;
            }
            float cov;
            if (d2 == INFINITY) {
                cov = inside ? 1.0f : 0.0f;
            } else {
                float d = sqrtf(d2);
                cov = clampf(0.5f + (inside ? d : -d), 0.0f, 1.0f);
            }
            if (cov > 0.0f) put(&pen, x, y, cov);
        }
    }
}

/* The x range (pixel indices, clipped to win) of row y that the capsule of
 * radius R around the polyline can reach; x1 < x0 when none. */
static void stroke_row_span(const float *xy, int n, float R, float py, const Window *win, int *x0,
                            int *x1) {
    float lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < (n == 1 ? 1 : n - 1); i++) {
        float ax = xy[2 * i], ay = xy[2 * i + 1];
        float bx = n == 1 ? ax : xy[2 * i + 2], by = n == 1 ? ay : xy[2 * i + 3];
        float t0 = 0.0f, t1 = 1.0f;
        if (fabsf(by - ay) > 1e-6f) {
            t0 = (py - R - ay) / (by - ay);
            t1 = (py + R - ay) / (by - ay);
            if (t0 > t1) {
                float t = t0;
                t0 = t1;
                t1 = t;
            }
            t0 = fmaxf(t0, 0.0f);
            t1 = fminf(t1, 1.0f);
            if (t0 > t1) continue;
        } else if (fabsf(py - ay) > R) {
            continue;
        }
        float xa = ax + t0 * (bx - ax), xb = ax + t1 * (bx - ax);
        lo = fminf(lo, fminf(xa, xb) - R);
        hi = fmaxf(hi, fmaxf(xa, xb) + R);
    }
    if (!(lo <= hi)) {
        *x0 = 0;
        *x1 = -1;
        return;
    }
    *x0 = (int)floorf(clampf(lo - 0.5f, (float)win->x0, (float)win->x1 + 1.0f));
    *x1 = (int)ceilf(clampf(hi - 0.5f, (float)win->x0 - 1.0f, (float)win->x1));
}

void raster_stroke(RasterCanvas *c, const float *xy, int n, float width, const RasterPaint *p) {
    CHECK(n >= 1);
    if (!(width > 0.0f)) return;
    float r = 0.5f * width, minx, miny, maxx, maxy;
    bounds_of(xy, n, &minx, &miny, &maxx, &maxy);
    Window win = window_of(c, minx - r, miny - r, maxx + r, maxy + r);
    Pen pen = pen_make(c, p);
    float reach2 = (r + 0.5f) * (r + 0.5f);
    for (int y = win.y0; y <= win.y1; y++) {
        float py = (float)y + 0.5f;
        int x0, x1;
        stroke_row_span(xy, n, r + 1.0f, py, &win, &x0, &x1);
        for (int x = x0; x <= x1; x++) {
            float px = (float)x + 0.5f, d2 = INFINITY;
            if (n == 1) {
                float dx = px - xy[0], dy = py - xy[1];
                d2 = dx * dx + dy * dy;
            }
            for (int i = 1; i < n && d2 > 0.0f; i++) {
                float e = seg_dist2(px, py, xy[2 * i - 2], xy[2 * i - 1], xy[2 * i], xy[2 * i + 1]);
                if (e < d2) d2 = e;
            }
            if (d2 >= reach2) continue;
            put(&pen, x, y, band_cover(sqrtf(d2), -r, r));
        }
    }
}

void raster_ring(RasterCanvas *c, float cx, float cy, float r_in, float r_out,
                 const RasterPaint *p) {
    if (!(r_out > 0.0f) || r_in >= r_out) return;
    Window win = window_of(c, cx - r_out, cy - r_out, cx + r_out, cy + r_out);
    Pen pen = pen_make(c, p);
    /* A disc is the band [-r, r] through its centre, so tiny discs get
     * coverage ~ their diameter instead of a full pixel. */
    float lo = r_in > 0.0f ? r_in : -r_out;
    for (int y = win.y0; y <= win.y1; y++) {
        float dy = (float)y + 0.5f - cy;
        for (int x = win.x0; x <= win.x1; x++) {
            float dx = (float)x + 0.5f - cx;
            float cov = band_cover(sqrtf(dx * dx + dy * dy), lo, r_out);
            if (cov > 0.0f) put(&pen, x, y, cov);
        }
    }
}

void raster_blob(RasterCanvas *c, float cx, float cy, float r, float hardness,
                 const RasterPaint *p) {
    if (!(r > 0.0f)) return;
    hardness = clampf(hardness, 0.0f, 0.99f);
    Window win = window_of(c, cx - r, cy - r, cx + r, cy + r);
    Pen pen = pen_make(c, p);
    float ir = 1.0f / r, soft = 1.0f / (1.0f - hardness);
    for (int y = win.y0; y <= win.y1; y++) {
        float dy = ((float)y + 0.5f - cy) * ir;
        for (int x = win.x0; x <= win.x1; x++) {
            float dx = ((float)x + 0.5f - cx) * ir, q = dx * dx + dy * dy;
            if (q >= 1.0f) continue;
            float t = clampf((sqrtf(q) - hardness) * soft, 0.0f, 1.0f);
            float s = 1.0f - t * t;
            put(&pen, x, y, s * s);
        }
    }
}

void raster_noise(RasterCanvas *c, Rng *r, float sigma, float chroma) {
    /* Each of the four values per pixel is the sum of two uniform bytes: a
     * triangular variable, close enough to normal for sensor grain and four
     * times cheaper than Box-Muller. Var of one byte is (256^2 - 1) / 12. */
    const float unit = 1.0f / 104.5f;
    float sl = sigma * unit, sc = sigma * chroma * unit;
    size_t n = (size_t)c->w * (size_t)c->h;
    for (size_t i = 0; i < n; i++) {
        uint64_t u = rng_u64(r);
        float v[4];
        for (int k = 0; k < 4; k++) {
            v[k] = (float)((int)(u & 0xff) + (int)((u >> 8) & 0xff) - 255);
            u >>= 16;
        }
        float *px = c->rgb + 3 * i, lum = v[3] * sl;
        px[0] += lum + v[0] * sc;
        px[1] += lum + v[1] * sc;
        px[2] += lum + v[2] * sc;
    }
}

void raster_adjust(RasterCanvas *c, const float gain[3], const float bias[3]) {
    size_t n = (size_t)c->w * (size_t)c->h;
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 3; k++) c->rgb[3 * i + k] = c->rgb[3 * i + k] * gain[k] + bias[k];
}

void raster_upscale(const RasterCanvas *src, RasterCanvas *dst) {
    float sx = (float)src->w / (float)dst->w, sy = (float)src->h / (float)dst->h;
    for (int y = 0; y < dst->h; y++) {
        float fy = clampf(((float)y + 0.5f) * sy - 0.5f, 0.0f, (float)(src->h - 1));
        int y0 = (int)fy, y1 = y0 + 1 < src->h ? y0 + 1 : y0;
        float ty = fy - (float)y0;
        const float *r0 = src->rgb + (size_t)y0 * (size_t)src->w * 3;
        const float *r1 = src->rgb + (size_t)y1 * (size_t)src->w * 3;
        float *out = dst->rgb + (size_t)y * (size_t)dst->w * 3;
        float fx = 0.5f * sx - 0.5f;
        for (int x = 0; x < dst->w; x++, fx += sx) {
            float cx = clampf(fx, 0.0f, (float)(src->w - 1));
            int x0 = (int)cx, x1 = x0 + 1 < src->w ? x0 + 1 : x0;
            float tx = cx - (float)x0;
            const float *a = r0 + 3 * x0, *b = r0 + 3 * x1, *e = r1 + 3 * x0, *g = r1 + 3 * x1;
            for (int k = 0; k < 3; k++) {
                float top = a[k] + tx * (b[k] - a[k]);
                float bot = e[k] + tx * (g[k] - e[k]);
                out[3 * x + k] = top + ty * (bot - top);
            }
        }
    }
}

Status raster_to_image(const RasterCanvas *c, Image *img) {
    Status st = image_reshape(img, c->w, c->h);
    if (st) return st;
    size_t n = (size_t)c->w * (size_t)c->h * 3;
    for (size_t i = 0; i < n; i++)
        img->rgb[i] = (uint8_t)(clampf(c->rgb[i], 0.0f, 1.0f) * 255.0f + 0.5f);
    return ST_OK;
}

double raster_mask_area(const RasterCanvas *c) {
    size_t n = (size_t)c->w * (size_t)c->h;
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) sum += c->mask[i];
    return sum;
}
