/*
 * layer — the uniform interface every network layer implements, and the
 * one registry of layer kinds.
 *
 * A layer kind is a const LayerOps table (setup, workspace, forward,
 * backward, teardown). A Layer is caller storage set up by layer_init from a
 * LayerSpec and the input shape (whose n is the largest batch it will see);
 * setup sizes everything, so forward and backward never allocate. Large
 * scratch that no layer needs between calls (im2col columns) is one shared
 * workspace owned by the caller and sized to the largest layer_workspace of
 * the layers that share it; small per-layer scratch (the compact poolings'
 * FFT rows and projections, a few MB) stays private to the layer.
 *
 * forward(x, y): y = f(x) for x->n samples (x->n <= in.n).
 * backward(x, y, dy, dx): adds dL/dparams into each param's grad unless the
 * layer is frozen, and writes dL/dx into dx (overwrites) unless dx is NULL.
 * Backward must follow the forward of the same x: some kinds keep state
 * from it (maxpool's argmax, l2norm's norms). relu, signed_sqrt and l2norm
 * may run in place (y == x, dx == dy); the other kinds may not.
 * One thread (the engine's) at a time; errors come back from layer_init only.
 */
#ifndef FINELAB_LAYER_H
#define FINELAB_LAYER_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "engine/base/error.h"
#include "engine/base/param.h"
#include "engine/base/tensor.h"

/* Everything any layer kind may be configured with; each kind reads the
 * fields it documents and ignores the rest. */
typedef struct LayerSpec {
    const char *kind; /* a registered kind: "conv", "relu", "maxpool", ... */
    const char *name; /* instance name, e.g. "conv1_1"; names params and errors */
    int out_channels; /* conv, fc: number of outputs */
    int kernel;       /* conv, maxpool: square kernel size */
    int stride;       /* conv, maxpool: 0 means 1 */
    int pad;          /* conv, maxpool: zero padding on each side */
    int bias;         /* conv, fc: 1 to learn a bias */
    int dim;          /* compact_ts, compact_rm: output dimension d */
    uint64_t seed;    /* compact_ts, compact_rm: seed of the fixed hashes/projections */
    float eps;        /* signed_sqrt: 0.03 when 0, < 0 means exactly 0 (true derivative, for
                          gradient checks); l2norm: 1e-7 when 0, must be >= 0 */
    const char *algo; /* conv: "auto" (or NULL), "reference" (= "im2col") or "winograd" */
    int relu;         /* conv: 1 applies max(0, .) to the output (a fused ReLU) */
} LayerSpec;

/* VGG's convolution: 3x3, stride 1, pad 1, with a bias; cout outputs,
 * computed by algo (NULL: auto), with the fused ReLU when relu. */
LayerSpec layer_spec_conv3x3(const char *name, int cout, const char *algo, int relu);

typedef struct Layer Layer;

typedef struct LayerOps {
    const char *kind;
    /* l->in and l->name are set; fills l->out, params and priv. */
    Status (*setup)(Layer *l, const LayerSpec *spec, Error *err);
    /* Floats of shared workspace forward/backward need (NULL: none). */
    size_t (*workspace)(const Layer *l);
    void (*forward)(Layer *l, const Tensor *x, Tensor *y, float *ws);
    void (*backward)(Layer *l, const Tensor *x, const Tensor *y, const Tensor *dy, Tensor *dx,
                     float *ws);
    /* Frees priv (params are freed by layer_fini). NULL: nothing to free. */
    void (*teardown)(Layer *l);
    /* How this layer computes, for logs ("winograd"); NULL: the kind's only way. */
    const char *(*variant)(const Layer *l);
    /* Bytes of the layer's own buffers besides its parameters, its output and
     * the workspace that grow with the batch or the layer (NULL: none). */
    size_t (*state)(const Layer *l);
} LayerOps;

struct Layer {
    const LayerOps *ops;
    char name[32];
    Shape in;      /* input shape; n = largest batch */
    Shape out;     /* output shape for in.n samples */
    Param *params; /* owned; n_params entries */
    int n_params;
    int frozen; /* 1: backward computes no parameter gradients */
    void *priv; /* kind-specific state, owned */
};

/* Sets up l as spec->kind for input shape in. On failure l is left empty
 * (layer_fini is still safe) and err names the layer and what is wrong. */
Status layer_init(Layer *l, const LayerSpec *spec, Shape in, Error *err);
/* Frees everything l owns; l may be NULL or empty. */
void layer_fini(Layer *l);
/* Shared workspace floats this layer needs. */
size_t layer_workspace(const Layer *l);
/* The kind's state(l), else 0. */
size_t layer_state(const Layer *l);
void layer_forward(Layer *l, const Tensor *x, Tensor *y, float *ws);
void layer_backward(Layer *l, const Tensor *x, const Tensor *y, const Tensor *dy, Tensor *dx,
                    float *ws);

/* How l computes: its kind's variant ("im2col", "winograd"), else its kind. */
const char *layer_variant(const Layer *l);
/* The registered kind called name, or NULL. */
const LayerOps *layer_find(const char *kind);
/* Allocates l->params (n zeroed entries) for a setup function. Inline, so
 * that the layer kinds use no code of layer.c, which registers them. */
static inline Status layer_alloc_params(Layer *l, int n, Error *err) {
    l->params = calloc((size_t)n, sizeof *l->params);
    if (!l->params)
        return error_set(err, ST_NOMEM, "layer %s: cannot allocate parameters", l->name);
    l->n_params = n;
    return ST_OK;
}

#endif
