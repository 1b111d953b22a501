/*
 * test_maxpool — Caffe ceil-mode output sizes, forward values (clipped and
 * padded windows), first-maximum tie-breaking in both directions,
 * overlapping windows in backward, gradient checks and setup errors.
 */
#include <math.h>
#include <string.h>

#include "engine/base/parallel.h"
#include "engine/nn/layer.h"
#include "tests/lib/gradcheck.h"
#include "tests/lib/testutil.h"

static LayerSpec pool_spec(int k, int s, int p) {
    return (LayerSpec){.kind = "maxpool", .name = "p", .kernel = k, .stride = s, .pad = p};
}

/* Output height for an h x (h+1) input, checking the width against w_expect too. */
static void assert_out_size(int h, int k, int s, int p, int h_expect, int w_expect) {
    Layer l;
    LayerSpec spec = pool_spec(k, s, p);
    assert_int_equal(layer_init(&l, &spec, (Shape){2, 3, h, h + 1}, NULL), ST_OK);
    if (l.out.h != h_expect || l.out.w != w_expect)
        fail_msg("maxpool %dx%d k%d s%d p%d: got %dx%d, expected %dx%d", h, h + 1, k, s, p, l.out.h,
                 l.out.w, h_expect, w_expect);
    assert_int_equal(l.out.n, 2);
    assert_int_equal(l.out.c, 3);
    layer_fini(&l);
}

static void test_maxpool_output_sizes(void **state) {
    (void)state;
    assert_out_size(7, 2, 2, 0, 4, 4);       /* ceil(5/2)+1 = 4; 8 wide -> 4 */
    assert_out_size(224, 2, 2, 0, 112, 113); /* VGG's pools; 225 wide -> ceil(223/2)+1 */
    assert_out_size(7, 3, 2, 0, 3, 4);       /* ceil(4/2)+1 = 3; 8 wide -> ceil(5/2)+1 = 4 */
    assert_out_size(14, 3, 2, 0, 7, 7);      /* ceil(11/2)+1 = 7; 15 wide -> ceil(12/2)+1 = 7 */
    assert_out_size(4, 2, 2, 1, 3, 3); /* 3: last window starts at 3 < 4; 5 wide: 4 trimmed to 3 */
    /* The trim: ceil(3/2)+1 = 3, but window 2 would start at 2*2-1 = 3 = H,
     * wholly in the padding, so 2; the 4-wide axis keeps 3. */
    assert_out_size(3, 2, 2, 1, 2, 3);
    /* p = 0 with stride > kernel: ceil(4/3)+1 = 3 would start a window at 6 >= 5.
     * Caffe leaves that window empty; we trim it as PyTorch's ceil_mode does. */
    assert_out_size(5, 1, 3, 0, 2, 2);
    /* A window larger than the input: Caffe's ceil(-1/2)+1 = 1 clipped window. */
    assert_out_size(2, 3, 2, 0, 1, 1);
}

static void test_maxpool_forward_odd_input(void **state) {
    (void)state;
    Layer l;
    LayerSpec spec = pool_spec(2, 2, 0);
    assert_int_equal(layer_init(&l, &spec, (Shape){1, 2, 7, 7}, NULL), ST_OK);
    Tensor x, y;
    testutil_tensor(&x, 1, 2, 7, 7);
    testutil_tensor(&y, 1, 2, 4, 4);
    /* Channel 0 increases in scan order, so each max is the window's last
     * element, clipped at row/column 6; channel 1 decreases, so its first. */
    for (int i = 0; i < 49; i++) {
        x.data[i] = (float)i;
        x.data[49 + i] = (float)-i;
    }
    layer_forward(&l, &x, &y, NULL);
    float expect[32];
    for (int oh = 0; oh < 4; oh++)
        for (int ow = 0; ow < 4; ow++) {
            int last_h = 2 * oh + 1 < 6 ? 2 * oh + 1 : 6, last_w = 2 * ow + 1 < 6 ? 2 * ow + 1 : 6;
            expect[oh * 4 + ow] = (float)(last_h * 7 + last_w);
            expect[16 + oh * 4 + ow] = (float)-(2 * oh * 7 + 2 * ow);
        }
    testutil_assert_close(y.data, expect, 32, 0.0, 0.0);
    tensor_fini(&x);
    tensor_fini(&y);
    layer_fini(&l);
}

