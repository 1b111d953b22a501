/*
 * test_featkey — the feature cache's keys: the same inputs give the same
 * keys (in another process too); each input of the backbone level changes
 * both keys (a backbone weight, the convolution algorithm, an image's
 * path, label, size and time, the item order and split, the number of
 * views, resize, resolution, filter, normalisation, mirror, crops,
 * augmentation, the seed of a view that draws); each head setting changes
 * the pooled key alone; what the features do not depend on (batch size,
 * threads, the classifier, a seed no view draws from) changes neither,
 * and the features are indeed the same bits across batch sizes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/data/dataset.h"
#include "engine/train/featcache.h"
#include "engine/train/featkey.h"
#include "tests/lib/testbirds.h"
#include "tests/lib/testnet.h"
#include "tests/lib/testutil.h"

static TestBirds birds; /* 3 classes x 6 generated birds */

static int setup(void **state) {
    (void)state;
    return testbirds_init(&birds, "featkey", 3, 6, 5);
}

static int teardown(void **state) {
    (void)state;
    return testbirds_fini(&birds);
}

static NetConfig tiny_net(void) {
    return testbirds_net(4, 64);
}

static FeatPart train_part(void) {
    LoaderConfig b = testbirds_loader(4);
    b.seed = 3;
    return testbirds_train_part(&birds, b);
}

static FeatKeys keys_of(const NetConfig *nc, const FeatPart *p, uint64_t init_seed) {
    Net *net = testnet_create(nc, init_seed);
    FeatKeys k;
    featkey_compute(net, p, &k);
    net_destroy(net);
    return k;
}

static int same(const HashKey *a, const HashKey *b) {
    return memcmp(a->b, b->b, sizeof a->b) == 0;
}

/* Both keys differ from base's (a backbone input changed). */
static void expect_both(const FeatKeys *base, const FeatKeys *k, const char *what) {
    if (same(&base->key[FEAT_BACKBONE], &k->key[FEAT_BACKBONE]) ||
        same(&base->key[FEAT_POOLED], &k->key[FEAT_POOLED]))
        fail_msg("changing %s left a key as it was", what);
}

static void expect_pooled_only(const FeatKeys *base, const FeatKeys *k, const char *what) {
    if (!same(&base->key[FEAT_BACKBONE], &k->key[FEAT_BACKBONE]))
        fail_msg("changing %s (the head) changed the backbone key", what);
    if (same(&base->key[FEAT_POOLED], &k->key[FEAT_POOLED]))
        fail_msg("changing %s left the pooled key as it was", what);
}

static void expect_neither(const FeatKeys *base, const FeatKeys *k, const char *what) {
    if (!same(&base->key[FEAT_BACKBONE], &k->key[FEAT_BACKBONE]) ||
        !same(&base->key[FEAT_POOLED], &k->key[FEAT_POOLED]))
        fail_msg("changing %s, which the features do not depend on, changed a key", what);
}

static void test_featkey_same_inputs_same_keys(void **state) {
    (void)state;
    NetConfig nc = tiny_net();
    FeatPart p = train_part();
    FeatKeys a = keys_of(&nc, &p, 1), b = keys_of(&nc, &p, 1);
    expect_neither(&a, &b, "nothing");
    assert_false(same(&a.key[FEAT_BACKBONE], &a.key[FEAT_POOLED]));
    /* Another process, another net built from the same inputs. */
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        FeatKeys k = keys_of(&nc, &p, 1);
        _exit(write(fd[1], &k, sizeof k) == (ssize_t)sizeof k ? 0 : 1);
    }
    FeatKeys c;
    assert_int_equal(read(fd[0], &c, sizeof c), (ssize_t)sizeof c);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(fd[0]);
    close(fd[1]);
    expect_neither(&a, &c, "the process");
}

