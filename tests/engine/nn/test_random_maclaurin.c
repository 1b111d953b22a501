/*
 * test_random_maclaurin — Random Maclaurin compact bilinear pooling:
 * hand-checked values, agreement with a direct double loop, the kernel
 * property (unbiased for <x x^T, z z^T>), gradient checks through the layer
 * and the two-input API, and setup errors.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/nn/layer.h"
#include "engine/nn/random_maclaurin.h"
#include "tests/lib/gradcheck.h"
#include "tests/lib/poolcheck.h"
#include "tests/lib/testutil.h"

static PairPool *make_rm(int c1, int c2, int hw, int d, uint64_t seed) {
    return poolcheck_create(random_maclaurin_create, c1, c2, hw, d, seed);
}

static void test_rm_weights_are_signs(void **state) {
    (void)state;
    PairPool *rm = make_rm(3, 5, 1, 64, 1);
    int plus = 0;
    for (int k = 0; k < 2; k++) {
        const float *w = random_maclaurin_weights(rm, k);
        for (int i = 0; i < (k ? 5 : 3) * 64; i++) {
            assert_true(w[i] == 1.0f || w[i] == -1.0f);
            plus += w[i] > 0.0f;
        }
    }
    assert_in_range(plus, 180, 332); /* 512 fair signs: mean 256, sd 11 */
    assert_int_equal(rm->d, 64);
    pair_pool_destroy(rm);
}

static void test_rm_forward_by_hand(void **state) {
    (void)state;
    /* One channel each, two locations, d = 4: y[f] = (1/sqrt(4)) w1[f] w2[f]
     * (2*5 + 3*(-1)) = 3.5 w1[f] w2[f]. */
    PairPool *rm = make_rm(1, 1, 2, 4, 11);
    PoolInputs in;
    poolcheck_hand_inputs(&in, rm);
    pair_pool_forward(rm, &in.a, &in.b, &in.y);
    const float *w1 = random_maclaurin_weights(rm, 0), *w2 = random_maclaurin_weights(rm, 1);
    float expect[4];
    for (int f = 0; f < 4; f++) expect[f] = 3.5f * w1[f] * w2[f];
    testutil_assert_close(in.y.data, expect, 4, 1e-6, 0.0);
    /* a used twice: 0.5 w1 w2 (4 + 9). */
    pair_pool_forward(rm, &in.a, NULL, &in.y);
    for (int f = 0; f < 4; f++) expect[f] = 6.5f * w1[f] * w2[f];
    testutil_assert_close(in.y.data, expect, 4, 1e-6, 0.0);
    pair_pool_destroy(rm);
    poolcheck_inputs_fini(&in);
}

/* y[f] = (1/sqrt(d)) sum_l (W1^T a_l)[f] (W2^T b_l)[f], in double. */
static void rm_reference(const PairPool *rm, const Tensor *a, const Tensor *b, float *ref) {
    int d = rm->d, hw = a->h * a->w;
    const float *w1 = random_maclaurin_weights(rm, 0), *w2 = random_maclaurin_weights(rm, 1);
    for (int n = 0; n < a->n; n++) {
        const float *an = tensor_sample(a, n), *bn = tensor_sample(b, n);
        for (int f = 0; f < d; f++) {
            double sum = 0.0;
            for (int l = 0; l < hw; l++) {
                double p = 0.0, q = 0.0;
                for (int i = 0; i < a->c; i++) p += (double)w1[i * d + f] * an[i * hw + l];
                for (int j = 0; j < b->c; j++) q += (double)w2[j * d + f] * bn[j * hw + l];
                sum += p * q;
            }
            ref[(size_t)n * d + f] = (float)(sum / sqrt((double)d));
        }
    }
}

