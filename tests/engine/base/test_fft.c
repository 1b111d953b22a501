/*
 * test_fft — the FFTW wrapper: padded layout and alignment, agreement with a
 * naive double-precision DFT, forward/inverse round trips for full and
 * partial batches, and plan errors.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/fft.h"
#include "engine/base/rng.h"
#include "tests/lib/testutil.h"

typedef struct Bufs {
    FftPlan *p;
    float *re, *cx, *back;
    size_t rs, cs;
} Bufs;

static Bufs bufs_make(int d, int howmany) {
    Bufs b = {0};
    Error err = {0};
    b.p = fft_plan_create(d, howmany, &err);
    if (!b.p) fail_msg("fft_plan_create(%d, %d): %s", d, howmany, err.msg);
    b.rs = fft_real_stride(b.p);
    b.cs = fft_complex_stride(b.p);
    b.re = fft_alloc(b.rs * (size_t)howmany);
    b.cx = fft_alloc(b.cs * (size_t)howmany);
    b.back = fft_alloc(b.rs * (size_t)howmany);
    assert_true(b.re && b.cx && b.back);
    return b;
}

static void bufs_free(Bufs *b) {
    fft_free(b->re);
    fft_free(b->cx);
    fft_free(b->back);
    fft_plan_destroy(b->p);
}

static void fill_rows(Bufs *b, int d, int rows, Rng *r) {
    for (int i = 0; i < rows; i++)
        for (int n = 0; n < d; n++) b->re[(size_t)i * b->rs + n] = 2.0f * rng_uniform(r) - 1.0f;
}

static void test_fft_layout(void **state) {
    (void)state;
    const int ds[] = {1, 2, 5, 16, 100, 8192};
    for (size_t t = 0; t < sizeof ds / sizeof ds[0]; t++) {
        Bufs b = bufs_make(ds[t], 3);
        assert_int_equal(fft_plan_length(b.p), ds[t]);
        assert_int_equal(fft_plan_howmany(b.p), 3);
        assert_true(b.rs >= (size_t)ds[t] && b.rs % 16 == 0);
        assert_true(b.cs >= 2 * (size_t)(ds[t] / 2 + 1) && b.cs % 16 == 0);
        assert_true((uintptr_t)b.re % 64 == 0 && (uintptr_t)b.cx % 64 == 0);
        bufs_free(&b);
    }
    float *one = fft_alloc(1), *zero = fft_alloc(0);
    assert_true(one && zero && (uintptr_t)one % 64 == 0);
    fft_free(one);
    fft_free(zero);
    fft_free(NULL);
    fft_plan_destroy(NULL);
}

/* Checks every row's half spectrum against a direct O(d^2) DFT in double. */
static void check_naive(int d, int howmany, int count) {
    Bufs b = bufs_make(d, howmany);
    Rng r;
    rng_seed(&r, (uint64_t)d * 31 + (uint64_t)count);
    fill_rows(&b, d, count, &r);
    float *saved = malloc(b.rs * (size_t)count * sizeof(float));
    assert_non_null(saved);
    memcpy(saved, b.re, b.rs * (size_t)count * sizeof(float));
    fft_forward(b.p, count, b.re, b.cx);
    for (int i = 0; i < count; i++) {
        const float *x = b.re + (size_t)i * b.rs;
        const float *X = b.cx + (size_t)i * b.cs;
        for (int n = 0; n < d; n++) assert_true(x[n] == saved[(size_t)i * b.rs + n]);
        for (int k = 0; k <= d / 2; k++) {
            double re = 0.0, im = 0.0;
            for (int n = 0; n < d; n++) {
                double ang = -2.0 * M_PI * (double)k * n / d;
                re += x[n] * cos(ang);
                im += x[n] * sin(ang);
            }
            /* |x[n]| < 1, so float rounding stays below ~1e-6 * d. */
            double tol = 1e-5 * d;
            if (fabs(X[2 * k] - re) > tol || fabs(X[2 * k + 1] - im) > tol)
                fail_msg("fft d=%d row %d bin %d: got (%g, %g), naive DFT (%g, %g), tol %g", d, i,
                         k, (double)X[2 * k], (double)X[2 * k + 1], re, im, tol);
        }
    }
    free(saved);
    bufs_free(&b);
}

static void test_fft_matches_naive_dft(void **state) {
    (void)state;
    check_naive(1, 1, 1);
    check_naive(2, 3, 3);
    check_naive(5, 3, 3);  /* odd length */
    check_naive(8, 4, 4);  /* batch plan */
    check_naive(12, 4, 2); /* partial batch: one-row plan per row */
    check_naive(64, 2, 2);
}

/* inverse(forward(x)) / d == x for count rows of a howmany plan. */
static void check_round_trip(int d, int howmany, int count) {
    Bufs b = bufs_make(d, howmany);
    Rng r;
    rng_seed(&r, (uint64_t)d + 7);
    fill_rows(&b, d, count, &r);
    fft_forward(b.p, count, b.re, b.cx);
    fft_inverse(b.p, count, b.cx, b.back);
    for (int i = 0; i < count; i++)
        for (int n = 0; n < d; n++) {
            double x = b.re[(size_t)i * b.rs + n];
            double got = b.back[(size_t)i * b.rs + n] / (double)d;
            /* log2(d) butterfly stages of float rounding on values below 1. */
            if (fabs(got - x) > 1e-6 * (1.0 + log2(d)))
                fail_msg("fft round trip d=%d row %d [%d]: got %.9g, expected %.9g", d, i, n, got,
                         x);
        }
    bufs_free(&b);
}

static void test_fft_round_trip(void **state) {
    (void)state;
    check_round_trip(1, 2, 2);
    check_round_trip(7, 3, 3);
    check_round_trip(16, 4, 4);
    check_round_trip(100, 5, 3);
    check_round_trip(8192, 4, 4);
    check_round_trip(8192, 4, 1);
}

static void test_fft_errors(void **state) {
    (void)state;
    Error err = {0};
    assert_null(fft_plan_create(0, 4, &err));
    assert_int_equal(err.status, ST_ARG);
    assert_non_null(strstr(err.msg, "fft"));
    error_clear(&err);
    assert_null(fft_plan_create(16, 0, &err));
    assert_int_equal(err.status, ST_ARG);
    assert_null(fft_plan_create(-3, 1, NULL));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fft_layout),
        cmocka_unit_test(test_fft_matches_naive_dft),
        cmocka_unit_test(test_fft_round_trip),
        cmocka_unit_test(test_fft_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
