/*
 * test_conv_winograd — the Winograd F(4x4, 3x3) convolution against the
 * im2col reference on every VGG-16 layer shape (224 px, widths 1 and 0.25):
 * outputs, input gradients and weight and bias gradients, each within a
 * relative L2 error of 1e-4 (printed per layer with the bound); the shapes
 * of a tile edge (sizes not a multiple of 4, blocks with a tail); frozen
 * layers; gradient checks through the fast path; the bias gradient to the
 * bit of a plain loop; and what auto and a named algorithm choose.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/cpu.h"
#include "engine/base/parallel.h"
#include "engine/nn/layer.h"
#include "tests/lib/convcheck.h"
#include "tests/lib/testutil.h"

#define WINO_BOUND 1e-4

/* Every VGG-16 shape at 224 px and width, a batch of one, without the ReLU. */
static void check_width(float width) {
    convcheck_vgg16("winograd", width, 224, 1, 0, 100, WINO_BOUND);
}

static void test_wino_vgg16_width_1(void **state) {
    (void)state;
    check_width(1.0f);
}

static void test_wino_vgg16_width_quarter(void **state) {
    (void)state;
    check_width(0.25f);
}

/* Sizes that are not a multiple of 4, batches whose tiles span several
 * blocks with a tail, single rows and columns. */
static void test_wino_edges_and_blocks(void **state) {
    (void)state;
    static const struct {
        int n, cin, cout, h, w;
    } cases[] = {{3, 5, 7, 7, 9},  {2, 16, 8, 1, 1},   {1, 4, 3, 2, 13},   {4, 32, 48, 30, 30},
                 {5, 9, 11, 5, 6}, {1, 24, 16, 61, 3}, {2, 64, 64, 27, 29}};
    double worst = 0;
    for (int t = 0; t < 2; t++) {
        parallel_set_threads(t + 1);
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
            worst = fmax(worst, convcheck_compare("winograd", "edge", cases[i].n, cases[i].cin,
                                                  cases[i].cout, cases[i].h, cases[i].w, 0, 7 + i,
                                                  WINO_BOUND));
    }
    parallel_set_threads(1);
    if (!(worst <= WINO_BOUND)) fail_msg("winograd edges: relative error %.2e", worst);
}

/* A frozen layer adds no parameter gradient and still passes dx back. */
static void test_wino_frozen(void **state) {
    (void)state;
    ConvSide s;
    Tensor x, dy;
    convcheck_frozen("winograd", &s, &x, &dy);
    tensor_fini(&x);
    tensor_fini(&dy);
    convcheck_side_fini(&s);
}

/* Central differences through the fast path, with random weights, bias and
 * input. The loss is linear in each of them, so central differences have no
 * truncation error at any step; what is left is float rounding of y divided
 * by 2h, and Winograd's rounding is about ten times im2col's (the same
 * checks give im2col ~1e-4 at h = 0.5 and Winograd ~7e-4), hence h = 1 and
 * the bound 2e-3. */
#define WINO_GRAD_BOUND 2e-3
static void wino_gradcheck(Shape in, int cout, uint64_t seed) {
    convcheck_gradcheck("winograd", in, cout, seed, 1.0f, WINO_GRAD_BOUND);
}

static void test_wino_gradcheck(void **state) {
    (void)state;
    wino_gradcheck((Shape){2, 5, 7, 6}, 6, 11);
    wino_gradcheck((Shape){1, 3, 4, 4}, 4, 12);
    wino_gradcheck((Shape){1, 16, 9, 10}, 3, 13);
}

/* A small layer's batch runs as groups of images side by side (conv.c's
 * split): the results equal those of the same layer run one image at a
 * time, for either algorithm and any number of threads. */
static void split_matches(const char *algo, int threads) {
    enum { N = 7, CIN = 16, COUT = 8, S = 8 };
    parallel_set_threads(threads);
    ConvSide all, one;
    convcheck_side_init(&all, algo, (Shape){N, CIN, S, S}, COUT, 0, NULL);
    Rng r;
    rng_seed(&r, 21);
    testutil_fill_normal(&all.l.params[0].value, &r, 0.3f);
    testutil_fill_normal(&all.l.params[1].value, &r, 0.3f);
    convcheck_side_init(&one, algo, (Shape){1, CIN, S, S}, COUT, 0, &all.l);
    Tensor x, dy;
    testutil_tensor(&x, N, CIN, S, S);
    testutil_tensor(&dy, N, COUT, S, S);
    testutil_fill_normal(&x, &r, 1.0f);
    testutil_fill_normal(&dy, &r, 1.0f);
    layer_forward(&all.l, &x, &all.y, all.ws);
    layer_backward(&all.l, &x, &all.y, &dy, &all.dx, all.ws);
    size_t in = (size_t)CIN * S * S, out = (size_t)COUT * S * S;
    for (int i = 0; i < N; i++) {
        Tensor xi, yi, dyi, dxi;
        tensor_view(&xi, x.data + i * in, 1, CIN, S, S);
        tensor_view(&dyi, dy.data + i * out, 1, COUT, S, S);
        tensor_view(&yi, one.y.data, 1, COUT, S, S);
        tensor_view(&dxi, one.dx.data, 1, CIN, S, S);
        layer_forward(&one.l, &xi, &yi, one.ws);
        layer_backward(&one.l, &xi, &yi, &dyi, &dxi, one.ws); /* gradients add up */
        testutil_assert_close(all.y.data + i * out, yi.data, out, 1e-5, 1e-5);
        testutil_assert_close(all.dx.data + i * in, dxi.data, in, 1e-5, 1e-5);
    }
    testutil_assert_close(all.l.params[0].grad.data, one.l.params[0].grad.data,
                          tensor_count(&one.l.params[0].grad), 1e-4, 1e-4);
    testutil_assert_close(all.l.params[1].grad.data, one.l.params[1].grad.data, COUT, 1e-4, 1e-4);
    tensor_fini(&x);
    tensor_fini(&dy);
    convcheck_side_fini(&all);
    convcheck_side_fini(&one);
    parallel_set_threads(1);
}

