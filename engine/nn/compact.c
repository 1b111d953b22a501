/*
 * compact — the two compact bilinear pooling layer kinds, "compact_ts"
 * (Tensor Sketch) and "compact_rm" (Random Maclaurin), with one input used
 * twice as in Gao et al. Both are the same glue over a PairPool: setup
 * checks the spec and makes the pooling for the input's channels and
 * locations, forward and backward run it, teardown frees it. Only the
 * create function differs, found by the layer's kind.
 */
#include <limits.h>

#include "engine/nn/layers.h"
#include "engine/nn/pair_pool.h"
#include "engine/nn/random_maclaurin.h"
#include "engine/nn/tensor_sketch.h"

static Status compact_setup(Layer *l, const LayerSpec *spec, Error *err) {
    const char *kind = l->ops->kind;
    if (spec->dim < 1)
        return error_set(err, ST_ARG, "%s %s: dim must be >= 1 (got %d)", kind, l->name, spec->dim);
    if ((long long)l->in.h * l->in.w > INT_MAX)
        return error_set(err, ST_SHAPE, "%s %s: %dx%d input has too many locations", kind, l->name,
                         l->in.h, l->in.w);
    Error inner = {0};
    int hw = l->in.h * l->in.w;
    PairPool *p =
        l->ops == &compact_ts_ops
            ? tensor_sketch_create(l->in.c, l->in.c, hw, spec->dim, spec->seed, &inner)
            : random_maclaurin_create(l->in.c, l->in.c, hw, spec->dim, spec->seed, &inner);
    if (!p) return error_set(err, inner.status, "%s %s: %s", kind, l->name, inner.msg);
    l->priv = p;
    l->out = (Shape){l->in.n, spec->dim, 1, 1};
    return ST_OK;
}

static void compact_forward(Layer *l, const Tensor *x, Tensor *y, float *ws) {
    (void)ws;
    pair_pool_forward(l->priv, x, NULL, y);
}

static void compact_backward(Layer *l, const Tensor *x, const Tensor *y, const Tensor *dy,
                             Tensor *dx, float *ws) {
    (void)y;
    (void)ws;
    if (dx) pair_pool_backward(l->priv, x, NULL, dy, dx, NULL);
}

static void compact_teardown(Layer *l) {
    pair_pool_destroy(l->priv);
}

const LayerOps compact_ts_ops = {
    .kind = "compact_ts",
    .setup = compact_setup,
    .forward = compact_forward,
    .backward = compact_backward,
    .teardown = compact_teardown,
};

const LayerOps compact_rm_ops = {
    .kind = "compact_rm",
    .setup = compact_setup,
    .forward = compact_forward,
    .backward = compact_backward,
    .teardown = compact_teardown,
};
