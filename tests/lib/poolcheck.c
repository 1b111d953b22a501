/*
 * poolcheck — checks shared by the pooling tests. See poolcheck.h.
 */
#include "tests/lib/poolcheck.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/base/parallel.h"
#include "engine/nn/layer.h"
#include "tests/lib/gradcheck.h"
#include "tests/lib/testutil.h"

PairPool *poolcheck_create(PoolCreate create, int c1, int c2, int hw, int d, uint64_t seed) {
    Error err = {0};
    PairPool *p = create(c1, c2, hw, d, seed, &err);
    if (!p) fail_msg("create (%d, %d, %d, %d): %s", c1, c2, hw, d, err.msg);
    return p;
}

void poolcheck_inputs(PoolInputs *in, const PairPool *p, int n, int h, int w, Rng *r) {
    testutil_tensor(&in->a, n, p->c1, h, w);
    testutil_tensor(&in->b, n, p->c2, h, w);
    testutil_tensor(&in->y, n, p->d, 1, 1);
    testutil_fill_normal(&in->a, r, 1.0f);
    testutil_fill_normal(&in->b, r, 1.0f);
}

void poolcheck_hand_inputs(PoolInputs *in, const PairPool *p) {
    assert_true(p->c1 == 1 && p->c2 == 1 && p->hw == 2);
    testutil_tensor(&in->a, 1, 1, 1, 2);
    testutil_tensor(&in->b, 1, 1, 1, 2);
    testutil_tensor(&in->y, 1, p->d, 1, 1);
    const float av[2] = {2.0f, 3.0f}, bv[2] = {5.0f, -1.0f};
    memcpy(in->a.data, av, sizeof av);
    memcpy(in->b.data, bv, sizeof bv);
}

void poolcheck_inputs_fini(PoolInputs *in) {
    tensor_fini(&in->a);
    tensor_fini(&in->b);
    tensor_fini(&in->y);
}

/* da alone, or db alone, equals the gradient of the call that asked for both. */
static void check_only(PairPool *p, const Tensor *a, const Tensor *b, const Tensor *dy,
                       const Tensor *want, int which, const PoolGrad *g) {
    Tensor only;
    testutil_tensor(&only, want->n, want->c, want->h, want->w);
    pair_pool_backward(p, a, b, dy, which == 0 ? &only : NULL, which == 1 ? &only : NULL);
    testutil_assert_close(only.data, want->data, tensor_count(want), g->only_atol, g->only_rtol);
    tensor_fini(&only);
}

void poolcheck_pair(PairPool *p, int n, int h, int w, const PoolGrad *g, uint64_t seed) {
    int c1 = p->c1, c2 = p->c2, d = p->d;
    Rng rng;
    rng_seed(&rng, seed);
    PoolInputs in;
    poolcheck_inputs(&in, p, n, h, w, &rng);
    Tensor *a = &in.a, *b = &in.b, dy, da, db;
    testutil_tensor(&dy, n, d, 1, 1);
    testutil_tensor(&da, n, c1, h, w);
    testutil_tensor(&db, n, c2, h, w);
    testutil_fill_uniform(&dy, &rng, -1.0f, 1.0f);
    pair_pool_backward(p, a, b, &dy, &da, &db);
    GradCheck cfg = {.h = g->h, .floor = g->floor};
    double ea, eb;
    gradcheck_pair(p, a, b, &in.y, dy.data, &da, &db, &cfg, &ea, &eb);
    const char *name = p->kind->name;
    printf("gradcheck %s pair %d/%d ch d=%d: da %.2e db %.2e (bound %.0e)\n", name, c1, c2, d, ea,
           eb, g->bound);
    if (!(ea <= g->bound && eb <= g->bound))
        fail_msg("%s pair gradcheck: da err %.3g, db err %.3g exceed the bound %.0e", name, ea, eb,
                 g->bound);
    check_only(p, a, b, &dy, &db, 1, g);
    check_only(p, a, b, &dy, &da, 0, g);
    poolcheck_inputs_fini(&in);
    tensor_fini(&dy);
    tensor_fini(&da);
    tensor_fini(&db);
}

void poolcheck_layer_matches(const char *kind, PoolCreate create, int c, int h, int w, int d,
                             uint64_t seed) {
    LayerSpec spec = {.kind = kind, .name = "t", .dim = d, .seed = seed};
    Layer l;
    assert_int_equal(layer_init(&l, &spec, (Shape){3, c, h, w}, NULL), ST_OK);
    assert_int_equal(l.out.c, d);
    assert_int_equal(l.out.h, 1);
    assert_int_equal(l.out.w, 1);
    assert_int_equal(layer_workspace(&l), 0);
    PairPool *p = poolcheck_create(create, c, c, h * w, d, seed);
    Rng r;
    rng_seed(&r, 4);
    Tensor x, y, y2;
    testutil_tensor(&x, 3, c, h, w);
    testutil_tensor(&y, 3, d, 1, 1);
    testutil_tensor(&y2, 3, d, 1, 1);
    testutil_fill_normal(&x, &r, 1.0f);
    x.n = 2;
    layer_forward(&l, &x, &y, NULL);
    assert_int_equal(y.n, 2);
    pair_pool_forward(p, &x, NULL, &y2);
    testutil_assert_close(y.data, y2.data, 2 * (size_t)d, 0.0, 0.0);
    pair_pool_destroy(p);
    tensor_fini(&x);
    tensor_fini(&y);
    tensor_fini(&y2);
    layer_fini(&l);
}

