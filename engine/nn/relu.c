/*
 * relu — y = max(0, x). y may be the same tensor as x (in place), and dx the
 * same as dy: backward reads only y, as Caffe's in-place ReLU does.
 */
#include "engine/nn/layers.h"

static Status relu_setup(Layer *l, const LayerSpec *spec, Error *err) {
    (void)spec;
    (void)err;
    l->out = l->in;
    return ST_OK;
}

static void relu_forward(Layer *l, const Tensor *x, Tensor *y, float *ws) {
    (void)l;
    (void)ws;
    size_t count = tensor_count(x);
    for (size_t i = 0; i < count; i++) y->data[i] = x->data[i] > 0.0f ? x->data[i] : 0.0f;
}

static void relu_backward(Layer *l, const Tensor *x, const Tensor *y, const Tensor *dy, Tensor *dx,
                          float *ws) {
    (void)l;
    (void)x;
    (void)ws;
    if (!dx) return;
    size_t count = tensor_count(y);
    for (size_t i = 0; i < count; i++) dx->data[i] = y->data[i] > 0.0f ? dy->data[i] : 0.0f;
}

const LayerOps relu_ops = {
    .kind = "relu",
    .setup = relu_setup,
    .forward = relu_forward,
    .backward = relu_backward,
};
