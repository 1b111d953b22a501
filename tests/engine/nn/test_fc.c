/*
 * test_fc — fully connected forward by hand (flattened NCHW input, PyTorch
 * weight layout), parameter names and shapes, gradient checks, gradient
 * accumulation, frozen layers, dx == NULL and setup errors.
 */
#include <math.h>
#include <string.h>

#include "engine/nn/layer.h"
#include "tests/lib/gradcheck.h"
#include "tests/lib/testutil.h"

static LayerSpec fc_spec(int out, int bias) {
    return (LayerSpec){.kind = "fc", .name = "f", .out_channels = out, .bias = bias};
}

static void test_fc_params(void **state) {
    (void)state;
    Layer l;
    LayerSpec spec = fc_spec(5, 1);
    assert_int_equal(layer_init(&l, &spec, (Shape){4, 3, 2, 2}, NULL), ST_OK);
    assert_true(shape_equal(l.out, (Shape){4, 5, 1, 1}));
    assert_int_equal(l.n_params, 2);
    assert_string_equal(l.params[0].name, "f.weight");
    assert_true(shape_equal(tensor_shape(&l.params[0].value), (Shape){5, 12, 1, 1}));
    assert_string_equal(l.params[1].name, "f.bias");
    assert_true(shape_equal(tensor_shape(&l.params[1].value), (Shape){5, 1, 1, 1}));
    layer_fini(&l);
    spec = fc_spec(5, 0);
    assert_int_equal(layer_init(&l, &spec, (Shape){4, 3, 2, 2}, NULL), ST_OK);
    assert_int_equal(l.n_params, 1);
    layer_fini(&l);
}

static void test_fc_forward_by_hand(void **state) {
    (void)state;
    Layer l;
    LayerSpec spec = fc_spec(2, 1);
    assert_int_equal(layer_init(&l, &spec, (Shape){2, 1, 2, 2}, NULL), ST_OK);
    const float w[8] = {1, 2, 3, 4, 0, -1, 0, 1}, b[2] = {0.5f, -1.0f};
    memcpy(l.params[0].value.data, w, sizeof w);
    memcpy(l.params[1].value.data, b, sizeof b);
    Tensor x, y;
    testutil_tensor(&x, 2, 1, 2, 2);
    testutil_tensor(&y, 2, 2, 1, 1);
    const float in[8] = {1, 1, 2, -1, 0, 0, 0, 2};
    memcpy(x.data, in, sizeof in);
    layer_forward(&l, &x, &y, NULL);
    /* Sample 0: 1+2+6-4+0.5 = 5.5 and -1-1-1 = -3; sample 1: 8.5 and 1. */
    const float out[4] = {5.5f, -3.0f, 8.5f, 1.0f};
    testutil_assert_close(y.data, out, 4, 0.0, 0.0);
    tensor_fini(&x);
    tensor_fini(&y);
    layer_fini(&l);
}

static void gradcheck_case(int n, int c, int h, int w, int out, int bias) {
    Layer l;
    LayerSpec spec = fc_spec(out, bias);
    assert_int_equal(layer_init(&l, &spec, (Shape){n, c, h, w}, NULL), ST_OK);
    Rng r;
    rng_seed(&r, 51);
    for (int i = 0; i < l.n_params; i++) testutil_fill_normal(&l.params[i].value, &r, 0.5f);
    Tensor x;
    testutil_tensor(&x, n, c, h, w);
    testutil_fill_normal(&x, &r, 1.0f);
    /* Linear in x and in the parameters, so central differences have no
     * truncation error at any h; h = 0.1 rather than 1e-2 divides the float
     * rounding of y (~1e-7 of |y| ~ 3, over 2h) by ten, which at 1e-2 came
     * to 1.1e-3 of a small dx element. */
    GradCheck cfg = {.h = 1e-1f, .floor = 1e-2, .seed = 2};
    GradCheckResult res = gradcheck_layer(&l, &x, &cfg);
    assert_true(res.checked > 0);
    if (res.input_err > 1e-3 || res.param_err > 1e-3)
        fail_msg("fc gradcheck: input err %.3g, param err %.3g (bound 1e-3)", res.input_err,
                 res.param_err);
    tensor_fini(&x);
    layer_fini(&l);
}

static void test_fc_gradcheck(void **state) {
    (void)state;
    gradcheck_case(3, 4, 2, 3, 5, 1);
    gradcheck_case(1, 7, 1, 1, 3, 0);
    gradcheck_case(4, 2, 3, 1, 1, 1);
}

/* One forward and two backward passes with dy = 1; returns the layer set up. */
static void run_twice(Layer *l, int frozen, int with_dx, Tensor *dx) {
    LayerSpec spec = fc_spec(2, 1);
    assert_int_equal(layer_init(l, &spec, (Shape){2, 3, 1, 1}, NULL), ST_OK);
    l->frozen = frozen;
    tensor_fill(&l->params[0].value, 1.0f);
    Tensor x, y, dy;
    testutil_tensor(&x, 2, 3, 1, 1);
    testutil_tensor(&y, 2, 2, 1, 1);
    testutil_tensor(&dy, 2, 2, 1, 1);
    for (int i = 0; i < 6; i++) x.data[i] = (float)(i + 1);
    tensor_fill(&dy, 1.0f);
    layer_forward(l, &x, &y, NULL);
    layer_backward(l, &x, &y, &dy, with_dx ? dx : NULL, NULL);
    layer_backward(l, &x, &y, &dy, with_dx ? dx : NULL, NULL);
    tensor_fini(&x);
    tensor_fini(&y);
    tensor_fini(&dy);
}

static void test_fc_accumulates_frozen_and_no_dx(void **state) {
    (void)state;
    Layer l;
    Tensor dx;
    testutil_tensor(&dx, 2, 3, 1, 1);
    /* Trainable, no dx: dW[o][j] = 2 * (x0[j] + x1[j]) = 2 * (5, 7, 9), db = 2 * 2. */
    run_twice(&l, 0, 0, NULL);
    const float dw[6] = {10, 14, 18, 10, 14, 18}, db[2] = {4, 4};
    testutil_assert_close(l.params[0].grad.data, dw, 6, 0.0, 0.0);
    testutil_assert_close(l.params[1].grad.data, db, 2, 0.0, 0.0);
    layer_fini(&l);
    /* Frozen: no param grads, but dx = dy W = 2 per element (overwritten, not added). */
    tensor_fill(&dx, 99.0f);
    run_twice(&l, 1, 1, &dx);
    for (int i = 0; i < 6; i++) assert_true(l.params[0].grad.data[i] == 0.0f);
    assert_true(l.params[1].grad.data[0] == 0.0f && l.params[1].grad.data[1] == 0.0f);
    const float dxe[6] = {2, 2, 2, 2, 2, 2};
    testutil_assert_close(dx.data, dxe, 6, 0.0, 0.0);
    layer_fini(&l);
    tensor_fini(&dx);
}

static void test_fc_setup_errors(void **state) {
    (void)state;
    Layer l;
    Error err = {0};
    LayerSpec spec = fc_spec(0, 1);
    assert_int_equal(layer_init(&l, &spec, (Shape){1, 4, 1, 1}, &err), ST_ARG);
    assert_non_null(strstr(err.msg, "fc f"));
    layer_fini(&l);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fc_params),
        cmocka_unit_test(test_fc_forward_by_hand),
        cmocka_unit_test(test_fc_gradcheck),
        cmocka_unit_test(test_fc_accumulates_frozen_and_no_dx),
        cmocka_unit_test(test_fc_setup_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
