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
 */
#include <stdlib.h>
#include <string.h>

#include "engine/base/blas.h"
#include "engine/base/parallel.h"
#include "engine/base/simd.h"
#include "engine/nn/conv_algo.h"

enum {
    WINO_LANES = 16,           /* tiles per vector group */
    WINO_POS = 36,             /* 6 x 6 transformed positions */
    CONV_WINO_BLOCK = 4 << 20, /* floats of V + M per block */
    WINO_BLOCK_MIN = 256,
    WINO_BLOCK_MAX = 4096,
};

/* The transforms are compiled for AVX-512, AVX2 and the baseline
 * (engine/base/simd.h). */
#define WINO_CLONES SIMD_CLONES

/* Lane arrays: x[e][l] is element e of lane l's small matrix. */
typedef float Lanes[WINO_LANES];

/* The six 1-D transforms of F(4x4, 3x3), each on every lane: out[k * os]
 * from in[k * is]. Applied along columns and then rows they give the 2-D
 * ones (B^T d B and so on); written out rather than as matrix products so
 * that each is a few vector operations on registers. */

/* B^T: input, 6 -> 6. */
static inline void wino_bt(const Lanes *in, int is, Lanes *out, int os) {
    for (int l = 0; l < WINO_LANES; l++) {
        float d0 = in[0][l], d1 = in[is][l], d2 = in[2 * is][l], d3 = in[3 * is][l],
              d4 = in[4 * is][l], d5 = in[5 * is][l];
        out[0][l] = 4 * d0 - 5 * d2 + d4;
        out[os][l] = -4 * (d1 + d2) + d3 + d4;
        out[2 * os][l] = 4 * (d1 - d2) - d3 + d4;
        out[3 * os][l] = 2 * (d3 - d1) - d2 + d4;
        out[4 * os][l] = 2 * (d1 - d3) - d2 + d4;
        out[5 * os][l] = 4 * d1 - 5 * d3 + d5;
    }
}

/* B: the input's adjoint, 6 -> 6. */
static inline void wino_b(const Lanes *in, int is, Lanes *out, int os) {
    for (int l = 0; l < WINO_LANES; l++) {
        float v0 = in[0][l], v1 = in[is][l], v2 = in[2 * is][l], v3 = in[3 * is][l],
              v4 = in[4 * is][l], v5 = in[5 * is][l];
        out[0][l] = 4 * v0;
        out[os][l] = 4 * (v2 - v1 + v5) + 2 * (v4 - v3);
        out[2 * os][l] = -5 * v0 - 4 * (v1 + v2) - v3 - v4;
        out[3 * os][l] = v1 - v2 + 2 * (v3 - v4) - 5 * v5;
        out[4 * os][l] = v0 + v1 + v2 + v3 + v4;
        out[5 * os][l] = v5;
    }
}

/* G: weights, 3 -> 6. */
static inline void wino_g(const Lanes *in, int is, Lanes *out, int os) {
    for (int l = 0; l < WINO_LANES; l++) {
        float g0 = in[0][l], g1 = in[is][l], g2 = in[2 * is][l];
        out[0][l] = g0 * (1.0f / 4);
        out[os][l] = (g0 + g1 + g2) * (-1.0f / 6);
        out[2 * os][l] = (g0 - g1 + g2) * (-1.0f / 6);
        out[3 * os][l] = g0 * (1.0f / 24) + g1 * (1.0f / 12) + g2 * (1.0f / 6);
        out[4 * os][l] = g0 * (1.0f / 24) - g1 * (1.0f / 12) + g2 * (1.0f / 6);
        out[5 * os][l] = g2;
    }
}

/* G^T: the weights' adjoint, 6 -> 3. */
static inline void wino_gt(const Lanes *in, int is, Lanes *out, int os) {
    for (int l = 0; l < WINO_LANES; l++) {
        float u0 = in[0][l], u1 = in[is][l], u2 = in[2 * is][l], u3 = in[3 * is][l],
              u4 = in[4 * is][l], u5 = in[5 * is][l];
        out[0][l] = u0 * (1.0f / 4) - (u1 + u2) * (1.0f / 6) + (u3 + u4) * (1.0f / 24);
        out[os][l] = (u2 - u1) * (1.0f / 6) + (u3 - u4) * (1.0f / 12);
        out[2 * os][l] = (u3 + u4 - u1 - u2) * (1.0f / 6) + u5;
    }
}

