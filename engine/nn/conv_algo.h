/*
 * conv_algo — how a convolution layer computes, private to the conv files:
 * conv.c is the layer kind (checks, parameters, the choice of algorithm);
 * each algorithm is one const ConvAlgo table in its own file. Every
 * algorithm computes the same function; im2col + GEMM (conv_im2col.c) is
 * the reference the others are tested against. One thread at a time per
 * layer (the engine's), though an algorithm may split its work over the
 * engine's pool (engine/base/parallel.h).
 */
#ifndef FINELAB_CONV_ALGO_H
#define FINELAB_CONV_ALGO_H

#include "engine/nn/layer.h"

typedef struct ConvAlgo ConvAlgo;

/* A conv layer's state (Layer.priv). */
typedef struct Conv {
    int k, stride, pad;
    int relu;  /* the output is max(0, conv + bias); backward masks dy by y > 0 */
    int group; /* im2col: images per GEMM */
    const ConvAlgo *algo;
    void *state; /* the algorithm's, owned (NULL: none) */
    /* Image split (conv.c): when a layer's work per image is small, its
     * batch runs as `split` groups of `per` images side by side, each
     * through `shadow[g]`, a copy of the layer for `per` images whose
     * parameter gradients go to its own buffer (`grads`, summed into the
     * layer's afterwards). 0: the algorithm splits its own work. */
    int split, per;
    Layer *shadow;
    float *grads;
    size_t shadow_ws; /* workspace floats of one group */
} Conv;

struct ConvAlgo {
    const char *name; /* "im2col", "winograd": in logs and the conv_algo key */
    /* 1 when the algorithm can compute layer l (kernel, stride, padding). */
    int (*fits)(const Layer *l);
    /* Sizes the algorithm's state for l (l->priv is the Conv); NULL: none. */
    Status (*setup)(Layer *l, Error *err);
    /* Floats of the shared workspace forward and backward need. */
    size_t (*workspace)(const Layer *l);
    /* y = conv(x) + bias (then max(0, .) with Conv.relu) for x->n samples. */
    void (*forward)(Layer *l, const Tensor *x, Tensor *y, float *ws);
    /* Adds dL/dW, dL/db to the params (unless l->frozen) and writes dL/dx
     * into dx (overwriting) unless dx is NULL; with Conv.relu, dy is the
     * gradient of the rectified output y and counts only where y > 0. dy is
     * not modified. */
    void (*backward)(Layer *l, const Tensor *x, const Tensor *y, const Tensor *dy, Tensor *dx,
                     float *ws);
    /* Frees Conv.state; NULL: nothing to free. */
    void (*teardown)(Layer *l);
    /* 1: the algorithm works on the whole batch at once and splits it over
     * the engine's threads itself, so conv.c never runs it as groups of
     * images. */
    int whole_batch;
};

extern const ConvAlgo conv_im2col_algo;   /* conv_im2col.c: the reference, any shape */
extern const ConvAlgo conv_winograd_algo; /* conv_winograd.c: F(4x4, 3x3), 3x3 pad 1 stride 1 */
extern const ConvAlgo conv_direct_algo;   /* conv_direct.c: register-blocked, 3x3 pad 1 stride 1 */
/* For tests: 1 makes the direct layers set up after it run the AVX2 kernels
 * on a CPU that has AVX-512 too (0, the default: the best the CPU has).
 * Not thread-safe; set it before building layers. */
void conv_direct_cap_avx2(int on);

#endif
