/*
 * augment — random training transforms. See augment.h.
 *
 * The draws follow torchvision's order (RandomResizedCrop: area, ratio,
 * then top, left; ColorJitter: the permutation, then brightness, contrast,
 * saturation), so a reader can hold one against the other; the streams
 * themselves are finelab's (engine/base/rng.h), not torch's. Pixel work
 * is 8-bit in, 8-bit out, each step rounding once.
 */
#include "engine/data/augment.h"

#include <math.h>
#include <string.h>

int augment_any(const Augment *a) {
    return a->resized_crop || a->rotate > 0 || a->brightness > 0 || a->contrast > 0 ||
           a->saturation > 0;
}

/* Uniform in [lo, hi). */
static double augment_uniform(Rng *r, double lo, double hi) {
    return lo + (hi - lo) * rng_uniform_double(r);
}

int augment_resized_crop_box(Rng *r, int w, int h, const Augment *a, int box[4]) {
    CHECK(w > 0 && h > 0 && a->area[0] > 0 && a->area[0] <= a->area[1] && a->area[1] <= 1 &&
          a->ratio[0] > 0 && a->ratio[0] <= a->ratio[1]);
    double area = (double)w * h, lr0 = log(a->ratio[0]), lr1 = log(a->ratio[1]);
    for (int attempt = 0; attempt < 10; attempt++) {
        double target = area * augment_uniform(r, a->area[0], a->area[1]);
        double aspect = exp(augment_uniform(r, lr0, lr1));
        /* lrint: round half to even, as Python's round. */
        long bw = lrint(sqrt(target * aspect)), bh = lrint(sqrt(target / aspect));
        if (bw > 0 && bw <= w && bh > 0 && bh <= h) {
            box[1] = (int)rng_below(r, (uint32_t)(h - bh) + 1);
            box[0] = (int)rng_below(r, (uint32_t)(w - bw) + 1);
            box[2] = (int)bw;
            box[3] = (int)bh;
            return 1;
        }
    }
    double in_ratio = (double)w / h;
    long bw = w, bh = h;
    if (in_ratio < a->ratio[0])
        bh = lrint(bw / a->ratio[0]);
    else if (in_ratio > a->ratio[1])
        bw = lrint(bh * a->ratio[1]);
    if (bw < 1) bw = 1;
    if (bh < 1) bh = 1;
    box[0] = (int)(w - bw) / 2;
    box[1] = (int)(h - bh) / 2;
    box[2] = (int)bw;
    box[3] = (int)bh;
    return 0;
}

static uint8_t augment_round(double v) {
    return (uint8_t)(v <= 0 ? 0 : v >= 255 ? 255 : v + 0.5);
}

