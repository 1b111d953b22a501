/*
 * maxpool — max pooling with square windows, stride and padding, sized as
 * Caffe sizes it (ceil mode).
 *
 * Output size: out = ceil((H + 2p - k) / s) + 1, then one less when the last
 * window would start at or past row H, i.e. wholly in the right padding. Caffe
 * applies that trim only when p > 0; we apply it always, as PyTorch's
 * ceil_mode does. The two agree whenever Caffe is well defined: with p == 0
 * the trim can only fire when s > k, where Caffe keeps an empty window
 * (output -FLT_MAX, argmax -1, and its backward writes before the array).
 *
 * Each window is clipped to the image, so padding never wins a max. Ties go
 * to the first maximum in row-major order (strict >). Forward records where
 * each output's maximum was as one byte, its offset in the (unclipped)
 * window, in a buffer sized at setup for the largest batch (a quarter of
 * what plane indices would take: at 448 px the four pools' masks of a batch
 * of 8 are 48 MB instead of 193 MB); backward zeroes dx and scatters dy
 * through them with +=, since windows may overlap. So backward must follow
 * the forward pass of the same x. y must not alias x. Windows are at most
 * MAXPOOL_MAX_KERNEL wide. The common 2x2, stride 2, unpadded window has a
 * path of its own (no clipping inside the image). Planes are independent,
 * so both passes split them into MAXPOOL_TASKS runs on the engine's
 * threads.
 */
#include <stdlib.h>
#include <string.h>

#include <stdint.h>

#include "engine/base/parallel.h"
#include "engine/base/simd.h"
#include "engine/nn/layers.h"

enum {
    MAXPOOL_MAX_KERNEL = 16, /* so a window offset fits a byte */
    MAXPOOL_TASKS = 16
}; /* runs of planes per pass, for the threads */

typedef struct Maxpool {
    int k, stride, pad;
    uint8_t *argmax; /* in.n * c * out.h * out.w window offsets, from the last forward */
} Maxpool;

/* ceil(a / b) for b > 0 and any sign of a (C division truncates toward zero). */
static int maxpool_ceil_div(int a, int b) {
    return a >= 0 ? (a + b - 1) / b : -(-a / b);
}

/* Caffe's ceil-mode output size along one axis (may be < 1 for a too-small input). */
static int maxpool_out_size(int size, int k, int s, int p) {
    int out = maxpool_ceil_div(size + 2 * p - k, s) + 1;
    if ((out - 1) * s >= size + p) out--;
    return out;
}

/* The window of output index o clipped to [0, size): [*lo, *hi), never empty. */
static void maxpool_window(int o, int size, const Maxpool *mp, int *lo, int *hi) {
    int start = o * mp->stride - mp->pad;
    int end = start + mp->k;
    *lo = start > 0 ? start : 0;
    *hi = end < size ? end : size;
}

static Status maxpool_setup(Layer *l, const LayerSpec *spec, Error *err) {
    int k = spec->kernel, s = spec->stride ? spec->stride : 1, p = spec->pad;
    if (k < 1 || k > MAXPOOL_MAX_KERNEL || s < 1 || p < 0 || p >= k)
        return error_set(err, ST_ARG,
                         "maxpool %s: needs 1 <= kernel <= %d, stride >= 1 and 0 <= pad < kernel "
                         "(got %d, %d, %d)",
                         l->name, MAXPOOL_MAX_KERNEL, k, s, p);
    int ho = maxpool_out_size(l->in.h, k, s, p), wo = maxpool_out_size(l->in.w, k, s, p);
    if (ho < 1 || wo < 1)
        return error_set(err, ST_SHAPE,
                         "maxpool %s: %dx%d input with pad %d is smaller than the %dx%d window",
                         l->name, l->in.h, l->in.w, p, k, k);
    Maxpool *mp = calloc(1, sizeof *mp);
    if (!mp) return error_set(err, ST_NOMEM, "maxpool %s: out of memory", l->name);
    l->priv = mp;
    *mp = (Maxpool){k, s, p, NULL};
    l->out = (Shape){l->in.n, l->in.c, ho, wo};
    mp->argmax = malloc(shape_count(l->out) * sizeof *mp->argmax);
    if (!mp->argmax)
        return error_set(err, ST_NOMEM, "maxpool %s: cannot allocate %zu argmax offsets", l->name,
                         shape_count(l->out));
    return ST_OK;
}

