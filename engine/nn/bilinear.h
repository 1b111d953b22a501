/*
 * bilinear — full bilinear pooling (Lin et al., ICCV 2015): the sum over
 * locations of the outer products of two inputs' feature vectors.
 *
 * For a (n x c1 x H x W) and b (n x c2 x H x W), y = sum_l a_l b_l^T
 * flattened row-major: y[i * c2 + j] = sum_l a[i, l] b[j, l], output
 * n x (c1 * c2) x 1 x 1. b may be NULL: a is then used for both inputs.
 * A PairPool kind (pair_pool.h) without state: no allocation, any thread.
 * Shape mismatches are programming errors caught by CHECK.
 */
#ifndef FINELAB_BILINEAR_H
#define FINELAB_BILINEAR_H

#include "engine/base/tensor.h"
#include "engine/nn/pair_pool.h"

/* The pooling of c1 with c2 channels at hw locations, as a value (nothing
 * to destroy), for pair_pool_forward / _backward. */
PairPool bilinear_pool(int c1, int c2, int hw);
/* y (n x c1*c2 x 1 x 1) = pooled outer products of a with b (or a when b is
 * NULL). Overwrites y; sets y->n = a->n. */
void bilinear_forward(const Tensor *a, const Tensor *b, Tensor *y);
/* With G = dy viewed as c1 x c2 per sample: da = G b and db = G^T a
 * (overwritten; either may be NULL to skip it). With b NULL, da = (G + G^T) a
 * and db must be NULL. */
void bilinear_backward(const Tensor *a, const Tensor *b, const Tensor *dy, Tensor *da, Tensor *db);

#endif
