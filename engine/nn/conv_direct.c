/*
 * conv_direct — 3x3, stride 1, pad 1 convolution computed directly, in
 * register blocks, for the narrow layers of small images (4-16 channels,
 * and planes of 4x4 or less), where im2col's unrolling and Winograd's
 * transforms cost as much as their products and the GEMMs are too small to
 * run at speed.
 *
 * The "slab": a chunk of images of one channel laid out as one tall plane,
 * a zero row above the first image and after each one, so that a 3x3 tap
 * is a plain shift of the flat index (row shift +-W, column shift +-1) and
 * the zero rows are the vertical padding. The horizontal padding is a pair
 * of bit masks per 16 positions (DirectMasks): the left taps of column 0
 * and the right taps of column W - 1 read the neighbouring row's edge,
 * and those lanes are loaded as zero (AVX-512 masked loads; AVX2 ands with
 * the mask). Every image of the chunk, and every output row, is then one
 * long vector loop with no edge cases; the zero rows' outputs are computed
 * and dropped (1/(H+1) of the work).
 *
 * Planes of at most DIRECT_GAPLESS_H rows, where that share is large (a
 * third on a 2x2 image, a fifth on 4x4: the small-image recipe's last
 * layers), are laid out gapless: the images follow each other with no
 * zero row, and the taps that cross an image's top or bottom edge are
 * masked as the left and right ones are (two more masks). Forward and dx
 * give the same bits either way (the same multiply-adds, by zero where
 * padding is read); the weight gradients' vector sums see other positions
 * in each lane, so their rounding differs, which is why taller planes
 * (every layer the demo fine-tunes: 14 rows and up at 224 px) keep the
 * zero rows and the sums they had.
 *
 *   forward  y[co][q] = sum_ci sum_t w[co][ci][t] x_t[ci][q]   (8 output
 *            channels x 48 positions in 24 registers on AVX-512; 4 x 16 on
 *            AVX2), then bias and the fused ReLU as it stores;
 *   dx       the same kernel on the slab of dy (masked by y > 0 under the
 *            fused ReLU) with the weights transposed and the taps flipped;
 *   dW       dW[co][ci][t] = sum_q dy[co][q] x_t[ci][q]: 3 (AVX2: 1)
 *            output channels x 9 taps of vector sums, reduced and added
 *            tile by tile of DIRECT_TILE positions (every input channel on
 *            a tile while its dy stays in L1).
 *
 * Every output value and every weight gradient is summed in an order fixed
 * by the shape alone; the work is split over the engine's threads
 * (parallel.h) by output channels and runs of positions, never inside one
 * sum, so results are the same with any number of threads. The AVX-512 and
 * AVX2 kernels give identical forward and dx values (the same fused
 * multiply-adds in the same order); their weight gradients differ by
 * rounding (16 lanes against 8 before the final sum). On a CPU with
 * neither, the algorithm does not fit and the reference runs.
 *
 * Workspace: the slabs of x and dy, an output slab and the packed weights,
 * for chunks of images sized to stay within DIRECT_WS_MAX floats; the
 * masks are the layer's (Conv.state).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/cpu.h"
#include "engine/base/parallel.h"
#include "engine/base/simd.h"
#include "engine/nn/conv_algo.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define DIRECT_X86 1
#else
#define DIRECT_X86 0
#endif

enum {
    DIRECT_CB = 8,           /* output channels per forward block */
    DIRECT_QB = 48,          /* positions per forward block (both kernels' multiple) */
    DIRECT_TAPS = 9,         /* 3 x 3 */
    DIRECT_WS_MAX = 8 << 20, /* floats of workspace per chunk of images */
    DIRECT_RUNS = 8,         /* runs of positions a forward splits into, at most */
    DIRECT_TILE = 2048,      /* positions of dy a weight-gradient task keeps in L1 */
    DIRECT_GAPLESS_H = 8,    /* planes of at most this many rows: gapless slabs */
};

typedef struct DirectKernels DirectKernels;

/* The edge masks of a slab: bit l of left[v] is 0 where position 16v + l is
 * in column 0 (its left taps read padding), of right[v] where it is in
 * column W - 1; in a gapless slab, of top[v] where it is in its image's
 * row 0 (its upper taps read the image above), of bottom[v] in row H - 1. */
typedef struct DirectMasks {
    const uint16_t *left, *right;
    const uint16_t *top, *bottom; /* gapless slabs (row 0, row H - 1); NULL: zero rows */
} DirectMasks;

/* One convolution pass on slabs (forward, or dx on dy's slab): out[o][q]
 * for o < nout, q < P, from nin input channels. */