static void test_featkey_backbone_inputs(void **state) {
    (void)state;
    NetConfig nc = tiny_net();
    FeatPart p = train_part();
    FeatKeys base = keys_of(&nc, &p, 1), k;
    k = keys_of(&nc, &p, 2);
    expect_both(&base, &k, "the backbone's weights");
    /* One backbone value, in place. */
    Net *net = net_create(&nc, NULL);
    net_init_weights(net, 1);
    int n;
    Param *const *ps = net_params(net, &n);
    ps[n - 3]->value.data[0] += 1e-6f; /* conv5_3's bias */
    featkey_compute(net, &p, &k);
    expect_both(&base, &k, "conv5_3's bias");
    ps[n - 3]->value.data[0] -= 1e-6f;
    ps[n - 2]->value.data[0] += 1.0f; /* the classifier: not an input */
    featkey_compute(net, &p, &k);
    expect_neither(&base, &k, "the classifier's weights");
    net_destroy(net);
    NetConfig ref = nc;
    ref.conv_algo = NET_CONV_REFERENCE;
    k = keys_of(&ref, &p, 1);
    expect_both(&base, &k, "the convolution algorithm");
    NetConfig wide = nc;
    wide.width = 1.0f / 8;
    k = keys_of(&wide, &p, 1);
    expect_both(&base, &k, "the width");
    NetConfig big = nc;
    big.batch = 7;
    k = keys_of(&big, &p, 1);
    expect_neither(&base, &k, "the batch");
    NetConfig classes = nc;
    classes.num_classes = 5;
    k = keys_of(&classes, &p, 1);
    expect_neither(&base, &k, "the number of classes");
}

/* Each loader setting of the views, the views and the seed. */
static void test_featkey_view_inputs(void **state) {
    (void)state;
    NetConfig nc = tiny_net();
    FeatPart p = train_part();
    FeatKeys base = keys_of(&nc, &p, 1), k;
#define CHANGE(what, stmt, expect)                                                                 \
    do {                                                                                           \
        FeatPart q = train_part();                                                                 \
        stmt;                                                                                      \
        k = keys_of(&nc, &q, 1);                                                                   \
        expect(&base, &k, what);                                                                   \
    } while (0)
    CHANGE("views", q.views = 2, expect_both);
    CHANGE("resize", q.base.resize = 40, expect_both);
    CHANGE("filter", q.base.filter = RESIZE_BILINEAR, expect_both);
    CHANGE("normalisation", q.base.norm = image_normalize_caffe(), expect_both);
    CHANGE("a mean", q.base.norm.mean[2] += 1e-3f, expect_both);
    CHANGE("mirror", q.base.mirror = 0, expect_both);
    CHANGE("the seed", q.seed = 4, expect_both);
    CHANGE("crop to box", q.base.crop_to_bbox = 1, expect_both);
    CHANGE("rotate", q.base.aug.rotate = 10, expect_both);
    CHANGE("brightness", q.base.aug.brightness = 0.2, expect_both);
    CHANGE("contrast", q.base.aug.contrast = 0.2, expect_both);
    CHANGE("saturation", q.base.aug.saturation = 0.2, expect_both);
    CHANGE("resized crops",
           (q.base.aug = (Augment){.resized_crop = 1, .area = {0.3, 1}, .ratio = {0.75, 1.33}}),
           expect_both);
    CHANGE("the item order", (q.items = birds.ds.test, q.n = birds.ds.n_test), expect_both);
    CHANGE("one item fewer", q.n--, expect_both);
    CHANGE("the batch size", q.base.batch_size = 3, expect_neither);
    CHANGE("the loader threads", (q.base.threads = 2, q.base.prefetch = 5), expect_neither);
    CHANGE("the loader's own seed", q.base.seed = 99, expect_neither);
    NetConfig small = nc;
    FeatPart r = train_part();
    small.resolution = r.base.resolution = 48;
    r.base.resize = 52;
    k = keys_of(&small, &r, 1);
    expect_both(&base, &k, "the resolution");
    /* A part of centre views alone draws nothing: its seed is no input. */
    FeatPart c = train_part();
    c.views = 1;
    FeatKeys centre = keys_of(&nc, &c, 1);
    c.seed = 77;
    k = keys_of(&nc, &c, 1);
    expect_neither(&centre, &k, "the seed of centre views");
    /* bbox_margin matters only when the views cut to the box. */
    CHANGE("bbox_margin without crop_to_bbox", q.base.bbox_margin = 0.2, expect_neither);
    FeatPart cut = train_part();
    cut.base.crop_to_bbox = 1;
    FeatKeys boxed = keys_of(&nc, &cut, 1);
    cut.base.bbox_margin = 0.2;
    k = keys_of(&nc, &cut, 1);
    expect_both(&boxed, &k, "bbox_margin with crop_to_bbox");
#undef CHANGE
}