/* A^T: output, 6 -> 4. */
static inline void wino_at(const Lanes *in, int is, Lanes *out, int os) {
    for (int l = 0; l < WINO_LANES; l++) {
        float m0 = in[0][l], m1 = in[is][l], m2 = in[2 * is][l], m3 = in[3 * is][l],
              m4 = in[4 * is][l], m5 = in[5 * is][l];
        float s12 = m1 + m2, d12 = m1 - m2, s34 = m3 + m4, d34 = m3 - m4;
        out[0][l] = m0 + s12 + s34;
        out[os][l] = d12 + 2 * d34;
        out[2 * os][l] = s12 + 4 * s34;
        out[3 * os][l] = d12 + 8 * d34 + m5;
    }
}

/* A: the output's adjoint, 4 -> 6. */
static inline void wino_a(const Lanes *in, int is, Lanes *out, int os) {
    for (int l = 0; l < WINO_LANES; l++) {
        float y0 = in[0][l], y1 = in[is][l], y2 = in[2 * is][l], y3 = in[3 * is][l];
        float s02 = y0 + y2, s13 = y1 + y3, q02 = y0 + 4 * y2, q13 = 2 * y1 + 8 * y3;
        out[0][l] = y0;
        out[os][l] = s02 + s13;
        out[2 * os][l] = s02 - s13;
        out[3 * os][l] = q02 + q13;
        out[4 * os][l] = q02 - q13;
        out[5 * os][l] = y3;
    }
}

/* The 2-D transform of an r x c lane matrix into an R x C one with the 1-D
 * transform t (c -> C along rows, r -> R along columns). */
#define WINO_2D(t, r, c, R, C, in, out)                                                            \
    do {                                                                                           \
        Lanes tmp_[(R) * (c)];                                                                     \
        for (int j_ = 0; j_ < (c); j_++) t((in) + j_, (c), tmp_ + j_, (c));                        \
        for (int i_ = 0; i_ < (R); i_++) t(tmp_ + i_ * (c), 1, (out) + i_ * (C), 1);               \
    } while (0)

/* The block of tiles being worked on and where its buffers are. */
typedef struct Wino {
    Layer *l;
    const Tensor *x, *dy, *y_in; /* y_in: the forward's output, for the ReLU's mask */
    Tensor *y, *dx;
    int th, tw, tiles; /* tiles per image: th x tw; in the batch */
    int t0, tb;        /* this block: tiles [t0, t0 + tb) */
    int ld;            /* columns of V and M (the block size, a multiple of WINO_LANES) */
    float *U, *dU;     /* 36 x cout x cin */
    float *V, *M;      /* 36 x cin x ld, 36 x cout x ld */
} Wino;

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

/* --- input ------------------------------------------------------------------ */

/* --- small images: tiles across rows -------------------------------------------- */

/* When a tile row holds fewer than WINO_RUN_MIN tiles (images of 28 px or
 * less), runs would leave most lanes empty; these versions fill all 16 lanes
 * with consecutive tiles across rows and images, reading and writing each
 * tile's values one by one. Same results, other speed. */

/* The tiles of one lane group: image and top-left input position (-1:
 * the padding row or column) of lanes 0..n-1. */
typedef struct TileGroup {
    int n;
    int img[WINO_LANES], y0[WINO_LANES], x0[WINO_LANES];
} TileGroup;

/* The group of tiles t0 + g .. of the block (fewer than WINO_LANES at the
 * block's end): one division for the first, then a walk along the rows. */
static void wino_group(const Wino *w, int g, TileGroup *tg) {
    int t = w->t0 + g, per = w->th * w->tw;
    tg->n = w->tb - g < WINO_LANES ? w->tb - g : WINO_LANES;
    int img = t / per, ty = t % per / w->tw, tx = t % w->tw;
    for (int q = 0; q < tg->n; q++) {
        tg->img[q] = img;
        tg->y0[q] = 4 * ty - 1;
        tg->x0[q] = 4 * tx - 1;
        if (++tx == w->tw) {
            tx = 0;
            if (++ty == w->th) ty = 0, img++;
        }
    }
}

