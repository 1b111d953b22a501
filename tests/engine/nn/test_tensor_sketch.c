/*
 * test_tensor_sketch — Tensor Sketch compact bilinear pooling: hand-checked
 * values, the exact count-sketch-of-outer-product identity, the kernel
 * property, gradient checks through the layer and the two-input API, and
 * setup errors.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/nn/layer.h"
#include "engine/nn/tensor_sketch.h"
#include "tests/lib/gradcheck.h"
#include "tests/lib/poolcheck.h"
#include "tests/lib/testutil.h"

static PairPool *make_ts(int c1, int c2, int hw, int d, uint64_t seed) {
    return poolcheck_create(tensor_sketch_create, c1, c2, hw, d, seed);
}

static void test_ts_forward_by_hand(void **state) {
    (void)state;
    /* One channel each, two locations: y is s1 s2 (2*5 + 3*(-1)) = 7 s1 s2 at
     * (h1 + h2) mod 4 and zero elsewhere. */
    PairPool *ts = make_ts(1, 1, 2, 4, 11);
    PoolInputs in;
    poolcheck_hand_inputs(&in, ts);
    pair_pool_forward(ts, &in.a, &in.b, &in.y);
    float expect[4] = {0};
    int at = (tensor_sketch_hash(ts, 0)[0] + tensor_sketch_hash(ts, 1)[0]) % 4;
    expect[at] = 7.0f * tensor_sketch_sign(ts, 0)[0] * tensor_sketch_sign(ts, 1)[0];
    testutil_assert_close(in.y.data, expect, 4, 1e-5, 0.0);
    pair_pool_destroy(ts);

    /* d = 1: every hash is 0, so y = (sum_i s1_i a_i)(sum_j s2_j a_j) with a
     * used twice; a = (1, 2). */
    ts = make_ts(2, 2, 1, 1, 5);
    Tensor x, y1;
    testutil_tensor(&x, 1, 2, 1, 1);
    testutil_tensor(&y1, 1, 1, 1, 1);
    x.data[0] = 1.0f;
    x.data[1] = 2.0f;
    pair_pool_forward(ts, &x, NULL, &y1);
    const float *s1 = tensor_sketch_sign(ts, 0), *s2 = tensor_sketch_sign(ts, 1);
    float e1 = (s1[0] + 2.0f * s1[1]) * (s2[0] + 2.0f * s2[1]);
    testutil_assert_close(y1.data, &e1, 1, 1e-5, 0.0);
    pair_pool_destroy(ts);
    poolcheck_inputs_fini(&in);
    tensor_fini(&x);
    tensor_fini(&y1);
}

/* Count sketch of sum_l vec(a_l b_l^T) with pair hash (h1(i) + h2(j)) mod d
 * and pair sign s1(i) s2(j), in double; b == a for one input used twice. */
static void count_sketch_reference(const PairPool *ts, const Tensor *a, const Tensor *b,
                                   double *ref) {
    int d = ts->d, hw = a->h * a->w;
    const int *h1 = tensor_sketch_hash(ts, 0), *h2 = tensor_sketch_hash(ts, 1);
    const float *s1 = tensor_sketch_sign(ts, 0), *s2 = tensor_sketch_sign(ts, 1);
    for (int n = 0; n < a->n; n++) {
        const float *an = tensor_sample(a, n), *bn = tensor_sample(b, n);
        double *out = ref + (size_t)n * d;
        for (int k = 0; k < d; k++) out[k] = 0.0;
        for (int i = 0; i < a->c; i++)
            for (int j = 0; j < b->c; j++) {
                double v = 0.0;
                for (int l = 0; l < hw; l++) v += (double)an[i * hw + l] * bn[j * hw + l];
                out[(h1[i] + h2[j]) % d] += (double)s1[i] * s2[j] * v;
            }
    }
}

/* max |y - ref| <= rel * max |ref| over all n values. */
static void assert_rel_close(const char *what, const float *y, const double *ref, size_t n,
                             double rel) {
    double worst = 0.0, scale = 0.0;
    for (size_t i = 0; i < n; i++) {
        worst = fmax(worst, fabs(y[i] - ref[i]));
        scale = fmax(scale, fabs(ref[i]));
    }
    if (!(worst <= rel * scale))
        fail_msg("%s: max |error| %.3g > %.0e * max |ref| %.3g", what, worst, rel, scale);
}