static void test_featkey_item_inputs(void **state) {
    (void)state;
    NetConfig nc = tiny_net();
    FeatPart p = train_part();
    FeatKeys base = keys_of(&nc, &p, 1), k;
    DatasetItem *it = &birds.ds.items[birds.ds.train[2]], keep = *it;
    it->label = (it->label + 1) % 3;
    k = keys_of(&nc, &p, 1);
    expect_both(&base, &k, "a label");
    *it = keep;
    it->size++;
    k = keys_of(&nc, &p, 1);
    expect_both(&base, &k, "a file's size");
    *it = keep;
    it->mtime_ns++;
    k = keys_of(&nc, &p, 1);
    expect_both(&base, &k, "a file's time");
    *it = keep;
    char other[1024];
    snprintf(other, sizeof other, "%s.moved", keep.path);
    it->path = other;
    k = keys_of(&nc, &p, 1);
    expect_both(&base, &k, "a path");
    *it = keep;
    it->bbox[0] += 1;
    k = keys_of(&nc, &p, 1);
    expect_neither(&base, &k, "a box the views do not cut to");
    *it = keep;
    k = keys_of(&nc, &p, 1);
    expect_neither(&base, &k, "the item put back");
    /* A file rewritten on disk: opening the dataset again takes its new
     * time (and size), so the key changes. */
    struct timespec ts[2] = {{.tv_nsec = UTIME_OMIT}, {.tv_sec = 1000000000, .tv_nsec = 5}};
    assert_int_equal(utimensat(AT_FDCWD, keep.path, ts, 0), 0);
    Dataset again;
    DatasetOptions opt = {.format = DATASET_CUB, .train_fraction = -1};
    assert_int_equal(dataset_open(&again, birds.data, &opt, NULL), ST_OK);
    FeatPart q = p;
    q.ds = &again;
    q.items = again.train;
    k = keys_of(&nc, &q, 1);
    expect_both(&base, &k, "a file touched on disk");
    /* Another split of the same images (a random 50/50) is another part. */
    Dataset split;
    DatasetOptions half = {.format = DATASET_CUB, .train_fraction = 0.5, .seed = 2};
    assert_int_equal(dataset_open(&split, birds.data, &half, NULL), ST_OK);
    q.ds = &split;
    q.items = split.train;
    q.n = split.n_train;
    k = keys_of(&nc, &q, 1);
    expect_both(&base, &k, "the split");
    dataset_fini(&split);
    dataset_fini(&again);
}