/* 1 for the 2x2, stride 2, unpadded window on an even-sized plane: every
 * window lies inside the image. */
static int maxpool_is_2x2(const Layer *l) {
    const Maxpool *mp = l->priv;
    return mp->k == 2 && mp->stride == 2 && mp->pad == 0 && l->in.h % 2 == 0 && l->in.w % 2 == 0;
}

typedef uint8_t U16 __attribute__((vector_size(16)));

/* 16 outputs of a 2x2 window row from its two input rows (32 floats each),
 * as vectors: the same maxima and first-maximum offsets as the scalar loop
 * (strict >, row-major order). */
SIMD_CLONES static void maxpool_2x2_run(const float *r0, const float *r1, float *out, uint8_t *at) {
    F16 a0, a1, b0, b1;
    memcpy(&a0, r0, sizeof a0);
    memcpy(&a1, r0 + 16, sizeof a1);
    memcpy(&b0, r1, sizeof b0);
    memcpy(&b1, r1 + 16, sizeof b1);
    I16 even = {0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30};
    I16 odd = even + 1;
    F16 v[4] = {__builtin_shuffle(a0, a1, even), __builtin_shuffle(a0, a1, odd),
                __builtin_shuffle(b0, b1, even), __builtin_shuffle(b0, b1, odd)};
    F16 m = v[0];
    I16 o = {0};
    for (int k = 1; k < 4; k++) {
        I16 gt = v[k] > m; /* all ones where this candidate wins */
        m = (F16)(((I16)v[k] & gt) | ((I16)m & ~gt));
        o = (k & gt) | (o & ~gt);
    }
    U16 o8 = __builtin_convertvector(o, U16);
    memcpy(out, &m, sizeof m);
    memcpy(at, &o8, sizeof o8);
}

/* Pools one H x W plane into Ho x Wo, recording each output's argmax as its
 * offset in the unclipped window (row * k + column). */
static void maxpool_plane(const Layer *l, const float *x, float *y, uint8_t *arg) {
    const Maxpool *mp = l->priv;
    int H = l->in.h, W = l->in.w, Ho = l->out.h, Wo = l->out.w, k = mp->k;
    if (maxpool_is_2x2(l)) {
        for (int oh = 0; oh < Ho; oh++) {
            const float *r0 = x + (size_t)(2 * oh) * W, *r1 = r0 + W;
            float *out = y + (size_t)oh * Wo;
            uint8_t *at = arg + (size_t)oh * Wo;
            int ow = 0;
            for (; ow + 16 <= Wo; ow += 16)
                maxpool_2x2_run(r0 + 2 * ow, r1 + 2 * ow, out + ow, at + ow);
            for (; ow < Wo; ow++) {
                float m = r0[2 * ow], v;
                int o = 0;
                if ((v = r0[2 * ow + 1]) > m) m = v, o = 1;
                if ((v = r1[2 * ow]) > m) m = v, o = 2;
                if ((v = r1[2 * ow + 1]) > m) m = v, o = 3;
                out[ow] = m;
                at[ow] = (uint8_t)o;
            }
        }
        return;
    }
    for (int oh = 0; oh < Ho; oh++) {
        int h0, h1, sh = oh * mp->stride - mp->pad;
        maxpool_window(oh, H, mp, &h0, &h1);
        for (int ow = 0; ow < Wo; ow++) {
            int w0, w1, sw = ow * mp->stride - mp->pad;
            maxpool_window(ow, W, mp, &w0, &w1);
            int bh = h0, bw = w0;
            for (int ih = h0; ih < h1; ih++)
                for (int iw = w0; iw < w1; iw++)
                    if (x[ih * W + iw] > x[bh * W + bw]) bh = ih, bw = iw;
            y[oh * Wo + ow] = x[bh * W + bw];
            arg[oh * Wo + ow] = (uint8_t)((bh - sh) * k + (bw - sw));
        }
    }
}