/* V[.][c][.] of the block for input channel c (task): V = B^T d B. Patches
 * inside the image are copied row by row; those at its edges read zeros
 * outside. */
WINO_CLONES static void wino_input_lanes(void *ctx, int c, int worker) {
    (void)worker;
    Wino *w = ctx;
    const Layer *l = w->l;
    int H = l->in.h, W = l->in.w, cin = l->in.c;
    for (int g = 0; g < w->ld; g += WINO_LANES) {
        Lanes d[WINO_POS], v[WINO_POS];
        TileGroup tg = {0};
        if (g < w->tb) wino_group(w, g, &tg);
        for (int q = tg.n; q < WINO_LANES; q++)
            for (int e = 0; e < WINO_POS; e++) d[e][q] = 0;
        for (int q = 0; q < tg.n; q++) {
            int y0 = tg.y0[q], x0 = tg.x0[q];
            const float *src = tensor_sample(w->x, tg.img[q]) + (size_t)c * H * W;
            if (y0 >= 0 && x0 >= 0 && y0 + 6 <= H && x0 + 6 <= W) {
                for (int i = 0; i < 6; i++) {
                    const float *row = src + (size_t)(y0 + i) * W + x0;
                    for (int j = 0; j < 6; j++) d[i * 6 + j][q] = row[j];
                }
                continue;
            }
            for (int i = 0; i < 6; i++) {
                int yy = y0 + i;
                for (int j = 0; j < 6; j++) {
                    int xx = x0 + j;
                    d[i * 6 + j][q] =
                        yy >= 0 && yy < H && xx >= 0 && xx < W ? src[(size_t)yy * W + xx] : 0;
                }
            }
        }
        WINO_2D(wino_bt, 6, 6, 6, 6, d, v);
        for (int xi = 0; xi < WINO_POS; xi++)
            memcpy(w->V + ((size_t)xi * cin + c) * w->ld + g, v[xi], sizeof(Lanes));
    }
}

/* Channel c of every image of dx set to zero: the input-gradient tasks
 * zero their own channel before the first block adds to it. */
static void wino_zero_planes(Tensor *dx, int c) {
    size_t hw = (size_t)dx->h * dx->w;
    for (int i = 0; i < dx->n; i++)
        memset(tensor_sample(dx, i) + (size_t)c * hw, 0, sizeof(float) * hw);
}

/* dX[.][c] += B dV B^T over the block's tiles, for input channel c (task). */
WINO_CLONES static void wino_input_grad_lanes(void *ctx, int c, int worker) {
    (void)worker;
    Wino *w = ctx;
    const Layer *l = w->l;
    int H = l->in.h, W = l->in.w, cin = l->in.c;
    if (w->t0 == 0) wino_zero_planes(w->dx, c);
    for (int g = 0; g < w->ld && g < w->tb; g += WINO_LANES) {
        Lanes dv[WINO_POS], dd[WINO_POS];
        for (int xi = 0; xi < WINO_POS; xi++)
            memcpy(dv[xi], w->V + ((size_t)xi * cin + c) * w->ld + g, sizeof(Lanes));
        WINO_2D(wino_b, 6, 6, 6, 6, dv, dd);
        TileGroup tg;
        wino_group(w, g, &tg);
        for (int q = 0; q < tg.n; q++) {
            int y0 = tg.y0[q], x0 = tg.x0[q];
            float *dst = tensor_sample(w->dx, tg.img[q]) + (size_t)c * H * W;
            for (int i = 0; i < 6; i++) {
                int yy = y0 + i;
                if (yy < 0 || yy >= H) continue;
                for (int j = 0; j < 6; j++) {
                    int xx = x0 + j;
                    if (xx >= 0 && xx < W) dst[(size_t)yy * W + xx] += dd[i * 6 + j][q];
                }
            }
        }
    }
}

