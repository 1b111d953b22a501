/*
 * relerr — the relative L2 error a fast path is held to against its
 * reference (the conv tests' bound, bench_dnnl's check of oneDNN).
 * Header-only: bench_dnnl links none of the helpers' objects.
 */
#ifndef FINELAB_TESTS_RELERR_H
#define FINELAB_TESTS_RELERR_H

#include <math.h>
#include <stddef.h>

/* ||a - ref|| / ||ref|| over n values (||a - ref|| where ref is all zero),
 * summed in double precision. */
static inline double relerr_l2(const float *a, const float *ref, size_t n) {
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        double e = (double)a[i] - ref[i];
        num += e * e;
        den += (double)ref[i] * ref[i];
    }
    return den > 0 ? sqrt(num / den) : sqrt(num);
}

#endif
