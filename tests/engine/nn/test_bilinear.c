/*
 * test_bilinear — full bilinear pooling: hand-checked values, agreement
 * with a direct double loop, the (G + G^T) x gradient of one input used
 * twice, gradient checks through the layer and the two-input API, and
 * setup errors.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/nn/bilinear.h"
#include "engine/nn/layer.h"
#include "tests/lib/gradcheck.h"
#include "tests/lib/poolcheck.h"
#include "tests/lib/testutil.h"

static void test_bilinear_forward_by_hand(void **state) {
    (void)state;
    /* a: 2 channels x 2 locations, rows (1, 2) and (3, 4); b: 1 channel (5, 6). */
    Tensor a, b, y2, y4;
    testutil_tensor(&a, 1, 2, 1, 2);
    testutil_tensor(&b, 1, 1, 1, 2);
    testutil_tensor(&y2, 1, 2, 1, 1);
    testutil_tensor(&y4, 1, 4, 1, 1);
    const float av[4] = {1, 2, 3, 4}, bv[2] = {5, 6};
    memcpy(a.data, av, sizeof av);
    memcpy(b.data, bv, sizeof bv);
    bilinear_forward(&a, &b, &y2);
    const float ab[2] = {1 * 5 + 2 * 6, 3 * 5 + 4 * 6};
    testutil_assert_close(y2.data, ab, 2, 0.0, 0.0);
    bilinear_forward(&a, NULL, &y4);
    const float aa[4] = {1 + 4, 3 + 8, 3 + 8, 9 + 16};
    testutil_assert_close(y4.data, aa, 4, 0.0, 0.0);
    tensor_fini(&a);
    tensor_fini(&b);
    tensor_fini(&y2);
    tensor_fini(&y4);
}

/* y[i * c2 + j] = sum_l a[i, l] b[j, l] in double. */
static void bilinear_reference(const Tensor *a, const Tensor *b, float *ref) {
    int hw = a->h * a->w, c1 = a->c, c2 = b->c;
    for (int n = 0; n < a->n; n++)
        for (int i = 0; i < c1; i++)
            for (int j = 0; j < c2; j++) {
                double sum = 0.0;
                for (int l = 0; l < hw; l++)
                    sum +=
                        (double)tensor_sample(a, n)[i * hw + l] * tensor_sample(b, n)[j * hw + l];
                ref[((size_t)n * c1 + i) * c2 + j] = (float)sum;
            }
}

static void check_reference(int n, int c1, int c2, int h, int w, uint64_t seed) {
    Rng r;
    rng_seed(&r, seed);
    Tensor a, b, yab, yaa;
    testutil_tensor(&a, n, c1, h, w);
    testutil_tensor(&b, n, c2, h, w);
    testutil_tensor(&yab, n, c1 * c2, 1, 1);
    testutil_tensor(&yaa, n, c1 * c1, 1, 1);
    testutil_fill_normal(&a, &r, 1.0f);
    testutil_fill_normal(&b, &r, 1.0f);
    float *ref = malloc((size_t)n * c1 * (c1 > c2 ? c1 : c2) * sizeof(float));
    assert_non_null(ref);
    bilinear_forward(&a, &b, &yab);
    bilinear_reference(&a, &b, ref);
    testutil_assert_close(yab.data, ref, tensor_count(&yab), 1e-5, 1e-5);
    bilinear_forward(&a, NULL, &yaa);
    bilinear_reference(&a, &a, ref);
    testutil_assert_close(yaa.data, ref, tensor_count(&yaa), 1e-5, 1e-5);
    free(ref);
    tensor_fini(&a);
    tensor_fini(&b);
    tensor_fini(&yab);
    tensor_fini(&yaa);
}

static void test_bilinear_forward_matches_direct_loop(void **state) {
    (void)state;
    check_reference(2, 3, 5, 4, 3, 1);
    check_reference(3, 7, 2, 1, 1, 2);
    check_reference(1, 16, 16, 7, 7, 3);
}

/* With a used twice, dx = (G + G^T) x for G = dy viewed as c x c; checked
 * against that formula in double, through the layer, on a short batch. */
