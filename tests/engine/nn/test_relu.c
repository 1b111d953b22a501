/*
 * test_relu — ReLU values, in-place use and the gradient check.
 */
#include "engine/nn/layer.h"
#include "tests/lib/gradcheck.h"
#include "tests/lib/testutil.h"

static void test_relu_values_and_in_place(void **state) {
    (void)state;
    Layer l;
    LayerSpec spec = {.kind = "relu", .name = "r"};
    assert_int_equal(layer_init(&l, &spec, (Shape){1, 1, 2, 3}, NULL), ST_OK);
    Tensor x, y, dy;
    testutil_tensor(&x, 1, 1, 2, 3);
    testutil_tensor(&y, 1, 1, 2, 3);
    testutil_tensor(&dy, 1, 1, 2, 3);
    const float in[6] = {-2.0f, -0.0f, 0.0f, 0.5f, 3.0f, -1e-30f};
    const float out[6] = {0.0f, 0.0f, 0.0f, 0.5f, 3.0f, 0.0f};
    for (int i = 0; i < 6; i++) x.data[i] = in[i];
    layer_forward(&l, &x, &y, NULL);
    testutil_assert_close(y.data, out, 6, 0.0, 0.0);
    /* In place: y aliases x; backward reads only y, and dx may alias dy. */
    layer_forward(&l, &x, &x, NULL);
    testutil_assert_close(x.data, out, 6, 0.0, 0.0);
    tensor_fill(&dy, 2.0f);
    layer_backward(&l, &x, &x, &dy, &dy, NULL);
    const float grad[6] = {0.0f, 0.0f, 0.0f, 2.0f, 2.0f, 0.0f};
    testutil_assert_close(dy.data, grad, 6, 0.0, 0.0);
    tensor_fini(&x);
    tensor_fini(&y);
    tensor_fini(&dy);
    layer_fini(&l);
}

static void test_relu_gradcheck(void **state) {
    (void)state;
    Layer l;
    LayerSpec spec = {.kind = "relu", .name = "r"};
    assert_int_equal(layer_init(&l, &spec, (Shape){3, 4, 5, 5}, NULL), ST_OK);
    Tensor x;
    testutil_tensor(&x, 3, 4, 5, 5);
    Rng r;
    rng_seed(&r, 11);
    /* Keep every input at least 0.1 from the kink at 0, ten times h. */
    for (size_t i = 0; i < tensor_count(&x); i++) {
        float v = 0.1f + rng_uniform(&r);
        x.data[i] = rng_sign(&r) * v;
    }
    GradCheck cfg = {.h = 1e-2f, .floor = 1e-2, .seed = 5};
    GradCheckResult res = gradcheck_layer(&l, &x, &cfg);
    /* Piecewise linear away from 0: exact up to float rounding. */
    gradcheck_expect("relu", res, 1e-3);
    assert_int_equal(res.checked, (int)tensor_count(&x));
    tensor_fini(&x);
    layer_fini(&l);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_relu_values_and_in_place),
        cmocka_unit_test(test_relu_gradcheck),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