/* y[.][o] of the block's tiles from M, plus the bias, for output channel o. */
WINO_CLONES static void wino_output_lanes(void *ctx, int o, int worker) {
    (void)worker;
    Wino *w = ctx;
    const Layer *l = w->l;
    int H = l->out.h, W = l->out.w, cout = l->out.c;
    int relu = ((const Conv *)l->priv)->relu;
    float bias = l->n_params > 1 ? l->params[1].value.data[o] : 0.0f;
    for (int g = 0; g < w->ld && g < w->tb; g += WINO_LANES) {
        Lanes m[WINO_POS], y[16];
        for (int xi = 0; xi < WINO_POS; xi++)
            memcpy(m[xi], w->M + ((size_t)xi * cout + o) * w->ld + g, sizeof(Lanes));
        WINO_2D(wino_at, 6, 6, 4, 4, m, y);
        TileGroup tg;
        wino_group(w, g, &tg);
        for (int q = 0; q < tg.n; q++) {
            int y0 = tg.y0[q] + 1, x0 = tg.x0[q] + 1; /* the output tile: 1 past the patch */
            float *dst = tensor_sample(w->y, tg.img[q]) + (size_t)o * H * W + (size_t)y0 * W + x0;
            int rows = H - y0 < 4 ? H - y0 : 4, cols = W - x0 < 4 ? W - x0 : 4;
            if (relu) {
                for (int i = 0; i < rows; i++, dst += W)
                    for (int j = 0; j < cols; j++) {
                        float v = y[i * 4 + j][q] + bias;
                        dst[j] = v > 0.0f ? v : 0.0f;
                    }
            } else if (rows == 4 && cols == 4) {
                for (int i = 0; i < 4; i++, dst += W)
                    for (int j = 0; j < 4; j++) dst[j] = y[i * 4 + j][q] + bias;
            } else {
                for (int i = 0; i < rows; i++, dst += W)
                    for (int j = 0; j < cols; j++) dst[j] = y[i * 4 + j][q] + bias;
            }
        }
    }
}

/* M[.][o] of the block = A dY A^T (dM), for output channel o (task). */
WINO_CLONES static void wino_output_grad_lanes(void *ctx, int o, int worker) {
    (void)worker;
    Wino *w = ctx;
    const Layer *l = w->l;
    int H = l->out.h, W = l->out.w, cout = l->out.c;
    int relu = ((const Conv *)l->priv)->relu;
    for (int g = 0; g < w->ld; g += WINO_LANES) {
        Lanes dy[16], dm[WINO_POS];
        TileGroup tg = {0};
        if (g < w->tb) wino_group(w, g, &tg);
        for (int q = tg.n; q < WINO_LANES; q++)
            for (int e = 0; e < 16; e++) dy[e][q] = 0;
        for (int q = 0; q < tg.n; q++) {
            int y0 = tg.y0[q] + 1, x0 = tg.x0[q] + 1;
            size_t plane = (size_t)o * H * W;
            const float *src = tensor_sample(w->dy, tg.img[q]) + plane;
            const float *out = relu ? tensor_sample(w->y_in, tg.img[q]) + plane : NULL;
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 4; j++) {
                    size_t at = (size_t)(y0 + i) * W + x0 + j;
                    int in = y0 + i < H && x0 + j < W;
                    dy[i * 4 + j][q] = in && (!out || out[at] > 0.0f) ? src[at] : 0;
                }
        }
        WINO_2D(wino_a, 4, 4, 6, 6, dy, dm);
        for (int xi = 0; xi < WINO_POS; xi++)
            memcpy(w->M + ((size_t)xi * cout + o) * w->ld + g, dm[xi], sizeof(Lanes));
    }
}

/* A run of up to WINO_LANES consecutive tiles of the block that lie in one
 * tile row: image, tile row, first tile column and count. The transforms
 * work run by run, so that a run's patches are one strip of rows: they are
 * copied once into a zero-padded strip buffer and read from it at a fixed
 * stride, with no bounds checks per element. */
typedef struct TileRun {
    int img, ty, tx, n;
} TileRun;

