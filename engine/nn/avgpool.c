/*
 * avgpool — global average pooling: n x c x h x w -> n x c x 1 x 1, each
 * output the mean of its channel plane. No parameters, no state; kernel,
 * stride and pad are ignored. Sums run in double so large planes lose no
 * precision. Backward spreads dy / (h*w) evenly over the plane and reads
 * neither x nor y. y must not alias x.
 */
#include "engine/nn/layers.h"

static Status avgpool_setup(Layer *l, const LayerSpec *spec, Error *err) {
    (void)spec;
    (void)err;
    l->out = (Shape){l->in.n, l->in.c, 1, 1};
    return ST_OK;
}

static void avgpool_forward(Layer *l, const Tensor *x, Tensor *y, float *ws) {
    (void)ws;
    size_t plane = (size_t)l->in.h * l->in.w, planes = (size_t)x->n * l->in.c;
    for (size_t i = 0; i < planes; i++) {
        const float *xp = x->data + i * plane;
        double sum = 0.0;
        for (size_t j = 0; j < plane; j++) sum += xp[j];
        y->data[i] = (float)(sum / (double)plane);
    }
}

static void avgpool_backward(Layer *l, const Tensor *x, const Tensor *y, const Tensor *dy,
                             Tensor *dx, float *ws) {
    (void)y;
    (void)ws;
    if (!dx) return;
    size_t plane = (size_t)l->in.h * l->in.w, planes = (size_t)x->n * l->in.c;
    for (size_t i = 0; i < planes; i++) {
        float g = dy->data[i] / (float)plane;
        float *dxp = dx->data + i * plane;
        for (size_t j = 0; j < plane; j++) dxp[j] = g;
    }
}

const LayerOps avgpool_ops = {
    .kind = "avgpool",
    .setup = avgpool_setup,
    .forward = avgpool_forward,
    .backward = avgpool_backward,
};
