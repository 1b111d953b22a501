/*
 * bilinear — full bilinear pooling, a stateless PairPool kind, and the
 * "bilinear" layer (one input used twice). See bilinear.h.
 *
 * A sample is already a c x hw row-major matrix, so the pooled output is
 * one GEMM per sample, Y = A B^T (c1 x c2), and the gradients are one GEMM
 * each: dA = G B, dB = G^T A. When a is used twice the second GEMM adds
 * into the first (beta = 1), giving (G + G^T) A without a temporary.
 */
#include "engine/nn/bilinear.h"

#include <limits.h>

#include "engine/base/blas.h"
#include "engine/nn/layers.h"
#include "engine/nn/pair_pool.h"

static void bilinear_forward_sample(const PairPool *p, const float *a, const float *b, float *y,
                                    float *scratch) {
    (void)scratch;
    blas_gemm(0, 1, p->c1, p->c2, p->hw, 1.0f, a, p->hw, b, p->hw, 0.0f, y, p->c2);
}

/* With a used twice (db == da), db's contribution lands in da on top of G b. */
static void bilinear_backward_sample(const PairPool *p, const float *a, const float *b,
                                     const float *g, float *da, float *db, float *scratch) {
    (void)scratch;
    int c1 = p->c1, c2 = p->c2, hw = p->hw;
    if (da) blas_gemm(0, 0, c1, hw, c2, 1.0f, g, c2, b, hw, 0.0f, da, hw);
    if (db) blas_gemm(1, 0, c2, hw, c1, 1.0f, g, c2, a, hw, db == da ? 1.0f : 0.0f, db, hw);
}

static const PairPoolKind bilinear_kind = {
    .name = "bilinear",
    .forward = bilinear_forward_sample,
    .backward = bilinear_backward_sample,
};

PairPool bilinear_pool(int c1, int c2, int hw) {
    return (PairPool){.kind = &bilinear_kind, .c1 = c1, .c2 = c2, .hw = hw, .d = c1 * c2};
}

/* The pooling for these inputs (b NULL: a twice). */
static PairPool bilinear_pool_for(const Tensor *a, const Tensor *b) {
    return bilinear_pool(a->c, (b ? b : a)->c, a->h * a->w);
}

void bilinear_forward(const Tensor *a, const Tensor *b, Tensor *y) {
    PairPool p = bilinear_pool_for(a, b);
    pair_pool_forward(&p, a, b, y);
}

void bilinear_backward(const Tensor *a, const Tensor *b, const Tensor *dy, Tensor *da, Tensor *db) {
    PairPool p = bilinear_pool_for(a, b);
    pair_pool_backward(&p, a, b, dy, da, db);
}

/* --- the bilinear layer: a used twice -------------------------------------- */

static Status bilinear_setup(Layer *l, const LayerSpec *spec, Error *err) {
    (void)spec;
    long long hw = (long long)l->in.h * l->in.w, cc = (long long)l->in.c * l->in.c;
    if (hw > INT_MAX || cc > INT_MAX)
        return error_set(err, ST_SHAPE,
                         "bilinear %s: %dx%dx%d input is too large (c*c = %lld outputs)", l->name,
                         l->in.c, l->in.h, l->in.w, cc);
    l->out = (Shape){l->in.n, (int)cc, 1, 1};
    return ST_OK;
}

static void bilinear_layer_forward(Layer *l, const Tensor *x, Tensor *y, float *ws) {
    (void)l;
    (void)ws;
    bilinear_forward(x, NULL, y);
}

static void bilinear_layer_backward(Layer *l, const Tensor *x, const Tensor *y, const Tensor *dy,
                                    Tensor *dx, float *ws) {
    (void)l;
    (void)y;
    (void)ws;
    if (dx) bilinear_backward(x, NULL, dy, dx, NULL);
}

const LayerOps bilinear_ops = {
    .kind = "bilinear",
    .setup = bilinear_setup,
    .forward = bilinear_layer_forward,
    .backward = bilinear_layer_backward,
};
