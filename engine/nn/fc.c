/*
 * fc — fully connected layer: each sample's c*h*w inputs, flattened in NCHW
 * order, map to out_channels outputs (n x out x 1 x 1).
 *
 * Weight layout is PyTorch's nn.Linear: out x in, named "<layer>.weight",
 * plus "<layer>.bias" (out) when spec->bias. The whole batch is one GEMM
 * each way: y = x W^T + b, dW += dy^T x, db += column sums of dy,
 * dx = dy W. Parameters start at zero; initialising them is the network
 * builder's job. No workspace and no state between calls.
 */
#include <limits.h>
#include <stdio.h>

#include "engine/base/blas.h"
#include "engine/nn/layers.h"

static Status fc_setup(Layer *l, const LayerSpec *spec, Error *err) {
    if (spec->out_channels < 1)
        return error_set(err, ST_ARG, "fc %s: needs out_channels >= 1 (got %d)", l->name,
                         spec->out_channels);
    size_t in = (size_t)l->in.c * l->in.h * l->in.w;
    if (in > INT_MAX)
        return error_set(err, ST_SHAPE, "fc %s: %zu inputs per sample is too many", l->name, in);
    l->out = (Shape){l->in.n, spec->out_channels, 1, 1};
    Status st = layer_alloc_params(l, spec->bias ? 2 : 1, err);
    if (st) return st;
    char name[64];
    snprintf(name, sizeof name, "%s.weight", l->name);
    st = param_init(&l->params[0], name, spec->out_channels, (int)in, 1, 1, err);
    if (!st && spec->bias) {
        snprintf(name, sizeof name, "%s.bias", l->name);
        st = param_init(&l->params[1], name, spec->out_channels, 1, 1, 1, err);
    }
    return st;
}

static void fc_forward(Layer *l, const Tensor *x, Tensor *y, float *ws) {
    (void)ws;
    int n = x->n, in = (int)tensor_sample_size(x), out = l->out.c;
    blas_gemm(0, 1, n, out, in, 1.0f, x->data, in, l->params[0].value.data, in, 0.0f, y->data, out);
    if (l->n_params > 1) {
        const float *b = l->params[1].value.data;
        for (int i = 0; i < n; i++)
            for (int o = 0; o < out; o++) y->data[(size_t)i * out + o] += b[o];
    }
}

static void fc_backward(Layer *l, const Tensor *x, const Tensor *y, const Tensor *dy, Tensor *dx,
                        float *ws) {
    (void)y;
    (void)ws;
    int n = x->n, in = (int)tensor_sample_size(x), out = l->out.c;
    if (!l->frozen) {
        blas_gemm(1, 0, out, in, n, 1.0f, dy->data, out, x->data, in, 1.0f, l->params[0].grad.data,
                  in);
        if (l->n_params > 1) {
            float *db = l->params[1].grad.data;
            for (int o = 0; o < out; o++) {
                float sum = 0.0f;
                for (int i = 0; i < n; i++) sum += dy->data[(size_t)i * out + o];
                db[o] += sum;
            }
        }
    }
    if (dx)
        blas_gemm(0, 0, n, in, out, 1.0f, dy->data, out, l->params[0].value.data, in, 0.0f,
                  dx->data, in);
}

const LayerOps fc_ops = {
    .kind = "fc",
    .setup = fc_setup,
    .forward = fc_forward,
    .backward = fc_backward,
};
