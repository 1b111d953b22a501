/*
 * kernelcheck — the kernel property of a compact bilinear pooling layer:
 * E[<phi(x), phi(z)>] = <x x^T, z z^T> = <x, z>^2 over the random hashes or
 * projections. Shared by the Tensor Sketch and Random Maclaurin tests.
 */
#ifndef FINELAB_KERNELCHECK_H
#define FINELAB_KERNELCHECK_H

#include <stdint.h>

/* Mean over `draws` of <phi(x), phi(z)> / <x, z>^2 for the layer kind (one
 * input used twice, one location, c channels, dimension d), each draw with
 * a fresh layer seed (seed0 + t) and fresh uniform [0, 1) inputs (from
 * input_seed0 + t). Fails the test if the layer cannot be set up. */
double kernelcheck_mean_ratio(const char *kind, int c, int d, int draws, uint64_t seed0,
                              uint64_t input_seed0);

#endif