static void test_maxpool_padding_never_wins(void **state) {
    (void)state;
    Layer l;
    LayerSpec spec = pool_spec(2, 2, 1);
    assert_int_equal(layer_init(&l, &spec, (Shape){1, 1, 4, 4}, NULL), ST_OK);
    assert_int_equal(l.out.h, 3);
    Tensor x, y;
    testutil_tensor(&x, 1, 1, 4, 4);
    testutil_tensor(&y, 1, 1, 3, 3);
    /* All negative: a zero-padded max would report 0 at the borders. */
    for (int i = 0; i < 16; i++) x.data[i] = -1.0f - (float)i;
    layer_forward(&l, &x, &y, NULL);
    /* Rows: windows [0,1) [1,3) [3,4); the max of each is its first element. */
    const float expect[9] = {-1, -2, -4, -5, -6, -8, -13, -14, -16};
    testutil_assert_close(y.data, expect, 9, 0.0, 0.0);
    tensor_fini(&x);
    tensor_fini(&y);
    layer_fini(&l);
}

static void test_maxpool_ties_go_to_first(void **state) {
    (void)state;
    Layer l;
    LayerSpec spec = pool_spec(2, 2, 0);
    assert_int_equal(layer_init(&l, &spec, (Shape){1, 2, 2, 2}, NULL), ST_OK);
    Tensor x, y, dy, dx;
    testutil_tensor(&x, 1, 2, 2, 2);
    testutil_tensor(&y, 1, 2, 1, 1);
    testutil_tensor(&dy, 1, 2, 1, 1);
    testutil_tensor(&dx, 1, 2, 2, 2);
    /* Channel 0: all equal; channel 1: 3 at indices 1 and 2. */
    const float in[8] = {5, 5, 5, 5, 1, 3, 3, 2};
    memcpy(x.data, in, sizeof in);
    layer_forward(&l, &x, &y, NULL);
    const float out[2] = {5, 3};
    testutil_assert_close(y.data, out, 2, 0.0, 0.0);
    dy.data[0] = 2.0f;
    dy.data[1] = -7.0f;
    tensor_fill(&dx, 99.0f); /* backward must overwrite, not add to, dx */
    layer_backward(&l, &x, &y, &dy, &dx, NULL);
    const float grad[8] = {2, 0, 0, 0, 0, -7, 0, 0};
    testutil_assert_close(dx.data, grad, 8, 0.0, 0.0);
    tensor_fini(&x);
    tensor_fini(&y);
    tensor_fini(&dy);
    tensor_fini(&dx);
    layer_fini(&l);
}

static void test_maxpool_overlapping_windows_accumulate(void **state) {
    (void)state;
    Layer l;
    LayerSpec spec = pool_spec(3, 2, 0);
    /* in.n = 3 but run a batch of 1: the short last batch of an epoch. */
    assert_int_equal(layer_init(&l, &spec, (Shape){3, 1, 5, 5}, NULL), ST_OK);
    assert_int_equal(l.out.h, 2);
    Tensor x, y, dy, dx;
    testutil_tensor(&x, 1, 1, 5, 5);
    testutil_tensor(&y, 3, 1, 2, 2);
    testutil_tensor(&dy, 1, 1, 2, 2);
    testutil_tensor(&dx, 1, 1, 5, 5);
    x.data[12] = 10.0f; /* the centre lies in all four 3x3 windows */
    layer_forward(&l, &x, &y, NULL);
    assert_int_equal(y.n, 1);
    const float out[4] = {10, 10, 10, 10};
    testutil_assert_close(y.data, out, 4, 0.0, 0.0);
    const float g[4] = {1.0f, 2.0f, 4.0f, 8.0f};
    memcpy(dy.data, g, sizeof g);
    layer_backward(&l, &x, &y, &dy, &dx, NULL);
    float grad[25] = {0};
    grad[12] = 15.0f;
    testutil_assert_close(dx.data, grad, 25, 0.0, 0.0);
    tensor_fini(&x);
    tensor_fini(&y);
    tensor_fini(&dy);
    tensor_fini(&dx);
    layer_fini(&l);
}

