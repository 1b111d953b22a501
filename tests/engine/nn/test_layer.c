/*
 * test_layer — the registry and the dispatch every kind goes through: each
 * documented kind found under its name and nothing else, layer_init's
 * errors (unknown or missing kind, an empty input shape, a kind's own setup
 * failing) naming the layer and leaving it empty, the name defaulted and
 * cut, a short batch through forward and backward (y->n and dx->n set,
 * samples past it untouched, gradients adding up, a gradient check), and
 * variant, workspace and state passed through from the kind.
 */
#include <string.h>

#include "engine/nn/layer.h"
#include "tests/lib/gradcheck.h"
#include "tests/lib/testutil.h"

static const char *const documented[] = {"conv",       "relu",       "maxpool",  "avgpool",
                                         "compact_ts", "compact_rm", "bilinear", "signed_sqrt",
                                         "l2norm",     "fc"};

static void test_layer_registry(void **state) {
    (void)state;
    size_t n = sizeof documented / sizeof documented[0];
    for (size_t i = 0; i < n; i++) {
        const LayerOps *ops = layer_find(documented[i]);
        if (!ops) fail_msg("kind %s is not registered", documented[i]);
        assert_string_equal(ops->kind, documented[i]);
        assert_non_null(ops->setup);
        assert_non_null(ops->forward);
        assert_non_null(ops->backward);
        for (size_t j = 0; j < i; j++) assert_ptr_not_equal(ops, layer_find(documented[j]));
    }
    assert_null(layer_find("Conv")); /* names are exact */
    assert_null(layer_find("conv "));
    assert_null(layer_find(""));
    assert_null(layer_find(NULL));
}

/* Fails unless l is as layer_init leaves it after a failure. */
static void expect_empty(const Layer *l) {
    assert_null(l->ops);
    assert_null(l->params);
    assert_int_equal(l->n_params, 0);
    assert_null(l->priv);
}

static void test_layer_init_errors_name_layer(void **state) {
    (void)state;
    Layer l;
    Error err = {0};
    const Shape in = {2, 3, 4, 4};
    LayerSpec spec = {.kind = "nope", .name = "head"};
    assert_int_equal(layer_init(&l, &spec, in, &err), ST_ARG);
    assert_string_equal(err.msg, "layer head: unknown kind 'nope'");
    expect_empty(&l);
    spec = (LayerSpec){.kind = NULL, .name = "head"};
    assert_int_equal(layer_init(&l, &spec, in, &err), ST_ARG);
    assert_string_equal(err.msg, "layer head: unknown kind '(null)'");
    /* Any empty dimension, before the kind is asked. */
    spec = (LayerSpec){.kind = "relu", .name = "r1"};
    const Shape empty[4] = {{0, 3, 4, 4}, {2, 0, 4, 4}, {2, 3, 0, 4}, {2, 3, 4, -1}};
    for (int i = 0; i < 4; i++) {
        error_clear(&err);
        assert_int_equal(layer_init(&l, &spec, empty[i], &err), ST_SHAPE);
        assert_non_null(strstr(err.msg, "layer r1: input shape"));
        assert_non_null(strstr(err.msg, "is empty"));
        expect_empty(&l);
    }
    /* The kind's setup failing: its message, and nothing left behind. */
    spec = (LayerSpec){.kind = "fc", .name = "fc8", .out_channels = 0, .bias = 1};
    error_clear(&err);
    assert_int_equal(layer_init(&l, &spec, in, &err), ST_ARG);
    assert_non_null(strstr(err.msg, "fc8"));
    expect_empty(&l);
    layer_fini(&l); /* still safe */
    layer_fini(NULL);
}

static void test_layer_name_default_and_cut(void **state) {
    (void)state;
    Layer l;
    LayerSpec spec = {.kind = "relu"};
    assert_int_equal(layer_init(&l, &spec, (Shape){1, 1, 2, 2}, NULL), ST_OK);
    assert_string_equal(l.name, "relu");
    assert_true(shape_equal(l.out, l.in));
    layer_fini(&l);
    char lng[64];
    memset(lng, 'x', sizeof lng - 1);
    lng[sizeof lng - 1] = '\0';
    spec.name = lng;
    assert_int_equal(layer_init(&l, &spec, (Shape){1, 1, 2, 2}, NULL), ST_OK);
    assert_int_equal(strlen(l.name), sizeof l.name - 1);
    layer_fini(&l);
}

/* An fc layer 3 -> 2 with bias for batches up to 4, weights by hand. */
static void fc_by_hand(Layer *l) {
    LayerSpec spec = {.kind = "fc", .name = "fc", .out_channels = 2, .bias = 1};
    assert_int_equal(layer_init(l, &spec, (Shape){4, 3, 1, 1}, NULL), ST_OK);
    const float w[6] = {1, 2, 3, -1, 0, 2}, b[2] = {0.5f, -1};
    memcpy(l->params[0].value.data, w, sizeof w);
    memcpy(l->params[1].value.data, b, sizeof b);
}

