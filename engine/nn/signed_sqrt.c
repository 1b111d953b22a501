/*
 * signed_sqrt — y = sign(x) sqrt(|x|), elementwise (sign(0) = 0).
 *
 * The true derivative 1 / (2 sqrt(|x|)) is unbounded at 0, so backward uses
 * the reference Caffe layer's smoothed dx = 0.5 dy / (|y| + eps), with
 * eps = spec->eps, or 0.03 when spec->eps is 0. A negative spec->eps means
 * eps = 0 exactly: the true derivative, for gradient checks; then dx is
 * infinite (or NaN) wherever y is 0, so it is not for training.
 * Backward reads only y, so y may alias x and dx may alias dy (in place).
 */
#include <math.h>
#include <stdlib.h>

#include "engine/nn/layers.h"

#define SIGNED_SQRT_DEFAULT_EPS 0.03f

typedef struct SignedSqrt {
    float eps;
} SignedSqrt;

static Status signed_sqrt_setup(Layer *l, const LayerSpec *spec, Error *err) {
    SignedSqrt *ss = malloc(sizeof *ss);
    if (!ss) return error_set(err, ST_NOMEM, "signed_sqrt %s: out of memory", l->name);
    ss->eps = spec->eps > 0.0f ? spec->eps : spec->eps < 0.0f ? 0.0f : SIGNED_SQRT_DEFAULT_EPS;
    l->priv = ss;
    l->out = l->in;
    return ST_OK;
}

static void signed_sqrt_forward(Layer *l, const Tensor *x, Tensor *y, float *ws) {
    (void)l;
    (void)ws;
    size_t count = tensor_count(x);
    /* copysignf rather than comparisons, so a NaN input stays NaN. */
    for (size_t i = 0; i < count; i++) y->data[i] = copysignf(sqrtf(fabsf(x->data[i])), x->data[i]);
}

static void signed_sqrt_backward(Layer *l, const Tensor *x, const Tensor *y, const Tensor *dy,
                                 Tensor *dx, float *ws) {
    (void)x;
    (void)ws;
    if (!dx) return;
    const SignedSqrt *ss = l->priv;
    size_t count = tensor_count(y);
    for (size_t i = 0; i < count; i++)
        dx->data[i] = 0.5f * dy->data[i] / (fabsf(y->data[i]) + ss->eps);
}

static void signed_sqrt_teardown(Layer *l) {
    free(l->priv);
}

const LayerOps signed_sqrt_ops = {
    .kind = "signed_sqrt",
    .setup = signed_sqrt_setup,
    .forward = signed_sqrt_forward,
    .backward = signed_sqrt_backward,
    .teardown = signed_sqrt_teardown,
};