typedef struct DirectPass {
    const float *in; /* the input slab, channel stride S */
    size_t S, P;     /* slab stride; output positions (a multiple of DIRECT_QB) */
    int W, nin, nout;
    DirectMasks m;
    const float *wp;   /* packed: [ceil(nout/8)][nin][9][8] */
    const float *bias; /* NULL: none */
    int relu;
    float *out; /* nout x P */
    int runs;   /* runs of positions per channel block */
    const DirectKernels *kernels;
    Tensor *t; /* where each task copies its outputs: images [i0, i0 + g) of t */
    int i0, g, gap;
} DirectPass;

/* Weight gradients from the slabs of x and dy. */
typedef struct DirectGrad {
    const float *x, *dy;
    size_t S, P;
    int W, cin, cout, cob; /* cob: output channels per task (the kernel's) */
    int parts;             /* input channels split into parts, a task each */
    DirectMasks m;
    float *dw, *db; /* the layer's gradients, added to */
    const DirectKernels *kernels;
} DirectGrad;

typedef void (*DirectForwardKernel)(const DirectPass *p, int cb, size_t q0, size_t q1);
typedef void (*DirectGradKernel)(const DirectGrad *g, int co, int ci, size_t q0, size_t q1);

struct DirectKernels {
    DirectForwardKernel forward;
    DirectGradKernel grad;
    int grad_cob;
};

/* --- the kernels ------------------------------------------------------------- */

/* The loops over taps, channels of a block and vectors are unrolled
 * (#pragma GCC unroll) so that the accumulators stay in registers. */

#if DIRECT_X86

#define AVX512 __attribute__((target("avx512f,fma")))
#define AVX2   __attribute__((target("avx2,fma")))

/* Stores acc (+ bias, ReLU) for output channel o at out + q. */
AVX512 static inline void direct_store_512(const DirectPass *p, int o, size_t q, __m512 acc) {
    if (p->bias) acc = _mm512_add_ps(acc, _mm512_set1_ps(p->bias[o]));
    if (p->relu) acc = _mm512_max_ps(acc, _mm512_setzero_ps());
    _mm512_storeu_ps(p->out + (size_t)o * p->P + q, acc);
}

/* The mask of tap (ky, kx) for vector v of a block: the column edges', and
 * in a gapless slab (rows) the row edges' too; all ones for the centre. */
#define DIRECT_TAP_MASK(ml, mr, mt, mb, rows, ky, kx)                                              \
    (((kx) == 0   ? (ml)                                                                           \
      : (kx) == 2 ? (mr)                                                                           \
                  : 0xFFFFu) &                                                                     \
     (!(rows)     ? 0xFFFFu                                                                        \
      : (ky) == 0 ? (mt)                                                                           \
      : (ky) == 2 ? (mb)                                                                           \
                  : 0xFFFFu))

/* Output channels [8cb, 8cb + 8) x positions [q0, q1), 48 at a time: 24
 * accumulators; per input channel and tap, three loads (masked at the
 * edges: the left and right taps, and in a gapless slab (rows) the upper
 * and lower ones) and eight broadcast weights. */
AVX512 static inline void direct_forward_512_body(const DirectPass *p, int cb, size_t q0, size_t q1,
                                                  const int rows) {
    const size_t S = p->S;
    const int W = p->W, nin = p->nin;
    const float *wcb = p->wp + (size_t)cb * nin * DIRECT_TAPS * DIRECT_CB;
    int nc = p->nout - cb * DIRECT_CB < DIRECT_CB ? p->nout - cb * DIRECT_CB : DIRECT_CB;
    for (size_t q = q0; q < q1; q += 48) {
        __m512 a[8][3];
        __mmask16 ml[3], mr[3], mt[3] = {0}, mb[3] = {0};
#pragma GCC unroll 3
        for (int v = 0; v < 3; v++) {
            ml[v] = p->m.left[q / 16 + v];
            mr[v] = p->m.right[q / 16 + v];
            if (rows) mt[v] = p->m.top[q / 16 + v], mb[v] = p->m.bottom[q / 16 + v];
#pragma GCC unroll 8
            for (int c = 0; c < 8; c++) a[c][v] = _mm512_setzero_ps();
        }
        for (int ci = 0; ci < nin; ci++) {
            const float *w = wcb + (size_t)ci * DIRECT_TAPS * DIRECT_CB;
            const float *base = p->in + (size_t)ci * S + q;
#pragma GCC unroll 9
            for (int t = 0; t < DIRECT_TAPS; t++) {
                const int ky = t / 3, kx = t % 3;
                const float *src = base + (size_t)ky * W + kx;
                __m512 x[3];
#pragma GCC unroll 3
                for (int v = 0; v < 3; v++)
                    x[v] = kx == 1 && (!rows || ky == 1)
                               ? _mm512_loadu_ps(src + 16 * v)
                               : _mm512_maskz_loadu_ps(
                                     DIRECT_TAP_MASK(ml[v], mr[v], mt[v], mb[v], rows, ky, kx),
                                     src + 16 * v);
#pragma GCC unroll 8
                for (int c = 0; c < 8; c++) {
                    __m512 wv = _mm512_set1_ps(w[t * DIRECT_CB + c]);
#pragma GCC unroll 3
                    for (int v = 0; v < 3; v++) a[c][v] = _mm512_fmadd_ps(wv, x[v], a[c][v]);
                }
            }
        }
#pragma GCC unroll 8
        for (int c = 0; c < 8; c++)
#pragma GCC unroll 3
            for (int v = 0; v < 3; v++)
                if (c < nc) direct_store_512(p, cb * DIRECT_CB + c, q + 16 * (size_t)v, a[c][v]);
    }
}