/* Bilinear sample of src at (sx, sy), taps outside src being fill. */
static void augment_sample(const Image *src, double sx, double sy, const uint8_t fill[3],
                           uint8_t *out) {
    int w = src->w, h = src->h;
    double fx0 = floor(sx), fy0 = floor(sy), fx = sx - fx0, fy = sy - fy0;
    int x0 = (int)fx0, y0 = (int)fy0;
    double wt[4] = {(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy};
    double acc[3] = {0, 0, 0};
    for (int t = 0; t < 4; t++) {
        int px = x0 + (t & 1), py = y0 + (t >> 1);
        const uint8_t *p =
            px >= 0 && px < w && py >= 0 && py < h ? src->rgb + ((size_t)py * w + px) * 3 : fill;
        for (int k = 0; k < 3; k++) acc[k] += wt[t] * p[k];
    }
    for (int k = 0; k < 3; k++) out[k] = augment_round(acc[k]);
}

Status augment_rotate(const Image *src, Image *dst, double degrees, const uint8_t fill[3]) {
    CHECK(src != dst);
    if (image_reshape(dst, src->w, src->h)) return ST_NOMEM;
    int w = src->w, h = src->h;
    size_t stride = (size_t)w * 3;
    double th = degrees * (M_PI / 180.0), c = cos(th), s = sin(th);
    double cx = (w - 1) * 0.5, cy = (h - 1) * 0.5;
    for (int y = 0; y < h; y++) {
        uint8_t *out = dst->rgb + (size_t)y * stride;
        /* The source of output offset (dx, dy) is the offset turned back:
         * (cx + c dx - s dy, cy + s dx + c dy), here from the row's start. */
        double dy = y - cy, sx0 = cx - c * cx - s * dy, sy0 = cy - s * cx + c * dy;
        for (int x = 0; x < w; x++, out += 3) {
            double sx = sx0 + c * x, sy = sy0 + s * x;
            if (sx <= -1 || sy <= -1 || sx >= w || sy >= h) {
                memcpy(out, fill, 3);
                continue;
            }
            int x0 = (int)(sx + 1) - 1, y0 = (int)(sy + 1) - 1; /* floor, as sx > -1 */
            if (x0 < 0 || y0 < 0 || x0 >= w - 1 || y0 >= h - 1) {
                augment_sample(src, sx, sy, fill, out);
                continue;
            }
            float fx = (float)(sx - x0), fy = (float)(sy - y0);
            const uint8_t *p = src->rgb + (size_t)y0 * stride + (size_t)x0 * 3, *q = p + stride;
            for (int k = 0; k < 3; k++) {
                float top = p[k] + fx * (p[k + 3] - p[k]), bot = q[k] + fx * (q[k + 3] - q[k]);
                out[k] = (uint8_t)(top + fy * (bot - top) + 0.5f);
            }
        }
    }
    return ST_OK;
}

/* img's values v become lut[v]: f v + base, rounded and clamped. */
static void augment_affine(Image *img, double f, double base) {
    uint8_t lut[256];
    for (int v = 0; v < 256; v++) lut[v] = augment_round(f * v + base);
    size_t n = (size_t)img->w * img->h * 3;
    for (size_t i = 0; i < n; i++) img->rgb[i] = lut[img->rgb[i]];
}

void augment_brightness(Image *img, double f) {
    CHECK(f >= 0);
    augment_affine(img, f, 0);
}

static double augment_grey(const uint8_t *p) {
    return 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
}

void augment_contrast(Image *img, double f) {
    CHECK(f >= 0);
    size_t n = (size_t)img->w * img->h;
    double sum = 0;
    for (size_t i = 0; i < n; i++) sum += augment_grey(img->rgb + 3 * i);
    augment_affine(img, f, (1 - f) * (sum / (double)n));
}

void augment_saturation(Image *img, double f) {
    CHECK(f >= 0);
    size_t n = (size_t)img->w * img->h;
    float ff = (float)f, g = (float)(1 - f);
    for (size_t i = 0; i < n; i++) {
        uint8_t *p = img->rgb + 3 * i;
        float base = g * (0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2]);
        for (int k = 0; k < 3; k++) {
            float v = ff * p[k] + base;
            p[k] = (uint8_t)(v <= 0 ? 0 : v >= 255 ? 255 : v + 0.5f);
        }
    }
}

void augment_color(Image *img, Rng *r, const Augment *a) {
    int order[3] = {0, 1, 2};
    for (int i = 2; i > 0; i--) {
        int j = (int)rng_below(r, (uint32_t)i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    const double x[3] = {a->brightness, a->contrast, a->saturation};
    double f[3];
    for (int i = 0; i < 3; i++)
        f[i] = x[i] > 0 ? augment_uniform(r, fmax(0, 1 - x[i]), 1 + x[i]) : 1;
    for (int i = 0; i < 3; i++) {
        int op = order[i];
        if (x[op] <= 0) continue;
        if (op == 0) augment_brightness(img, f[0]);
        if (op == 1) augment_contrast(img, f[1]);
        if (op == 2) augment_saturation(img, f[2]);
    }
}
