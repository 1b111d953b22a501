/*
 * test_conv_direct — the direct convolution (conv_direct.c) against the
 * im2col reference on every VGG-16 layer shape at widths 0.125, 0.25 and 1
 * (the narrow widths at 32 px, the small-image recipe, and 64 px; full
 * width at 56 px, a batch of one): outputs, input gradients, weight and bias
 * gradients within a relative L2 error of 1e-4; planes of every small size
 * and chunked batches; the fused ReLU; a frozen layer; bit-identical results
 * with one thread and two; gradient checks through the fast path; and auto
 * never splitting it into groups of images.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/cpu.h"
#include "engine/base/parallel.h"
#include "engine/nn/conv_algo.h"
#include "engine/nn/layer.h"
#include "tests/lib/convcheck.h"
#include "tests/lib/testutil.h"

#define DIRECT_BOUND 1e-4

/* Every VGG-16 shape at width and input side res, batch n, fused ReLU. */
static void check_width(float width, int res, int n) {
    convcheck_vgg16("direct", width, res, n, 1, 200, DIRECT_BOUND);
}

static void test_direct_vgg16_width_eighth(void **state) {
    (void)state;
    check_width(0.125f, 32, 6);
    check_width(0.125f, 64, 2);
}

static void test_direct_vgg16_width_quarter(void **state) {
    (void)state;
    check_width(0.25f, 32, 3);
    check_width(0.25f, 64, 1);
}

static void test_direct_vgg16_width_1(void **state) {
    (void)state;
    check_width(1.0f, 56, 1);
}

/* Planes of every small size, odd channel counts (a last block of fewer
 * than four), one row or one column, without the ReLU; a batch large
 * enough to run as several chunks of images. */
static void check_edges(void) {
    static const struct {
        int n, cin, cout, h, w;
    } cases[] = {{3, 5, 7, 7, 9}, {2, 16, 8, 1, 1}, {1, 4, 3, 2, 13},
                 {4, 3, 6, 2, 2}, {5, 9, 11, 5, 6}, {1, 24, 16, 61, 3},
                 {2, 1, 1, 3, 3}, {3, 8, 8, 4, 4},  {64, 64, 64, 32, 32}};
    double worst = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        worst =
            fmax(worst, convcheck_compare("direct", "edge", cases[i].n, cases[i].cin, cases[i].cout,
                                          cases[i].h, cases[i].w, 0, 7 + i, DIRECT_BOUND));
    if (!(worst <= DIRECT_BOUND)) fail_msg("direct edges: relative error %.2e", worst);
}

static void test_direct_edges_and_chunks(void **state) {
    (void)state;
    check_edges();
}

/* Side a (AVX-512 kernels unless avx2[0]) on one thread and side b (AVX2
 * unless not avx2[1]) on threads[1], the same weights and inputs: forward
 * and dx must be the same bits, and dW, db too when grads. */
static void expect_same_bits(Shape in, int cout, const int avx2[2], const int threads[2],
                             int grads) {
    ConvSide a, b;
    conv_direct_cap_avx2(avx2[0]);
    convcheck_side_init(&a, "direct", in, cout, 1, NULL);
    Rng r;
    rng_seed(&r, 5);
    testutil_fill_normal(&a.l.params[0].value, &r, 0.2f);
    testutil_fill_normal(&a.l.params[1].value, &r, 0.2f);
    conv_direct_cap_avx2(avx2[1]);
    convcheck_side_init(&b, "direct", in, cout, 1, &a.l);
    conv_direct_cap_avx2(0);
    Tensor x, dy;
    testutil_tensor(&x, in.n, in.c, in.h, in.w);
    testutil_tensor(&dy, in.n, cout, in.h, in.w);
    testutil_fill_normal(&x, &r, 1.0f);
    testutil_fill_normal(&dy, &r, 1.0f);
    ConvSide *sides[2] = {&a, &b};
    for (int t = 0; t < 2; t++) {
        parallel_set_threads(threads[t]);
        layer_forward(&sides[t]->l, &x, &sides[t]->y, sides[t]->ws);
        layer_backward(&sides[t]->l, &x, &sides[t]->y, &dy, &sides[t]->dx, sides[t]->ws);
    }
    parallel_set_threads(1);
    assert_memory_equal(a.y.data, b.y.data, sizeof(float) * tensor_count(&a.y));
    assert_memory_equal(a.dx.data, b.dx.data, sizeof(float) * tensor_count(&a.dx));
    for (int i = 0; grads && i < 2; i++)
        assert_memory_equal(a.l.params[i].grad.data, b.l.params[i].grad.data,
                            sizeof(float) * tensor_count(&a.l.params[i].grad));
    tensor_fini(&x);
    tensor_fini(&dy);
    convcheck_side_fini(&a);
    convcheck_side_fini(&b);
}