void poolcheck_errors(const char *kind, PoolCreate create, const char *name) {
    Layer l;
    Error err = {0};
    LayerSpec nodim = {.kind = kind, .name = "cbp", .dim = 0};
    assert_int_equal(layer_init(&l, &nodim, (Shape){1, 8, 4, 4}, &err), ST_ARG);
    char label[64];
    snprintf(label, sizeof label, "%s cbp", kind);
    assert_non_null(strstr(err.msg, label));
    assert_non_null(strstr(err.msg, "dim"));
    layer_fini(&l);
    error_clear(&err);
    assert_null(create(4, 4, 9, -1, 1, &err));
    assert_int_equal(err.status, ST_ARG);
    assert_non_null(strstr(err.msg, name));
    assert_null(create(0, 4, 9, 16, 1, NULL));
    assert_null(create(4, 0, 9, 16, 1, NULL));
    pair_pool_destroy(NULL);
}

void poolcheck_kernel(const char *kind, int c, int d, int draws, uint64_t seed0,
                      uint64_t input_seed0, double tol) {
    Tensor x, z, px, pz;
    testutil_tensor(&x, 1, c, 1, 1);
    testutil_tensor(&z, 1, c, 1, 1);
    testutil_tensor(&px, 1, d, 1, 1);
    testutil_tensor(&pz, 1, d, 1, 1);
    double mean = 0.0;
    for (int t = 0; t < draws; t++) {
        LayerSpec spec = {.kind = kind, .name = "k", .dim = d, .seed = seed0 + (uint64_t)t};
        Layer l;
        Error err = {0};
        if (layer_init(&l, &spec, (Shape){1, c, 1, 1}, &err)) fail_msg("%s", err.msg);
        Rng r;
        rng_seed(&r, input_seed0 + (uint64_t)t);
        testutil_fill_uniform(&x, &r, 0.0f, 1.0f);
        testutil_fill_uniform(&z, &r, 0.0f, 1.0f);
        layer_forward(&l, &x, &px, NULL);
        layer_forward(&l, &z, &pz, NULL);
        double dot = 0.0, xz = 0.0;
        for (int k = 0; k < d; k++) dot += (double)px.data[k] * pz.data[k];
        for (int i = 0; i < c; i++) xz += (double)x.data[i] * z.data[i];
        mean += dot / (xz * xz) / draws;
        layer_fini(&l);
    }
    tensor_fini(&x);
    tensor_fini(&z);
    tensor_fini(&px);
    tensor_fini(&pz);
    printf("%s kernel: mean <phi(x),phi(z)> / <x,z>^2 = %.4f over %d draws\n", kind, mean, draws);
    if (fabs(mean - 1.0) > tol)
        fail_msg("kernel ratio mean %.4f is not within %.2f of 1", mean, tol);
}

/* Forward, backward (both gradients) and backward with a used twice, at
 * `threads` engine threads, into out[0..3) (made here). */
static void run_at(PairPool *p, const PoolInputs *in, const Tensor *dy, int threads,
                   Tensor out[4]) {
    parallel_set_threads(threads);
    testutil_tensor(&out[0], in->y.n, in->y.c, 1, 1);
    testutil_tensor(&out[1], in->a.n, in->a.c, in->a.h, in->a.w);
    testutil_tensor(&out[2], in->b.n, in->b.c, in->b.h, in->b.w);
    testutil_tensor(&out[3], in->a.n, in->a.c, in->a.h, in->a.w);
    pair_pool_forward(p, &in->a, &in->b, &out[0]);
    pair_pool_backward(p, &in->a, &in->b, dy, &out[1], &out[2]);
    if (p->c1 == p->c2) pair_pool_backward(p, &in->a, NULL, dy, &out[3], NULL);
    parallel_set_threads(1);
}

void poolcheck_threads(PairPool *p, int n, int h, int w, uint64_t seed) {
    Rng r;
    rng_seed(&r, seed);
    PoolInputs in;
    poolcheck_inputs(&in, p, n, h, w, &r);
    Tensor dy;
    testutil_tensor(&dy, n, p->d, 1, 1);
    testutil_fill_normal(&dy, &r, 1.0f);
    Tensor one[4];
    run_at(p, &in, &dy, 1, one);
    for (int threads = 2; threads <= 3; threads++) {
        Tensor many[4];
        run_at(p, &in, &dy, threads, many);
        for (int k = 0; k < 4; k++) {
            if (memcmp(one[k].data, many[k].data, sizeof(float) * tensor_count(&one[k])) != 0)
                fail_msg("%s: %s differs between 1 and %d threads", p->kind->name,
                         (const char *[]){"y", "da", "db", "da (a twice)"}[k], threads);
            tensor_fini(&many[k]);
        }
    }
    for (int k = 0; k < 4; k++) tensor_fini(&one[k]);
    tensor_fini(&dy);
    poolcheck_inputs_fini(&in);
}
