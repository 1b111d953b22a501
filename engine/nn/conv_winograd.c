/*
 * conv_winograd — 3x3, stride 1, pad 1 convolution by Winograd's minimal
 * filtering F(4x4, 3x3) (Lavin & Gray, 2016): each 4x4 block of output
 * ("tile") comes from a 6x6 block of input with 36 multiplications per
 * input channel instead of 144.
 *
 *   V = B^T d B      input transform of each 6x6 patch d      (36 values)
 *   U = G g G^T      weight transform of each 3x3 filter g    (36 values)
 *   M = U . V        for each of the 36 positions xi, one GEMM:
 *                    M[xi] (cout x tiles) = U[xi] (cout x cin) V[xi] (cin x tiles)
 *   Y = A^T M A      output transform to the 4x4 tile
 *
 * Backward is the exact adjoint of these linear maps: dM = A dY A^T, dU =
 * dM V^T summed over tiles (then dW = G^T dU G), dV = U^T dM (then dX +=
 * B dV B^T, the 6x6 patches overlapping by 2). The points 0, +-1, +-2 and
 * infinity keep float rounding near 1e-6 of the result's scale.
 *
 * Tiles run in blocks (all images of the batch together) sized so that the
 * transformed input and output of a block stay within CONV_WINO_BLOCK
 * floats; the 36 GEMMs of a block are wide enough to run near sgemm's
 * speed. The transforms handle WINO_LANES tiles at a time, in loops the
 * compiler turns into vector code for the CPU it runs on (target_clones).
 * Work is split over the engine's threads (parallel.h): transforms by
 * channel, GEMMs by xi, each GEMM single-threaded. Workspace: U, dU (when
 * training), and the block's V and M.
 *
 * This file is the algorithm: blocks, weights, bias, the 36 products and
 * the layer. The tiles' transforms between planes and blocks are in
 * conv_winograd_strip.c (runs along rows) and conv_winograd_gather.c (small
 * planes), chosen per layer call by the plane's width (conv_winograd.h).
 */
#include <stdlib.h>
#include <string.h>

#include "engine/base/blas.h"
#include "engine/base/parallel.h"
#include "engine/nn/conv_winograd.h"

enum {
    CONV_WINO_BLOCK = 4 << 20, /* floats of V + M per block */
    WINO_BLOCK_MIN = 256,
    WINO_BLOCK_MAX = 4096,
    WINO_RUN_MIN = 8, /* tiles per row below which runs do not pay: the gather path */
};

static int wino_fits(const Layer *l) {
    const Conv *cv = l->priv;
    return cv->k == 3 && cv->stride == 1 && cv->pad == 1;
}

/* Tiles per block: as many as CONV_WINO_BLOCK floats of V and M hold,
 * then evened out over the blocks the batch needs (a small last block
 * would run its GEMMs far below speed). */
static int wino_block(const Layer *l) {
    int th = (l->out.h + 3) / 4, tw = (l->out.w + 3) / 4;
    long tiles = (long)l->in.n * th * tw;
    long fit = CONV_WINO_BLOCK / (WINO_POS * (long)(l->in.c + l->out.c));
    if (fit > WINO_BLOCK_MAX) fit = WINO_BLOCK_MAX;
    if (fit < WINO_BLOCK_MIN) fit = WINO_BLOCK_MIN;
    long blocks = (tiles + fit - 1) / fit, per = (tiles + blocks - 1) / blocks;
    return (int)((per + WINO_LANES - 1) / WINO_LANES * WINO_LANES);
}

static size_t wino_workspace(const Layer *l) {
    size_t kc = (size_t)l->out.c * l->in.c, ld = (size_t)wino_block(l);
    /* + WINO_LANES: a run's 16-lane read of its last row may pass the end */
    return WINO_POS * (2 * kc + ((size_t)l->in.c + l->out.c) * ld) + WINO_LANES;
}

static void wino_buffers(Wino *w, float *ws) {
    const Layer *l = w->l;
    size_t kc = (size_t)l->out.c * l->in.c;
    w->ld = wino_block(l);
    w->U = ws;
    w->dU = ws + WINO_POS * kc;
    w->V = w->dU + WINO_POS * kc;
    w->M = w->V + WINO_POS * (size_t)l->in.c * w->ld;
    w->th = (l->out.h + 3) / 4;
    w->tw = (l->out.w + 3) / 4;
}

/* --- weights ---------------------------------------------------------------- */

