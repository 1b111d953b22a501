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
#include "tests/gradcheck.h"
#include "tests/kernelcheck.h"
#include "tests/testutil.h"

static RandomMaclaurin *make_rm(int c1, int c2, int hw, int d, uint64_t seed) {
    Error err = {0};
    RandomMaclaurin *rm = random_maclaurin_create(c1, c2, hw, d, seed, &err);
    if (!rm) fail_msg("random_maclaurin_create: %s", err.msg);
    return rm;
}

static void test_rm_weights_are_signs(void **state) {
    (void)state;
    RandomMaclaurin *rm = make_rm(3, 5, 1, 64, 1);
    int plus = 0;
    for (int k = 0; k < 2; k++) {
        const float *w = random_maclaurin_weights(rm, k);
        for (int i = 0; i < (k ? 5 : 3) * 64; i++) {
            assert_true(w[i] == 1.0f || w[i] == -1.0f);
            plus += w[i] > 0.0f;
        }
    }
    assert_in_range(plus, 180, 332); /* 512 fair signs: mean 256, sd 11 */
    assert_int_equal(random_maclaurin_dim(rm), 64);
    random_maclaurin_destroy(rm);
}

static void test_rm_forward_by_hand(void **state) {
    (void)state;
    /* One channel each, two locations, d = 4: y[f] = (1/sqrt(4)) w1[f] w2[f]
     * (2*5 + 3*(-1)) = 3.5 w1[f] w2[f]. */
    RandomMaclaurin *rm = make_rm(1, 1, 2, 4, 11);
    Tensor a, b, y;
    testutil_tensor(&a, 1, 1, 1, 2);
    testutil_tensor(&b, 1, 1, 1, 2);
    testutil_tensor(&y, 1, 4, 1, 1);
    const float av[2] = {2.0f, 3.0f}, bv[2] = {5.0f, -1.0f};
    memcpy(a.data, av, sizeof av);
    memcpy(b.data, bv, sizeof bv);
    random_maclaurin_forward(rm, &a, &b, &y);
    const float *w1 = random_maclaurin_weights(rm, 0), *w2 = random_maclaurin_weights(rm, 1);
    float expect[4];
    for (int f = 0; f < 4; f++) expect[f] = 3.5f * w1[f] * w2[f];
    testutil_assert_close(y.data, expect, 4, 1e-6, 0.0);
    /* a used twice: 0.5 w1 w2 (4 + 9). */
    random_maclaurin_forward(rm, &a, NULL, &y);
    for (int f = 0; f < 4; f++) expect[f] = 6.5f * w1[f] * w2[f];
    testutil_assert_close(y.data, expect, 4, 1e-6, 0.0);
    random_maclaurin_destroy(rm);
    tensor_fini(&a);
    tensor_fini(&b);
    tensor_fini(&y);
}

/* y[f] = (1/sqrt(d)) sum_l (W1^T a_l)[f] (W2^T b_l)[f], in double. */
static void rm_reference(const RandomMaclaurin *rm, const Tensor *a, const Tensor *b, float *ref) {
    int d = random_maclaurin_dim(rm), hw = a->h * a->w;
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
    RandomMaclaurin *rm = make_rm(c1, c2, h * w, d, seed);
    Rng r;
    rng_seed(&r, seed + 100);
    Tensor a, b, y;
    testutil_tensor(&a, n, c1, h, w);
    testutil_tensor(&b, n, c2, h, w);
    testutil_tensor(&y, n, d, 1, 1);
    testutil_fill_normal(&a, &r, 1.0f);
    testutil_fill_normal(&b, &r, 1.0f);
    float *ref = malloc((size_t)n * d * sizeof(float));
    assert_non_null(ref);
    random_maclaurin_forward(rm, &a, &b, &y);
    rm_reference(rm, &a, &b, ref);
    testutil_assert_close(y.data, ref, (size_t)n * d, 1e-4, 1e-4);
    if (c1 == c2) {
        random_maclaurin_forward(rm, &a, NULL, &y);
        rm_reference(rm, &a, &a, ref);
        testutil_assert_close(y.data, ref, (size_t)n * d, 1e-4, 1e-4);
    }
    free(ref);
    tensor_fini(&a);
    tensor_fini(&b);
    tensor_fini(&y);
    random_maclaurin_destroy(rm);
}

static void test_rm_forward_matches_direct_loop(void **state) {
    (void)state;
    check_reference(2, 5, 3, 3, 4, 16, 1);
    check_reference(2, 4, 4, 10, 15, 8, 2); /* 150 locations: a full GEMM block and a tail */
    check_reference(1, 7, 7, 1, 1, 33, 3);
}

