/*
 * param — a learnable parameter: its value, gradient and the solver's
 * histories side by side, with Caffe's per-parameter lr_mult and decay_mult.
 *
 * Layers create their parameters (param_init) when they are set up and free
 * them (param_fini) when they are torn down; the solver reads and writes
 * value, grad and history. A second history (history2) exists only for the
 * solvers that keep two (AdaDelta, Adam), which allocate it themselves
 * (param_alloc_history2): at VGG-16's full width an always-allocated one
 * would cost a float per parameter for nothing under SGD. Backward passes
 * add into grad (+=), so gradients accumulate across iter_size passes
 * until the solver zeroes them.
 * One thread (the engine's) at a time.
 */
#ifndef FINELAB_PARAM_H
#define FINELAB_PARAM_H

#include "engine/base/tensor.h"

typedef struct Param {
    char name[64];    /* e.g. "conv1_1.weight"; used in messages and files */
    Tensor value;     /* the weights */
    Tensor grad;      /* dL/dvalue, accumulated by backward passes */
    Tensor history;   /* Caffe's history_[i]: SGD's momentum, AdaGrad's sum of g^2, Adam's m */
    Tensor history2;  /* Caffe's history_[n + i] (AdaDelta's update^2, Adam's v); empty
                       * (data NULL) unless the solver keeps two histories */
    float lr_mult;    /* multiplies the solver's learning rate */
    float decay_mult; /* multiplies the solver's weight decay */
} Param;

/* Allocates value, grad and history (all zero) with the given dimensions.
 * On ST_NOMEM nothing stays allocated and err names the parameter. */
Status param_init(Param *p, const char *name, int n, int c, int h, int w, Error *err);
/* Allocates history2 (zero) with value's dimensions if it is still empty;
 * on ST_NOMEM history2 stays empty and err names the parameter. */
Status param_alloc_history2(Param *p, Error *err);
/* Frees the tensors (history2 too when allocated); p may be NULL. */
void param_fini(Param *p);
/* Sets grad to zero. */
void param_zero_grad(Param *p);

#endif
