/*
 * filler — Caffe's weight fillers (caffe/filler.hpp) as plain functions:
 * what a layer's weights are drawn from when nothing is loaded into them.
 *
 *   gaussian  N(0, std^2)                         (GaussianFiller, std given)
 *   msra      N(0, 2 / fan_in)                    (MSRAFiller, variance_norm FAN_IN)
 *   xavier    uniform in [-a, a], a = sqrt(3 / fan_in)
 *                                                 (XavierFiller, variance_norm FAN_IN)
 *
 * fan_in is the inputs of one output: channels_in x kh x kw for a
 * convolution, the inputs of a fully connected layer. The caller owns the
 * tensor and the Rng (every random stream is its own, rng.h); the same
 * filler, fan_in and stream state always give the same bits. Any thread,
 * one Rng per thread. Nothing here fails.
 */
#ifndef FINELAB_FILLER_H
#define FINELAB_FILLER_H

#include "engine/base/rng.h"
#include "engine/base/tensor.h"

typedef enum FillerKind { FILLER_GAUSSIAN, FILLER_MSRA, FILLER_XAVIER } FillerKind;

typedef struct Filler {
    FillerKind kind;
    float std; /* the gaussian's standard deviation (> 0); the others ignore it */
} Filler;

/* Fills every element of t from f for fan_in (>= 1) inputs per output,
 * drawing from r in element order. */
void filler_fill(const Filler *f, int fan_in, Tensor *t, Rng *r);
/* The standard deviation f's distribution has at fan_in (xavier: a/sqrt(3)). */
double filler_std(const Filler *f, int fan_in);
/* The largest magnitude f can draw: xavier's a; infinity for the Gaussians. */
double filler_bound(const Filler *f, int fan_in);

#endif
