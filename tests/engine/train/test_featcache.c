/*
 * test_featcache — the feature cache's two levels: a build that also keeps
 * the backbone's output gives the same features bit for bit, the head run
 * over that kept level (featcache_pool) gives them again for every head,
 * the backbone level is each view's conv5_3 output, and a stop asked
 * while pooling leaves the cache empty.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/data/dataset.h"
#include "engine/train/featcache.h"
#include "tests/lib/testbirds.h"
#include "tests/lib/testutil.h"

static TestBirds birds; /* 3 classes x 5 generated birds */

static int setup(void **state) {
    (void)state;
    return testbirds_init(&birds, "featcache", 3, 5, 5);
}

static int teardown(void **state) {
    (void)state;
    return testbirds_fini(&birds);
}

static LoaderConfig base(void) {
    LoaderConfig c = testbirds_loader(3);
    c.aug = (Augment){.rotate = 10, .brightness = 0.2};
    return c;
}

static Net *tiny(NetPool pool) {
    NetConfig c = testbirds_net(3, 48);
    c.pooling = pool;
    c.pool_seed = 2;
    return testbirds_net_create(&c);
}

static int stop_at_half(void *ctx, int done, int total) {
    (void)ctx;
    return done >= total / 2;
}

static void check_levels(NetPool pool) {
    Net *net = tiny(pool);
    LoaderConfig b = base();
    int views = 3, n = birds.ds.n_train, c, h, w;
    net_backbone_shape(net, &c, &h, &w);
    size_t bdim = (size_t)c * h * w;
    FeatCache plain, kept, pooled;
    assert_int_equal(
        featcache_build(&plain, net, &birds.ds, birds.ds.train, n, &b, views, 7, NULL, NULL, NULL),
        ST_OK);
    float *backbone = malloc(sizeof(float) * bdim * (size_t)n * views);
    assert_non_null(backbone);
    assert_int_equal(featcache_build_levels(&kept, backbone, net, &birds.ds, birds.ds.train, n, &b,
                                            views, 7, NULL, NULL, NULL),
                     ST_OK);
    size_t bytes = sizeof(float) * (size_t)plain.n * plain.dim;
    assert_int_equal(kept.n, n * views);
    assert_memory_equal(kept.feats, plain.feats, bytes);
    assert_memory_equal(kept.labels, plain.labels, sizeof(int) * (size_t)kept.n);
    assert_int_equal(featcache_pool(&pooled, net, backbone, &birds.ds, birds.ds.train, n, views, 3,
                                    NULL, NULL, NULL),
                     ST_OK);
    assert_memory_equal(pooled.feats, plain.feats, bytes);
    assert_memory_equal(pooled.labels, plain.labels, sizeof(int) * (size_t)kept.n);
    /* The kept level of the last sample is its view's conv5_3 output. */
    LoaderConfig last = featcache_view(&b, views - 1, 7);
    Loader *ld = loader_create(&birds.ds, birds.ds.train, n, &last, NULL);
    assert_non_null(ld);
    LoaderBatch batch;
    for (int k = 0; k < (n + 2) / 3; k++) assert_int_equal(loader_next(ld, &batch, NULL), ST_OK);
    const Tensor *y = net_forward_backbone(net, &batch.x);
    assert_memory_equal(backbone + ((size_t)n * views - 1) * bdim,
                        y->data + (size_t)(batch.n - 1) * bdim, sizeof(float) * bdim);
    loader_destroy(ld);
    featcache_fini(&plain);
    featcache_fini(&kept);
    featcache_fini(&pooled);
    /* Stopped half-way: nothing is left. */
    assert_int_equal(featcache_pool(&pooled, net, backbone, &birds.ds, birds.ds.train, n, views, 3,
                                    stop_at_half, NULL, NULL),
                     ST_OK);
    assert_null(pooled.feats);
    free(backbone);
    net_destroy(net);
}

static void test_featcache_levels_give_the_same_features(void **state) {
    (void)state;
    check_levels(NET_POOL_TS);
    check_levels(NET_POOL_RM);
    check_levels(NET_POOL_BILINEAR);
    check_levels(NET_POOL_AVG);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_featcache_levels_give_the_same_features),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
