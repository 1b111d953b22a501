/*
 * test_conv — convolution forward values (by hand and against a direct
 * double-precision loop), gradient checks, frozen layers and setup errors.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/nn/layer.h"
#include "tests/lib/gradcheck.h"
#include "tests/lib/testutil.h"

static LayerSpec conv_spec(int cout, int k, int s, int p, int bias) {
    return (LayerSpec){.kind = "conv",
                       .name = "c",
                       .out_channels = cout,
                       .kernel = k,
                       .stride = s,
                       .pad = p,
                       .bias = bias};
}

/* A conv layer with bias on an n x cin x h x w input, its weights and then
 * its bias drawn normal * 0.5 from r, seeded with seed. */
static void random_conv(Layer *l, int n, int cin, int h, int w, int cout, int k, int s, int p,
                        Rng *r, uint64_t seed) {
    LayerSpec spec = conv_spec(cout, k, s, p, 1);
    assert_int_equal(layer_init(l, &spec, (Shape){n, cin, h, w}, NULL), ST_OK);
    rng_seed(r, seed);
    testutil_fill_normal(&l->params[0].value, r, 0.5f);
    testutil_fill_normal(&l->params[1].value, r, 0.5f);
}

static float *workspace_for(const Layer *l) {
    size_t n = layer_workspace(l);
    return n ? malloc(n * sizeof(float)) : NULL;
}

static void test_conv_forward_by_hand(void **state) {
    (void)state;
    Layer l;
    LayerSpec spec = conv_spec(1, 2, 1, 0, 1);
    assert_int_equal(layer_init(&l, &spec, (Shape){1, 1, 3, 3}, NULL), ST_OK);
    assert_int_equal(l.out.h, 2);
    assert_int_equal(l.out.w, 2);
    tensor_fill(&l.params[0].value, 1.0f);
    l.params[1].value.data[0] = 0.5f;
    Tensor x, y;
    testutil_tensor(&x, 1, 1, 3, 3);
    testutil_tensor(&y, 1, 1, 2, 2);
    for (int i = 0; i < 9; i++) x.data[i] = (float)(i + 1);
    float *ws = workspace_for(&l);
    layer_forward(&l, &x, &y, ws);
    const float expect[4] = {12.5f, 16.5f, 24.5f, 28.5f};
    testutil_assert_close(y.data, expect, 4, 0.0, 0.0);
    free(ws);
    tensor_fini(&x);
    tensor_fini(&y);
    layer_fini(&l);
}

/* Direct convolution in double, the reference for im2col + GEMM. */
static void conv_reference(const Layer *l, const Tensor *x, int k, int s, int p, double *out) {
    const float *w = l->params[0].value.data;
    const float *b = l->n_params > 1 ? l->params[1].value.data : NULL;
    int C = l->in.c, H = l->in.h, W = l->in.w, O = l->out.c, Ho = l->out.h, Wo = l->out.w;
    for (int n = 0; n < x->n; n++)
        for (int o = 0; o < O; o++)
            for (int oh = 0; oh < Ho; oh++)
                for (int ow = 0; ow < Wo; ow++) {
                    double sum = b ? b[o] : 0.0;
                    for (int c = 0; c < C; c++)
                        for (int kh = 0; kh < k; kh++)
                            for (int kw = 0; kw < k; kw++) {
                                int ih = oh * s - p + kh, iw = ow * s - p + kw;
                                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                                sum += (double)w[((o * C + c) * k + kh) * k + kw] *
                                       x->data[((n * C + c) * H + ih) * W + iw];
                            }
                    out[((n * O + o) * Ho + oh) * Wo + ow] = sum;
                }
}

static void check_against_reference(int n, int cin, int h, int w, int cout, int k, int s, int p) {
    Layer l;
    Rng r;
    random_conv(&l, n, cin, h, w, cout, k, s, p, &r, 42);
    Tensor x, y;
    testutil_tensor(&x, n, cin, h, w);
    testutil_tensor(&y, n, cout, l.out.h, l.out.w);
    testutil_fill_normal(&x, &r, 1.0f);
    float *ws = workspace_for(&l);
    layer_forward(&l, &x, &y, ws);
    size_t count = tensor_count(&y);
    double *ref = malloc(count * sizeof(double));
    float *reff = malloc(count * sizeof(float));
    conv_reference(&l, &x, k, s, p, ref);
    for (size_t i = 0; i < count; i++) reff[i] = (float)ref[i];
    testutil_assert_close(y.data, reff, count, 1e-4, 1e-4);
    free(ref);
    free(reff);
    free(ws);
    tensor_fini(&x);
    tensor_fini(&y);
    layer_fini(&l);
}

