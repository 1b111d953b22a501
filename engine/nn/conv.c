/*
 * conv — the "conv" layer kind: 2-D convolution (cross-correlation, as
 * Caffe and PyTorch) with square kernels, stride, zero padding and an
 * optional bias; weights cout x cin x k x k as PyTorch's.
 *
 * This file checks the spec, makes the parameters and picks the algorithm
 * (conv_algo.h): spec->algo names one ("im2col", the reference, or
 * "winograd"), or is "auto"/NULL for the rule below; a named algorithm that
 * cannot compute the layer's shape falls back to the reference, and
 * conv_algo_name tells which one runs (the trainer logs it per layer).
 *
 * The auto rule, from `make bench` (bench_layers: each VGG-16 shape at 224
 * and 448 px, widths 1 to 0.125): Winograd F(4x4, 3x3) for 3x3 stride-1
 * pad-1 layers with at least CONV_WINO_MIN_CHANNELS input channels; im2col
 * for the rest (conv1_1's 3 channels, any other kernel).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/nn/conv_algo.h"
#include "engine/nn/layers.h"

enum { CONV_WINO_MIN_CHANNELS = 16 };

static const ConvAlgo *const algos[] = {&conv_im2col_algo, &conv_winograd_algo};

static const ConvAlgo *conv_pick(const Layer *l, const char *want) {
    if (want && strcmp(want, "auto") != 0) {
        for (size_t i = 0; i < sizeof algos / sizeof algos[0]; i++)
            if (strcmp(algos[i]->name, want) == 0 && algos[i]->fits(l)) return algos[i];
        return &conv_im2col_algo;
    }
    if (conv_winograd_algo.fits(l) && l->in.c >= CONV_WINO_MIN_CHANNELS) return &conv_winograd_algo;
    return &conv_im2col_algo;
}

static int conv_algo_known(const char *name) {
    if (!name || strcmp(name, "auto") == 0 || strcmp(name, "reference") == 0) return 1;
    for (size_t i = 0; i < sizeof algos / sizeof algos[0]; i++)
        if (strcmp(algos[i]->name, name) == 0) return 1;
    return 0;
}

static Status conv_setup(Layer *l, const LayerSpec *spec, Error *err) {
    int k = spec->kernel, s = spec->stride ? spec->stride : 1, p = spec->pad;
    if (spec->out_channels < 1 || k < 1 || s < 1 || p < 0 || p >= k)
        return error_set(err, ST_ARG,
                         "conv %s: needs out_channels >= 1, kernel >= 1, stride >= 1 and "
                         "0 <= pad < kernel (got %d, %d, %d, %d)",
                         l->name, spec->out_channels, k, s, p);
    if (!conv_algo_known(spec->algo))
        return error_set(err, ST_ARG,
                         "conv %s: unknown algorithm '%s' (auto, reference, im2col or winograd)",
                         l->name, spec->algo);
    int ho = (l->in.h + 2 * p - k) / s + 1, wo = (l->in.w + 2 * p - k) / s + 1;
    if (l->in.h + 2 * p < k || l->in.w + 2 * p < k)
        return error_set(err, ST_SHAPE, "conv %s: %dx%d input is smaller than the %dx%d kernel",
                         l->name, l->in.h, l->in.w, k, k);
    Conv *cv = calloc(1, sizeof *cv);
    if (!cv) return error_set(err, ST_NOMEM, "conv %s: out of memory", l->name);
    *cv = (Conv){.k = k, .stride = s, .pad = p};
    l->priv = cv;
    l->out = (Shape){l->in.n, spec->out_channels, ho, wo};
    const char *want = spec->algo && strcmp(spec->algo, "reference") == 0 ? "im2col" : spec->algo;
    cv->algo = conv_pick(l, want);
    Status st = cv->algo->setup ? cv->algo->setup(l, err) : ST_OK;
    if (!st) st = layer_alloc_params(l, spec->bias ? 2 : 1, err);
    if (st) return st;
    char name[64];
    snprintf(name, sizeof name, "%s.weight", l->name);
    st = param_init(&l->params[0], name, spec->out_channels, l->in.c, k, k, err);
    if (!st && spec->bias) {
        snprintf(name, sizeof name, "%s.bias", l->name);
        st = param_init(&l->params[1], name, spec->out_channels, 1, 1, 1, err);
    }
    return st;
}

static size_t conv_workspace(const Layer *l) {
    const Conv *cv = l->priv;
    return cv->algo->workspace(l);
}

static void conv_forward(Layer *l, const Tensor *x, Tensor *y, float *ws) {
    const Conv *cv = l->priv;
    cv->algo->forward(l, x, y, ws);
}

static void conv_backward(Layer *l, const Tensor *x, const Tensor *y, const Tensor *dy, Tensor *dx,
                          float *ws) {
    (void)y;
    const Conv *cv = l->priv;
    cv->algo->backward(l, x, dy, dx, ws);
}

static void conv_teardown(Layer *l) {
    Conv *cv = l->priv;
    if (cv && cv->algo && cv->algo->teardown) cv->algo->teardown(l);
    free(cv);
}

static const char *conv_variant(const Layer *l) {
    const Conv *cv = l->priv;
    return cv->algo->name;
}

const LayerOps conv_ops = {
    .kind = "conv",
    .setup = conv_setup,
    .workspace = conv_workspace,
    .forward = conv_forward,
    .backward = conv_backward,
    .teardown = conv_teardown,
    .variant = conv_variant,
};
