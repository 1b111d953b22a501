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
#include "engine/data/image.h"

#include <math.h>
#include <stdio.h>
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

Normalize image_normalize_caffe(void) {
    return (Normalize){
        .bgr = 1, .scale = 1.0f, .mean = {103.939f, 116.779f, 123.68f}, .std = {1, 1, 1}};
}

Normalize image_normalize_torchvision(void) {
    return (Normalize){.bgr = 0,
                       .scale = 1.0f / 255.0f,
                       .mean = {0.485f, 0.456f, 0.406f},
                       .std = {0.229f, 0.224f, 0.225f}};
}

static int image_normalize_equal(const Normalize *a, const Normalize *b) {
    if (a->bgr != b->bgr || fabsf(a->scale - b->scale) > 1e-6f * b->scale) return 0;
    for (int i = 0; i < 3; i++)
        if (fabsf(a->mean[i] - b->mean[i]) > 1e-4f || fabsf(a->std[i] - b->std[i]) > 1e-5f)
            return 0;
    return 1;
}

void image_normalize_describe(const Normalize *n, char *buf, size_t cap) {
    Normalize caffe = image_normalize_caffe(), tv = image_normalize_torchvision();
    if (image_normalize_equal(n, &caffe))
        snprintf(buf, cap, "bgr255");
    else if (image_normalize_equal(n, &tv))
        snprintf(buf, cap, "rgb01std");
    else
        snprintf(buf, cap, "custom:bgr=%d,scale=%.9g,mean=%.9g/%.9g/%.9g,std=%.9g/%.9g/%.9g",
                 n->bgr, (double)n->scale, (double)n->mean[0], (double)n->mean[1],
                 (double)n->mean[2], (double)n->std[0], (double)n->std[1], (double)n->std[2]);
}

int image_normalize_parse(const char *text, Normalize *n) {
    if (strcmp(text, "bgr255") == 0) {
        *n = image_normalize_caffe();
        return 0;
    }
    if (strcmp(text, "rgb01std") == 0) {
        *n = image_normalize_torchvision();
        return 0;
    }
    Normalize r;
    int bgr, used = 0;
    if (sscanf(text, "custom:bgr=%d,scale=%f,mean=%f/%f/%f,std=%f/%f/%f%n", &bgr, &r.scale,
               &r.mean[0], &r.mean[1], &r.mean[2], &r.std[0], &r.std[1], &r.std[2], &used) != 8 ||
        text[used] != '\0' || (bgr != 0 && bgr != 1) || !(r.scale > 0) || !(r.std[0] > 0) ||
        !(r.std[1] > 0) || !(r.std[2] > 0))
        return -1;
    r.bgr = bgr;
    *n = r;
    return 0;
}
