/*
 * random_maclaurin — compact bilinear pooling by Random Maclaurin (Gao et
 * al., CVPR 2016; Kar & Karnick 2012).
 *
 * Two fixed random matrices W1 (c1 x d) and W2 (c2 x d) with entries +1/-1
 * (drawn from an Rng seeded by the seed argument) map each location's
 * feature vectors a_l, b_l to
 *     phi(a_l, b_l) = (1/sqrt(d)) (W1^T a_l) o (W2^T b_l)   (o: elementwise),
 * and y = sum_l phi(a_l, b_l), output n x d x 1 x 1. The 1/sqrt(d) makes the
 * kernel unbiased: E[<phi(x, x'), phi(z, z')>] = <x, z> <x', z'>, so with a
 * used twice E[<phi(x), phi(z)>] = <x x^T, z z^T> exactly. (Equivalently each
 * W entry is +/- d^(-1/4). Entries of +/- 1/sqrt(d) with no output scale, as
 * once proposed, give a kernel smaller by a factor of d.)
 * b may be NULL: a is then used for both inputs (c1 == c2 required).
 *
 * A RandomMaclaurin owns W1, W2 and its scratch (sized at create; forward
 * and backward never allocate). One thread at a time uses an object. Errors
 * come back from random_maclaurin_create only; shape mismatches in the other
 * calls are programming errors caught by CHECK.
 */
#ifndef FINELAB_RANDOM_MACLAURIN_H
#define FINELAB_RANDOM_MACLAURIN_H

#include <stdint.h>

#include "engine/base/error.h"
#include "engine/base/tensor.h"

typedef struct RandomMaclaurin RandomMaclaurin;

/* Projections for c1 and c2 channels, hw = H*W locations, output dimension d,
 * drawn from seed. Returns NULL with err set (ST_ARG for values < 1,
 * ST_NOMEM) on failure. */
RandomMaclaurin *random_maclaurin_create(int c1, int c2, int hw, int d, uint64_t seed, Error *err);
/* Frees rm; rm may be NULL. */
void random_maclaurin_destroy(RandomMaclaurin *rm);

/* y (n x d x 1 x 1) = pooled features of a (n x c1 x H x W) with b (n x c2 x
 * H x W), or with a itself when b is NULL. Overwrites y; sets y->n = a->n. */
void random_maclaurin_forward(RandomMaclaurin *rm, const Tensor *a, const Tensor *b, Tensor *y);
/* Given dy = dL/dy, overwrites da with dL/da and db with dL/db (either may be
 * NULL to skip it). With b NULL, da gets the sum of both contributions of a
 * and db must be NULL. */
void random_maclaurin_backward(RandomMaclaurin *rm, const Tensor *a, const Tensor *b,
                               const Tensor *dy, Tensor *da, Tensor *db);

/* Output dimension d. */
int random_maclaurin_dim(const RandomMaclaurin *rm);
/* W1 (input 0, c1 x d) or W2 (input 1, c2 x d), row-major, entries +1/-1. */
const float *random_maclaurin_weights(const RandomMaclaurin *rm, int input);

#endif