/* One thread and two give the same bits: forward, dx, dW, db; on a plane
 * with zero rows between images and on a gapless one, and where the two
 * split the weight gradients' input channels differently (12 -> 8: one
 * part on one thread, two on two). */
static void test_direct_threads_bit_identical(void **state) {
    (void)state;
    static const int best[2] = {0, 0}, threads[2] = {1, 2};
    expect_same_bits((Shape){9, 16, 8, 8}, 24, best, threads, 1);
    expect_same_bits((Shape){9, 16, 12, 10}, 24, best, threads, 1);
    expect_same_bits((Shape){5, 12, 6, 6}, 8, best, threads, 1);
}

static int has_avx2(void) {
    CpuFeatures f = cpu_detect();
    return f.avx2 && f.fma;
}

/* The AVX2 kernels (run here on a CPU with AVX-512 too) against the
 * reference, on the shapes the AVX-512 ones are checked on. */
static void test_direct_avx2_against_reference(void **state) {
    (void)state;
    if (!has_avx2()) skip();
    conv_direct_cap_avx2(1);
    check_width(0.125f, 32, 6);
    check_width(0.25f, 64, 1);
    check_edges();
    conv_direct_cap_avx2(0);
}

/* AVX-512 and AVX2 give the same forward and dx bits (the same fused
 * multiply-adds in the same order); their weight gradients differ by
 * rounding only (checked against the reference above). */
static void test_direct_avx2_same_forward_bits(void **state) {
    (void)state;
    CpuFeatures f = cpu_detect();
    if (!f.avx512 || !has_avx2()) skip();
    static const int kernels[2] = {0, 1}, threads[2] = {2, 2};
    expect_same_bits((Shape){5, 11, 4, 6}, 13, kernels, threads, 0);
    expect_same_bits((Shape){3, 8, 12, 10}, 16, kernels, threads, 0);
}

/* A frozen layer adds no parameter gradient and still passes dx back;
 * gradients add to what is there (iter_size). */
static void test_direct_frozen_and_accumulating(void **state) {
    (void)state;
    ConvSide s;
    Tensor x, dy;
    convcheck_frozen("direct", &s, &x, &dy);
    s.l.frozen = 0;
    layer_backward(&s.l, &x, &s.y, &dy, NULL, s.ws);
    size_t nw = tensor_count(&s.l.params[0].grad);
    float *once = malloc(sizeof(float) * nw);
    memcpy(once, s.l.params[0].grad.data, sizeof(float) * nw);
    layer_backward(&s.l, &x, &s.y, &dy, NULL, s.ws);
    for (size_t i = 0; i < nw; i++)
        assert_true(fabsf(s.l.params[0].grad.data[i] - 2 * once[i]) <=
                    1e-5f * (1 + fabsf(once[i])));
    free(once);
    tensor_fini(&x);
    tensor_fini(&dy);
    convcheck_side_fini(&s);
}

/* Central differences through the fast path (the loss is linear in each
 * parameter, so only rounding is left; see test_conv_winograd). */
static void direct_gradcheck(Shape in, int cout, uint64_t seed) {
    convcheck_gradcheck("direct", in, cout, seed, 0.5f, 1e-3);
}

static void test_direct_gradcheck(void **state) {
    (void)state;
    direct_gradcheck((Shape){2, 5, 7, 6}, 6, 11);
    direct_gradcheck((Shape){1, 3, 4, 4}, 4, 12);
    direct_gradcheck((Shape){3, 16, 2, 2}, 3, 13);
}

/* conv.c does not split a whole-batch algorithm into groups of images: its
 * only parameter gradients are the layer's own (no per-group copies). */
static void test_direct_not_split(void **state) {
    (void)state;
    Layer l;
    LayerSpec spec = convcheck_spec(8, "direct", 1);
    assert_int_equal(layer_init(&l, &spec, (Shape){40, 8, 32, 32}, NULL), ST_OK);
    assert_string_equal(layer_variant(&l), "direct");
    assert_int_equal(layer_state(&l), 0);
    layer_fini(&l);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_direct_vgg16_width_eighth),
        cmocka_unit_test(test_direct_vgg16_width_quarter),
        cmocka_unit_test(test_direct_vgg16_width_1),
        cmocka_unit_test(test_direct_edges_and_chunks),
        cmocka_unit_test(test_direct_threads_bit_identical),
        cmocka_unit_test(test_direct_avx2_against_reference),
        cmocka_unit_test(test_direct_avx2_same_forward_bits),
        cmocka_unit_test(test_direct_frozen_and_accumulating),
        cmocka_unit_test(test_direct_gradcheck),
        cmocka_unit_test(test_direct_not_split),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