enum { WINO_STRIP = 4 * WINO_LANES + 4 }; /* floats per strip row: 4n + 2 and slack */
enum { WINO_RUN_MIN = 8 };                /* tiles per row below which runs do not pay */

/* Sixteen floats as one vector (GCC's vector extension: one AVX-512
 * register, or what the target has), for the strided reads below. */
typedef F16 V16;

/* out[q] = row[4q + p] for q < 16 (p in 0..3), from the 64 floats at row:
 * three two-vector shuffles instead of sixteen scalar loads. */
static inline void wino_phase(const float *row, int p, float *out) {
    V16 a, b, c, d;
    memcpy(&a, row, sizeof a);
    memcpy(&b, row + 16, sizeof b);
    memcpy(&c, row + 32, sizeof c);
    memcpy(&d, row + 48, sizeof d);
    I16 pick = {p, p + 4, p + 8, p + 12, 16 + p, 20 + p, 24 + p, 28 + p,
                p, p + 4, p + 8, p + 12, 16 + p, 20 + p, 24 + p, 28 + p};
    I16 halves = {0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23};
    V16 ab = __builtin_shuffle(a, b, pick), cd = __builtin_shuffle(c, d, pick);
    V16 r = __builtin_shuffle(ab, cd, halves);
    memcpy(out, &r, sizeof r);
}

static void wino_run(const Wino *w, int g, TileRun *r) {
    int t = w->t0 + g, per = w->th * w->tw;
    r->img = t / per;
    r->ty = t % per / w->tw;
    r->tx = t % w->tw;
    int n = w->tw - r->tx;
    if (n > WINO_LANES) n = WINO_LANES;
    if (n > w->tb - g) n = w->tb - g;
    r->n = n;
}

/* strip = row y of plane (H x W) from column x0, count values, zero where
 * the row or a column falls outside the plane. */
static void wino_strip_in(const float *plane, int H, int W, int y, int x0, int count,
                          float *strip) {
    if (y < 0 || y >= H) {
        memset(strip, 0, sizeof(float) * (size_t)count);
        return;
    }
    const float *row = plane + (size_t)y * W;
    int lo = x0 < 0 ? -x0 : 0, hi = W - x0 < count ? W - x0 : count;
    if (lo > 0) memset(strip, 0, sizeof(float) * (size_t)lo);
    if (hi > lo) memcpy(strip + lo, row + x0 + lo, sizeof(float) * (size_t)(hi - lo));
    if (hi < count)
        memset(strip + (hi > lo ? hi : lo), 0,
               sizeof(float) * (size_t)(count - (hi > lo ? hi : lo)));
}

/* out[4q + j] = v[j][q] + bias for q < 16, j < 4, rectified when relu: the
 * inverse of wino_phase, by two rounds of two-vector shuffles. */
static inline void wino_interleave(const Lanes *v, float bias, int relu, float *out) {
    V16 y0, y1, y2, y3;
    memcpy(&y0, v[0], sizeof y0);
    memcpy(&y1, v[1], sizeof y1);
    memcpy(&y2, v[2], sizeof y2);
    memcpy(&y3, v[3], sizeof y3);
    y0 += bias, y1 += bias, y2 += bias, y3 += bias;
    if (relu) {
        V16 zero = {0}; /* keep the bits where y > 0 (the mask is all ones there) */
        y0 = (V16)((I16)y0 & (y0 > zero));
        y1 = (V16)((I16)y1 & (y1 > zero));
        y2 = (V16)((I16)y2 & (y2 > zero));
        y3 = (V16)((I16)y3 & (y3 > zero));
    }
    I16 lo = {0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23};
    I16 hi = {8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31};
    I16 lo2 = {0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23};
    I16 hi2 = {8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31};
    V16 a = __builtin_shuffle(y0, y1, lo), b = __builtin_shuffle(y0, y1, hi);
    V16 c = __builtin_shuffle(y2, y3, lo), d = __builtin_shuffle(y2, y3, hi);
    V16 o0 = __builtin_shuffle(a, c, lo2), o1 = __builtin_shuffle(a, c, hi2);
    V16 o2 = __builtin_shuffle(b, d, lo2), o3 = __builtin_shuffle(b, d, hi2);
    memcpy(out, &o0, sizeof o0);
    memcpy(out + 16, &o1, sizeof o1);
    memcpy(out + 32, &o2, sizeof o2);
    memcpy(out + 48, &o3, sizeof o3);
}

