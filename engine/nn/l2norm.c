/*
 * l2norm — per-sample L2 normalisation over all c*h*w features:
 * y = x / r with r = sqrt(sum x^2 + eps), eps = spec->eps or 1e-7 when 0.
 *
 * With eps inside the root the exact derivative is
 * dx = dy / r - x <x, dy> / r^3 = (dy - y <y, dy>) / r, which is what
 * backward computes (no approximation from eps). Forward keeps each
 * sample's r in a buffer sized at setup for the largest batch, so backward
 * reads only y, dy and those r: y may alias x and dx may alias dy, and
 * backward must follow the forward pass of the same x. Sums run in double.
 */
#include <math.h>
#include <stdlib.h>

#include "engine/nn/layers.h"

#define L2NORM_DEFAULT_EPS 1e-7f

typedef struct L2norm {
    float eps;
    double *norm; /* in.n values of r from the last forward */
} L2norm;

static Status l2norm_setup(Layer *l, const LayerSpec *spec, Error *err) {
    if (spec->eps < 0.0f)
        return error_set(err, ST_ARG, "l2norm %s: eps must be >= 0 (got %g)", l->name,
                         (double)spec->eps);
    L2norm *ln = calloc(1, sizeof *ln);
    if (!ln) return error_set(err, ST_NOMEM, "l2norm %s: out of memory", l->name);
    l->priv = ln;
    ln->eps = spec->eps > 0.0f ? spec->eps : L2NORM_DEFAULT_EPS;
    ln->norm = malloc((size_t)l->in.n * sizeof *ln->norm);
    if (!ln->norm) return error_set(err, ST_NOMEM, "l2norm %s: out of memory", l->name);
    l->out = l->in;
    return ST_OK;
}

static void l2norm_forward(Layer *l, const Tensor *x, Tensor *y, float *ws) {
    (void)ws;
    L2norm *ln = l->priv;
    size_t d = tensor_sample_size(x);
    for (int i = 0; i < x->n; i++) {
        const float *xi = tensor_sample(x, i);
        float *yi = tensor_sample(y, i);
        double ss = 0.0;
        for (size_t j = 0; j < d; j++) ss += (double)xi[j] * xi[j];
        double r = sqrt(ss + ln->eps);
        ln->norm[i] = r;
        for (size_t j = 0; j < d; j++) yi[j] = (float)(xi[j] / r);
    }
}

static void l2norm_backward(Layer *l, const Tensor *x, const Tensor *y, const Tensor *dy,
                            Tensor *dx, float *ws) {
    (void)x;
    (void)ws;
    if (!dx) return;
    const L2norm *ln = l->priv;
    size_t d = tensor_sample_size(y);
    for (int i = 0; i < y->n; i++) {
        const float *yi = tensor_sample(y, i), *dyi = tensor_sample(dy, i);
        float *dxi = tensor_sample(dx, i);
        double dot = 0.0;
        for (size_t j = 0; j < d; j++) dot += (double)yi[j] * dyi[j];
        double r = ln->norm[i];
        for (size_t j = 0; j < d; j++) dxi[j] = (float)((dyi[j] - yi[j] * dot) / r);
    }
}

static void l2norm_teardown(Layer *l) {
    L2norm *ln = l->priv;
    if (ln) free(ln->norm);
    free(ln);
}

static size_t l2norm_state(const Layer *l) {
    const L2norm *ln = l->priv;
    return (size_t)l->in.n * sizeof *ln->norm;
}

const LayerOps l2norm_ops = {
    .kind = "l2norm",
    .setup = l2norm_setup,
    .forward = l2norm_forward,
    .backward = l2norm_backward,
    .teardown = l2norm_teardown,
    .state = l2norm_state,
};
