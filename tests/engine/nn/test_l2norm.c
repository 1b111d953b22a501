/*
 * test_l2norm — per-sample normalisation values (eps inside the root), the
 * exact backward on a hand-worked case, in-place use, and gradient checks
 * with an eps large enough that an approximate derivative would fail.
 */
#include <math.h>
#include <string.h>

#include "engine/nn/layer.h"
#include "tests/lib/gradcheck.h"
#include "tests/lib/testutil.h"

static void test_l2norm_forward_values(void **state) {
    (void)state;
    Layer l;
    LayerSpec spec = {.kind = "l2norm", .name = "n"};
    assert_int_equal(layer_init(&l, &spec, (Shape){3, 1, 1, 2}, NULL), ST_OK);
    Tensor x, y;
    testutil_tensor(&x, 3, 1, 1, 2);
    testutil_tensor(&y, 3, 1, 1, 2);
    const float in[6] = {3.0f, 4.0f, 0.0f, 0.0f, -1e-3f, 0.0f};
    memcpy(x.data, in, sizeof in);
    layer_forward(&l, &x, &y, NULL);
    /* Default eps 1e-7: (3,4)/5; zero stays finite zero; a tiny vector is
     * shrunk by the eps: -1e-3 / sqrt(1e-6 + 1e-7). */
    const float out[6] = {0.6f, 0.8f, 0.0f, 0.0f, (float)(-1e-3 / sqrt(1.1e-6)), 0.0f};
    testutil_assert_close(y.data, out, 6, 0.0, 1e-6);
    tensor_fini(&x);
    tensor_fini(&y);
    layer_fini(&l);
}

static void test_l2norm_backward_by_hand_in_place(void **state) {
    (void)state;
    Layer l;
    /* x = (1, 2, 2), eps = 7: r = sqrt(9 + 7) = 4, y = (0.25, 0.5, 0.5).
     * dy = (1, 0, 0): <y, dy> = 0.25, dx = (dy - 0.25 y) / 4. */
    LayerSpec spec = {.kind = "l2norm", .name = "n", .eps = 7.0f};
    assert_int_equal(layer_init(&l, &spec, (Shape){1, 3, 1, 1}, NULL), ST_OK);
    Tensor x, dy;
    testutil_tensor(&x, 1, 3, 1, 1);
    testutil_tensor(&dy, 1, 3, 1, 1);
    const float in[3] = {1.0f, 2.0f, 2.0f};
    memcpy(x.data, in, sizeof in);
    dy.data[0] = 1.0f;
    layer_forward(&l, &x, &x, NULL);
    const float out[3] = {0.25f, 0.5f, 0.5f};
    testutil_assert_close(x.data, out, 3, 0.0, 0.0);
    layer_backward(&l, &x, &x, &dy, &dy, NULL);
    const float grad[3] = {0.234375f, -0.03125f, -0.03125f};
    testutil_assert_close(dy.data, grad, 3, 0.0, 1e-7);
    tensor_fini(&x);
    tensor_fini(&dy);
    layer_fini(&l);
}

static void gradcheck_case(float eps, float scale, float h) {
    Layer l;
    LayerSpec spec = {.kind = "l2norm", .name = "n", .eps = eps};
    assert_int_equal(layer_init(&l, &spec, (Shape){3, 2, 3, 2}, NULL), ST_OK);
    Tensor x;
    testutil_tensor(&x, 3, 2, 3, 2);
    Rng r;
    rng_seed(&r, 41);
    testutil_fill_normal(&x, &r, scale);
    GradCheck cfg = {.h = h, .floor = 1e-2, .seed = 8};
    GradCheckResult res = gradcheck_layer(&l, &x, &cfg);
    assert_int_equal(res.checked, (int)tensor_count(&x));
    /* Smooth: the truncation error h^2 |f'''| / 6 grows as 1 / r^3 and the
     * float rounding of L over 2h as 1 / h, so small features take a smaller
     * h; observed errors are 6e-5 to 2e-4. */
    if (res.input_err > 1e-3)
        fail_msg("l2norm eps %g gradcheck err %.3g > 1e-3", (double)eps, res.input_err);
    tensor_fini(&x);
    layer_fini(&l);
}

static void test_l2norm_gradcheck(void **state) {
    (void)state;
    gradcheck_case(0.0f, 1.0f, 1e-2f);  /* default eps, negligible against |x|^2 ~ 12 */
    gradcheck_case(5.0f, 1.0f, 1e-2f);  /* eps ~ |x|^2: ignoring eps in dx is ~15% off */
    gradcheck_case(1e-2f, 0.1f, 2e-3f); /* small features (r ~ 0.36), eps ~ |x|^2 again */
}

static void test_l2norm_setup_errors(void **state) {
    (void)state;
    Layer l;
    Error err = {0};
    LayerSpec spec = {.kind = "l2norm", .name = "n", .eps = -1.0f};
    assert_int_equal(layer_init(&l, &spec, (Shape){1, 4, 1, 1}, &err), ST_ARG);
    assert_non_null(strstr(err.msg, "l2norm n"));
    layer_fini(&l);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_l2norm_forward_values),
        cmocka_unit_test(test_l2norm_backward_by_hand_in_place),
        cmocka_unit_test(test_l2norm_gradcheck),
        cmocka_unit_test(test_l2norm_setup_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