/* The layer kind matches the direct API with b == a, on a short batch. */
static void test_rm_layer_matches_direct(void **state) {
    (void)state;
    LayerSpec spec = {.kind = "compact_rm", .name = "m", .dim = 24, .seed = 9};
    Layer l;
    assert_int_equal(layer_init(&l, &spec, (Shape){3, 6, 4, 5}, NULL), ST_OK);
    assert_int_equal(l.out.c, 24);
    assert_int_equal(l.out.h * l.out.w, 1);
    assert_int_equal(layer_workspace(&l), 0);
    RandomMaclaurin *rm = make_rm(6, 6, 20, 24, 9);
    Rng r;
    rng_seed(&r, 4);
    Tensor x, y, y2;
    testutil_tensor(&x, 3, 6, 4, 5);
    testutil_tensor(&y, 3, 24, 1, 1);
    testutil_tensor(&y2, 3, 24, 1, 1);
    testutil_fill_normal(&x, &r, 1.0f);
    x.n = 2;
    layer_forward(&l, &x, &y, NULL);
    assert_int_equal(y.n, 2);
    random_maclaurin_forward(rm, &x, NULL, &y2);
    testutil_assert_close(y.data, y2.data, 2 * 24, 0.0, 0.0);
    random_maclaurin_destroy(rm);
    tensor_fini(&x);
    tensor_fini(&y);
    tensor_fini(&y2);
    layer_fini(&l);
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

static void rm_pair_forward(void *ctx, const Tensor *a, const Tensor *b, Tensor *y) {
    random_maclaurin_forward(ctx, a, b, y);
}

static void pair_gradcheck(int n, int c1, int c2, int h, int w, int d, uint64_t seed) {
    RandomMaclaurin *rm = make_rm(c1, c2, h * w, d, seed);
    Rng rng;
    rng_seed(&rng, seed);
    Tensor a, b, y, dy, da, db;
    testutil_tensor(&a, n, c1, h, w);
    testutil_tensor(&b, n, c2, h, w);
    testutil_tensor(&y, n, d, 1, 1);
    testutil_tensor(&dy, n, d, 1, 1);
    testutil_tensor(&da, n, c1, h, w);
    testutil_tensor(&db, n, c2, h, w);
    testutil_fill_normal(&a, &rng, 1.0f);
    testutil_fill_normal(&b, &rng, 1.0f);
    testutil_fill_uniform(&dy, &rng, -1.0f, 1.0f);
    random_maclaurin_backward(rm, &a, &b, &dy, &da, &db);
    PairOp op = {rm, rm_pair_forward};
    GradCheck cfg = {.h = RM_GRAD_H, .floor = RM_GRAD_FLOOR};
    double ea, eb;
    gradcheck_pair(&op, &a, &b, &y, dy.data, &da, &db, &cfg, &ea, &eb);
    printf("gradcheck random_maclaurin pair %d/%d ch d=%d: da %.2e db %.2e (bound %.0e)\n", c1, c2,
           d, ea, eb, RM_GRAD_BOUND);
    if (!(ea <= RM_GRAD_BOUND && eb <= RM_GRAD_BOUND))
        fail_msg("random_maclaurin pair gradcheck: da err %.3g, db err %.3g exceed the bound %.0e",
                 ea, eb, RM_GRAD_BOUND);

    /* Only one of the gradients asked for: the same values. */
    Tensor only;
    testutil_tensor(&only, n, c2, h, w);
    random_maclaurin_backward(rm, &a, &b, &dy, NULL, &only);
    testutil_assert_close(only.data, db.data, tensor_count(&db), 0.0, 0.0);
    tensor_fini(&only);
    testutil_tensor(&only, n, c1, h, w);
    random_maclaurin_backward(rm, &a, &b, &dy, &only, NULL);
    testutil_assert_close(only.data, da.data, tensor_count(&da), 0.0, 0.0);
    tensor_fini(&only);

    tensor_fini(&a);
    tensor_fini(&b);
    tensor_fini(&y);
    tensor_fini(&dy);
    tensor_fini(&da);
    tensor_fini(&db);
    random_maclaurin_destroy(rm);
}

static void test_rm_pair_gradcheck(void **state) {
    (void)state;
    pair_gradcheck(2, 3, 5, 3, 3, 8, 31);
    pair_gradcheck(1, 4, 2, 10, 13, 9, 32); /* GEMM block + tail */
}

/* E[<phi(x), phi(z)>] = <x x^T, z z^T> = <x, z>^2: the mean ratio over 50
 * draws of fresh projections and inputs is within 0.05 of 1. */
static void test_rm_kernel_property(void **state) {
    (void)state;
    enum { C = 256, D = 4096, DRAWS = 50 };
    double mean = kernelcheck_mean_ratio("compact_rm", C, D, DRAWS, 5000, 9000);
    printf("random maclaurin kernel: mean <phi(x),phi(z)> / <x,z>^2 = %.4f over %d draws\n", mean,
           DRAWS);
    if (fabs(mean - 1.0) > 0.05) fail_msg("kernel ratio mean %.4f is not within 0.05 of 1", mean);
}

static void test_rm_setup_errors(void **state) {
    (void)state;
    Layer l;
    Error err = {0};
    LayerSpec nodim = {.kind = "compact_rm", .name = "cbp", .dim = 0};
    assert_int_equal(layer_init(&l, &nodim, (Shape){1, 8, 4, 4}, &err), ST_ARG);
    assert_non_null(strstr(err.msg, "compact_rm cbp"));
    assert_non_null(strstr(err.msg, "dim"));
    layer_fini(&l);
    error_clear(&err);
    assert_null(random_maclaurin_create(4, 4, 9, -1, 1, &err));
    assert_int_equal(err.status, ST_ARG);
    assert_non_null(strstr(err.msg, "random_maclaurin"));
    assert_null(random_maclaurin_create(4, 0, 9, 16, 1, NULL));
    random_maclaurin_destroy(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rm_weights_are_signs),
        cmocka_unit_test(test_rm_forward_by_hand),
        cmocka_unit_test(test_rm_forward_matches_direct_loop),
        cmocka_unit_test(test_rm_layer_matches_direct),
        cmocka_unit_test(test_rm_layer_gradcheck),
        cmocka_unit_test(test_rm_pair_gradcheck),
        cmocka_unit_test(test_rm_kernel_property),
        cmocka_unit_test(test_rm_setup_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
