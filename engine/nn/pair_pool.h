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
 * PairPool as their first member and are freed by pair_pool_destroy.
 *
 * The samples of a batch run side by side on the engine's threads
 * (parallel.h), each through the kind's per-sample functions with the
 * scratch of the thread that runs it: a kind says how many floats one
 * thread needs (PairPool.scratch), the driver keeps one 64-byte aligned
 * block per thread (worker 0's made by pair_pool_init, the others on first
 * use; where one cannot be had the batch runs on one thread). Each sample
 * is computed alone, so the results do not depend on the thread count.
 * One caller at a time uses a PairPool; shape mismatches are programming
 * errors caught by CHECK.
 */
#ifndef FINELAB_PAIR_POOL_H
#define FINELAB_PAIR_POOL_H

#include <stddef.h>

#include "engine/base/error.h"
#include "engine/base/parallel.h"
#include "engine/base/tensor.h"

typedef struct PairPool PairPool;

typedef struct PairPoolKind {
    const char *name; /* "tensor_sketch", for messages */
    /* y[0..d) from one sample's a (c1 x hw) and b (c2 x hw), overwritten;
     * scratch is the running thread's p->scratch floats. */
    void (*forward)(const PairPool *p, const float *a, const float *b, float *y, float *scratch);
    /* From dy = dL/dy: da = dL/da and db = dL/db (overwritten; NULL: not
     * wanted); db == da means a is used twice and both go into da. */
    void (*backward)(const PairPool *p, const float *a, const float *b, const float *dy, float *da,
                     float *db, float *scratch);
    /* Frees a PairPool of this kind; NULL: it owns nothing (a stack value). */
    void (*destroy)(PairPool *p);
} PairPoolKind;

struct PairPool {
    const PairPoolKind *kind;
    int c1, c2;                      /* channels of a and b */
    int hw;                          /* locations H*W */
    int d;                           /* output dimension */
    size_t scratch;                  /* floats of scratch per thread (0: none) */
    float *scratch_of[PARALLEL_MAX]; /* per worker; the driver's (NULL: not made yet) */
};

/* Sets p's kind and shapes and makes worker 0's scratch of `scratch`
 * floats. ST_NOMEM (message starting with the kind's name) when it cannot. */
Status pair_pool_init(PairPool *p, const PairPoolKind *kind, int c1, int c2, int hw, int d,
                      size_t scratch, Error *err);

/* y (n x d x 1 x 1) = the pooling of a with b, or with a itself when b is
 * NULL. Overwrites y; sets y->n = a->n. */
void pair_pool_forward(PairPool *p, const Tensor *a, const Tensor *b, Tensor *y);
/* Given dy = dL/dy, overwrites da with dL/da and db with dL/db (either may
 * be NULL to skip it). With b NULL, da gets the sum of both contributions
 * of a and db must be NULL. */
void pair_pool_backward(PairPool *p, const Tensor *a, const Tensor *b, const Tensor *dy, Tensor *da,
                        Tensor *db);
/* Frees p (its scratch, then through its kind); p may be NULL. */
void pair_pool_destroy(PairPool *p);
/* Frees the scratch only (for a kind's destroy, or a stack PairPool). */
void pair_pool_free_scratch(PairPool *p);

/* For a create function: ST_ARG (message starting with name) unless the
 * channels, locations and dimension are all >= 1. */
Status pair_pool_check_sizes(const char *name, int c1, int c2, int hw, int d, Error *err);

#endif