/* V[.][c][.] of the block for input channel c (task): V = B^T d B, run by
 * run; the columns past the block's tiles are zero. */
WINO_CLONES static void wino_input_task(void *ctx, int c, int worker) {
    if (((Wino *)ctx)->tw < WINO_RUN_MIN) {
        wino_input_lanes(ctx, c, worker);
        return;
    }
    (void)worker;
    Wino *w = ctx;
    const Layer *l = w->l;
    int H = l->in.h, W = l->in.w, cin = l->in.c;
    float strip[6][WINO_STRIP];
    memset(strip, 0, sizeof strip);
    for (int g = 0; g < w->tb;) {
        TileRun r;
        wino_run(w, g, &r);
        const float *plane = tensor_sample(w->x, r.img) + (size_t)c * H * W;
        int y0 = 4 * r.ty - 1, x0 = 4 * r.tx - 1;
        /* The rows are read in place when the 68 floats from x0 lie inside
         * them; else through the zero-padded strip. */
        int direct = x0 >= 0 && x0 + WINO_STRIP <= W && y0 >= 0 && y0 + 6 <= H;
        Lanes d[WINO_POS], v[WINO_POS];
        for (int i = 0; i < 6; i++) {
            const float *row = plane + (size_t)(y0 + i) * W + x0;
            if (!direct) {
                wino_strip_in(plane, H, W, y0 + i, x0, 4 * r.n + 2, strip[i]);
                row = strip[i];
            }
            for (int j = 0; j < 4; j++) wino_phase(row, j, d[i * 6 + j]);
            for (int j = 4; j < 6; j++) wino_phase(row + 4, j - 4, d[i * 6 + j]);
        }
        WINO_2D(wino_bt, 6, 6, 6, 6, d, v);
        float *dst = w->V + (size_t)c * w->ld + g;
        size_t step = (size_t)cin * w->ld;
        if (r.n == WINO_LANES) /* a whole run: fixed-size stores, no call */
            for (int xi = 0; xi < WINO_POS; xi++) memcpy(dst + xi * step, v[xi], sizeof(Lanes));
        else
            for (int xi = 0; xi < WINO_POS; xi++)
                memcpy(dst + xi * step, v[xi], sizeof(float) * (size_t)r.n);
        g += r.n;
    }
    for (int xi = 0; xi < WINO_POS && w->tb < w->ld; xi++)
        memset(w->V + ((size_t)xi * cin + c) * w->ld + w->tb, 0,
               sizeof(float) * (size_t)(w->ld - w->tb));
}

/* dX[.][c] += B dV B^T over the block's tiles, for input channel c (task):
 * each run's 6 rows are summed in a strip (neighbouring patches overlap by
 * two columns) and added to the plane. */
