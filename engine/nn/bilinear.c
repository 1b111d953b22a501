/*
 * bilinear — full bilinear pooling and the "bilinear" layer (one input used
 * twice). See bilinear.h.
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

static void bilinear_check_shapes(const Tensor *a, const Tensor *b) {
    if (b) CHECK(b->n == a->n && b->h == a->h && b->w == a->w);
}

void bilinear_forward(const Tensor *a, const Tensor *b, Tensor *y) {
    bilinear_check_shapes(a, b);
    const Tensor *bb = b ? b : a;
    int c1 = a->c, c2 = bb->c, hw = a->h * a->w;
    CHECK(y->c == c1 * c2 && y->h == 1 && y->w == 1);
    CHECK(tensor_capacity(y) >= (size_t)a->n * (size_t)c1 * (size_t)c2);
    y->n = a->n;
    for (int i = 0; i < a->n; i++)
        blas_gemm(0, 1, c1, c2, hw, 1.0f, tensor_sample(a, i), hw, tensor_sample(bb, i), hw, 0.0f,
                  tensor_sample(y, i), c2);
}

void bilinear_backward(const Tensor *a, const Tensor *b, const Tensor *dy, Tensor *da, Tensor *db) {
    bilinear_check_shapes(a, b);
    CHECK(b || !db);
    const Tensor *bb = b ? b : a;
    int c1 = a->c, c2 = bb->c, hw = a->h * a->w;
    CHECK(dy->n == a->n && dy->c == c1 * c2 && dy->h == 1 && dy->w == 1);
    if (da) {
        CHECK(tensor_sample_size(da) == tensor_sample_size(a));
        CHECK(tensor_capacity(da) >= tensor_count(a));
        da->n = a->n;
    }
    if (db) {
        CHECK(tensor_sample_size(db) == tensor_sample_size(b));
        CHECK(tensor_capacity(db) >= tensor_count(b));
        db->n = b->n;
    }
    for (int i = 0; i < a->n; i++) {
        const float *g = tensor_sample(dy, i);
        const float *ai = tensor_sample(a, i), *bi = tensor_sample(bb, i);
        float *dai = da ? tensor_sample(da, i) : NULL;
        /* With a used twice, db's contribution lands in da on top of G a. */
        float *dbi = b ? (db ? tensor_sample(db, i) : NULL) : dai;
        if (dai) blas_gemm(0, 0, c1, hw, c2, 1.0f, g, c2, bi, hw, 0.0f, dai, hw);
        if (dbi)
            blas_gemm(1, 0, c2, hw, c1, 1.0f, g, c2, ai, hw, dbi == dai ? 1.0f : 0.0f, dbi, hw);
    }
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
