/*
 * test_signed_sqrt — forward values (zero, negative zero, NaN), the
 * smoothed backward formula with the default and a given eps, in-place use,
 * and a gradient check of the true derivative (negative eps = eps 0).
 */
#include <math.h>
#include <string.h>

#include "engine/nn/layer.h"
#include "tests/lib/gradcheck.h"
#include "tests/lib/testutil.h"

static void test_signed_sqrt_forward_values(void **state) {
    (void)state;
    Layer l;
    LayerSpec spec = {.kind = "signed_sqrt", .name = "s"};
    assert_int_equal(layer_init(&l, &spec, (Shape){1, 2, 1, 3}, NULL), ST_OK);
    assert_true(shape_equal(l.out, l.in));
    Tensor x, y;
    testutil_tensor(&x, 1, 2, 1, 3);
    testutil_tensor(&y, 1, 2, 1, 3);
    const float in[6] = {4.0f, -9.0f, 0.0f, 0.25f, -0.0f, 2.0f};
    const float out[6] = {2.0f, -3.0f, 0.0f, 0.5f, 0.0f, 1.41421356f};
    memcpy(x.data, in, sizeof in);
    layer_forward(&l, &x, &y, NULL);
    testutil_assert_close(y.data, out, 6, 0.0, 1e-7);
    x.data[0] = NAN; /* divergence must stay visible downstream */
    layer_forward(&l, &x, &y, NULL);
    assert_true(isnan(y.data[0]));
    tensor_fini(&x);
    tensor_fini(&y);
    layer_fini(&l);
}

/* Backward of y = {2, -3, 0, 0.5} with dy = {1, 2, -1, 4} for the given eps,
 * run in place (y aliases x, dx aliases dy), against 0.5 dy / (|y| + eps);
 * at y = 0 that is the finite 0.5 dy / eps. */
static void check_backward_formula(float spec_eps, double eps) {
    Layer l;
    LayerSpec spec = {.kind = "signed_sqrt", .name = "s", .eps = spec_eps};
    assert_int_equal(layer_init(&l, &spec, (Shape){1, 4, 1, 1}, NULL), ST_OK);
    Tensor x, dy;
    testutil_tensor(&x, 1, 4, 1, 1);
    testutil_tensor(&dy, 1, 4, 1, 1);
    const float in[4] = {4.0f, -9.0f, 0.0f, 0.25f}, g[4] = {1.0f, 2.0f, -1.0f, 4.0f};
    const double ay[4] = {2.0, 3.0, 0.0, 0.5};
    memcpy(x.data, in, sizeof in);
    memcpy(dy.data, g, sizeof g);
    layer_forward(&l, &x, &x, NULL);
    layer_backward(&l, &x, &x, &dy, &dy, NULL);
    float expect[4];
    for (int i = 0; i < 4; i++) expect[i] = (float)(0.5 * g[i] / (ay[i] + eps));
    testutil_assert_close(dy.data, expect, 4, 0.0, 1e-6);
    tensor_fini(&x);
    tensor_fini(&dy);
    layer_fini(&l);
}

static void test_signed_sqrt_backward_formula(void **state) {
    (void)state;
    check_backward_formula(0.0f, 0.03); /* unset: the reference layer's 0.03 */
    check_backward_formula(0.1f, 0.1);
}

static void test_signed_sqrt_gradcheck(void **state) {
    (void)state;
    Layer l;
    LayerSpec spec = {.kind = "signed_sqrt", .name = "s", .eps = -1.0f}; /* eps = 0 */
    assert_int_equal(layer_init(&l, &spec, (Shape){2, 3, 4, 5}, NULL), ST_OK);
    Tensor x;
    testutil_tensor(&x, 2, 3, 4, 5);
    Rng r;
    rng_seed(&r, 31);
    /* |x| in [0.5, 2.5): fifty steps from the singularity at 0. */
    for (size_t i = 0; i < tensor_count(&x); i++)
        x.data[i] = rng_sign(&r) * (0.5f + 2.0f * rng_uniform(&r));
    GradCheck cfg = {.h = 1e-2f, .floor = 1e-2, .seed = 6};
    GradCheckResult res = gradcheck_layer(&l, &x, &cfg);
    assert_int_equal(res.checked, (int)tensor_count(&x));
    /* Central differences err by h^2 |f'''| / 6 <= 1e-4 * 2.1 / 6 = 3.5e-5
     * absolute at |x| = 0.5, about 5e-5 relative; float rounding adds ~1e-5. */
    if (res.input_err > 1e-3) fail_msg("signed_sqrt gradcheck err %.3g > 1e-3", res.input_err);
    tensor_fini(&x);
    layer_fini(&l);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signed_sqrt_forward_values),
        cmocka_unit_test(test_signed_sqrt_backward_formula),
        cmocka_unit_test(test_signed_sqrt_gradcheck),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
