/*
 * layer — dispatch through LayerOps tables and the registry of kinds.
 * Adding a layer kind means adding its table to `kinds` below.
 */
#include "engine/nn/layer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/nn/layers.h"

static const LayerOps *const kinds[] = {
    &conv_ops,       &relu_ops,     &maxpool_ops,     &avgpool_ops, &compact_ts_ops,
    &compact_rm_ops, &bilinear_ops, &signed_sqrt_ops, &l2norm_ops,  &fc_ops,
};

const LayerOps *layer_find(const char *kind) {
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (kind && strcmp(kinds[i]->kind, kind) == 0) return kinds[i];
    return NULL;
}

LayerSpec layer_spec_conv3x3(const char *name, int cout, const char *algo, int relu) {
    return (LayerSpec){.kind = "conv",
                       .name = name,
                       .out_channels = cout,
                       .kernel = 3,
                       .stride = 1,
                       .pad = 1,
                       .bias = 1,
                       .relu = relu,
                       .algo = algo};
}

Status layer_init(Layer *l, const LayerSpec *spec, Shape in, Error *err) {
    memset(l, 0, sizeof *l);
    snprintf(l->name, sizeof l->name, "%s", spec->name ? spec->name : spec->kind);
    const LayerOps *ops = layer_find(spec->kind);
    if (!ops)
        return error_set(err, ST_ARG, "layer %s: unknown kind '%s'", l->name,
                         spec->kind ? spec->kind : "(null)");
    if (in.n < 1 || in.c < 1 || in.h < 1 || in.w < 1)
        return error_set(err, ST_SHAPE, "layer %s: input shape %dx%dx%dx%d is empty", l->name, in.n,
                         in.c, in.h, in.w);
    l->ops = ops;
    l->in = in;
    Status st = ops->setup(l, spec, err);
    if (st) layer_fini(l);
    return st;
}

void layer_fini(Layer *l) {
    if (!l) return;
    if (l->ops && l->ops->teardown) l->ops->teardown(l);
    for (int i = 0; i < l->n_params; i++) param_fini(&l->params[i]);
    free(l->params);
    memset(l, 0, sizeof *l);
}

size_t layer_workspace(const Layer *l) {
    return l->ops->workspace ? l->ops->workspace(l) : 0;
}

size_t layer_state(const Layer *l) {
    return l->ops->state ? l->ops->state(l) : 0;
}

void layer_forward(Layer *l, const Tensor *x, Tensor *y, float *ws) {
    CHECK(x->n <= l->in.n && x->c == l->in.c && x->h == l->in.h && x->w == l->in.w);
    CHECK(y->c == l->out.c && y->h == l->out.h && y->w == l->out.w);
    CHECK(tensor_sample_size(y) * (size_t)x->n <= tensor_capacity(y));
    y->n = x->n;
    l->ops->forward(l, x, y, ws);
}

void layer_backward(Layer *l, const Tensor *x, const Tensor *y, const Tensor *dy, Tensor *dx,
                    float *ws) {
    CHECK(dy->n == x->n && tensor_count(dy) == tensor_count(y));
    if (dx) {
        CHECK(tensor_sample_size(dx) == tensor_sample_size(x));
        dx->n = x->n;
    }
    l->ops->backward(l, x, y, dy, dx, ws);
}

const char *layer_variant(const Layer *l) {
    return l->ops->variant ? l->ops->variant(l) : l->ops->kind;
}