/* U[xi][o][c] for output channel o (task): u = G g G^T, lanes over c. */
WINO_CLONES static void wino_weights_task(void *ctx, int o, int worker) {
    (void)worker;
    Wino *w = ctx;
    const Layer *l = w->l;
    int cin = l->in.c, cout = l->out.c;
    const float *wt = l->params[0].value.data + (size_t)o * cin * 9;
    for (int c0 = 0; c0 < cin; c0 += WINO_LANES) {
        int n = cin - c0 < WINO_LANES ? cin - c0 : WINO_LANES;
        Lanes g[9], u[WINO_POS];
        for (int e = 0; e < 9; e++)
            for (int q = 0; q < WINO_LANES; q++) g[e][q] = q < n ? wt[(size_t)(c0 + q) * 9 + e] : 0;
        WINO_2D(wino_g, 3, 3, 6, 6, g, u);
        float *dst = w->U + (size_t)o * cin + c0;
        size_t step = (size_t)cout * cin;
        if (n == WINO_LANES) /* fixed-size stores, no call */
            for (int xi = 0; xi < WINO_POS; xi++) memcpy(dst + xi * step, u[xi], sizeof(Lanes));
        else
            for (int xi = 0; xi < WINO_POS; xi++)
                memcpy(dst + xi * step, u[xi], sizeof(float) * (size_t)n);
    }
}

/* dW[o] += G^T dU[.][o] G, lanes over c. */
WINO_CLONES static void wino_weight_grad_task(void *ctx, int o, int worker) {
    (void)worker;
    Wino *w = ctx;
    const Layer *l = w->l;
    int cin = l->in.c, cout = l->out.c;
    float *dwt = l->params[0].grad.data + (size_t)o * cin * 9;
    for (int c0 = 0; c0 < cin; c0 += WINO_LANES) {
        int n = cin - c0 < WINO_LANES ? cin - c0 : WINO_LANES;
        Lanes du[WINO_POS], dg[9];
        for (int xi = 0; xi < WINO_POS; xi++) {
            const float *src = w->dU + ((size_t)xi * cout + o) * cin + c0;
            for (int q = 0; q < WINO_LANES; q++) du[xi][q] = q < n ? src[q] : 0;
        }
        WINO_2D(wino_gt, 6, 6, 3, 3, du, dg);
        for (int q = 0; q < n; q++)
            for (int e = 0; e < 9; e++) dwt[(size_t)(c0 + q) * 9 + e] += dg[e][q];
    }
}

/* --- bias ------------------------------------------------------------------ */

/* r[k] = the k-th column of the 16 x 16 block r holds: four rounds of
 * interleaving row i with row i + 8 (a perfect shuffle of the 256 values
 * each round; the fourth leaves them transposed). */
static inline void wino_transpose16(F16 r[16]) {
    const I16 lo = {0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23};
    const I16 hi = {8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31};
    for (int round = 0; round < 4; round++) {
        F16 t[16];
        for (int i = 0; i < 8; i++) {
            t[2 * i] = __builtin_shuffle(r[i], r[i + 8], lo);
            t[2 * i + 1] = __builtin_shuffle(r[i], r[i + 8], hi);
        }
        memcpy(r, t, sizeof t);
    }
}

/* sum[k] = one image's sum of dy over channel k's positions where the ReLU
 * passed (relu: where the forward's output is positive), in position order,
 * for WINO_LANES channels (n of them real, from dy and out on, hw apart).
 * The lanes are the channels, 16 positions at a time turned from rows to
 * columns, so each lane adds its channel's values in the order one scalar
 * loop would. */
WINO_CLONES static void wino_bias_sums(const float *dy, const float *out, int n, int hw, int relu,
                                       float *sum) {
    int q = 0;
    if (n == WINO_LANES) {
        F16 acc = {0};
        for (; q + WINO_LANES <= hw; q += WINO_LANES) {
            F16 r[WINO_LANES];
            for (int k = 0; k < WINO_LANES; k++) {
                memcpy(&r[k], dy + (size_t)k * hw + q, sizeof(F16));
                if (relu) {
                    F16 o;
                    memcpy(&o, out + (size_t)k * hw + q, sizeof(F16));
                    r[k] = (F16)((I16)r[k] & (o > 0.0f));
                }
            }
            wino_transpose16(r);
            for (int k = 0; k < WINO_LANES; k++) acc += r[k];
        }
        memcpy(sum, &acc, sizeof acc);
    } else {
        for (int k = 0; k < n; k++) sum[k] = 0.0f;
    }
    for (int k = 0; k < n; k++)
        for (int p = q; p < hw; p++) {
            float o = out[(size_t)k * hw + p], d = dy[(size_t)k * hw + p];
            sum[k] += !relu || o > 0.0f ? d : 0.0f;
        }
}

/* db[o] += the ReLU-masked sum of dy, for WINO_LANES output channels from
 * o = task x WINO_LANES: image by image, as one plain loop over the batch
 * would add them. Same bits at any thread count. */
