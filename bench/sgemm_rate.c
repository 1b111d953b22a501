/*
 * sgemm_rate — the BLAS's sgemm rate on a square product. See sgemm_rate.h.
 */
#include "bench/sgemm_rate.h"

#include <stdio.h>
#include <stdlib.h>

#include "engine/base/blas.h"
#include "engine/base/rng.h"
#include "engine/base/timer.h"

double sgemm_rate(int n, int reps) {
    size_t nn = (size_t)n * (size_t)n;
    float *a = malloc(nn * sizeof *a), *b = malloc(nn * sizeof *b), *c = malloc(nn * sizeof *c);
    if (!a || !b || !c) {
        fprintf(stderr, "bench: out of memory for a %d x %d sgemm\n", n, n);
        exit(1);
    }
    Rng r;
    rng_seed(&r, 3);
    for (size_t i = 0; i < nn; i++) a[i] = rng_uniform(&r) - 0.5f, b[i] = rng_uniform(&r) - 0.5f;
    blas_gemm(0, 0, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n); /* warm-up */
    double best = 1e30;
    for (int i = 0; i < reps; i++) {
        double t0 = timer_now();
        blas_gemm(0, 0, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
        double t = timer_now() - t0;
        if (t < best) best = t;
    }
    free(a);
    free(b);
    free(c);
    return 2.0 * n * n * (double)n / best * 1e-9;
}