WINO_CLONES static void wino_input_grad_task(void *ctx, int c, int worker) {
    if (((Wino *)ctx)->tw < WINO_RUN_MIN) {
        wino_input_grad_lanes(ctx, c, worker);
        return;
    }
    (void)worker;
    Wino *w = ctx;
    const Layer *l = w->l;
    int H = l->in.h, W = l->in.w, cin = l->in.c;
    if (w->t0 == 0) wino_zero_planes(w->dx, c);
    for (int g = 0; g < w->tb;) {
        TileRun r;
        wino_run(w, g, &r);
        Lanes dv[WINO_POS], dd[WINO_POS];
        for (int xi = 0; xi < WINO_POS; xi++)
            memcpy(dv[xi], w->V + ((size_t)xi * cin + c) * w->ld + g, sizeof(Lanes));
        WINO_2D(wino_b, 6, 6, 6, 6, dv, dd);
        float *plane = tensor_sample(w->dx, r.img) + (size_t)c * H * W;
        int x0 = 4 * r.tx - 1, count = 4 * r.n + 2;
        for (int i = 0; i < 6; i++) {
            int y = 4 * r.ty - 1 + i;
            if (y < 0 || y >= H) continue;
            /* Columns 4q .. 4q+3 come from tile q alone; 4q+4 and 4q+5 add
             * tile q's overlap with tile q+1. Lanes from n on are zeroed. */
            Lanes rows[6];
            for (int j = 0; j < 6; j++)
                for (int q = 0; q < WINO_LANES; q++) rows[j][q] = q < r.n ? dd[i * 6 + j][q] : 0;
            Lanes tail[4] = {{0}};
            memcpy(tail[0], rows[4], sizeof(Lanes));
            memcpy(tail[1], rows[5], sizeof(Lanes));
            float strip[WINO_STRIP], over[4 * WINO_LANES];
            wino_interleave(rows, 0.0f, 0, strip);
            wino_interleave(tail, 0.0f, 0, over);
            strip[4 * WINO_LANES] = strip[4 * WINO_LANES + 1] = 0;
            for (int k = 0; k < 4 * WINO_LANES - 2; k++) strip[k + 4] += over[k];
            float *row = plane + (size_t)y * W;
            int lo = x0 < 0 ? -x0 : 0, hi = W - x0 < count ? W - x0 : count;
            for (int k = lo; k < hi; k++) row[x0 + k] += strip[k];
        }
        g += r.n;
    }
}

/* --- output ----------------------------------------------------------------- */

/* y[.][o] of the block's tiles from M, plus the bias (and the fused ReLU),
 * for output channel o (task). */
WINO_CLONES static void wino_output_task(void *ctx, int o, int worker) {
    if (((Wino *)ctx)->tw < WINO_RUN_MIN) {
        wino_output_lanes(ctx, o, worker);
        return;
    }
    (void)worker;
    Wino *w = ctx;
    const Layer *l = w->l;
    int H = l->out.h, W = l->out.w, cout = l->out.c;
    int relu = ((const Conv *)l->priv)->relu;
    float bias = l->n_params > 1 ? l->params[1].value.data[o] : 0.0f;
    for (int g = 0; g < w->tb;) {
        TileRun r;
        wino_run(w, g, &r);
        Lanes m[WINO_POS], y[16];
        for (int xi = 0; xi < WINO_POS; xi++)
            memcpy(m[xi], w->M + ((size_t)xi * cout + o) * w->ld + g, sizeof(Lanes));
        WINO_2D(wino_at, 6, 6, 4, 4, m, y);
        float *plane = tensor_sample(w->y, r.img) + (size_t)o * H * W;
        int x0 = 4 * r.tx, count = W - x0 < 4 * r.n ? W - x0 : 4 * r.n;
        for (int i = 0; i < 4; i++) {
            int yy = 4 * r.ty + i;
            if (yy >= H) break;
            float *dst = plane + (size_t)yy * W + x0;
            if (count == 4 * WINO_LANES) { /* a whole run: straight into the row */
                wino_interleave(y + 4 * i, bias, relu, dst);
                continue;
            }
            float strip[WINO_STRIP];
            wino_interleave(y + 4 * i, bias, relu, strip);
            memcpy(dst, strip, sizeof(float) * (size_t)count);
        }
        g += r.n;
    }
}

/* M[.][o] of the block = A dY A^T (dM), for output channel o (task); with
 * the fused ReLU, dY counts only where the forward's output is positive.
 * The columns past the block's tiles are zero. */
