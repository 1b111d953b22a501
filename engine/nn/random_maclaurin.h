/*
 * random_maclaurin — compact bilinear pooling by Random Maclaurin (Gao et
 * al., CVPR 2016; Kar & Karnick 2012), a PairPool kind (pair_pool.h).
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
 *
 * The pooling owns W1, W2 and its scratch (sized at create; forward and
 * backward never allocate).
 */
#ifndef FINELAB_RANDOM_MACLAURIN_H
#define FINELAB_RANDOM_MACLAURIN_H

#include <stdint.h>

#include "engine/base/error.h"
#include "engine/nn/pair_pool.h"

/* Projections for c1 and c2 channels, hw = H*W locations, output dimension
 * d, drawn from seed; run them with pair_pool_forward / _backward and free
 * them with pair_pool_destroy. NULL with err set (ST_ARG for values < 1,
 * ST_NOMEM) on failure. */
PairPool *random_maclaurin_create(int c1, int c2, int hw, int d, uint64_t seed, Error *err);

/* W1 (input 0, c1 x d) or W2 (input 1, c2 x d), row-major, entries +1/-1,
 * of a pooling made by random_maclaurin_create. */
const float *random_maclaurin_weights(const PairPool *rm, int input);

#endif
