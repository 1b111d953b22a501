/*
 * param — a learnable parameter: its value, gradient and momentum history
 * side by side, with Caffe's per-parameter lr_mult and decay_mult.
 *
 * Layers create their parameters (param_init) when they are set up and free
 * them (param_fini) when they are torn down; the solver reads and writes
 * value, grad and history. Backward passes add into grad (+=), so gradients
 * accumulate across iter_size passes until the solver zeroes them.
 * One thread (the engine's) at a time.
 */
#ifndef FINELAB_PARAM_H
#define FINELAB_PARAM_H

#include "engine/base/tensor.h"

typedef struct Param {
    char name[64];    /* e.g. "conv1_1.weight"; used in messages and files */
    Tensor value;     /* the weights */
    Tensor grad;      /* dL/dvalue, accumulated by backward passes */
    Tensor history;   /* momentum history h (Caffe's history_) */
    float lr_mult;    /* multiplies the solver's learning rate */
    float decay_mult; /* multiplies the solver's weight decay */
} Param;

/* Allocates value, grad and history (all zero) with the given dimensions.
 * On ST_NOMEM nothing stays allocated and err names the parameter. */
Status param_init(Param *p, const char *name, int n, int c, int h, int w, Error *err);
/* Frees the three tensors; p may be NULL. */
void param_fini(Param *p);
/* Sets grad to zero. */
void param_zero_grad(Param *p);

#endif
