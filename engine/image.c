/*
 * image — RGB8 images and their geometry. See image.h.
 *
 * Area resizing is separable: each output column (then row) is a weighted
 * sum over the input pixels its footprint covers, weights being the covered
 * fractions, so downscaling by any factor averages without aliasing. When a
 * side grows, area resizing of that side is bilinear interpolation, as
 * OpenCV's INTER_AREA does. Intermediate rows are float to keep rounding to
 * one step at the end.
 */
#include "image.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

Status image_init(Image *img, int w, int h) {
    memset(img, 0, sizeof *img);
    Status st = image_reshape(img, w, h);
    if (!st) memset(img->rgb, 0, (size_t)w * (size_t)h * 3);
    return st;
}

Status image_reshape(Image *img, int w, int h) {
    CHECK(w > 0 && h > 0);
    size_t need = (size_t)w * (size_t)h * 3;
    if (need > img->cap) {
        uint8_t *p = realloc(img->rgb, need);
        if (!p) return ST_NOMEM;
        img->rgb = p;
        img->cap = need;
    }
    img->w = w;
    img->h = h;
    return ST_OK;
}

void image_fini(Image *img) {
    if (!img) return;
    free(img->rgb);
    memset(img, 0, sizeof *img);
}

/* One output sample's footprint: taps [first, first+count) with weights. */
typedef struct Taps {
    int *first, *count;
    float *weight; /* max_taps per output */
    int max_taps;
} Taps;

static void taps_free(Taps *t) {
    free(t->first);
    free(t->count);
    free(t->weight);
}

/* Builds the 1-D filter from n_in samples to n_out. */
static Status taps_build(Taps *t, int n_in, int n_out, ResizeFilter filter) {
    double scale = (double)n_in / n_out;
    int area = filter == RESIZE_AREA && scale > 1.0;
    t->max_taps = area ? (int)ceil(scale) + 2 : 2;
    t->first = malloc(sizeof(int) * (size_t)n_out);
    t->count = malloc(sizeof(int) * (size_t)n_out);
    t->weight = malloc(sizeof(float) * (size_t)n_out * (size_t)t->max_taps);
    if (!t->first || !t->count || !t->weight) {
        taps_free(t);
        return ST_NOMEM;
    }
    for (int o = 0; o < n_out; o++) {
        float *w = t->weight + (size_t)o * t->max_taps;
        if (area) {
            double lo = o * scale, hi = (o + 1) * scale;
            int i0 = (int)floor(lo), n = 0;
            for (int i = i0; i < n_in && i < hi; i++) {
                double cover = fmin(hi, i + 1.0) - fmax(lo, (double)i);
                w[n++] = (float)(cover / scale);
            }
            t->first[o] = i0;
            t->count[o] = n;
        } else {
            double src = (o + 0.5) * scale - 0.5;
            if (src < 0) src = 0;
            if (src > n_in - 1) src = n_in - 1;
            int i0 = (int)floor(src);
            if (i0 > n_in - 2) i0 = n_in > 1 ? n_in - 2 : 0;
            double frac = src - i0;
            t->first[o] = i0;
            t->count[o] = n_in > 1 ? 2 : 1;
            w[0] = (float)(1.0 - frac);
            w[1] = (float)frac;
        }
    }
    return ST_OK;
}

Status image_resize(const Image *src, Image *dst, int w, int h, ResizeFilter filter) {
    CHECK(src != dst && w > 0 && h > 0);
    Taps tx = {0}, ty = {0};
    float *tmp = malloc(sizeof(float) * (size_t)src->h * (size_t)w * 3);
    Status st = ST_NOMEM;
    if (!tmp || taps_build(&tx, src->w, w, filter) || taps_build(&ty, src->h, h, filter) ||
        image_reshape(dst, w, h))
        goto done;
    /* Horizontal pass: src rows -> tmp (src->h x w x 3 floats). */
    for (int y = 0; y < src->h; y++) {
        const uint8_t *row = src->rgb + (size_t)y * src->w * 3;
        float *out = tmp + (size_t)y * w * 3;
        for (int x = 0; x < w; x++) {
            const float *wt = tx.weight + (size_t)x * tx.max_taps;
            const uint8_t *p = row + (size_t)tx.first[x] * 3;
            float r = 0, g = 0, b = 0;
            for (int k = 0; k < tx.count[x]; k++, p += 3) {
                r += wt[k] * p[0];
                g += wt[k] * p[1];
                b += wt[k] * p[2];
            }
            out[3 * x] = r;
            out[3 * x + 1] = g;
            out[3 * x + 2] = b;
        }
    }
    /* Vertical pass: tmp -> dst, rounding once. */
    for (int y = 0; y < h; y++) {
        const float *wt = ty.weight + (size_t)y * ty.max_taps;
        uint8_t *out = dst->rgb + (size_t)y * w * 3;
        for (int i = 0; i < w * 3; i++) {
            float v = 0;
            for (int k = 0; k < ty.count[y]; k++)
                v += wt[k] * tmp[(size_t)(ty.first[y] + k) * w * 3 + i];
            v = v < 0 ? 0 : v > 255 ? 255 : v;
            out[i] = (uint8_t)(v + 0.5f);
        }
    }
    st = ST_OK;
done:
    free(tmp);
    taps_free(&tx);
    taps_free(&ty);
    return st;
}

Status image_crop(const Image *src, Image *dst, int x, int y, int w, int h) {
    CHECK(src != dst && x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= src->w && y + h <= src->h);
    if (image_reshape(dst, w, h)) return ST_NOMEM;
    for (int r = 0; r < h; r++)
        memcpy(dst->rgb + (size_t)r * w * 3, src->rgb + ((size_t)(y + r) * src->w + x) * 3,
               (size_t)w * 3);
    return ST_OK;
}

void image_mirror(Image *img) {
    for (int y = 0; y < img->h; y++) {
        uint8_t *row = img->rgb + (size_t)y * img->w * 3;
        for (int a = 0, b = img->w - 1; a < b; a++, b--)
            for (int c = 0; c < 3; c++) {
                uint8_t t = row[3 * a + c];
                row[3 * a + c] = row[3 * b + c];
                row[3 * b + c] = t;
            }
    }
}

void image_to_chw(const Image *img, const Normalize *norm, float *out) {
    size_t plane = (size_t)img->w * img->h;
    for (int oc = 0; oc < 3; oc++) {
        int ic = norm->bgr ? 2 - oc : oc;
        float scale = norm->scale / norm->std[oc];
        float shift = norm->mean[oc] / norm->std[oc];
        float *dst = out + (size_t)oc * plane;
        const uint8_t *src = img->rgb + ic;
        for (size_t i = 0; i < plane; i++) dst[i] = src[3 * i] * scale - shift;
    }
}
