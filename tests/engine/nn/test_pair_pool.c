/*
 * test_pair_pool — the batch driver of the two-input poolings, through a
 * small kind of its own (the unnormalised outer product y_ij = sum_l a_il
 * b_jl, whose gradients are plain sums): forward by hand and y->n, b NULL
 * meaning a twice (da the sum of both parts), skipped gradients (neither
 * wanted: the kind is not called), gradients against finite differences,
 * the same bits on 1, 2 and 3 threads, each thread's own aligned scratch,
 * the size check's messages, and destroy through the kind.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/parallel.h"
#include "engine/nn/pair_pool.h"
#include "tests/lib/poolcheck.h"
#include "tests/lib/testutil.h"

enum { OUTER_SCRATCH = 40, OUTER_MAX_N = 8 };

/* The test's kind: a PairPool first, then what the test watches. */
typedef struct Outer {
    PairPool base;
    const float *a0;                      /* the batch's first sample, to index samples */
    const float *scratch_of[OUTER_MAX_N]; /* the scratch each sample ran with */
    atomic_int backwards;                 /* per-sample backward calls */
    int *destroyed;                       /* set by outer_destroy */
} Outer;

static void outer_forward(const PairPool *p, const float *a, const float *b, float *y,
                          float *scratch) {
    Outer *o = (Outer *)(uintptr_t)p;
    if (o->a0) o->scratch_of[(a - o->a0) / ((size_t)p->c1 * p->hw)] = scratch;
    if (scratch) memset(scratch, 0xff, sizeof(float) * p->scratch); /* all of it is ours */
    for (int i = 0; i < p->c1; i++)
        for (int j = 0; j < p->c2; j++) {
            float s = 0;
            for (int l = 0; l < p->hw; l++) s += a[i * p->hw + l] * b[j * p->hw + l];
            y[i * p->c2 + j] = s;
        }
}

/* da_il = sum_j dy_ij b_jl, db_jl = sum_i dy_ij a_il; into da when db == da. */
static void outer_backward(const PairPool *p, const float *a, const float *b, const float *dy,
                           float *da, float *db, float *scratch) {
    (void)scratch;
    Outer *o = (Outer *)(uintptr_t)p;
    atomic_fetch_add(&o->backwards, 1);
    if (da)
        for (int i = 0; i < p->c1; i++)
            for (int l = 0; l < p->hw; l++) {
                float s = 0;
                for (int j = 0; j < p->c2; j++) s += dy[i * p->c2 + j] * b[j * p->hw + l];
                da[i * p->hw + l] = s;
            }
    if (db)
        for (int j = 0; j < p->c2; j++)
            for (int l = 0; l < p->hw; l++) {
                float s = 0;
                for (int i = 0; i < p->c1; i++) s += dy[i * p->c2 + j] * a[i * p->hw + l];
                db[j * p->hw + l] = db == da ? db[j * p->hw + l] + s : s;
            }
}

static void outer_destroy(PairPool *p) {
    Outer *o = (Outer *)p;
    if (o->destroyed) *o->destroyed = 1;
    free(o);
}

static const PairPoolKind outer_kind = {"outer", outer_forward, outer_backward, outer_destroy};

/* A heap Outer for c1 x c2 channels at hw locations with scratch floats. */
static Outer *outer_create(int c1, int c2, int hw, size_t scratch) {
    Outer *o = calloc(1, sizeof *o);
    assert_non_null(o);
    Error err = {0};
    if (pair_pool_init(&o->base, &outer_kind, c1, c2, hw, c1 * c2, scratch, &err))
        fail_msg("%s", err.msg);
    return o;
}

static void test_pair_pool_forward_by_hand(void **state) {
    (void)state;
    Outer *o = outer_create(2, 1, 2, 0);
    assert_null(o->base.scratch_of[0]); /* no scratch asked, none made */
    Tensor a, b, y;
    testutil_tensor(&a, 1, 2, 1, 2);
    testutil_tensor(&b, 1, 1, 2, 1); /* the locations may be laid out otherwise */
    testutil_tensor(&y, 3, 2, 1, 1); /* room for 3, one sample in */
    const float av[4] = {1, 2, 3, 4}, bv[2] = {5, -1};
    memcpy(a.data, av, sizeof av);
    memcpy(b.data, bv, sizeof bv);
    b.h = 1; /* same h x w as a */
    b.w = 2;
    pair_pool_forward(&o->base, &a, &b, &y);
    assert_int_equal(y.n, 1);
    /* y_0 = 1*5 + 2*(-1) = 3, y_1 = 3*5 + 4*(-1) = 11. */
    const float want[2] = {3, 11};
    testutil_assert_close(y.data, want, 2, 0, 0);
    tensor_fini(&a);
    tensor_fini(&b);
    tensor_fini(&y);
    pair_pool_destroy(&o->base);
}

