/*
 * pair_pool — what the poolings of two feature maps into one vector per
 * sample have in common: full bilinear pooling (bilinear.h) and the
 * compact ones, Tensor Sketch (tensor_sketch.h) and Random Maclaurin
 * (random_maclaurin.h). For a (n x c1 x H x W) and b (n x c2 x H x W) each
 * computes y (n x d x 1 x 1) from the pairs of feature vectors (a_l, b_l) at
 * the H*W locations l.
 *
 * A PairPool is a kind (the per-sample forward and backward) and the shapes
 * it was made for; pair_pool_forward / pair_pool_backward run it over a
 * batch, check the shapes and implement the conventions every caller
 * relies on: b NULL means a is used for both inputs (c1 == c2), and either
 * gradient may be skipped by passing NULL. Kinds with state embed a
 * PairPool as their first member and are freed by pair_pool_destroy. One
 * thread at a time uses a PairPool; shape mismatches are programming
 * errors caught by CHECK.
 */
#ifndef FINELAB_PAIR_POOL_H
#define FINELAB_PAIR_POOL_H

#include "engine/base/error.h"
#include "engine/base/tensor.h"

typedef struct PairPool PairPool;

typedef struct PairPoolKind {
    const char *name; /* "tensor_sketch", for messages */
    /* y[0..d) from one sample's a (c1 x hw) and b (c2 x hw), overwritten. */
    void (*forward)(PairPool *p, const float *a, const float *b, float *y);
    /* From dy = dL/dy: da = dL/da and db = dL/db (overwritten; NULL: not
     * wanted); db == da means a is used twice and both go into da. */
    void (*backward)(PairPool *p, const float *a, const float *b, const float *dy, float *da,
                     float *db);
    /* Frees a PairPool of this kind; NULL: it owns nothing (a stack value). */
    void (*destroy)(PairPool *p);
} PairPoolKind;

struct PairPool {
    const PairPoolKind *kind;
    int c1, c2; /* channels of a and b */
    int hw;     /* locations H*W */
    int d;      /* output dimension */
};

/* y (n x d x 1 x 1) = the pooling of a with b, or with a itself when b is
 * NULL. Overwrites y; sets y->n = a->n. */
void pair_pool_forward(PairPool *p, const Tensor *a, const Tensor *b, Tensor *y);
/* Given dy = dL/dy, overwrites da with dL/da and db with dL/db (either may
 * be NULL to skip it). With b NULL, da gets the sum of both contributions
 * of a and db must be NULL. */
void pair_pool_backward(PairPool *p, const Tensor *a, const Tensor *b, const Tensor *dy, Tensor *da,
                        Tensor *db);
/* Frees p (through its kind); p may be NULL. */
void pair_pool_destroy(PairPool *p);

/* For a create function: ST_ARG (message starting with name) unless the
 * channels, locations and dimension are all >= 1. */
Status pair_pool_check_sizes(const char *name, int c1, int c2, int hw, int d, Error *err);

#endif