WINO_CLONES static void wino_output_grad_task(void *ctx, int o, int worker) {
    if (((Wino *)ctx)->tw < WINO_RUN_MIN) {
        wino_output_grad_lanes(ctx, o, worker);
        return;
    }
    (void)worker;
    Wino *w = ctx;
    const Layer *l = w->l;
    int H = l->out.h, W = l->out.w, cout = l->out.c;
    int relu = ((const Conv *)l->priv)->relu;
    float strip[4][WINO_STRIP];
    memset(strip, 0, sizeof strip);
    for (int g = 0; g < w->tb;) {
        TileRun r;
        wino_run(w, g, &r);
        size_t plane = (size_t)o * H * W;
        const float *src = tensor_sample(w->dy, r.img) + plane;
        const float *out = relu ? tensor_sample(w->y_in, r.img) + plane : NULL;
        int x0 = 4 * r.tx, count = 4 * r.n;
        int whole = count == 4 * WINO_LANES && x0 + count <= W; /* the run's columns all inside */
        for (int i = 0; i < 4; i++) {
            int yy = 4 * r.ty + i;
            if (whole && yy < H) { /* whole 16-float pieces, masked without a branch */
                for (int k = 0; k < count; k += WINO_LANES) {
                    F16 d;
                    memcpy(&d, src + (size_t)yy * W + x0 + k, sizeof d);
                    if (out) {
                        F16 y;
                        memcpy(&y, out + (size_t)yy * W + x0 + k, sizeof y);
                        d = (F16)((I16)d & (y > 0.0f));
                    }
                    memcpy(strip[i] + k, &d, sizeof d);
                }
                continue;
            }
            wino_strip_in(src, H, W, yy, x0, count, strip[i]);
            if (out && yy < H)
                for (int k = 0; k < count && x0 + k < W; k++)
                    if (!(out[(size_t)yy * W + x0 + k] > 0.0f)) strip[i][k] = 0.0f;
        }
        Lanes dy[16], dm[WINO_POS];
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++) wino_phase(strip[i], j, dy[i * 4 + j]);
        WINO_2D(wino_a, 4, 4, 6, 6, dy, dm);
        float *dst = w->M + (size_t)o * w->ld + g;
        size_t step = (size_t)cout * w->ld;
        if (r.n == WINO_LANES) /* a whole run: fixed-size stores, no call */
            for (int xi = 0; xi < WINO_POS; xi++) memcpy(dst + xi * step, dm[xi], sizeof(Lanes));
        else
            for (int xi = 0; xi < WINO_POS; xi++)
                memcpy(dst + xi * step, dm[xi], sizeof(float) * (size_t)r.n);
        g += r.n;
    }
    for (int xi = 0; xi < WINO_POS && w->tb < w->ld; xi++)
        memset(w->M + ((size_t)xi * cout + o) * w->ld + w->tb, 0,
               sizeof(float) * (size_t)(w->ld - w->tb));
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

static void wino_forward(Layer *l, const Tensor *x, Tensor *y, float *ws) {
    Wino w = {.l = l, .x = x, .y = y};
    wino_buffers(&w, ws);
    w.tiles = x->n * w.th * w.tw;
    parallel_run(l->out.c, wino_weights_task, &w);
    for (w.t0 = 0; w.t0 < w.tiles; w.t0 += w.ld) {
        w.tb = w.tiles - w.t0 < w.ld ? w.tiles - w.t0 : w.ld;
        parallel_run(l->in.c, wino_input_task, &w);
        parallel_run(WINO_POS, wino_product_task, &w);
        parallel_run(l->out.c, wino_output_task, &w);
    }
}

static void wino_backward(Layer *l, const Tensor *x, const Tensor *y, const Tensor *dy, Tensor *dx,
                          float *ws) {
    Wino w = {.l = l, .x = x, .dy = dy, .y_in = y, .dx = dx};
    wino_buffers(&w, ws);
    w.tiles = x->n * w.th * w.tw;
    int cin = l->in.c, cout = l->out.c;
    if (!l->frozen && l->n_params > 1)
        parallel_run((cout + WINO_LANES - 1) / WINO_LANES, wino_bias_grad_task, &w);
    if (l->frozen && !dx) return;
    parallel_run(cout, wino_weights_task, &w);
    for (w.t0 = 0; w.t0 < w.tiles; w.t0 += w.ld) {
        w.tb = w.tiles - w.t0 < w.ld ? w.tiles - w.t0 : w.ld;
        if (!l->frozen) parallel_run(cin, wino_input_task, &w);
        parallel_run(cout, wino_output_grad_task, &w);
        parallel_run(WINO_POS, wino_grad_product_task, &w);
        if (dx) parallel_run(cin, wino_input_grad_task, &w);
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