static void test_pair_pool_a_used_twice(void **state) {
    (void)state;
    Outer *o = outer_create(3, 3, 4, 0);
    Rng r;
    rng_seed(&r, 21);
    Tensor a, y1, y2, dy, da, da2, db2;
    Tensor *all[] = {&a, &y1, &y2, &dy, &da, &da2, &db2};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        int pooled = i >= 1 && i <= 3; /* y1, y2, dy: 9 x 1 x 1; the rest like a */
        testutil_tensor(all[i], 2, pooled ? 9 : 3, pooled ? 1 : 2, pooled ? 1 : 2);
    }
    testutil_fill_normal(&a, &r, 1.0f);
    testutil_fill_normal(&dy, &r, 1.0f);
    pair_pool_forward(&o->base, &a, NULL, &y1);
    pair_pool_forward(&o->base, &a, &a, &y2);
    assert_memory_equal(y1.data, y2.data, sizeof(float) * 18);
    /* With b NULL, da holds both parts: what (a, a) gives as da + db. */
    tensor_fill(&da, 7.0f); /* overwritten, not added to */
    pair_pool_backward(&o->base, &a, NULL, &dy, &da, NULL);
    pair_pool_backward(&o->base, &a, &a, &dy, &da2, &db2);
    for (int i = 0; i < 24; i++) da2.data[i] += db2.data[i];
    testutil_assert_close(da.data, da2.data, 24, 1e-5, 1e-5);
    /* Neither gradient wanted: shapes checked, the kind never called. */
    int before = atomic_load(&o->backwards);
    pair_pool_backward(&o->base, &a, &a, &dy, NULL, NULL);
    assert_int_equal(atomic_load(&o->backwards), before);
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) tensor_fini(all[i]);
    pair_pool_destroy(&o->base);
}

static void test_pair_pool_gradients_and_threads(void **state) {
    (void)state;
    /* Bilinear in a and b: central differences exact but for rounding. */
    PoolGrad g = {.h = 0.05f, .floor = 1e-2, .bound = 1e-3, .only_atol = 0, .only_rtol = 0};
    Outer *o = outer_create(3, 2, 6, OUTER_SCRATCH);
    poolcheck_pair(&o->base, 3, 2, 3, &g, 4);
    poolcheck_threads(&o->base, 5, 3, 2, 8);
    pair_pool_destroy(&o->base);
    Outer *same = outer_create(2, 2, 4, OUTER_SCRATCH);
    poolcheck_threads(&same->base, 4, 2, 2, 9); /* a used twice as well */
    pair_pool_destroy(&same->base);
}

static void test_pair_pool_scratch_per_thread(void **state) {
    (void)state;
    int threads = parallel_threads();
    parallel_set_threads(2);
    Outer *o = outer_create(2, 2, 3, OUTER_SCRATCH);
    Tensor a, y;
    testutil_tensor(&a, OUTER_MAX_N, 2, 1, 3);
    testutil_tensor(&y, OUTER_MAX_N, 4, 1, 1);
    o->a0 = a.data;
    pair_pool_forward(&o->base, &a, NULL, &y);
    /* Every sample ran with one of the two threads' blocks, 64-byte aligned. */
    for (int i = 0; i < OUTER_MAX_N; i++) {
        const float *s = o->scratch_of[i];
        assert_true(s == o->base.scratch_of[0] || s == o->base.scratch_of[1]);
        assert_int_equal((uintptr_t)s % 64, 0);
    }
    assert_non_null(o->base.scratch_of[1]);
    assert_ptr_not_equal(o->base.scratch_of[0], o->base.scratch_of[1]);
    assert_null(o->base.scratch_of[2]);
    pair_pool_free_scratch(&o->base);
    for (int w = 0; w < PARALLEL_MAX; w++) assert_null(o->base.scratch_of[w]);
    /* A stack pool (a kind without destroy) frees its scratch alone. */
    Error err = {0};
    PairPool again;
    assert_int_equal(pair_pool_init(&again, &outer_kind, 2, 2, 3, 4, OUTER_SCRATCH, &err), ST_OK);
    assert_non_null(again.scratch_of[0]);
    pair_pool_free_scratch(&again);
    assert_null(again.scratch_of[0]);
    tensor_fini(&a);
    tensor_fini(&y);
    pair_pool_destroy(&o->base);
    parallel_set_threads(threads);
}

static void test_pair_pool_check_sizes(void **state) {
    (void)state;
    Error err = {0};
    assert_int_equal(pair_pool_check_sizes("tensor_sketch", 1, 1, 1, 1, &err), ST_OK);
    const int bad[4][4] = {{0, 2, 3, 4}, {1, 0, 3, 4}, {1, 2, 0, 4}, {1, 2, 3, -4}};
    for (int i = 0; i < 4; i++) {
        error_clear(&err);
        assert_int_equal(pair_pool_check_sizes("tensor_sketch", bad[i][0], bad[i][1], bad[i][2],
                                               bad[i][3], &err),
                         ST_ARG);
        assert_int_equal(strncmp(err.msg, "tensor_sketch: ", 15), 0);
    }
    assert_non_null(strstr(err.msg, "(got 1, 2, 3, -4)"));
    assert_int_equal(pair_pool_check_sizes("x", 0, 0, 0, 0, NULL), ST_ARG);
}

static void test_pair_pool_destroy_through_kind(void **state) {
    (void)state;
    int destroyed = 0;
    Outer *o = outer_create(1, 1, 1, OUTER_SCRATCH);
    o->destroyed = &destroyed;
    pair_pool_destroy(&o->base); /* scratch freed, then the kind frees o */
    assert_int_equal(destroyed, 1);
    pair_pool_destroy(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pair_pool_forward_by_hand),
        cmocka_unit_test(test_pair_pool_a_used_twice),
        cmocka_unit_test(test_pair_pool_gradients_and_threads),
        cmocka_unit_test(test_pair_pool_scratch_per_thread),
        cmocka_unit_test(test_pair_pool_check_sizes),
        cmocka_unit_test(test_pair_pool_destroy_through_kind),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