AVX512 static void direct_forward_512(const DirectPass *p, int cb, size_t q0, size_t q1) {
    if (p->m.top)
        direct_forward_512_body(p, cb, q0, q1, 1);
    else
        direct_forward_512_body(p, cb, q0, q1, 0);
}

/* dW[co..co+2][ci][.] and, with bias, db[co..co+2]: 27 accumulators; each
 * tap's x (masked at the edges) loaded once for three output channels. */
AVX512 static inline void direct_grad_512_body(const DirectGrad *g, int co, int ci, size_t q0,
                                               size_t q1, const int bias, const int rows) {
    const size_t S = g->S;
    const int W = g->W, nc = g->cout - co < 3 ? g->cout - co : 3;
    const float *d[3], *x = g->x + (size_t)ci * S;
#pragma GCC unroll 3
    for (int c = 0; c < 3; c++) d[c] = g->dy + (size_t)(co + (c < nc ? c : 0)) * S + W + 1;
    __m512 a[3][DIRECT_TAPS], b[3];
#pragma GCC unroll 3
    for (int c = 0; c < 3; c++) {
        b[c] = _mm512_setzero_ps();
#pragma GCC unroll 9
        for (int t = 0; t < DIRECT_TAPS; t++) a[c][t] = _mm512_setzero_ps();
    }
    for (size_t q = q0; q < q1; q += 16) {
        __mmask16 ml = g->m.left[q / 16], mr = g->m.right[q / 16];
        __mmask16 mt = rows ? g->m.top[q / 16] : 0, mb = rows ? g->m.bottom[q / 16] : 0;
        __m512 u[3];
#pragma GCC unroll 3
        for (int c = 0; c < 3; c++) u[c] = _mm512_loadu_ps(d[c] + q);
#pragma GCC unroll 9
        for (int t = 0; t < DIRECT_TAPS; t++) {
            const int ky = t / 3, kx = t % 3;
            const float *src = x + q + (size_t)ky * W + kx;
            __m512 xv =
                kx == 1 && (!rows || ky == 1)
                    ? _mm512_loadu_ps(src)
                    : _mm512_maskz_loadu_ps(DIRECT_TAP_MASK(ml, mr, mt, mb, rows, ky, kx), src);
#pragma GCC unroll 3
            for (int c = 0; c < 3; c++) a[c][t] = _mm512_fmadd_ps(u[c], xv, a[c][t]);
        }
        if (bias)
#pragma GCC unroll 3
            for (int c = 0; c < 3; c++) b[c] = _mm512_add_ps(b[c], u[c]);
    }
#pragma GCC unroll 3
    for (int c = 0; c < 3; c++) {
        if (c >= nc) break;
#pragma GCC unroll 9
        for (int t = 0; t < DIRECT_TAPS; t++)
            g->dw[((size_t)(co + c) * g->cin + ci) * DIRECT_TAPS + t] +=
                _mm512_reduce_add_ps(a[c][t]);
        if (bias) g->db[co + c] += _mm512_reduce_add_ps(b[c]);
    }
}

AVX512 static void direct_grad_512(const DirectGrad *g, int co, int ci, size_t q0, size_t q1) {
    int bias = ci == 0 && g->db;
    if (g->m.top)
        bias ? direct_grad_512_body(g, co, ci, q0, q1, 1, 1)
             : direct_grad_512_body(g, co, ci, q0, q1, 0, 1);
    else
        bias ? direct_grad_512_body(g, co, ci, q0, q1, 1, 0)
             : direct_grad_512_body(g, co, ci, q0, q1, 0, 0);
}

/* The 8 lanes of an edge mask from q as a vector of all-ones / zero. */
AVX2 static inline __m256 direct_mask_256(const uint16_t *m, size_t q) {
    const __m256i bits = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    __m256i v = _mm256_set1_epi32((m[q / 16] >> (q % 16)) & 0xFF);
    return _mm256_castsi256_ps(_mm256_cmpeq_epi32(_mm256_and_si256(v, bits), bits));
}

AVX2 static inline void direct_store_256(const DirectPass *p, int o, size_t q, __m256 acc) {
    if (p->bias) acc = _mm256_add_ps(acc, _mm256_set1_ps(p->bias[o]));
    if (p->relu) acc = _mm256_max_ps(acc, _mm256_setzero_ps());
    _mm256_storeu_ps(p->out + (size_t)o * p->P + q, acc);
}