static void test_bilinear_twice_gradient_is_g_plus_gt(void **state) {
    (void)state;
    enum { N = 3, C = 5, H = 3, W = 4, HW = H * W };
    LayerSpec spec = {.kind = "bilinear", .name = "b"};
    Layer l;
    assert_int_equal(layer_init(&l, &spec, (Shape){N, C, H, W}, NULL), ST_OK);
    assert_int_equal(l.out.c, C * C);
    assert_int_equal(l.out.h * l.out.w, 1);
    assert_int_equal(layer_workspace(&l), 0);
    assert_int_equal(l.n_params, 0);
    Rng r;
    rng_seed(&r, 17);
    Tensor x, y, dy, dx;
    testutil_tensor(&x, N, C, H, W);
    testutil_tensor(&y, N, C * C, 1, 1);
    testutil_tensor(&dy, N, C * C, 1, 1);
    testutil_tensor(&dx, N, C, H, W);
    testutil_fill_normal(&x, &r, 1.0f);
    testutil_fill_normal(&dy, &r, 1.0f);
    x.n = dy.n = 2;
    layer_forward(&l, &x, &y, NULL);
    layer_backward(&l, &x, &y, &dy, &dx, NULL);
    assert_int_equal(dx.n, 2);
    float ref[2 * C * HW];
    for (int n = 0; n < 2; n++) {
        const float *g = tensor_sample(&dy, n), *xn = tensor_sample(&x, n);
        for (int i = 0; i < C; i++)
            for (int k = 0; k < HW; k++) {
                double sum = 0.0;
                for (int j = 0; j < C; j++)
                    sum += ((double)g[i * C + j] + g[j * C + i]) * xn[j * HW + k];
                ref[(n * C + i) * HW + k] = (float)sum;
            }
    }
    testutil_assert_close(dx.data, ref, 2 * C * HW, 1e-5, 1e-5);
    tensor_fini(&x);
    tensor_fini(&y);
    tensor_fini(&dy);
    tensor_fini(&dx);
    layer_fini(&l);
}

/* Gradient check step and bound for the layer and the two-input checks.
 * Bilinear pooling is quadratic in each input element, so central
 * differences have no truncation error at any step; float rounding of y
 * divided by 2h is all that is left, hence the large h = 1. Over 1000
 * random cases the worst relative error was 1.0e-4 (typical ones ~1e-5);
 * the bound is 5e-4. */
#define BL_GRAD_BOUND 5e-4
#define BL_GRAD_H     1.0f

static void layer_gradcheck(int n, int c, int h, int w, uint64_t seed) {
    LayerSpec spec = {.kind = "bilinear", .name = "b"};
    GradCheck cfg = {.h = BL_GRAD_H, .floor = 1e-2, .max_checks = 0, .seed = seed + 1};
    gradcheck_spec(&spec, (Shape){n, c, h, w}, seed, &cfg, BL_GRAD_BOUND);
}

static void test_bilinear_layer_gradcheck(void **state) {
    (void)state;
    layer_gradcheck(2, 4, 3, 3, 21);
    layer_gradcheck(1, 6, 5, 4, 22);
    layer_gradcheck(3, 1, 1, 2, 23);
}

static void pair_gradcheck(int n, int c1, int c2, int h, int w, uint64_t seed) {
    PairPool p = bilinear_pool(c1, c2, h * w);
    const PoolGrad g = {.h = BL_GRAD_H, .floor = 1e-2, .bound = BL_GRAD_BOUND};
    poolcheck_pair(&p, n, h, w, &g, seed);
}

static void test_bilinear_pair_gradcheck(void **state) {
    (void)state;
    pair_gradcheck(2, 3, 5, 3, 3, 31);
    pair_gradcheck(1, 4, 2, 4, 5, 32);
}

static void test_bilinear_setup_errors(void **state) {
    (void)state;
    Layer l;
    Error err = {0};
    LayerSpec spec = {.kind = "bilinear", .name = "pool"};
    /* 50000^2 outputs per sample do not fit the int channel count. */
    assert_int_equal(layer_init(&l, &spec, (Shape){1, 50000, 2, 2}, &err), ST_SHAPE);
    assert_non_null(strstr(err.msg, "bilinear pool"));
    layer_fini(&l);
}

static void test_bilinear_same_on_any_thread_count(void **state) {
    (void)state;
    PairPool p = bilinear_pool(6, 6, 64);
    poolcheck_threads(&p, 16, 8, 8, 17);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bilinear_same_on_any_thread_count),
        cmocka_unit_test(test_bilinear_forward_by_hand),
        cmocka_unit_test(test_bilinear_forward_matches_direct_loop),
        cmocka_unit_test(test_bilinear_twice_gradient_is_g_plus_gt),
        cmocka_unit_test(test_bilinear_layer_gradcheck),
        cmocka_unit_test(test_bilinear_pair_gradcheck),
        cmocka_unit_test(test_bilinear_setup_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
