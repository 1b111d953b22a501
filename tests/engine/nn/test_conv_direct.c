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

#include "engine/base/parallel.h"
#include "engine/nn/layer.h"
#include "tests/lib/gradcheck.h"
#include "tests/lib/testutil.h"

#define DIRECT_BOUND 1e-4

static LayerSpec spec_for(int cout, const char *algo, int relu) {
    return (LayerSpec){.kind = "conv",
                       .name = "c",
                       .out_channels = cout,
                       .kernel = 3,
                       .stride = 1,
                       .pad = 1,
                       .bias = 1,
                       .relu = relu,
                       .algo = algo};
}

/* ||a - b|| / ||b|| over n values. */
static double rel_l2(const float *a, const float *b, size_t n) {
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)a[i] - b[i];
        num += d * d;
        den += (double)b[i] * b[i];
    }
    return den > 0 ? sqrt(num / den) : sqrt(num);
}

typedef struct Side {
    Layer l;
    Tensor y, dx;
    float *ws;
} Side;

static void side_init(Side *s, const char *algo, Shape in, int cout, int relu,
                      const Layer *copy_from) {
    LayerSpec spec = spec_for(cout, algo, relu);
    Error err = {0};
    if (layer_init(&s->l, &spec, in, &err)) fail_msg("%s", err.msg);
    if (copy_from)
        for (int i = 0; i < 2; i++)
            memcpy(s->l.params[i].value.data, copy_from->params[i].value.data,
                   sizeof(float) * tensor_count(&s->l.params[i].value));
    testutil_tensor(&s->y, in.n, cout, in.h, in.w);
    testutil_tensor(&s->dx, in.n, in.c, in.h, in.w);
    size_t n = layer_workspace(&s->l);
    s->ws = n ? malloc(n * sizeof(float)) : NULL;
}

static void side_fini(Side *s) {
    free(s->ws);
    tensor_fini(&s->y);
    tensor_fini(&s->dx);
    layer_fini(&s->l);
}

/* Direct against im2col on one shape (with or without the fused ReLU);
 * returns the largest of the four relative errors and prints them. */
static double compare(const char *name, int n, int cin, int cout, int h, int w, int relu,
                      uint64_t seed) {
    Shape in = {n, cin, h, w};
    Side ref, fast;
    side_init(&ref, "reference", in, cout, relu, NULL);
    Rng r;
    rng_seed(&r, seed);
    testutil_fill_normal(&ref.l.params[0].value, &r, (float)sqrt(2.0 / (9.0 * cin)));
    testutil_fill_normal(&ref.l.params[1].value, &r, 0.1f);
    side_init(&fast, "direct", in, cout, relu, &ref.l);
    assert_string_equal(layer_variant(&fast.l), "direct");
    Tensor x, dy;
    testutil_tensor(&x, n, cin, h, w);
    testutil_tensor(&dy, n, cout, h, w);
    for (size_t i = 0; i < tensor_count(&x); i++) /* ReLU-like inputs: half zero */
        x.data[i] = fmaxf(0.0f, (float)rng_normal(&r));
    testutil_fill_normal(&dy, &r, 1.0f);
    layer_forward(&ref.l, &x, &ref.y, ref.ws);
    layer_forward(&fast.l, &x, &fast.y, fast.ws);
    layer_backward(&ref.l, &x, &ref.y, &dy, &ref.dx, ref.ws);
    layer_backward(&fast.l, &x, &fast.y, &dy, &fast.dx, fast.ws);
    double ey = rel_l2(fast.y.data, ref.y.data, tensor_count(&ref.y));
    double ex = rel_l2(fast.dx.data, ref.dx.data, tensor_count(&ref.dx));
    double ew = rel_l2(fast.l.params[0].grad.data, ref.l.params[0].grad.data,
                       tensor_count(&ref.l.params[0].grad));
    double eb = rel_l2(fast.l.params[1].grad.data, ref.l.params[1].grad.data, (size_t)cout);
    printf("direct %-8s %4d->%-4d %3dx%-3d n=%-2d%s: y %.1e dx %.1e dW %.1e db %.1e (bound %.0e)\n",
           name, cin, cout, h, w, n, relu ? " relu" : "", ey, ex, ew, eb, DIRECT_BOUND);
    double worst = fmax(fmax(ey, ex), fmax(ew, eb));
    tensor_fini(&x);
    tensor_fini(&dy);
    side_fini(&ref);
    side_fini(&fast);
    return worst;
}

typedef struct Vgg {
    const char *name;
    int cin, cout, size; /* size at 224 px */
} Vgg;

static const Vgg vgg16[] = {
    {"conv1_1", 3, 64, 224},    {"conv1_2", 64, 64, 224},  {"conv2_1", 64, 128, 112},
    {"conv2_2", 128, 128, 112}, {"conv3_1", 128, 256, 56}, {"conv3_2", 256, 256, 56},
    {"conv3_3", 256, 256, 56},  {"conv4_1", 256, 512, 28}, {"conv4_2", 512, 512, 28},
    {"conv4_3", 512, 512, 28},  {"conv5_1", 512, 512, 14}, {"conv5_2", 512, 512, 14},
    {"conv5_3", 512, 512, 14},
};

