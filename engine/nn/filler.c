/*
 * filler — Caffe's gaussian, msra and xavier fillers. See filler.h.
 *
 * A Gaussian value is std * rng_normal(r), the float product, so a
 * gaussian filler with the std the network used before the fillers existed
 * reproduces those weights bit for bit. Xavier draws a double uniform in
 * [0, 1) and maps it to [-a, a) (boost's uniform_real, which Caffe uses,
 * is half-open the same way); rounded to float, a value may reach a rounded
 * to float, never pass it.
 */
#include "engine/nn/filler.h"

#include <math.h>

double filler_std(const Filler *f, int fan_in) {
    switch (f->kind) {
    case FILLER_MSRA:
        return sqrt(2.0 / fan_in);
    case FILLER_XAVIER:
        return sqrt(3.0 / fan_in) / sqrt(3.0);
    case FILLER_GAUSSIAN:
        break;
    }
    return f->std;
}

double filler_bound(const Filler *f, int fan_in) {
    return f->kind == FILLER_XAVIER ? sqrt(3.0 / fan_in) : INFINITY;
}

static void filler_normal(Tensor *t, float std, Rng *r) {
    size_t n = tensor_count(t);
    for (size_t i = 0; i < n; i++) t->data[i] = std * rng_normal(r);
}

void filler_fill(const Filler *f, int fan_in, Tensor *t, Rng *r) {
    if (f->kind != FILLER_XAVIER) {
        filler_normal(t, (float)filler_std(f, fan_in), r);
        return;
    }
    double a = filler_bound(f, fan_in);
    size_t n = tensor_count(t);
    for (size_t i = 0; i < n; i++) t->data[i] = (float)(a * (2.0 * rng_uniform_double(r) - 1.0));
}