/* Output channels [8cb, 8cb + 8) x positions [q0, q1), 16 at a time, as
 * two halves of four channels on 8 accumulators: the AVX-512 kernel's sums
 * in the same order. */
AVX2 static inline void direct_forward_256_body(const DirectPass *p, int cb, size_t q0, size_t q1,
                                                const int rows) {
    const size_t S = p->S;
    const int W = p->W, nin = p->nin;
    const float *wcb = p->wp + (size_t)cb * nin * DIRECT_TAPS * DIRECT_CB;
    int nc = p->nout - cb * DIRECT_CB < DIRECT_CB ? p->nout - cb * DIRECT_CB : DIRECT_CB;
    for (size_t q = q0; q < q1; q += 16)
        for (int half = 0; half < 2 && 4 * half < nc; half++) {
            __m256 a[4][2], ml[2], mr[2], mt[2], mb[2];
#pragma GCC unroll 2
            for (int v = 0; v < 2; v++) {
                ml[v] = direct_mask_256(p->m.left, q + 8 * v);
                mr[v] = direct_mask_256(p->m.right, q + 8 * v);
                mt[v] = rows ? direct_mask_256(p->m.top, q + 8 * v) : _mm256_setzero_ps();
                mb[v] = rows ? direct_mask_256(p->m.bottom, q + 8 * v) : _mm256_setzero_ps();
#pragma GCC unroll 4
                for (int c = 0; c < 4; c++) a[c][v] = _mm256_setzero_ps();
            }
            for (int ci = 0; ci < nin; ci++) {
                const float *w = wcb + (size_t)ci * DIRECT_TAPS * DIRECT_CB + 4 * half;
                const float *base = p->in + (size_t)ci * S + q;
#pragma GCC unroll 9
                for (int t = 0; t < DIRECT_TAPS; t++) {
                    const int ky = t / 3, kx = t % 3;
                    const float *src = base + (size_t)ky * W + kx;
                    __m256 x[2];
#pragma GCC unroll 2
                    for (int v = 0; v < 2; v++) {
                        x[v] = _mm256_loadu_ps(src + 8 * v);
                        if (kx == 0) x[v] = _mm256_and_ps(x[v], ml[v]);
                        if (kx == 2) x[v] = _mm256_and_ps(x[v], mr[v]);
                        if (rows && ky == 0) x[v] = _mm256_and_ps(x[v], mt[v]);
                        if (rows && ky == 2) x[v] = _mm256_and_ps(x[v], mb[v]);
                    }
#pragma GCC unroll 4
                    for (int c = 0; c < 4; c++) {
                        __m256 wv = _mm256_set1_ps(w[t * DIRECT_CB + c]);
#pragma GCC unroll 2
                        for (int v = 0; v < 2; v++) a[c][v] = _mm256_fmadd_ps(wv, x[v], a[c][v]);
                    }
                }
            }
#pragma GCC unroll 4
            for (int c = 0; c < 4; c++)
#pragma GCC unroll 2
                for (int v = 0; v < 2; v++)
                    if (4 * half + c < nc)
                        direct_store_256(p, cb * DIRECT_CB + 4 * half + c, q + 8 * (size_t)v,
                                         a[c][v]);
        }
}

AVX2 static void direct_forward_256(const DirectPass *p, int cb, size_t q0, size_t q1) {
    if (p->m.top)
        direct_forward_256_body(p, cb, q0, q1, 1);
    else
        direct_forward_256_body(p, cb, q0, q1, 0);
}