static void test_layer_short_batch_dispatch(void **state) {
    (void)state;
    Layer l;
    fc_by_hand(&l);
    assert_string_equal(l.params[0].name, "fc.weight");
    assert_string_equal(l.params[1].name, "fc.bias");
    Tensor x, y, dy, dx;
    testutil_tensor(&x, 2, 3, 1, 1); /* 2 of the 4 samples the layer takes */
    testutil_tensor(&y, 4, 2, 1, 1);
    testutil_tensor(&dy, 2, 2, 1, 1);
    testutil_tensor(&dx, 4, 3, 1, 1);
    tensor_fill(&y, 99.0f);
    const float xv[6] = {1, 1, 1, 2, 0, -1};
    memcpy(x.data, xv, sizeof xv);
    layer_forward(&l, &x, &y, NULL);
    assert_int_equal(y.n, 2);
    /* y0 = (1+2+3+0.5, -1+0+2-1) = (6.5, 0); y1 = (2-3+0.5, -2-2-1) =
     * (-0.5, -5); samples 2 and 3 are not written. */
    const float want_y[8] = {6.5f, 0, -0.5f, -5, 99, 99, 99, 99};
    testutil_assert_close(y.data, want_y, 8, 1e-6, 0);
    /* dy = I: dx_i = row i of W, dW = rows x0 and x1, db = (1, 1). */
    const float dyv[4] = {1, 0, 0, 1};
    memcpy(dy.data, dyv, sizeof dyv);
    tensor_fill(&dx, 99.0f);
    dx.n = 4;
    layer_backward(&l, &x, &y, &dy, &dx, NULL);
    assert_int_equal(dx.n, 2);
    const float want_dx[12] = {1, 2, 3, -1, 0, 2, 99, 99, 99, 99, 99, 99};
    testutil_assert_close(dx.data, want_dx, 12, 1e-6, 0);
    const float want_dw[6] = {1, 1, 1, 2, 0, -1}, want_db[2] = {1, 1};
    testutil_assert_close(l.params[0].grad.data, want_dw, 6, 1e-6, 0);
    testutil_assert_close(l.params[1].grad.data, want_db, 2, 1e-6, 0);
    /* Without dx, the parameter gradients still add up (+=). */
    layer_backward(&l, &x, &y, &dy, NULL, NULL);
    const float twice_dw[6] = {2, 2, 2, 4, 0, -2}, twice_db[2] = {2, 2};
    testutil_assert_close(l.params[0].grad.data, twice_dw, 6, 1e-6, 0);
    testutil_assert_close(l.params[1].grad.data, twice_db, 2, 1e-6, 0);
    /* The same short batch through a finite-difference check. */
    GradCheck cfg = {.h = 0.05f, .floor = 1e-2, .max_checks = 0, .seed = 11};
    gradcheck_expect("fc short batch 2 of 4", gradcheck_layer(&l, &x, &cfg), 1e-3);
    tensor_fini(&x);
    tensor_fini(&y);
    tensor_fini(&dy);
    tensor_fini(&dx);
    layer_fini(&l);
    expect_empty(&l);
}

static void test_layer_variant_workspace_state(void **state) {
    (void)state;
    Layer l;
    LayerSpec relu = {.kind = "relu", .name = "r"};
    assert_int_equal(layer_init(&l, &relu, (Shape){2, 3, 4, 4}, NULL), ST_OK);
    assert_string_equal(layer_variant(&l), "relu"); /* a kind with one way */
    assert_int_equal(layer_workspace(&l), 0);
    assert_int_equal(layer_state(&l), 0);
    layer_fini(&l);
    /* maxpool 2x2 stride 2 over 2x3x4x4: 2x3x2x2 = 24 outputs, one byte of
     * argmax each. */
    LayerSpec pool = {.kind = "maxpool", .name = "p", .kernel = 2, .stride = 2};
    assert_int_equal(layer_init(&l, &pool, (Shape){2, 3, 4, 4}, NULL), ST_OK);
    assert_true(shape_equal(l.out, (Shape){2, 3, 2, 2}));
    assert_int_equal(layer_state(&l), 24);
    layer_fini(&l);
    /* VGG's 3x3 conv (pad 1 keeps the side) asked for im2col says so and
     * needs its columns: at least cin * 9 rows of 4x4 outputs. */
    LayerSpec conv = layer_spec_conv3x3("c", 2, "im2col", 0);
    assert_int_equal(layer_init(&l, &conv, (Shape){1, 3, 4, 4}, NULL), ST_OK);
    assert_true(shape_equal(l.out, (Shape){1, 2, 4, 4}));
    assert_string_equal(layer_variant(&l), "im2col");
    assert_true(layer_workspace(&l) >= 3 * 9 * 16);
    layer_fini(&l);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layer_registry),
        cmocka_unit_test(test_layer_init_errors_name_layer),
        cmocka_unit_test(test_layer_name_default_and_cut),
        cmocka_unit_test(test_layer_short_batch_dispatch),
        cmocka_unit_test(test_layer_variant_workspace_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