static void check_identity(int n, int c1, int c2, int h, int w, int d, uint64_t seed) {
    PairPool *ts = make_ts(c1, c2, h * w, d, seed);
    Rng r;
    rng_seed(&r, seed + 100);
    PoolInputs in;
    poolcheck_inputs(&in, ts, n, h, w, &r);
    double *ref = malloc((size_t)n * d * sizeof(double));
    assert_non_null(ref);
    pair_pool_forward(ts, &in.a, &in.b, &in.y);
    count_sketch_reference(ts, &in.a, &in.b, ref);
    assert_rel_close("tensor sketch of a, b", in.y.data, ref, (size_t)n * d, 1e-4);
    if (c1 == c2) {
        pair_pool_forward(ts, &in.a, NULL, &in.y);
        count_sketch_reference(ts, &in.a, &in.a, ref);
        assert_rel_close("tensor sketch of a, a", in.y.data, ref, (size_t)n * d, 1e-4);
    }
    free(ref);
    poolcheck_inputs_fini(&in);
    pair_pool_destroy(ts);
}

static void test_ts_is_count_sketch_of_outer_product(void **state) {
    (void)state;
    check_identity(2, 5, 3, 5, 7, 16, 1); /* 35 locations: full FFT batches and a tail */
    check_identity(2, 6, 6, 3, 3, 8, 2);  /* many hash collisions */
    check_identity(1, 4, 4, 2, 2, 7, 3);  /* odd d */
    check_identity(2, 64, 64, 4, 5, 512, 4);
    check_identity(1, 3, 2, 1, 1, 1, 5); /* d = 1 */
}

/* Gradient check step and bound for the layer and the two-input checks. The
 * sketch is bilinear, so L = r . y is quadratic in each input element and
 * central differences have no truncation error at any step; what is left is
 * float rounding of y (FFTs of length d) divided by 2h, hence the large
 * h = 1. Over 1000 random cases the worst relative error was 3.5e-4 (7e-4
 * with h = 0.5; 2e-3 already in these few cases with h = 0.1), so the bound
 * is 1e-3. */
#define TS_GRAD_BOUND 1e-3
#define TS_GRAD_H     1.0f

static void layer_gradcheck(int n, int c, int h, int w, int d, uint64_t seed) {
    LayerSpec spec = {.kind = "compact_ts", .name = "t", .dim = d, .seed = seed};
    GradCheck cfg = {.h = TS_GRAD_H, .floor = 1e-2, .max_checks = 0, .seed = seed + 1};
    gradcheck_spec(&spec, (Shape){n, c, h, w}, seed, &cfg, TS_GRAD_BOUND);
}

static void test_ts_layer_gradcheck(void **state) {
    (void)state;
    layer_gradcheck(2, 4, 3, 3, 8, 21);
    layer_gradcheck(2, 3, 3, 7, 7, 22); /* odd d; 21 locations: full batches and a tail */
    layer_gradcheck(1, 8, 2, 2, 64, 23);
}

static void pair_gradcheck(int n, int c1, int c2, int h, int w, int d, uint64_t seed) {
    PairPool *ts = make_ts(c1, c2, h * w, d, seed);
    const PoolGrad g = {.h = TS_GRAD_H,
                        .floor = 1e-2,
                        .bound = TS_GRAD_BOUND,
                        .only_atol = 1e-6,
                        .only_rtol = 1e-5};
    poolcheck_pair(ts, n, h, w, &g, seed);
    pair_pool_destroy(ts);
}

static void test_ts_pair_gradcheck(void **state) {
    (void)state;
    pair_gradcheck(2, 3, 5, 3, 3, 8, 31);
    pair_gradcheck(1, 4, 2, 3, 7, 9, 32); /* odd d; full batches and a tail */
}

static void test_ts_same_on_any_thread_count(void **state) {
    (void)state;
    PairPool *p = make_ts(6, 6, 64, 256, 3);
    poolcheck_threads(p, 16, 8, 8, 17);
    pair_pool_destroy(p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ts_same_on_any_thread_count),
        cmocka_unit_test(test_ts_forward_by_hand),
        cmocka_unit_test(test_ts_is_count_sketch_of_outer_product),
        cmocka_unit_test(test_ts_layer_gradcheck),
        cmocka_unit_test(test_ts_pair_gradcheck),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