static void gradcheck_case(int n, int c, int h, int w, int k, int s, int p) {
    Layer l;
    LayerSpec spec = pool_spec(k, s, p);
    assert_int_equal(layer_init(&l, &spec, (Shape){n, c, h, w}, NULL), ST_OK);
    Tensor x;
    testutil_tensor(&x, n, c, h, w);
    /* Distinct values 0.05 apart (a shuffled ramp, centred on 0), five
     * times the step h: a +/-h perturbation never changes an argmax. */
    int count = (int)tensor_count(&x);
    Rng r;
    rng_seed(&r, 17);
    for (int i = 0; i < count; i++) x.data[i] = 0.05f * (float)(i - count / 2);
    for (int i = count - 1; i > 0; i--) {
        int j = (int)rng_below(&r, (uint32_t)(i + 1));
        float t = x.data[i];
        x.data[i] = x.data[j];
        x.data[j] = t;
    }
    GradCheck cfg = {.h = 1e-2f, .floor = 1e-2, .seed = 9};
    GradCheckResult res = gradcheck_layer(&l, &x, &cfg);
    assert_int_equal(res.checked, count);
    /* Piecewise linear with no kink crossed: exact up to float rounding of
     * x +/- h (values up to ~10 keep that below 1e-4 relative). */
    if (res.input_err > 1e-3)
        fail_msg("maxpool k%d s%d p%d gradcheck: input err %.3g (bound 1e-3)", k, s, p,
                 res.input_err);
    tensor_fini(&x);
    layer_fini(&l);
}

static void test_maxpool_gradcheck(void **state) {
    (void)state;
    gradcheck_case(2, 3, 7, 7, 2, 2, 0); /* odd input, clipped last windows */
    gradcheck_case(2, 2, 7, 6, 3, 2, 1); /* overlapping, padded */
    gradcheck_case(1, 2, 6, 5, 3, 1, 1); /* stride 1: heavy overlap */
    gradcheck_case(1, 1, 3, 4, 2, 2, 1); /* trimmed rows */
}

static void test_maxpool_setup_errors(void **state) {
    (void)state;
    Layer l;
    Error err = {0};
    /* the last: a window offset must fit the byte the mask keeps per output */
    const int bad[][3] = {{0, 1, 0}, {2, -1, 0}, {2, 2, 2}, {3, 1, -1}, {17, 1, 0}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        LayerSpec spec = pool_spec(bad[i][0], bad[i][1], bad[i][2]);
        error_clear(&err);
        assert_int_equal(layer_init(&l, &spec, (Shape){1, 1, 8, 8}, &err), ST_ARG);
        assert_non_null(strstr(err.msg, "maxpool p"));
    }
    LayerSpec big = pool_spec(3, 1, 0);
    assert_int_equal(layer_init(&l, &big, (Shape){1, 1, 1, 8}, &err), ST_SHAPE);
    assert_non_null(strstr(err.msg, "maxpool p"));
    /* Stride 0 is an unset field and means 1, as for conv. */
    LayerSpec unset = pool_spec(2, 0, 0);
    assert_int_equal(layer_init(&l, &unset, (Shape){1, 1, 4, 4}, &err), ST_OK);
    assert_int_equal(l.out.h, 3);
    layer_fini(&l);
}

/* The 2x2 stride-2 path and the general one agree (a 2x2 window with pad 0
 * on an odd plane takes the general path): values, ties to the first
 * maximum, NaNs, and gradients. 40 columns give the vector runs of 16
 * outputs and a scalar tail; the fast path runs on two threads. */