static void test_featkey_head_inputs(void **state) {
    (void)state;
    NetConfig nc = tiny_net();
    FeatPart p = train_part();
    FeatKeys base = keys_of(&nc, &p, 1), k;
    NetConfig h = nc;
    h.bilinear_dim = 32;
    k = keys_of(&h, &p, 1);
    expect_pooled_only(&base, &k, "bilinear_dim");
    h = nc, h.pool_seed = 10;
    k = keys_of(&h, &p, 1);
    expect_pooled_only(&base, &k, "the pooling's seed");
    h = nc, h.pooling = NET_POOL_RM;
    k = keys_of(&h, &p, 1);
    expect_pooled_only(&base, &k, "the pooling kind");
    h = nc, h.signed_sqrt = 0;
    k = keys_of(&h, &p, 1);
    expect_pooled_only(&base, &k, "signed_sqrt");
    h = nc, h.l2_normalize = 0;
    k = keys_of(&h, &p, 1);
    expect_pooled_only(&base, &k, "l2_normalize");
    h = nc, h.sqrt_eps = 0.5f; /* backward only */
    k = keys_of(&h, &p, 1);
    expect_neither(&base, &k, "sqrt_eps");
    /* Average pooling has no dimension or hashes to key. */
    NetConfig avg = nc;
    avg.pooling = NET_POOL_AVG;
    FeatKeys a = keys_of(&avg, &p, 1);
    avg.bilinear_dim = 128, avg.pool_seed = 1;
    k = keys_of(&avg, &p, 1);
    expect_neither(&a, &k, "bilinear_dim under average pooling");
}

/* What the key leaves out is truly no input: a cache built at batch 4 and
 * at batch 3 (net and loader) holds the same bits. */
static void test_featkey_features_do_not_depend_on_the_batch(void **state) {
    (void)state;
    FeatPart p = train_part();
    float *got[2];
    size_t count = 0;
    for (int i = 0; i < 2; i++) {
        NetConfig nc = tiny_net();
        nc.batch = p.base.batch_size = i ? 3 : 4;
        Net *net = net_create(&nc, NULL);
        net_init_weights(net, 1);
        FeatCache fc;
        assert_int_equal(featcache_build(&fc, net, &birds.ds, p.items, p.n, &p.base, p.views,
                                         p.seed, NULL, NULL, NULL),
                         ST_OK);
        count = (size_t)fc.n * fc.dim;
        got[i] = malloc(sizeof(float) * count);
        assert_non_null(got[i]);
        memcpy(got[i], fc.feats, sizeof(float) * count);
        featcache_fini(&fc);
        net_destroy(net);
    }
    assert_memory_equal(got[0], got[1], sizeof(float) * count);
    free(got[0]);
    free(got[1]);
}

static void test_featkey_inputs_in_words(void **state) {
    (void)state;
    NetConfig nc = tiny_net();
    FeatPart p = train_part();
    p.base.aug.rotate = 15;
    Net *net = net_create(&nc, NULL);
    FeatInputs in;
    featkey_inputs(net, &p, FEAT_POOLED, "models/w.safetensors", &in);
    assert_string_equal(in.dataset, birds.data);
    assert_string_equal(in.image, "32 px from 36 (area), rgb01std");
    assert_string_equal(in.views,
                        "centre, mirrored centre, 1 random (seed 3; mirrored; rotate 15)");
    assert_string_equal(in.backbone, "models/w.safetensors, width 0.0625, conv5_3 32 x 2 x 2");
    assert_string_equal(in.head, "compact_ts d 64 (seed 9), signed sqrt, l2");
    featkey_inputs(net, &p, FEAT_BACKBONE, "models/w.safetensors", &in);
    assert_string_equal(in.head, "");
    assert_string_equal(featkey_level_name(FEAT_BACKBONE), "backbone");
    FeatLevel l;
    assert_int_equal(featkey_level_parse("pooled", &l), 0);
    assert_int_equal(l, FEAT_POOLED);
    assert_int_equal(featkey_level_parse("conv5", &l), -1);
    net_destroy(net);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_featkey_same_inputs_same_keys),
        cmocka_unit_test(test_featkey_backbone_inputs),
        cmocka_unit_test(test_featkey_view_inputs),
        cmocka_unit_test(test_featkey_item_inputs),
        cmocka_unit_test(test_featkey_head_inputs),
        cmocka_unit_test(test_featkey_features_do_not_depend_on_the_batch),
        cmocka_unit_test(test_featkey_inputs_in_words),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