static void test_conv_forward_matches_direct_loop(void **state) {
    (void)state;
    check_against_reference(2, 3, 7, 6, 4, 3, 1, 1); /* VGG's 3x3 pad 1 */
    check_against_reference(2, 3, 7, 7, 5, 3, 2, 1); /* stride 2, odd size */
    check_against_reference(1, 2, 5, 4, 3, 2, 2, 0); /* even kernel */
    check_against_reference(3, 4, 3, 3, 2, 1, 1, 0); /* pointwise: no im2col */
    check_against_reference(1, 1, 4, 4, 1, 5, 1, 2); /* kernel larger than input */
    /* 30x30 = 900 columns: two images share a GEMM, then a group of one. */
    check_against_reference(3, 2, 30, 30, 4, 3, 1, 1);
    check_against_reference(5, 3, 6, 6, 3, 3, 1, 1); /* all five in one GEMM */
}

static void gradcheck_case(const char *label, int n, int cin, int h, int w, int cout, int k, int s,
                           int p) {
    Layer l;
    Rng r;
    random_conv(&l, n, cin, h, w, cout, k, s, p, &r, 7);
    Tensor x;
    testutil_tensor(&x, n, cin, h, w);
    testutil_fill_normal(&x, &r, 1.0f);
    /* Conv is linear in x and in w, so central differences are exact up to
     * float rounding of L, and a large h = 0.1 keeps that rounding small. */
    GradCheck cfg = {.h = 0.1f, .floor = 1e-2, .max_checks = 0, .seed = 3};
    gradcheck_expect(label, gradcheck_layer(&l, &x, &cfg), 1e-3);
    tensor_fini(&x);
    layer_fini(&l);
}

static void test_conv_gradcheck(void **state) {
    (void)state;
    gradcheck_case("conv 3x3 s1 p1", 2, 3, 5, 5, 4, 3, 1, 1);
    gradcheck_case("conv 3x3 s2 p1", 2, 2, 7, 6, 3, 3, 2, 1);
    gradcheck_case("conv 1x1", 2, 3, 4, 4, 2, 1, 1, 0);
    gradcheck_case("conv grouped 3 images", 3, 2, 5, 5, 3, 3, 1, 1);
}

static void test_conv_frozen_has_no_param_grads(void **state) {
    (void)state;
    Layer l;
    LayerSpec spec = conv_spec(2, 3, 1, 1, 1);
    assert_int_equal(layer_init(&l, &spec, (Shape){1, 2, 4, 4}, NULL), ST_OK);
    l.frozen = 1;
    Rng r;
    rng_seed(&r, 1);
    testutil_fill_normal(&l.params[0].value, &r, 1.0f);
    Tensor x, y, dy, dx;
    testutil_tensor(&x, 1, 2, 4, 4);
    testutil_tensor(&y, 1, 2, 4, 4);
    testutil_tensor(&dy, 1, 2, 4, 4);
    testutil_tensor(&dx, 1, 2, 4, 4);
    testutil_fill_normal(&x, &r, 1.0f);
    testutil_fill_normal(&dy, &r, 1.0f);
    float *ws = workspace_for(&l);
    layer_forward(&l, &x, &y, ws);
    layer_backward(&l, &x, &y, &dy, &dx, ws);
    for (size_t i = 0; i < tensor_count(&l.params[0].grad); i++)
        assert_true(l.params[0].grad.data[i] == 0.0f);
    assert_true(l.params[1].grad.data[0] == 0.0f);
    double dxsum = 0;
    for (size_t i = 0; i < tensor_count(&dx); i++) dxsum += fabs(dx.data[i]);
    assert_true(dxsum > 0.0); /* the input gradient still flows */
    free(ws);
    tensor_fini(&x);
    tensor_fini(&y);
    tensor_fini(&dy);
    tensor_fini(&dx);
    layer_fini(&l);
}

static void test_conv_setup_errors(void **state) {
    (void)state;
    Layer l;
    Error err = {0};
    LayerSpec big = conv_spec(1, 5, 1, 0, 0);
    assert_int_equal(layer_init(&l, &big, (Shape){1, 1, 3, 3}, &err), ST_SHAPE);
    assert_non_null(strstr(err.msg, "conv c"));
    LayerSpec badpad = conv_spec(1, 3, 1, 3, 0);
    assert_int_equal(layer_init(&l, &badpad, (Shape){1, 1, 8, 8}, &err), ST_ARG);
    LayerSpec nokind = {.kind = "nope", .name = "x"};
    assert_int_equal(layer_init(&l, &nokind, (Shape){1, 1, 8, 8}, &err), ST_ARG);
    assert_non_null(strstr(err.msg, "unknown kind 'nope'"));
    layer_fini(&l);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv_forward_by_hand),
        cmocka_unit_test(test_conv_forward_matches_direct_loop),
        cmocka_unit_test(test_conv_gradcheck),
        cmocka_unit_test(test_conv_frozen_has_no_param_grads),
        cmocka_unit_test(test_conv_setup_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