static void test_maxpool_2x2_path_matches_general(void **state) {
    (void)state;
    enum { N = 2, C = 3, H = 6, W = 40, HO = H / 2, WO = W / 2, P = N * C };
    Layer even, odd;
    LayerSpec spec = pool_spec(2, 2, 0);
    assert_int_equal(layer_init(&even, &spec, (Shape){N, C, H, W}, NULL), ST_OK);
    assert_int_equal(layer_init(&odd, &spec, (Shape){N, C, H + 1, W + 1}, NULL), ST_OK);
    Tensor xe, xo, ye, yo, dye, dyo, dxe, dxo;
    testutil_tensor(&xe, N, C, H, W);
    testutil_tensor(&xo, N, C, H + 1, W + 1);
    Rng r;
    rng_seed(&r, 9);
    for (size_t i = 0; i < tensor_count(&xo); i++) /* few values: many ties; a few NaNs */
        xo.data[i] = rng_below(&r, 50) == 0 ? NAN : (float)rng_below(&r, 3);
    for (int p = 0; p < P; p++) /* xe is the top-left H x W of each plane of xo */
        for (int h = 0; h < H; h++)
            for (int w = 0; w < W; w++)
                xe.data[(p * H + h) * W + w] = xo.data[(p * (H + 1) + h) * (W + 1) + w];
    testutil_tensor(&ye, N, C, HO, WO);
    testutil_tensor(&yo, N, C, HO + 1, WO + 1);
    testutil_tensor(&dye, N, C, HO, WO);
    testutil_tensor(&dyo, N, C, HO + 1, WO + 1);
    testutil_tensor(&dxe, N, C, H, W);
    testutil_tensor(&dxo, N, C, H + 1, W + 1);
    testutil_fill_normal(&dyo, &r, 1.0f);
    for (int p = 0; p < P; p++)
        for (int h = 0; h < HO; h++)
            for (int w = 0; w < WO; w++)
                dye.data[(p * HO + h) * WO + w] = dyo.data[(p * (HO + 1) + h) * (WO + 1) + w];
    for (int p = 0; p < P; p++) /* the odd plane's last row and column get no gradient */
        for (int h = 0; h <= HO; h++)
            for (int w = 0; w <= WO; w++)
                if (h == HO || w == WO) dyo.data[(p * (HO + 1) + h) * (WO + 1) + w] = 0;
    parallel_set_threads(2); /* the planes of the fast path split over two threads */
    layer_forward(&even, &xe, &ye, NULL);
    layer_backward(&even, &xe, &ye, &dye, &dxe, NULL);
    parallel_set_threads(1);
    layer_forward(&odd, &xo, &yo, NULL);
    layer_backward(&odd, &xo, &yo, &dyo, &dxo, NULL);
    int nans = 0;
    for (int p = 0; p < P; p++) {
        for (int h = 0; h < HO; h++)
            for (int w = 0; w < WO; w++) {
                float e = ye.data[(p * HO + h) * WO + w];
                float o = yo.data[(p * (HO + 1) + h) * (WO + 1) + w];
                nans += isnan(e);
                assert_true(e == o || (isnan(e) && isnan(o)));
            }
        for (int h = 0; h < H; h++)
            for (int w = 0; w < W; w++)
                assert_true(dxe.data[(p * H + h) * W + w] ==
                            dxo.data[(p * (H + 1) + h) * (W + 1) + w]);
    }
    assert_true(nans > 0); /* the NaN case was met */
    tensor_fini(&xe);
    tensor_fini(&xo);
    tensor_fini(&ye);
    tensor_fini(&yo);
    tensor_fini(&dye);
    tensor_fini(&dyo);
    tensor_fini(&dxe);
    tensor_fini(&dxo);
    layer_fini(&even);
    layer_fini(&odd);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_maxpool_output_sizes),
        cmocka_unit_test(test_maxpool_2x2_path_matches_general),
        cmocka_unit_test(test_maxpool_forward_odd_input),
        cmocka_unit_test(test_maxpool_padding_never_wins),
        cmocka_unit_test(test_maxpool_ties_go_to_first),
        cmocka_unit_test(test_maxpool_overlapping_windows_accumulate),
        cmocka_unit_test(test_maxpool_gradcheck),
        cmocka_unit_test(test_maxpool_setup_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