static void test_conv_split_matches_per_image(void **state) {
    (void)state;
    split_matches("reference", 1);
    split_matches("reference", 2);
    split_matches("winograd", 1);
    split_matches("winograd", 2);
}

/* A fused ReLU equals the convolution followed by max(0, .): forward, and
 * backward with dy counted only where the output is positive; for both
 * algorithms, with and without the image split. */
static void fused_relu_matches(const char *algo, int n, int cin, int cout, int s) {
    Shape in = {n, cin, s, s};
    ConvSide plain, fused;
    convcheck_side_init(&plain, algo, in, cout, 0, NULL);
    Rng r;
    rng_seed(&r, 31);
    testutil_fill_normal(&plain.l.params[0].value, &r, 0.3f);
    testutil_fill_normal(&plain.l.params[1].value, &r, 0.3f);
    convcheck_side_init(&fused, algo, in, cout, 1, &plain.l);
    Tensor x, dy, masked;
    testutil_tensor(&x, n, cin, s, s);
    testutil_tensor(&dy, n, cout, s, s);
    testutil_tensor(&masked, n, cout, s, s);
    testutil_fill_normal(&x, &r, 1.0f);
    testutil_fill_normal(&dy, &r, 1.0f);
    layer_forward(&plain.l, &x, &plain.y, plain.ws);
    layer_forward(&fused.l, &x, &fused.y, fused.ws);
    size_t m = tensor_count(&plain.y);
    int positive = 0;
    for (size_t i = 0; i < m; i++) {
        float want = plain.y.data[i] > 0 ? plain.y.data[i] : 0;
        if (fabsf(fused.y.data[i] - want) > 1e-5f + 1e-5f * fabsf(want))
            fail_msg("%s fused relu: y[%zu] = %g, want %g", algo, i, fused.y.data[i], want);
        masked.data[i] = plain.y.data[i] > 0 ? dy.data[i] : 0;
        positive += plain.y.data[i] > 0;
    }
    assert_true(positive > 0 && (size_t)positive < m); /* the mask matters */
    layer_backward(&plain.l, &x, &plain.y, &masked, &plain.dx, plain.ws);
    layer_backward(&fused.l, &x, &fused.y, &dy, &fused.dx, fused.ws);
    testutil_assert_close(fused.dx.data, plain.dx.data, tensor_count(&plain.dx), 1e-5, 1e-4);
    testutil_assert_close(fused.l.params[0].grad.data, plain.l.params[0].grad.data,
                          tensor_count(&plain.l.params[0].grad), 1e-5, 1e-4);
    testutil_assert_close(fused.l.params[1].grad.data, plain.l.params[1].grad.data, cout, 1e-5,
                          1e-4);
    tensor_fini(&x);
    tensor_fini(&dy);
    tensor_fini(&masked);
    convcheck_side_fini(&plain);
    convcheck_side_fini(&fused);
}

static void test_conv_fused_relu(void **state) {
    (void)state;
    parallel_set_threads(2);
    fused_relu_matches("reference", 2, 64, 32, 40); /* 59 MFLOP per image: not split */
    fused_relu_matches("winograd", 2, 64, 32, 40);
    fused_relu_matches("reference", 5, 4, 6, 6); /* split over images */
    fused_relu_matches("winograd", 5, 16, 6, 9);
    fused_relu_matches("reference", 3, 8, 5, 1); /* 1x1 output */
    parallel_set_threads(1);
}

/* The bias gradient is the plain loop's to the bit: per channel, image by
 * image, each image's ReLU-masked sum in position order; at 1 and 2
 * threads, on a channel count with a short last group of 16 and a plane
 * that is not a multiple of 16 positions. */