static void check_reference(int n, int c1, int c2, int h, int w, int d, uint64_t seed) {
    PairPool *rm = make_rm(c1, c2, h * w, d, seed);
    Rng r;
    rng_seed(&r, seed + 100);
    PoolInputs in;
    poolcheck_inputs(&in, rm, n, h, w, &r);
    float *ref = malloc((size_t)n * d * sizeof(float));
    assert_non_null(ref);
    pair_pool_forward(rm, &in.a, &in.b, &in.y);
    rm_reference(rm, &in.a, &in.b, ref);
    testutil_assert_close(in.y.data, ref, (size_t)n * d, 1e-4, 1e-4);
    if (c1 == c2) {
        pair_pool_forward(rm, &in.a, NULL, &in.y);
        rm_reference(rm, &in.a, &in.a, ref);
        testutil_assert_close(in.y.data, ref, (size_t)n * d, 1e-4, 1e-4);
    }
    free(ref);
    poolcheck_inputs_fini(&in);
    pair_pool_destroy(rm);
}

static void test_rm_forward_matches_direct_loop(void **state) {
    (void)state;
    check_reference(2, 5, 3, 3, 4, 16, 1);
    check_reference(2, 4, 4, 10, 15, 8, 2); /* 150 locations: a full GEMM block and a tail */
    check_reference(1, 7, 7, 1, 1, 33, 3);
}

/* Gradient check step, floor and bound for the layer and the two-input
 * checks. phi is bilinear, so L = r . y is quadratic in each input element
 * and central differences have no truncation error at any step; what is
 * left is float rounding of y and of the GEMMs, hence the large h = 1. With
 * 130 locations |L| reaches ~50 and rounding leaves absolute errors ~5e-6
 * on every gradient element, so elements below 0.1 (typical ones are ~1)
 * are judged absolutely (floor 0.1). Over 1000 random cases the worst
 * relative error was 2.6e-4 (1.1e-3 with floor 1e-2); the bound is 1e-3. */
#define RM_GRAD_BOUND 1e-3
#define RM_GRAD_H     1.0f
#define RM_GRAD_FLOOR 0.1

static void layer_gradcheck(int n, int c, int h, int w, int d, uint64_t seed) {
    LayerSpec spec = {.kind = "compact_rm", .name = "m", .dim = d, .seed = seed};
    GradCheck cfg = {.h = RM_GRAD_H, .floor = RM_GRAD_FLOOR, .max_checks = 0, .seed = seed + 1};
    gradcheck_spec(&spec, (Shape){n, c, h, w}, seed, &cfg, RM_GRAD_BOUND);
}

static void test_rm_layer_gradcheck(void **state) {
    (void)state;
    layer_gradcheck(2, 4, 3, 3, 8, 21);
    layer_gradcheck(1, 3, 10, 13, 5, 22); /* 130 locations: a GEMM block and a tail */
    layer_gradcheck(1, 8, 2, 2, 64, 23);
}

static void pair_gradcheck(int n, int c1, int c2, int h, int w, int d, uint64_t seed) {
    PairPool *rm = make_rm(c1, c2, h * w, d, seed);
    const PoolGrad g = {.h = RM_GRAD_H, .floor = RM_GRAD_FLOOR, .bound = RM_GRAD_BOUND};
    poolcheck_pair(rm, n, h, w, &g, seed);
    pair_pool_destroy(rm);
}

static void test_rm_pair_gradcheck(void **state) {
    (void)state;
    pair_gradcheck(2, 3, 5, 3, 3, 8, 31);
    pair_gradcheck(1, 4, 2, 10, 13, 9, 32); /* GEMM block + tail */
}

static void test_rm_same_on_any_thread_count(void **state) {
    (void)state;
    PairPool *p = make_rm(6, 6, 64, 256, 3);
    poolcheck_threads(p, 16, 8, 8, 17);
    pair_pool_destroy(p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rm_same_on_any_thread_count),
        cmocka_unit_test(test_rm_weights_are_signs),
        cmocka_unit_test(test_rm_forward_by_hand),
        cmocka_unit_test(test_rm_forward_matches_direct_loop),
        cmocka_unit_test(test_rm_layer_gradcheck),
        cmocka_unit_test(test_rm_pair_gradcheck),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
