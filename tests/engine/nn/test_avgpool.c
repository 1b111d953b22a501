/*
 * test_avgpool — global average pooling values, backward spreading and the
 * gradient check.
 */
#include <string.h>

#include "engine/nn/layer.h"
#include "tests/lib/gradcheck.h"
#include "tests/lib/testutil.h"

static void test_avgpool_values(void **state) {
    (void)state;
    Layer l;
    LayerSpec spec = {.kind = "avgpool", .name = "a", .kernel = 3}; /* kernel is ignored */
    assert_int_equal(layer_init(&l, &spec, (Shape){2, 2, 2, 3}, NULL), ST_OK);
    assert_true(shape_equal(l.out, (Shape){2, 2, 1, 1}));
    Tensor x, y, dy, dx;
    testutil_tensor(&x, 2, 2, 2, 3);
    testutil_tensor(&y, 2, 2, 1, 1);
    testutil_tensor(&dy, 2, 2, 1, 1);
    testutil_tensor(&dx, 2, 2, 2, 3);
    for (int i = 0; i < 24; i++) x.data[i] = (float)i;
    x.data[23] = -100.0f;
    layer_forward(&l, &x, &y, NULL);
    /* Planes 0..5, 6..11, 12..17, then 18..22 and -100. */
    const float out[4] = {2.5f, 8.5f, 14.5f, (18 + 19 + 20 + 21 + 22 - 100) / 6.0f};
    testutil_assert_close(y.data, out, 4, 0.0, 1e-7);
    const float g[4] = {6.0f, -12.0f, 0.0f, 3.0f};
    memcpy(dy.data, g, sizeof g);
    layer_backward(&l, &x, &y, &dy, &dx, NULL);
    for (int i = 0; i < 24; i++)
        if (dx.data[i] != g[i / 6] / 6.0f)
            fail_msg("dx[%d] = %g, expected %g", i, (double)dx.data[i], (double)(g[i / 6] / 6.0f));
    tensor_fini(&x);
    tensor_fini(&y);
    tensor_fini(&dy);
    tensor_fini(&dx);
    layer_fini(&l);
}

static void test_avgpool_gradcheck(void **state) {
    (void)state;
    Layer l;
    LayerSpec spec = {.kind = "avgpool", .name = "a"};
    assert_int_equal(layer_init(&l, &spec, (Shape){3, 4, 5, 3}, NULL), ST_OK);
    Tensor x;
    testutil_tensor(&x, 2, 4, 5, 3); /* a batch shorter than in.n */
    Rng r;
    rng_seed(&r, 21);
    testutil_fill_normal(&x, &r, 1.0f);
    GradCheck cfg = {.h = 1e-2f, .floor = 1e-2, .seed = 4};
    GradCheckResult res = gradcheck_layer(&l, &x, &cfg);
    assert_int_equal(res.checked, (int)tensor_count(&x));
    /* Linear: exact up to float rounding. */
    if (res.input_err > 1e-3) fail_msg("avgpool gradcheck err %.3g > 1e-3", res.input_err);
    tensor_fini(&x);
    layer_fini(&l);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_avgpool_values),
        cmocka_unit_test(test_avgpool_gradcheck),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
