/*
 * gradcheck — checks a layer's backward pass against central finite
 * differences.
 *
 * The scalar checked is L = sum_i r_i * y_i with a fixed random r, so dL/dy
 * = r. Each checked input or parameter element v is perturbed to v +/- h;
 * L(v+h) and L(v-h) are summed in double precision and the numerical slope
 * (L+ - L-) / 2h is compared with the analytic gradient from backward. The
 * error reported is |analytic - numeric| / max(|analytic|, |numeric|, floor),
 * the usual relative error with a floor so that near-zero gradients are
 * judged absolutely.
 */
#ifndef FINELAB_GRADCHECK_H
#define FINELAB_GRADCHECK_H

#include <stdint.h>

#include "engine/nn/layer.h"
#include "engine/nn/pair_pool.h"

typedef struct GradCheck {
    float h;        /* perturbation step */
    double floor;   /* denominator floor of the relative error */
    int max_checks; /* elements checked per tensor (randomly chosen); 0 = all */
    uint64_t seed;  /* seed of r and of the element choice */
} GradCheck;

typedef struct GradCheckResult {
    double input_err; /* largest relative error of dL/dx */
    double param_err; /* largest relative error over all parameters */
    int checked;      /* elements compared */
} GradCheckResult;

/* Runs the check for layer l at input x (x->n <= l->in.n). Parameters are
 * used as they are. The layer's param grads are zeroed first. */
GradCheckResult gradcheck_layer(Layer *l, Tensor *x, const GradCheck *cfg);

/* Sets up a layer from spec for input shape in, fills the input with
 * standard normal values from a stream seeded with input_seed, runs
 * gradcheck_layer with cfg and gradcheck_expect with bound; the label is
 * "<kind> NxCxHxW" (plus " d=<dim>" when spec->dim is set). */
void gradcheck_spec(const LayerSpec *spec, Shape in, uint64_t input_seed, const GradCheck *cfg,
                    double bound);

/* Checks the caller's analytic gradients da and db of the two-input pooling
 * op (taken at dL/dy = r)
 * against central differences of L = sum r_k y_k in every element of a and
 * b, with cfg's step and floor; y is scratch for the forward passes. Writes
 * the largest relative errors into *err_a and *err_b. */
void gradcheck_pair(PairPool *op, Tensor *a, Tensor *b, Tensor *y, const float *r, const Tensor *da,
                    const Tensor *db, const GradCheck *cfg, double *err_a, double *err_b);

/* Prints "gradcheck <label>: input <e> params <e> (bound <b>, <n> elements)"
 * and fails the current test when either error exceeds bound. */
void gradcheck_expect(const char *label, GradCheckResult res, double bound);

#endif