static void bias_grad_is_plain_loop(int relu, int n, int cout, int h, int w) {
    Shape in = {n, 64, h, w};
    Tensor x, dy;
    testutil_tensor(&x, n, in.c, h, w);
    testutil_tensor(&dy, n, cout, h, w);
    Rng r;
    rng_seed(&r, 7);
    testutil_fill_normal(&x, &r, 1.0f);
    testutil_fill_normal(&dy, &r, 1.0f);
    float first[64];
    for (int threads = 1; threads <= 2; threads++) {
        parallel_set_threads(threads);
        ConvSide s;
        convcheck_side_init(&s, "winograd", in, cout, relu, NULL);
        assert_string_equal(layer_variant(&s.l), "winograd");
        Rng rw;
        rng_seed(&rw, 8);
        testutil_fill_normal(&s.l.params[0].value, &rw, 0.1f);
        layer_forward(&s.l, &x, &s.y, s.ws);
        layer_backward(&s.l, &x, &s.y, &dy, &s.dx, s.ws);
        int hw = h * w;
        for (int o = 0; o < cout; o++) {
            float db = 0.0f;
            for (int i = 0; i < n; i++) {
                const float *d = tensor_sample(&dy, i) + (size_t)o * hw;
                const float *y = tensor_sample(&s.y, i) + (size_t)o * hw;
                float sum = 0.0f;
                for (int q = 0; q < hw; q++) sum += !relu || y[q] > 0.0f ? d[q] : 0.0f;
                db += sum;
            }
            float got = s.l.params[1].grad.data[o];
            if (memcmp(&got, &db, sizeof db) != 0)
                fail_msg("relu %d, %d threads: db[%d] %.9g, the plain loop's %.9g", relu, threads,
                         o, got, db);
            if (threads == 1)
                first[o] = got;
            else
                assert_memory_equal(&first[o], &got, sizeof got);
        }
        convcheck_side_fini(&s);
    }
    parallel_set_threads(1);
    tensor_fini(&x);
    tensor_fini(&dy);
}

static void test_wino_bias_grad_is_plain_loop(void **state) {
    (void)state;
    bias_grad_is_plain_loop(1, 3, 36, 13, 11); /* 143 positions: 8 x 16 + 15 */
    bias_grad_is_plain_loop(0, 2, 16, 16, 16);
    bias_grad_is_plain_loop(1, 1, 5, 3, 5); /* fewer than 16 of both */
}

/* What auto picks (conv.c's rule): Winograd from 64 input channels on a
 * 14x14 output and up, the direct convolution below that (where the CPU
 * runs it; else the rule before it: Winograd from 16 channels and an 8x8
 * output, im2col below); a named algorithm that cannot compute the shape
 * falls back to the reference. */
static const char *auto_picks(Shape in) {
    static char name[16];
    Layer l;
    LayerSpec spec = convcheck_spec(32, NULL, 0);
    assert_int_equal(layer_init(&l, &spec, in, NULL), ST_OK);
    snprintf(name, sizeof name, "%s", layer_variant(&l));
    layer_fini(&l);
    return name;
}

static void test_wino_choice(void **state) {
    (void)state;
    CpuFeatures f = cpu_detect();
    int direct = f.avx512 || (f.avx2 && f.fma);
    assert_string_equal(auto_picks((Shape){1, 64, 14, 14}), "winograd");
    assert_string_equal(auto_picks((Shape){1, 128, 56, 56}), "winograd");
    assert_string_equal(auto_picks((Shape){1, 32, 56, 56}), direct ? "direct" : "winograd");
    assert_string_equal(auto_picks((Shape){1, 64, 8, 8}), direct ? "direct" : "winograd");
    assert_string_equal(auto_picks((Shape){1, 64, 4, 4}), direct ? "direct" : "im2col");
    assert_string_equal(auto_picks((Shape){1, 3, 8, 8}), direct ? "direct" : "im2col");
    Layer l;
    LayerSpec spec = convcheck_spec(32, NULL, 0);
    spec.algo = "winograd";
    spec.stride = 2;
    assert_int_equal(layer_init(&l, &spec, (Shape){1, 32, 8, 8}, NULL), ST_OK);
    assert_string_equal(layer_variant(&l), "im2col");
    layer_fini(&l);
    spec.stride = 1;
    spec.algo = "reference";
    assert_int_equal(layer_init(&l, &spec, (Shape){1, 32, 8, 8}, NULL), ST_OK);
    assert_string_equal(layer_variant(&l), "im2col");
    layer_fini(&l);
    Error err = {0};
    spec.algo = "fft";
    assert_int_equal(layer_init(&l, &spec, (Shape){1, 32, 8, 8}, &err), ST_ARG);
    assert_non_null(strstr(err.msg, "unknown algorithm 'fft'"));
    layer_fini(&l);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wino_vgg16_width_1),
        cmocka_unit_test(test_wino_vgg16_width_quarter),
        cmocka_unit_test(test_wino_edges_and_blocks),
        cmocka_unit_test(test_wino_frozen),
        cmocka_unit_test(test_wino_gradcheck),
        cmocka_unit_test(test_conv_split_matches_per_image),
        cmocka_unit_test(test_conv_fused_relu),
        cmocka_unit_test(test_wino_bias_grad_is_plain_loop),
        cmocka_unit_test(test_wino_choice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