/* Every VGG-16 shape at width and input side res, batch n. */
static void check_width(float width, int res, int n) {
    parallel_set_threads(2);
    double worst = 0;
    for (size_t i = 0; i < sizeof vgg16 / sizeof vgg16[0]; i++) {
        const Vgg *v = &vgg16[i];
        int cin = v->cin == 3 ? 3 : (int)lroundf(v->cin * width);
        int cout = (int)lroundf(v->cout * width), side = v->size * res / 224;
        worst = fmax(worst, compare(v->name, n, cin, cout, side, side, 1, 200 + i));
    }
    parallel_set_threads(1);
    if (!(worst <= DIRECT_BOUND))
        fail_msg("direct at width %.3f, %d px: relative error %.2e over the bound %.0e", width, res,
                 worst, DIRECT_BOUND);
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
static void test_direct_edges_and_chunks(void **state) {
    (void)state;
    static const struct {
        int n, cin, cout, h, w;
    } cases[] = {{3, 5, 7, 7, 9}, {2, 16, 8, 1, 1}, {1, 4, 3, 2, 13},
                 {4, 3, 6, 2, 2}, {5, 9, 11, 5, 6}, {1, 24, 16, 61, 3},
                 {2, 1, 1, 3, 3}, {3, 8, 8, 4, 4},  {64, 64, 64, 32, 32}};
    double worst = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        worst = fmax(worst, compare("edge", cases[i].n, cases[i].cin, cases[i].cout, cases[i].h,
                                    cases[i].w, 0, 7 + i));
    if (!(worst <= DIRECT_BOUND)) fail_msg("direct edges: relative error %.2e", worst);
}

/* One thread and two give the same bits: forward, dx, dW, db. */
static void test_direct_threads_bit_identical(void **state) {
    (void)state;
    Shape in = {9, 16, 8, 8};
    Side a, b;
    side_init(&a, "direct", in, 24, 1, NULL);
    Rng r;
    rng_seed(&r, 5);
    testutil_fill_normal(&a.l.params[0].value, &r, 0.2f);
    testutil_fill_normal(&a.l.params[1].value, &r, 0.2f);
    side_init(&b, "direct", in, 24, 1, &a.l);
    Tensor x, dy;
    testutil_tensor(&x, in.n, in.c, in.h, in.w);
    testutil_tensor(&dy, in.n, 24, in.h, in.w);
    testutil_fill_normal(&x, &r, 1.0f);
    testutil_fill_normal(&dy, &r, 1.0f);
    Side *sides[2] = {&a, &b};
    for (int t = 0; t < 2; t++) {
        parallel_set_threads(t + 1);
        layer_forward(&sides[t]->l, &x, &sides[t]->y, sides[t]->ws);
        layer_backward(&sides[t]->l, &x, &sides[t]->y, &dy, &sides[t]->dx, sides[t]->ws);
    }
    parallel_set_threads(1);
    assert_memory_equal(a.y.data, b.y.data, sizeof(float) * tensor_count(&a.y));
    assert_memory_equal(a.dx.data, b.dx.data, sizeof(float) * tensor_count(&a.dx));
    for (int i = 0; i < 2; i++)
        assert_memory_equal(a.l.params[i].grad.data, b.l.params[i].grad.data,
                            sizeof(float) * tensor_count(&a.l.params[i].grad));
    tensor_fini(&x);
    tensor_fini(&dy);
    side_fini(&a);
    side_fini(&b);
}

/* A frozen layer adds no parameter gradient and still passes dx back;
 * gradients add to what is there (iter_size). */
static void test_direct_frozen_and_accumulating(void **state) {
    (void)state;
    Shape in = {2, 16, 10, 10};
    Side s;
    side_init(&s, "direct", in, 8, 0, NULL);
    Rng r;
    rng_seed(&r, 3);
    testutil_fill_normal(&s.l.params[0].value, &r, 0.3f);
    Tensor x, dy;
    testutil_tensor(&x, 2, 16, 10, 10);
    testutil_tensor(&dy, 2, 8, 10, 10);
    testutil_fill_normal(&x, &r, 1.0f);
    testutil_fill_normal(&dy, &r, 1.0f);
    s.l.frozen = 1;
    layer_forward(&s.l, &x, &s.y, s.ws);
    layer_backward(&s.l, &x, &s.y, &dy, &s.dx, s.ws);
    for (size_t i = 0; i < tensor_count(&s.l.params[0].grad); i++)
        assert_true(s.l.params[0].grad.data[i] == 0.0f);
    double sum = 0;
    for (size_t i = 0; i < tensor_count(&s.dx); i++) sum += fabs(s.dx.data[i]);
    assert_true(sum > 0);
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
    side_fini(&s);
}

/* Central differences through the fast path (the loss is linear in each
 * parameter, so only rounding is left; see test_conv_winograd). */
static void direct_gradcheck(Shape in, int cout, uint64_t seed) {
    Layer l;
    LayerSpec spec = spec_for(cout, "direct", 0);
    assert_int_equal(layer_init(&l, &spec, in, NULL), ST_OK);
    assert_string_equal(layer_variant(&l), "direct");
    Rng r;
    rng_seed(&r, seed);
    testutil_fill_normal(&l.params[0].value, &r, 0.5f);
    testutil_fill_normal(&l.params[1].value, &r, 0.5f);
    Tensor x;
    testutil_tensor(&x, in.n, in.c, in.h, in.w);
    testutil_fill_normal(&x, &r, 1.0f);
    GradCheck cfg = {.h = 0.5f, .floor = 1e-2, .max_checks = 300, .seed = seed + 1};
    char label[64];
    snprintf(label, sizeof label, "direct conv %dx%dx%dx%d -> %d", in.n, in.c, in.h, in.w, cout);
    gradcheck_expect(label, gradcheck_layer(&l, &x, &cfg), 1e-3);
    tensor_fini(&x);
    layer_fini(&l);
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
    LayerSpec spec = spec_for(8, "direct", 1);
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
        cmocka_unit_test(test_direct_frozen_and_accumulating),
        cmocka_unit_test(test_direct_gradcheck),
        cmocka_unit_test(test_direct_not_split),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
