/*
 * convcheck — what the tests of the fast convolutions (test_conv_direct,
 * test_conv_winograd) share: a layer with its output, input gradient and
 * workspace (ConvSide), a fast algorithm checked against the im2col
 * reference on one shape and on every VGG-16 3x3 layer, a frozen layer's
 * gradients and finite-difference checks through the fast path. Each
 * function fails the current cmocka test on an error; a ConvSide owns its
 * layer, tensors and workspace until convcheck_side_fini.
 */
#ifndef FINELAB_CONVCHECK_H
#define FINELAB_CONVCHECK_H

#include <stddef.h>
#include <stdint.h>

#include "engine/nn/layer.h"

typedef struct ConvSide {
    Layer l;
    Tensor y, dx; /* the output and input gradient, sized for the layer's input */
    float *ws;    /* layer_workspace floats, NULL when none */
} ConvSide;

/* A 3x3, stride 1, pad 1 conv with a bias and cout outputs, named "c", run
 * by algo (NULL: auto), with the ReLU fused when relu. */
LayerSpec convcheck_spec(int cout, const char *algo, int relu);

/* Sets up s as convcheck_spec(cout, algo, relu) on input in, with the
 * weights and bias of copy_from when not NULL. */
void convcheck_side_init(ConvSide *s, const char *algo, Shape in, int cout, int relu,
                         const Layer *copy_from);
void convcheck_side_fini(ConvSide *s);

/* algo against the reference on one shape n x cin x h x w -> cout (with or
 * without the fused ReLU), He-scaled weights and ReLU-like inputs from seed:
 * prints the relative errors of y, dx, dW and db with bound and returns the
 * largest. */
double convcheck_compare(const char *algo, const char *name, int n, int cin, int cout, int h, int w,
                         int relu, uint64_t seed, double bound);

/* convcheck_compare over every VGG-16 3x3 layer at channel width and input
 * side res px (the first layer keeps its 3 channels), batch n, fused ReLU
 * when relu, seeds seed, seed + 1, ...; on two threads. Fails the test when
 * the largest error is over bound. */
void convcheck_vgg16(const char *algo, float width, int res, int n, int relu, uint64_t seed,
                     double bound);

/* Sets up s (algo, 2x16x10x10 -> 8, random weights), x and dy, marks the
 * layer frozen and checks that backward leaves the weight gradient zero yet
 * passes dx back. The caller goes on with s, x and dy and finis them. */
void convcheck_frozen(const char *algo, ConvSide *s, Tensor *x, Tensor *dy);

/* Central differences through algo on input in -> cout with weights, bias
 * and input from seed, step h, within bound (gradcheck_expect). */
void convcheck_gradcheck(const char *algo, Shape in, int cout, uint64_t seed, float h,
                         double bound);

#endif
