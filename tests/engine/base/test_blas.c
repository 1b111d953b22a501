/*
 * test_blas — the engine's doorway to OpenBLAS: blas_gemm in every
 * transposition against a plain triple loop; a small product runs on the
 * calling thread alone: the same bits at one and two OpenBLAS threads,
 * and the thread setting left as it was.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/blas.h"
#include "engine/base/rng.h"
#include "tests/lib/testutil.h"

static float *random_floats(size_t n, uint64_t seed) {
    float *p = malloc(sizeof(float) * n);
    Rng r;
    rng_seed(&r, seed);
    for (size_t i = 0; i < n; i++) p[i] = (float)rng_uniform(&r) - 0.5f;
    return p;
}

/* C = 0.5 op(A) op(B) + 2 C against the loop, within float rounding. */
static void gemm_matches_loop(int ta, int tb) {
    int m = 7, n = 5, k = 9;
    float *a = random_floats((size_t)m * k, 1), *b = random_floats((size_t)k * n, 2);
    float *c = random_floats((size_t)m * n, 3), *want = malloc(sizeof(float) * m * n);
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int q = 0; q < k; q++)
                s +=
                    (double)(ta ? a[q * m + i] : a[i * k + q]) * (tb ? b[j * k + q] : b[q * n + j]);
            want[i * n + j] = (float)(0.5 * s + 2.0 * c[i * n + j]);
        }
    blas_gemm(ta, tb, m, n, k, 0.5f, a, ta ? m : k, b, tb ? k : n, 2.0f, c, n);
    for (int i = 0; i < m * n; i++)
        if (fabsf(c[i] - want[i]) > 1e-5f)
            fail_msg("trans %d%d: C[%d] = %.7g, the loop's %.7g", ta, tb, i, c[i], want[i]);
    free(a), free(b), free(c), free(want);
}

static void test_blas_gemm_every_transposition(void **state) {
    (void)state;
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) gemm_matches_loop(ta, tb);
}

/* A small m x n x k at 1 and at 2 threads: the same bits; the setting is kept. */
static void same_bits_at_two_threads(int m, int n, int k) {
    float *a = random_floats((size_t)m * k, 4), *b = random_floats((size_t)k * n, 5);
    float *c1 = calloc((size_t)m * n, sizeof(float)), *c2 = calloc((size_t)m * n, sizeof(float));
    blas_set_threads(1);
    blas_gemm(0, 1, m, n, k, 1.0f, a, k, b, k, 0.0f, c1, n);
    blas_set_threads(2);
    blas_gemm(0, 1, m, n, k, 1.0f, a, k, b, k, 0.0f, c2, n);
    assert_int_equal(blas_threads(), 2);
    if (memcmp(c1, c2, sizeof(float) * m * n) != 0)
        fail_msg("%d x %d x %d: two threads changed the bits", m, n, k);
    blas_set_threads(1);
    free(a), free(b), free(c1), free(c2);
}

static void test_blas_small_gemm_keeps_its_bits(void **state) {
    (void)state;
    same_bits_at_two_threads(40, 200, 64);    /* the small-image classifier */
    same_bits_at_two_threads(8, 200, 8192);   /* the demo's */
    same_bits_at_two_threads(200, 300, 1100); /* just under 2^26 multiply-adds */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blas_gemm_every_transposition),
        cmocka_unit_test(test_blas_small_gemm_keeps_its_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