AVX2 static inline float direct_sum_256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* dW[co][ci][.] and, for ci == 0, db[co]: 9 accumulators; dy masked where
 * a tap reads padding (a gapless slab's (rows) row edges too). */
AVX2 static inline void direct_grad_256_body(const DirectGrad *g, int co, int ci, size_t q0,
                                             size_t q1, const int rows) {
    const size_t S = g->S;
    const int W = g->W;
    const float *d0 = g->dy + (size_t)co * S + W + 1, *x = g->x + (size_t)ci * S;
    __m256 a[DIRECT_TAPS], b = _mm256_setzero_ps();
#pragma GCC unroll 9
    for (int t = 0; t < DIRECT_TAPS; t++) a[t] = _mm256_setzero_ps();
    for (size_t q = q0; q < q1; q += 8) {
        __m256 u = _mm256_loadu_ps(d0 + q);
        __m256 ul = _mm256_and_ps(u, direct_mask_256(g->m.left, q)),
               ur = _mm256_and_ps(u, direct_mask_256(g->m.right, q));
        __m256 mt = rows ? direct_mask_256(g->m.top, q) : u,
               mb = rows ? direct_mask_256(g->m.bottom, q) : u;
#pragma GCC unroll 9
        for (int t = 0; t < DIRECT_TAPS; t++) {
            const int ky = t / 3, kx = t % 3;
            __m256 m = kx == 0 ? ul : kx == 2 ? ur : u;
            if (rows && ky == 0) m = _mm256_and_ps(m, mt);
            if (rows && ky == 2) m = _mm256_and_ps(m, mb);
            a[t] = _mm256_fmadd_ps(m, _mm256_loadu_ps(x + q + (size_t)ky * W + kx), a[t]);
        }
        b = _mm256_add_ps(b, u);
    }
#pragma GCC unroll 9
    for (int t = 0; t < DIRECT_TAPS; t++)
        g->dw[((size_t)co * g->cin + ci) * DIRECT_TAPS + t] += direct_sum_256(a[t]);
    if (ci == 0 && g->db) g->db[co] += direct_sum_256(b);
}

AVX2 static void direct_grad_256(const DirectGrad *g, int co, int ci, size_t q0, size_t q1) {
    if (g->m.top)
        direct_grad_256_body(g, co, ci, q0, q1, 1);
    else
        direct_grad_256_body(g, co, ci, q0, q1, 0);
}

#endif /* DIRECT_X86 */

static int direct_avx2_cap; /* conv_direct_cap_avx2 */

void conv_direct_cap_avx2(int on) {
    direct_avx2_cap = on;
}

/* The kernels for this CPU (engine/base/cpu.h): AVX-512, AVX2 with FMA, or
 * none (forward NULL). */
static DirectKernels direct_kernels(void) {
#if DIRECT_X86
    CpuFeatures f = cpu_detect();
    if (f.avx512 && !direct_avx2_cap)
        return (DirectKernels){direct_forward_512, direct_grad_512, 3};
    if (f.avx2 && f.fma) return (DirectKernels){direct_forward_256, direct_grad_256, 1};
#endif
    return (DirectKernels){0};
}

/* --- slabs ---------------------------------------------------------------------- */

/* The slab geometry of g images of h x w, with a zero row after each
 * image (gap 1) or without (gap 0): S floats per channel, P output
 * positions. A channel's slab is a zero float, a zero row, the images (h +
 * gap rows apart), then zeros to S. Output q is the position q + w + 1
 * elements in, so its tap (ky, kx) is element q + ky w + kx: with gaps,
 * output q is flat position q + w of the tall plane whose row 0 is the
 * zero row (the zero rows' outputs are computed and dropped); gapless,
 * position q of the images alone, the taps that cross an image's top or
 * bottom edge masked (DirectMasks). */
typedef struct DirectGeom {
    size_t S, P;
} DirectGeom;

static DirectGeom direct_geom(int g, int h, int w, int gap) {
    size_t p0 = gap ? ((size_t)g * (h + 1) - 1) * w : (size_t)g * h * w;
    size_t P = (p0 + DIRECT_QB - 1) / DIRECT_QB * DIRECT_QB;
    size_t S = (P + 2 * (size_t)w + 2 + 15) / 16 * 16;
    return (DirectGeom){S, P};
}

/* Element of the slab where image j's plane starts. */
static size_t direct_image_at(int j, int h, int w, int gap) {
    return 1 + (size_t)w + (size_t)j * (h + gap) * w;
}

/* Packed weights of a pass with nout outputs of nin inputs. */
static size_t direct_pack_size(int nout, int nin) {
    return (size_t)(nout + DIRECT_CB - 1) / DIRECT_CB * DIRECT_CB * nin * DIRECT_TAPS;
}

/* Zero rows between images (1), or none (0) for planes so short that the
 * rows would be a large share of the work (a third at 2 x 2) and the
 * masks do their work instead. */
static int direct_gap(const Layer *l) {
    return l->in.h > DIRECT_GAPLESS_H;
}

/* Workspace floats for chunks of g images: the slabs of x and dy, the
 * output slab, the packed weights. */
static size_t direct_ws(const Layer *l, int g) {
    DirectGeom d = direct_geom(g, l->in.h, l->in.w, direct_gap(l));
    int cin = l->in.c, cout = l->out.c, wide = cin > cout ? cin : cout;
    size_t fwd = direct_pack_size(cout, cin), bwd = direct_pack_size(cin, cout);
    return (size_t)(cin + cout) * d.S + (size_t)wide * d.P + (fwd > bwd ? fwd : bwd);
}

/* The masks of a slab of h x w planes, P positions: left and right, and
 * with top and bottom not NULL (a gapless slab) those too. */
static void direct_masks(size_t P, int h, int w, uint16_t *left, uint16_t *right, uint16_t *top,
                         uint16_t *bottom) {
    for (size_t v = 0; v < P / 16; v++) {
        uint16_t l = 0, r = 0, t = 0, b = 0;
        for (int i = 0; i < 16; i++) {
            size_t q = v * 16 + (size_t)i;
            int col = (int)(q % (size_t)w), row = (int)(q / (size_t)w % (size_t)h);
            l |= (uint16_t)((col != 0) << i);
            r |= (uint16_t)((col != w - 1) << i);
            t |= (uint16_t)((row != 0) << i);
            b |= (uint16_t)((row != h - 1) << i);
        }
        left[v] = l;
        right[v] = r;
        if (top) top[v] = t, bottom[v] = b;
    }
}

/* dst[q] = src[q] where y[q] > 0, else 0, for q < n. */
SIMD_CLONES static void direct_copy_where(float *dst, const float *src, const float *y, int n) {
    int q = 0;
    for (; q + 16 <= n; q += 16) { /* keep the bits where y > 0 (mask all ones) */
        F16 v, m, zero = {0};
        memcpy(&v, src + q, sizeof v);
        memcpy(&m, y + q, sizeof m);
        v = (F16)((I16)v & (m > zero));
        memcpy(dst + q, &v, sizeof v);
    }
    for (; q < n; q++) dst[q] = y[q] > 0.0f ? src[q] : 0.0f;
}

/* Filling the slabs of channels from a tensor (images [i0, i0 + g)). */
typedef struct DirectFill {
    const Tensor *t, *mask; /* mask: the fused ReLU's output, dy counts where > 0; or NULL */
    int i0, g, gap;
    size_t S;
    float *slab;
} DirectFill;

static void direct_fill_task(void *ctx, int c, int worker) {
    (void)worker;
    const DirectFill *f = ctx;
    const Tensor *t = f->t;
    int h = t->h, w = t->w, hw = h * w;
    float *slab = f->slab + (size_t)c * f->S;
    memset(slab, 0, sizeof(float) * direct_image_at(0, h, w, f->gap));
    for (int j = 0; j < f->g; j++) {
        const float *src = tensor_sample(t, f->i0 + j) + (size_t)c * hw;
        float *dst = slab + direct_image_at(j, h, w, f->gap);
        if (f->mask)
            direct_copy_where(dst, src, tensor_sample(f->mask, f->i0 + j) + (size_t)c * hw, hw);
        else
            memcpy(dst, src, sizeof(float) * hw);
        if (f->gap) memset(dst + hw, 0, sizeof(float) * w); /* the zero row below */
    }
    size_t end = direct_image_at(f->g - 1, h, w, f->gap) + (size_t)hw;
    memset(slab + end, 0, sizeof(float) * (f->S - end));
}

static void direct_fill(const Tensor *t, const Tensor *mask, int i0, int g, int gap, size_t S,
                        float *slab) {
    DirectFill f = {.t = t, .mask = mask, .i0 = i0, .g = g, .gap = gap, .S = S, .slab = slab};
    parallel_run(t->c, direct_fill_task, &f);
}

/* Positions [q0, q1) of output channels [c0, c1) of the slab out (P per
 * channel, images h + gap rows apart) into t's images [i0, i0 + g), any
 * zero rows between images left out. */
static void direct_unpack(const float *out, size_t P, Tensor *t, int i0, int g, int gap, int c0,
                          int c1, size_t q0, size_t q1) {
    int h = t->h, w = t->w, hw = h * w;
    size_t stride = (size_t)(h + gap) * w, end = (size_t)g * stride;
    if (q1 > end) q1 = end;
    for (size_t q = q0; q < q1;) {
        int j = (int)(q / stride);
        size_t at = q - (size_t)j * stride, n = (size_t)hw > at ? (size_t)hw - at : 0;
        size_t next = (size_t)(j + 1) * stride;
        if (n > q1 - q) n = q1 - q;
        for (int c = c0; c < c1 && n; c++)
            memcpy(tensor_sample(t, i0 + j) + (size_t)c * hw + at, out + (size_t)c * P + q,
                   sizeof(float) * n);
        q = next;
    }
}

/* --- the passes ------------------------------------------------------------------ */

static void direct_pass_task(void *ctx, int task, int worker) {
    (void)worker;
    const DirectPass *p = ctx;
    const DirectKernels *k = p->kernels;
    size_t blocks = p->P / DIRECT_QB;
    int cb = task / p->runs, r = task % p->runs;
    size_t q0 = blocks * r / p->runs * DIRECT_QB, q1 = blocks * (r + 1) / p->runs * DIRECT_QB;
    if (q1 <= q0) return;
    k->forward(p, cb, q0, q1);
    int c0 = cb * DIRECT_CB, c1 = c0 + DIRECT_CB < p->nout ? c0 + DIRECT_CB : p->nout;
    direct_unpack(p->out, p->P, p->t, p->i0, p->g, p->gap, c0, c1, q0, q1);
}

static void direct_pass(DirectPass *p) {
    size_t blocks = p->P / DIRECT_QB;
    p->runs = blocks < DIRECT_RUNS ? (int)blocks : DIRECT_RUNS;
    int ncb = (p->nout + DIRECT_CB - 1) / DIRECT_CB;
    parallel_run(ncb * p->runs, direct_pass_task, p);
}

/* A task: a group of output channels (the kernel's) and a part of the
 * input channels, tile by tile of DIRECT_TILE positions, every input
 * channel of the part on each tile: the tile of dy stays in L1 while the
 * rows of x stream past it (dy was read once per input channel). Each
 * tile's sums are added in tile order, so the order is the shape's. */
static void direct_grad_task(void *ctx, int task, int worker) {
    (void)worker;
    const DirectGrad *g = ctx;
    int part = task % g->parts, co = task / g->parts * g->cob;
    int ci0 = g->cin * part / g->parts, ci1 = g->cin * (part + 1) / g->parts;
    for (size_t q = 0; q < g->P; q += DIRECT_TILE) {
        size_t q1 = g->P - q < DIRECT_TILE ? g->P : q + DIRECT_TILE;
        for (int ci = ci0; ci < ci1; ci++) g->kernels->grad(g, co, ci, q, q1);
    }
}

/* The weight gradients: tasks of output-channel groups x parts of the
 * input channels, as few parts as give every thread two tasks or more and
 * all of them the same number, the input channels split evenly where they
 * can be. Few parts read dy few times: each part reads its group's dy
 * once, which on a thin, tall layer streams from memory (conv1_1 at 224
 * px, 3 -> 16: 6 tasks of all three input channels where there were 12
 * of two parts; the demo's step 16% faster). Each (output, input) channel
 * pair is one task's, summed tile by tile, so the split changes no bit. */
static void direct_grad(DirectGrad *g) {
    int groups = (g->cout + g->cob - 1) / g->cob, threads = parallel_threads(), best = 0;
    for (int p = 1; p <= g->cin && !best; p++) {
        int n = groups * p;
        if (n >= 2 * threads && n % threads == 0 && g->cin % p == 0) best = p;
    }
    if (!best) { /* no even split: enough tasks that the last round matters little */
        best = 1;
        while (groups * best < 4 * threads && best < g->cin) best++;
    }
    g->parts = best;
    parallel_run(groups * g->parts, direct_grad_task, g);
}

/* w (cout x cin x 9) packed for a forward pass, or (transposed, taps
 * flipped) for the dx pass. */
static void direct_pack(const float *w, int cout, int cin, int transposed, float *wp) {
    int nout = transposed ? cin : cout, nin = transposed ? cout : cin;
    int ncb = (nout + DIRECT_CB - 1) / DIRECT_CB;
    for (int cb = 0; cb < ncb; cb++)
        for (int i = 0; i < nin; i++)
            for (int t = 0; t < DIRECT_TAPS; t++)
                for (int c = 0; c < DIRECT_CB; c++) {
                    int o = cb * DIRECT_CB + c;
                    float v = 0.0f;
                    if (o < nout)
                        v = transposed ? w[((size_t)i * cin + o) * DIRECT_TAPS + (8 - t)]
                                       : w[((size_t)o * cin + i) * DIRECT_TAPS + t];
                    wp[(((size_t)cb * nin + i) * DIRECT_TAPS + t) * DIRECT_CB + c] = v;
                }
}

/* --- the algorithm --------------------------------------------------------------- */

/* Conv.state: the kernels, the chunk of images the workspace holds, the
 * slab's gap and the edge masks of a full chunk's slab (a shorter chunk's
 * are a prefix: they depend on the position and the plane's shape only). */
typedef struct Direct {
    DirectKernels k;
    int chunk, gap;
    uint16_t *masks; /* left, right (and gapless: top, bottom), P / 16 each */
    DirectMasks m;
} Direct;

static int direct_fits(const Layer *l) {
    const Conv *cv = l->priv;
    return cv->k == 3 && cv->stride == 1 && cv->pad == 1 && direct_kernels().forward;
}

static Status direct_setup(Layer *l, Error *err) {
    Conv *cv = l->priv;
    Direct *d = calloc(1, sizeof *d);
    if (!d) return error_set(err, ST_NOMEM, "conv %s: out of memory", l->name);
    d->k = direct_kernels();
    d->gap = direct_gap(l);
    d->chunk = l->in.n;
    while (d->chunk > 1 && direct_ws(l, d->chunk) > DIRECT_WS_MAX) d->chunk--;
    cv->state = d;
    size_t vecs = direct_geom(d->chunk, l->in.h, l->in.w, d->gap).P / 16, n = d->gap ? 2 : 4;
    if (!(d->masks = malloc(n * vecs * sizeof *d->masks)))
        return error_set(err, ST_NOMEM, "conv %s: out of memory", l->name);
    uint16_t *m = d->masks, *top = d->gap ? NULL : m + 2 * vecs, *bottom = top ? top + vecs : NULL;
    direct_masks(vecs * 16, l->in.h, l->in.w, m, m + vecs, top, bottom);
    d->m = (DirectMasks){m, m + vecs, top, bottom};
    return ST_OK;
}

static void direct_teardown(Layer *l) {
    Conv *cv = l->priv;
    Direct *d = cv->state;
    if (d) free(d->masks);
    free(cv->state);
    cv->state = NULL;
}

static size_t direct_workspace(const Layer *l) {
    const Direct *d = ((const Conv *)l->priv)->state;
    return direct_ws(l, d->chunk);
}

/* Where the workspace's parts are for chunks of g images (the packed
 * weights where a full chunk's are, so that they outlive a short last
 * chunk). */
typedef struct DirectWs {
    DirectGeom geom;
    float *xs, *ds, *out, *pack;
} DirectWs;

static DirectWs direct_ws_parts(const Layer *l, int g, int chunk, float *ws) {
    int cin = l->in.c, cout = l->out.c, wide = cin > cout ? cin : cout, gap = direct_gap(l);
    DirectGeom full = direct_geom(chunk, l->in.h, l->in.w, gap),
               d = direct_geom(g, l->in.h, l->in.w, gap);
    DirectWs p = {.geom = d, .xs = ws};
    p.ds = p.xs + (size_t)cin * d.S;
    p.out = p.ds + (size_t)cout * d.S;
    p.pack = ws + (size_t)(cin + cout) * full.S + (size_t)wide * full.P;
    return p;
}

static void direct_forward(Layer *l, const Tensor *x, Tensor *y, float *ws) {
    const Conv *cv = l->priv;
    const Direct *d = cv->state;
    int cin = l->in.c, cout = l->out.c;
    for (int i0 = 0; i0 < x->n; i0 += d->chunk) {
        int g = x->n - i0 < d->chunk ? x->n - i0 : d->chunk;
        DirectWs p = direct_ws_parts(l, g, d->chunk, ws);
        if (i0 == 0) direct_pack(l->params[0].value.data, cout, cin, 0, p.pack);
        direct_fill(x, NULL, i0, g, d->gap, p.geom.S, p.xs);
        DirectPass pass = {.in = p.xs,
                           .S = p.geom.S,
                           .P = p.geom.P,
                           .W = l->in.w,
                           .nin = cin,
                           .nout = cout,
                           .m = d->m,
                           .wp = p.pack,
                           .bias = l->n_params > 1 ? l->params[1].value.data : NULL,
                           .relu = cv->relu,
                           .out = p.out,
                           .kernels = &d->k,
                           .t = y,
                           .i0 = i0,
                           .g = g,
                           .gap = d->gap};
        direct_pass(&pass);
    }
}

static void direct_backward(Layer *l, const Tensor *x, const Tensor *y, const Tensor *dy,
                            Tensor *dx, float *ws) {
    const Conv *cv = l->priv;
    const Direct *d = cv->state;
    int cin = l->in.c, cout = l->out.c;
    if (l->frozen && !dx) return;
    for (int i0 = 0; i0 < x->n; i0 += d->chunk) {
        int g = x->n - i0 < d->chunk ? x->n - i0 : d->chunk;
        DirectWs p = direct_ws_parts(l, g, d->chunk, ws);
        if (i0 == 0 && dx) direct_pack(l->params[0].value.data, cout, cin, 1, p.pack);
        direct_fill(dy, cv->relu ? y : NULL, i0, g, d->gap, p.geom.S, p.ds);
        if (!l->frozen) {
            direct_fill(x, NULL, i0, g, d->gap, p.geom.S, p.xs);
            DirectGrad gr = {.x = p.xs,
                             .dy = p.ds,
                             .S = p.geom.S,
                             .P = p.geom.P,
                             .W = l->in.w,
                             .cin = cin,
                             .cout = cout,
                             .cob = d->k.grad_cob,
                             .m = d->m,
                             .dw = l->params[0].grad.data,
                             .db = l->n_params > 1 ? l->params[1].grad.data : NULL,
                             .kernels = &d->k};
            direct_grad(&gr);
        }
        if (!dx) continue;
        DirectPass pass = {.in = p.ds,
                           .S = p.geom.S,
                           .P = p.geom.P,
                           .W = l->in.w,
                           .nin = cout,
                           .nout = cin,
                           .m = d->m,
                           .wp = p.pack,
                           .out = p.out,
                           .kernels = &d->k,
                           .t = dx,
                           .i0 = i0,
                           .g = g,
                           .gap = d->gap};
        direct_pass(&pass);
    }
}

const ConvAlgo conv_direct_algo = {
    .name = "direct",
    .fits = direct_fits,
    .setup = direct_setup,
    .workspace = direct_workspace,
    .forward = direct_forward,
    .backward = direct_backward,
    .teardown = direct_teardown,
    .whole_batch = 1,
};
