/*
 * poolcheck — the checks the tests of the two-input poolings share (full
 * bilinear, Tensor Sketch, Random Maclaurin; engine/nn/pair_pool.h): the
 * two-input gradient check, the layer kind against the direct call, the
 * errors of a create function, and the kernel property of the compact
 * ones, E[<phi(x), phi(z)>] = <x x^T, z z^T> = <x, z>^2 over the random
 * hashes or projections. Each fails the current test with a message that
 * names the pooling.
 */
#ifndef FINELAB_POOLCHECK_H
#define FINELAB_POOLCHECK_H

#include <stdint.h>

#include "engine/base/error.h"
#include "engine/base/rng.h"
#include "engine/base/tensor.h"
#include "engine/nn/pair_pool.h"

/* A compact pooling's create function (tensor_sketch_create, ...). */
typedef PairPool *(*PoolCreate)(int c1, int c2, int hw, int d, uint64_t seed, Error *err);

/* create(...), failing the test with the error when it returns NULL. */
PairPool *poolcheck_create(PoolCreate create, int c1, int c2, int hw, int d, uint64_t seed);

/* A pooling's two inputs and its output, for a batch of n at h x w. */
typedef struct PoolInputs {
    Tensor a, b, y;
} PoolInputs;

/* a (n x c1 x h x w) and b (n x c2 x h x w), in that order standard normal
 * from r, and y (n x d x 1 x 1) for p's output; free with
 * poolcheck_inputs_fini. */
void poolcheck_inputs(PoolInputs *in, const PairPool *p, int n, int h, int w, Rng *r);
/* The hand-worked inputs: one channel each at two locations, a = (2, 3)
 * and b = (5, -1), so sum_l a_l b_l = 7 and sum_l a_l a_l = 13; y for p's
 * output (p made for 1 and 1 channels at 2 locations). */
void poolcheck_hand_inputs(PoolInputs *in, const PairPool *p);
void poolcheck_inputs_fini(PoolInputs *in);

/* How the two-input gradient check of a pooling is judged: central
 * differences with step h and relative-error floor, passing at bound; when
 * only one gradient is asked for it must match the full call within atol +
 * rtol |value|. */
typedef struct PoolGrad {
    float h;
    double floor, bound;
    double only_atol, only_rtol;
} PoolGrad;

/* Checks both gradients of p (made for c1, c2 channels at h x w locations)
 * at n random samples (from seed) against finite differences, then that
 * asking for da alone or db alone gives the same values. Prints the errors. */
void poolcheck_pair(PairPool *p, int n, int h, int w, const PoolGrad *g, uint64_t seed);

/* The layer kind (one input used twice, dim d, seed) set up for input 3 x c
 * x h x w gives, on a short batch of 2, exactly what pair_pool_forward of a
 * pooling from create gives with b NULL; its output is d x 1 x 1 and it
 * needs no shared workspace. */
void poolcheck_layer_matches(const char *kind, PoolCreate create, int c, int h, int w, int d,
                             uint64_t seed);

/* The layer kind refuses dim 0 naming "<kind> cbp" and the dim; create
 * refuses a negative d (ST_ARG naming name) and a zero channel count, and
 * pair_pool_destroy accepts NULL. */
void poolcheck_errors(const char *kind, PoolCreate create, const char *name);

/* The kernel property: the mean over `draws` of <phi(x), phi(z)> / <x, z>^2
 * for the layer kind (one input used twice, one location, c channels,
 * dimension d), each draw with a fresh layer seed (seed0 + t) and fresh
 * uniform [0, 1) inputs (from input_seed0 + t), is within tol of 1. Prints
 * the mean. */
void poolcheck_kernel(const char *kind, int c, int d, int draws, uint64_t seed0,
                      uint64_t input_seed0, double tol);

/* p's forward and backward (both gradients, and a used twice when c1 ==
 * c2) on n samples are bit for bit the same on 1, 2 and 3 engine threads
 * (parallel.h), whose workers' scratch p makes on first use. */
void poolcheck_threads(PairPool *p, int n, int h, int w, uint64_t seed);

#endif
