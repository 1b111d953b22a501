/*
 * tensor_sketch — compact bilinear pooling by Tensor Sketch (Gao et al.,
 * CVPR 2016; Pham & Pagh 2013), a PairPool kind (pair_pool.h).
 *
 * For a (n x c1 x H x W) and b (n x c2 x H x W), each location l has feature
 * vectors a_l and b_l. Fixed random hashes h1: [0,c1) -> [0,d), h2: [0,c2) ->
 * [0,d) and signs s1, s2 (drawn from an Rng seeded by the seed argument)
 * define the count sketches psi1(a_l), psi2(b_l) of length d, and
 *     y = sum_l psi1(a_l) (*) psi2(b_l)      (circular convolution),
 * which is exactly the count sketch of sum_l vec(a_l b_l^T) with pair hash
 * (h1(i) + h2(j)) mod d and pair sign s1(i) s2(j). Output n x d x 1 x 1.
 *
 * The pooling owns its hashes, FFT plans and scratch (sized at create;
 * forward and backward never allocate). Create and destroy on one thread
 * (FFT planning is not thread-safe).
 */
#ifndef FINELAB_TENSOR_SKETCH_H
#define FINELAB_TENSOR_SKETCH_H

#include <stdint.h>

#include "engine/base/error.h"
#include "engine/nn/pair_pool.h"

/* A sketch for c1 and c2 channels, hw = H*W locations, output dimension d,
 * hashes drawn from seed; run it with pair_pool_forward / _backward and
 * free it with pair_pool_destroy. NULL with err set (ST_ARG for values < 1,
 * ST_NOMEM) on failure. */
PairPool *tensor_sketch_create(int c1, int c2, int hw, int d, uint64_t seed, Error *err);

/* The hash (c1 or c2 values in [0, d)) and sign (+1/-1) of input 0 (a) or 1
 * (b) of a sketch made by tensor_sketch_create. */
const int *tensor_sketch_hash(const PairPool *ts, int input);
const float *tensor_sketch_sign(const PairPool *ts, int input);

#endif