static void wino_bias_grad_task(void *ctx, int task, int worker) {
    (void)worker;
    const Wino *w = ctx;
    const Layer *l = w->l;
    int cout = l->out.c, hw = l->out.h * l->out.w, relu = ((const Conv *)l->priv)->relu;
    int o0 = task * WINO_LANES, n = cout - o0 < WINO_LANES ? cout - o0 : WINO_LANES;
    float *db = l->params[1].grad.data + o0;
    for (int i = 0; i < w->x->n; i++) {
        float sum[WINO_LANES];
        wino_bias_sums(tensor_sample(w->dy, i) + (size_t)o0 * hw,
                       tensor_sample(w->y_in, i) + (size_t)o0 * hw, n, hw, relu, sum);
        for (int k = 0; k < n; k++) db[k] += sum[k];
    }
}

/* --- the 36 products -------------------------------------------------------- */

/* M[xi] = U[xi] V[xi]. */
static void wino_product_task(void *ctx, int xi, int worker) {
    (void)worker;
    Wino *w = ctx;
    int cin = w->l->in.c, cout = w->l->out.c;
    blas_gemm(0, 0, cout, w->ld, cin, 1.0f, w->U + (size_t)xi * cout * cin, cin,
              w->V + (size_t)xi * cin * w->ld, w->ld, 0.0f, w->M + (size_t)xi * cout * w->ld,
              w->ld);
}

/* dU[xi] += dM[xi] V[xi]^T; then V[xi] = dV[xi] = U[xi]^T dM[xi] when dx is wanted. */
static void wino_grad_product_task(void *ctx, int xi, int worker) {
    (void)worker;
    Wino *w = ctx;
    int cin = w->l->in.c, cout = w->l->out.c;
    float *v = w->V + (size_t)xi * cin * w->ld, *m = w->M + (size_t)xi * cout * w->ld;
    if (!w->l->frozen) /* the first block starts dU[xi] (OpenBLAS zeroes it for beta 0) */
        blas_gemm(0, 1, cout, cin, w->ld, 1.0f, m, w->ld, v, w->ld, w->t0 == 0 ? 0.0f : 1.0f,
                  w->dU + (size_t)xi * cout * cin, cin);
    if (w->dx)
        blas_gemm(1, 0, cin, w->ld, cout, 1.0f, w->U + (size_t)xi * cout * cin, cin, m, w->ld, 0.0f,
                  v, w->ld);
}

/* --- the layer -------------------------------------------------------------- */

/* How tiles move between the planes and the blocks, for this layer's
 * plane width: runs along rows where a row holds enough tiles, else
 * gathered across rows. */
static const WinoTiles *wino_tiles(const Wino *w) {
    return w->tw < WINO_RUN_MIN ? &wino_gather : &wino_strip;
}

static void wino_forward(Layer *l, const Tensor *x, Tensor *y, float *ws) {
    Wino w = {.l = l, .x = x, .y = y};
    wino_buffers(&w, ws);
    const WinoTiles *tiles = wino_tiles(&w);
    w.tiles = x->n * w.th * w.tw;
    parallel_run(l->out.c, wino_weights_task, &w);
    for (w.t0 = 0; w.t0 < w.tiles; w.t0 += w.ld) {
        w.tb = w.tiles - w.t0 < w.ld ? w.tiles - w.t0 : w.ld;
        parallel_run(l->in.c, tiles->input, &w);
        parallel_run(WINO_POS, wino_product_task, &w);
        parallel_run(l->out.c, tiles->output, &w);
    }
}

static void wino_backward(Layer *l, const Tensor *x, const Tensor *y, const Tensor *dy, Tensor *dx,
                          float *ws) {
    Wino w = {.l = l, .x = x, .dy = dy, .y_in = y, .dx = dx};
    wino_buffers(&w, ws);
    const WinoTiles *tiles = wino_tiles(&w);
    w.tiles = x->n * w.th * w.tw;
    int cin = l->in.c, cout = l->out.c;
    if (!l->frozen && l->n_params > 1)
        parallel_run((cout + WINO_LANES - 1) / WINO_LANES, wino_bias_grad_task, &w);
    if (l->frozen && !dx) return;
    parallel_run(cout, wino_weights_task, &w);
    for (w.t0 = 0; w.t0 < w.tiles; w.t0 += w.ld) {
        w.tb = w.tiles - w.t0 < w.ld ? w.tiles - w.t0 : w.ld;
        if (!l->frozen) parallel_run(cin, tiles->input, &w);
        parallel_run(cout, tiles->output_grad, &w);
        parallel_run(WINO_POS, wino_grad_product_task, &w);
        if (dx) parallel_run(cin, tiles->input_grad, &w);
    }
    if (!l->frozen) parallel_run(cout, wino_weight_grad_task, &w);
}

const ConvAlgo conv_winograd_algo = {
    .name = "winograd",
    .fits = wino_fits,
    .workspace = wino_workspace,
    .forward = wino_forward,
    .backward = wino_backward,
};
