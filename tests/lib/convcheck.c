/*
 * convcheck — a fast convolution against the reference, frozen layers and
 * gradient checks, for the tests of each algorithm. See convcheck.h.
 */
#include "tests/lib/convcheck.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/parallel.h"
#include "tests/lib/gradcheck.h"
#include "tests/lib/relerr.h"
#include "tests/lib/testutil.h"
#include "tests/lib/vgg16_shapes.h"

LayerSpec convcheck_spec(int cout, const char *algo, int relu) {
    return layer_spec_conv3x3("c", cout, algo, relu);
}

void convcheck_side_init(ConvSide *s, const char *algo, Shape in, int cout, int relu,
                         const Layer *copy_from) {
    LayerSpec spec = convcheck_spec(cout, algo, relu);
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

void convcheck_side_fini(ConvSide *s) {
    free(s->ws);
    tensor_fini(&s->y);
    tensor_fini(&s->dx);
    layer_fini(&s->l);
}

double convcheck_compare(const char *algo, const char *name, int n, int cin, int cout, int h, int w,
                         int relu, uint64_t seed, double bound) {
    Shape in = {n, cin, h, w};
    ConvSide ref, fast;
    convcheck_side_init(&ref, "reference", in, cout, relu, NULL);
    Rng r;
    rng_seed(&r, seed);
    /* He-like scale, as trained layers: outputs of order 1 */
    testutil_fill_normal(&ref.l.params[0].value, &r, (float)sqrt(2.0 / (9.0 * cin)));
    testutil_fill_normal(&ref.l.params[1].value, &r, 0.1f);
    convcheck_side_init(&fast, algo, in, cout, relu, &ref.l);
    assert_string_equal(layer_variant(&ref.l), "im2col");
    assert_string_equal(layer_variant(&fast.l), algo);
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
    double ey = relerr_l2(fast.y.data, ref.y.data, tensor_count(&ref.y));
    double ex = relerr_l2(fast.dx.data, ref.dx.data, tensor_count(&ref.dx));
    double ew = relerr_l2(fast.l.params[0].grad.data, ref.l.params[0].grad.data,
                          tensor_count(&ref.l.params[0].grad));
    double eb = relerr_l2(fast.l.params[1].grad.data, ref.l.params[1].grad.data, (size_t)cout);
    printf("%s %-8s %4d->%-4d %3dx%-3d n=%-2d%s: y %.1e dx %.1e dW %.1e db %.1e (bound %.0e)\n",
           algo, name, cin, cout, h, w, n, relu ? " relu" : "", ey, ex, ew, eb, bound);
    double worst = fmax(fmax(ey, ex), fmax(ew, eb));
    tensor_fini(&x);
    tensor_fini(&dy);
    convcheck_side_fini(&ref);
    convcheck_side_fini(&fast);
    return worst;
}

void convcheck_vgg16(const char *algo, float width, int res, int n, int relu, uint64_t seed,
                     double bound) {
    parallel_set_threads(2);
    double worst = 0;
    for (size_t i = 0; i < VGG16_CONVS; i++) {
        const ConvShape *v = &vgg16_224[i];
        int cin = v->cin == 3 ? 3 : (int)lroundf(v->cin * width);
        int cout = (int)lroundf(v->cout * width), side = v->size * res / 224;
        worst = fmax(worst, convcheck_compare(algo, v->name, n, cin, cout, side, side, relu,
                                              seed + i, bound));
    }
    parallel_set_threads(1);
    if (!(worst <= bound))
        fail_msg("%s at width %.3f, %d px: relative error %.2e over the bound %.0e", algo, width,
                 res, worst, bound);
}

void convcheck_frozen(const char *algo, ConvSide *s, Tensor *x, Tensor *dy) {
    Shape in = {2, 16, 10, 10};
    convcheck_side_init(s, algo, in, 8, 0, NULL);
    Rng r;
    rng_seed(&r, 3);
    testutil_fill_normal(&s->l.params[0].value, &r, 0.3f);
    testutil_tensor(x, 2, 16, 10, 10);
    testutil_tensor(dy, 2, 8, 10, 10);
    testutil_fill_normal(x, &r, 1.0f);
    testutil_fill_normal(dy, &r, 1.0f);
    s->l.frozen = 1;
    layer_forward(&s->l, x, &s->y, s->ws);
    layer_backward(&s->l, x, &s->y, dy, &s->dx, s->ws);
    for (size_t i = 0; i < tensor_count(&s->l.params[0].grad); i++)
        assert_true(s->l.params[0].grad.data[i] == 0.0f);
    double sum = 0;
    for (size_t i = 0; i < tensor_count(&s->dx); i++) sum += fabs(s->dx.data[i]);
    assert_true(sum > 0);
}

void convcheck_gradcheck(const char *algo, Shape in, int cout, uint64_t seed, float h,
                         double bound) {
    Layer l;
    LayerSpec spec = convcheck_spec(cout, algo, 0);
    assert_int_equal(layer_init(&l, &spec, in, NULL), ST_OK);
    assert_string_equal(layer_variant(&l), algo);
    Rng r;
    rng_seed(&r, seed);
    testutil_fill_normal(&l.params[0].value, &r, 0.5f);
    testutil_fill_normal(&l.params[1].value, &r, 0.5f);
    Tensor x;
    testutil_tensor(&x, in.n, in.c, in.h, in.w);
    testutil_fill_normal(&x, &r, 1.0f);
    GradCheck cfg = {.h = h, .floor = 1e-2, .max_checks = 300, .seed = seed + 1};
    char label[64];
    snprintf(label, sizeof label, "%s conv %dx%dx%dx%d -> %d", algo, in.n, in.c, in.h, in.w, cout);
    gradcheck_expect(label, gradcheck_layer(&l, &x, &cfg), bound);
    tensor_fini(&x);
    layer_fini(&l);
}
