/*
 * conv_winograd.h — what the Winograd convolution's files share (private to
 * conv_winograd*.c): the F(4x4, 3x3) transforms on lanes of tiles, the
 * block being worked on (Wino), and the two ways of moving tiles between
 * the planes and the transformed blocks (WinoTiles):
 *   conv_winograd_strip.c   runs of up to 16 tiles along one tile row, read
 *                           and written as strips of rows with vector
 *                           shuffles (planes wide enough for runs);
 *   conv_winograd_gather.c  16 consecutive tiles across rows and images,
 *                           gathered and scattered value by value (small
 *                           planes, where runs would leave lanes empty).
 * Both compute the same values; conv_winograd.c chooses one per layer call.
 */
#ifndef FINELAB_CONV_WINOGRAD_H
#define FINELAB_CONV_WINOGRAD_H

#include <string.h>

#include "engine/base/parallel.h"
#include "engine/base/simd.h"
#include "engine/nn/conv_algo.h"

enum {
    WINO_LANES = 16, /* tiles per vector group */
    WINO_POS = 36,   /* 6 x 6 transformed positions */
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

/* The four tile movers of one path, each a parallel task over channels:
 * input (V of the block from x, task: input channel), input_grad (dx from
 * dV, task: input channel; the first block zeroes the channel), output
 * (y from M with the bias and the fused ReLU, task: output channel) and
 * output_grad (dM of the block from dy, masked by the ReLU, task: output
 * channel). */
typedef struct WinoTiles {
    const char *name;
    ParallelTask input, input_grad, output, output_grad;
} WinoTiles;

extern const WinoTiles wino_strip;  /* conv_winograd_strip.c */
extern const WinoTiles wino_gather; /* conv_winograd_gather.c */

/* The 4 x 4 outputs before the bias, y = A^T M A, of the block's lanes
 * [g, g + WINO_LANES) for output channel o. */
__attribute__((always_inline)) static inline void wino_output_tiles(const Wino *w, int o, int g,
                                                                    Lanes y[16]) {
    const int cout = w->l->out.c;
    Lanes m[WINO_POS];
    for (int xi = 0; xi < WINO_POS; xi++)
        memcpy(m[xi], w->M + ((size_t)xi * cout + o) * w->ld + g, sizeof(Lanes));
    WINO_2D(wino_at, 6, 6, 4, 4, m, y);
}

/* Output channel o's bias (0 without one). */
static inline float wino_bias(const Layer *l, int o) {
    return l->n_params > 1 ? l->params[1].value.data[o] : 0.0f;
}

/* Channel c of every image of dx set to zero: the input-gradient tasks
 * zero their own channel before the first block adds to it. */
static inline void wino_zero_planes(Tensor *dx, int c) {
    size_t hw = (size_t)dx->h * dx->w;
    for (int i = 0; i < dx->n; i++)
        memset(tensor_sample(dx, i) + (size_t)c * hw, 0, sizeof(float) * hw);
}

#endif