/* One pass over planes [p0, p1) of a batch. */
typedef struct MaxpoolRun {
    const Layer *l;
    const Tensor *x, *dy;
    Tensor *y, *dx;
    size_t planes;
} MaxpoolRun;

static void maxpool_range(const MaxpoolRun *r, int task, size_t *p0, size_t *p1) {
    *p0 = r->planes * (size_t)task / MAXPOOL_TASKS;
    *p1 = r->planes * (size_t)(task + 1) / MAXPOOL_TASKS;
}

static void maxpool_forward_task(void *ctx, int task, int worker) {
    (void)worker;
    const MaxpoolRun *r = ctx;
    const Layer *l = r->l;
    const Maxpool *mp = l->priv;
    size_t in_plane = (size_t)l->in.h * l->in.w, out_plane = (size_t)l->out.h * l->out.w, p0, p1;
    maxpool_range(r, task, &p0, &p1);
    for (size_t i = p0; i < p1; i++)
        maxpool_plane(l, r->x->data + i * in_plane, r->y->data + i * out_plane,
                      mp->argmax + i * out_plane);
}

static void maxpool_forward(Layer *l, const Tensor *x, Tensor *y, float *ws) {
    (void)ws;
    MaxpoolRun r = {.l = l, .x = x, .y = y, .planes = (size_t)x->n * l->in.c};
    parallel_run(MAXPOOL_TASKS, maxpool_forward_task, &r);
}

static void maxpool_backward_task(void *ctx, int task, int worker) {
    (void)worker;
    const MaxpoolRun *r = ctx;
    const Layer *l = r->l;
    const Maxpool *mp = l->priv;
    int W = l->in.w, Ho = l->out.h, Wo = l->out.w, k = mp->k;
    size_t in_plane = (size_t)l->in.h * W, out_plane = (size_t)Ho * Wo, p0, p1;
    maxpool_range(r, task, &p0, &p1);
    memset(r->dx->data + p0 * in_plane, 0, sizeof(float) * (p1 - p0) * in_plane);
    for (size_t i = p0; i < p1; i++) {
        float *dxp = r->dx->data + i * in_plane;
        const float *dyp = r->dy->data + i * out_plane;
        const uint8_t *arg = mp->argmax + i * out_plane;
        for (int oh = 0; oh < Ho; oh++)
            for (int ow = 0; ow < Wo; ow++) {
                int o = arg[oh * Wo + ow];
                int ih = oh * mp->stride - mp->pad + o / k, iw = ow * mp->stride - mp->pad + o % k;
                dxp[(size_t)ih * W + iw] += dyp[oh * Wo + ow];
            }
    }
}

static void maxpool_backward(Layer *l, const Tensor *x, const Tensor *y, const Tensor *dy,
                             Tensor *dx, float *ws) {
    (void)y;
    (void)ws;
    if (!dx) return;
    MaxpoolRun r = {.l = l, .dy = dy, .dx = dx, .planes = (size_t)x->n * l->in.c};
    parallel_run(MAXPOOL_TASKS, maxpool_backward_task, &r);
}

static void maxpool_teardown(Layer *l) {
    Maxpool *mp = l->priv;
    if (mp) free(mp->argmax);
    free(mp);
}

/* The argmax offsets, one byte per output. */
static size_t maxpool_state(const Layer *l) {
    const Maxpool *mp = l->priv;
    return shape_count(l->out) * sizeof *mp->argmax;
}

const LayerOps maxpool_ops = {
    .kind = "maxpool",
    .setup = maxpool_setup,
    .forward = maxpool_forward,
    .backward = maxpool_backward,
    .teardown = maxpool_teardown,
    .state = maxpool_state,
};
