/*
 * test_loader — batch order and wrap-around, identical batches whatever the
 * thread count, resuming at a batch number, one-pass mode, crops, mirroring,
 * bounding-box cuts and their margins, the augmentations (deterministic
 * per seed and batch, any thread count; all off: the batches of the loader
 * before them, by checksum) and sticky worker errors; on small images made
 * here.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/data/dataset.h"
#include "engine/data/jpeg.h"
#include "engine/data/loader.h"
#include "engine/io/fileio.h"
#include "tests/lib/testutil.h"

static char dir[64];
static Dataset ds;

/* Image i of class c is a horizontal ramp in R (x * 8), G = 20 * i, B = 40 * c. */
static void write_image(const char *path, int i, int c, int w, int h) {
    Image img;
    assert_int_equal(image_init(&img, w, h), ST_OK);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint8_t *p = img.rgb + ((size_t)y * w + x) * 3;
            p[0] = (uint8_t)(x * 8);
            p[1] = (uint8_t)(20 * i);
            p[2] = (uint8_t)(40 * c);
        }
    assert_int_equal(jpeg_encode_file(path, &img, 100, NULL), ST_OK);
    image_fini(&img);
}

static int setup(void **state) {
    (void)state;
    if (testutil_tmpdir(dir, sizeof dir, "loader")) return -1;
    /* 2 classes x 5 images of 32x32, listed in a Caffe list file in order. */
    char list[4096] = "", path[256], line[128];
    for (int c = 0; c < 2; c++)
        for (int i = 0; i < 5; i++) {
            snprintf(line, sizeof line, "c%d_%d.jpg", c, i);
            snprintf(path, sizeof path, "%s/%s", dir, line);
            write_image(path, 5 * c + i, c, 32, 32);
            snprintf(line, sizeof line, "c%d_%d.jpg %d\n", c, i, c);
            strcat(list, line);
        }
    snprintf(path, sizeof path, "%s/all.txt", dir);
    if (fileio_write_atomic(path, list, strlen(list), NULL)) return -1;
    /* The split does not matter here: the tests list the items they load. */
    DatasetOptions opt = {.format = DATASET_LIST, .train_fraction = 0.6};
    return dataset_open(&ds, path, &opt, NULL) == ST_OK ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    dataset_fini(&ds);
    return testutil_rmtree(dir);
}

static LoaderConfig plain(int batch) {
    return (LoaderConfig){.batch_size = batch,
                          .resolution = 32,
                          .filter = RESIZE_AREA,
                          .norm = {.scale = 1, .std = {1, 1, 1}},
                          .threads = 1,
                          .prefetch = 2,
                          .seed = 9};
}

/* plain, over one pass of the items: the last batch short, then empty ones. */
static LoaderConfig one_pass(int batch) {
    LoaderConfig c = plain(batch);
    c.one_pass = 1;
    return c;
}

/* plain, with every random choice on: 28 px resized, random 20 px crops,
 * mirrored, shuffled. */
static LoaderConfig augmented(int batch) {
    LoaderConfig c = plain(batch);
    c.resize = 28;
    c.resolution = 20;
    c.random_crop = c.mirror = c.shuffle = 1;
    return c;
}

/* augmented, with every augmentation on as well. */
static LoaderConfig all_on(int batch) {
    LoaderConfig c = augmented(batch);
    c.aug = (Augment){.resized_crop = 1,
                      .area = {0.08, 1},
                      .ratio = {3.0 / 4, 4.0 / 3},
                      .rotate = 15,
                      .brightness = 0.4,
                      .contrast = 0.4,
                      .saturation = 0.4};
    return c;
}

static const int all_items[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};

/* FNV-1a over the bits of n floats. */
static uint64_t hash_floats(const float *x, size_t n) {
    uint64_t h = 0xcbf29ce484222325ULL;
    const unsigned char *p = (const unsigned char *)x;
    for (size_t i = 0; i < n * sizeof(float); i++) h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

/* The checksum of the first `batches` batches of cfg over d's n items. */
static uint64_t hash_batches(const Dataset *d, int n, LoaderConfig cfg, int batches) {
    int items[10];
    for (int i = 0; i < n; i++) items[i] = i;
    Loader *ld = loader_create(d, items, n, &cfg, NULL);
    assert_non_null(ld);
    uint64_t h = 0;
    for (int k = 0; k < batches; k++) {
        LoaderBatch b;
        assert_int_equal(loader_next(ld, &b, NULL), ST_OK);
        h = h * 31 + hash_floats(b.x.data, tensor_count(&b.x));
        for (int j = 0; j < b.n; j++) h = h * 31 + (uint64_t)b.items[j];
    }
    loader_destroy(ld);
    return h;
}

/* The next batch of ld, which must come, into *b; returns its size. */
static int next_batch(Loader *ld, LoaderBatch *b) {
    assert_int_equal(loader_next(ld, b, NULL), ST_OK);
    return b->n;
}

/* A one-item CUB-style dataset: a 40x30 image, grey 60, holding a 24x12
 * zone of 150 at (4, 2) with the 16x8 box of 250 at (8, 4) inside it (the
 * zone is the box grown by a quarter of its size on each side). */
static const Dataset *box_dataset(void) {
    static Dataset one;
    static DatasetItem item;
    one = ds;
    item = ds.items[0];
    static char path[256];
    snprintf(path, sizeof path, "%s/box.jpg", dir);
    Image img;
    assert_int_equal(image_init(&img, 40, 30), ST_OK);
    memset(img.rgb, 60, 40 * 30 * 3);
    for (int y = 2; y < 14; y++) memset(img.rgb + ((size_t)y * 40 + 4) * 3, 150, 24 * 3);
    for (int y = 4; y < 12; y++) memset(img.rgb + ((size_t)y * 40 + 8) * 3, 250, 16 * 3);
    assert_int_equal(jpeg_encode_file(path, &img, 100, NULL), ST_OK);
    image_fini(&img);
    item.path = path;
    item.w = 40;
    item.h = 30;
    item.has_bbox = 1;
    const float box[4] = {8, 4, 16, 8};
    memcpy(item.bbox, box, sizeof box);
    one.items = &item;
    one.n_items = 1;
    return &one;
}

/* plain(batch) at resolution px, cut to the box. */
static LoaderConfig box_cut(int batch, int resolution) {
    LoaderConfig c = plain(batch);
    c.resolution = resolution;
    c.crop_to_bbox = 1;
    return c;
}

static const int box_only[1] = {0};

/* A loader of cfg over a fresh box_dataset (the caller destroys it). */
static Loader *box_loader(const LoaderConfig *cfg) {
    Loader *ld = loader_create(box_dataset(), box_only, 1, cfg, NULL);
    assert_non_null(ld);
    return ld;
}

/* The next batch of ld holds only the box's 250 (allowing for JPEG). */
static void next_is_inside_box(Loader *ld) {
    LoaderBatch b;
    assert_int_equal(loader_next(ld, &b, NULL), ST_OK);
    for (size_t i = 0; i < tensor_count(&b.x); i++) assert_true(b.x.data[i] > 230.0f);
}

static void test_loader_order_wraps_and_values(void **state) {
    (void)state;
    LoaderConfig cfg = plain(4);
    Loader *ld = loader_create(&ds, all_items, 10, &cfg, NULL);
    assert_non_null(ld);
    LoaderBatch b;
    const int expect[3][4] = {{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9, 0, 1}};
    for (int k = 0; k < 3; k++) {
        assert_int_equal(loader_next(ld, &b, NULL), ST_OK);
        assert_int_equal(b.n, 4);
        assert_int_equal(b.index, k);
        for (int j = 0; j < 4; j++) {
            int item = expect[k][j];
            assert_int_equal(b.items[j], item);
            assert_int_equal(b.labels[j], item / 5);
            const float *px = tensor_sample(&b.x, j);
            /* channel planes are R, G, B; pixel (row 3, x = 10) */
            size_t at = 3 * 32 + 10;
            assert_true(fabsf(px[at] - 80.0f) <= 3.0f);
            assert_true(fabsf(px[1024 + at] - 20.0f * item) <= 3.0f);
            assert_true(fabsf(px[2048 + at] - 40.0f * (item / 5)) <= 3.0f);
        }
    }
    LoaderStats st;
    loader_stats(ld, &st);
    assert_true(st.images >= 12);
    assert_true(st.decode > 0 && st.waited >= 0);
    loader_destroy(ld);
}

static void collect(LoaderConfig cfg, int batches, float *out, int *items) {
    Loader *ld = loader_create(&ds, all_items, 10, &cfg, NULL);
    assert_non_null(ld);
    LoaderBatch b;
    size_t per = (size_t)cfg.batch_size * 3 * cfg.resolution * cfg.resolution;
    for (int k = 0; k < batches; k++) {
        assert_int_equal(loader_next(ld, &b, NULL), ST_OK);
        memcpy(out + k * per, b.x.data, per * sizeof(float));
        memcpy(items + k * cfg.batch_size, b.items, sizeof(int) * (size_t)cfg.batch_size);
    }
    loader_destroy(ld);
}

enum { SAME_K = 8 };
static const size_t same_per = 3 * 3 * 20 * 20; /* floats of one batch of 3 */

/* cfg's SAME_K batches (pixels into a, items into ia) are the same with 3
 * threads and a deeper prefetch, and resuming at batch 5 gives batches 5..
 * exactly. */
static void same_for_threads_and_resume(LoaderConfig cfg, float *a, int *ia) {
    float *b = malloc(SAME_K * same_per * sizeof(float));
    int ib[SAME_K * 3];
    collect(cfg, SAME_K, a, ia);
    cfg.threads = 3;
    cfg.prefetch = 5;
    collect(cfg, SAME_K, b, ib);
    assert_memory_equal(ia, ib, sizeof ib);
    assert_memory_equal(a, b, SAME_K * same_per * sizeof(float));
    cfg.first_batch = 5;
    collect(cfg, SAME_K - 5, b, ib);
    assert_memory_equal(ib, ia + 15, sizeof(int) * 3 * (SAME_K - 5));
    assert_memory_equal(b, a + 5 * same_per, (SAME_K - 5) * same_per * sizeof(float));
    free(b);
}

static void test_loader_same_batches_for_any_threads_and_resume(void **state) {
    (void)state;
    float *a = malloc(SAME_K * same_per * sizeof(float));
    int ia[SAME_K * 3];
    same_for_threads_and_resume(augmented(3), a, ia);
    /* Each epoch (10 items) is a permutation: the first 9 positions hold
     * distinct items, and epochs differ in order. */
    int seen[10] = {0};
    for (int i = 0; i < 9; i++) assert_int_equal(seen[ia[i]]++, 0);
    assert_true(memcmp(ia, ia + 10, 10 * sizeof(int)) != 0);
    free(a);
}

/* A data-parallel rank's shard: of every 3 x 2 batches, rank 1's are the
 * 2 from batch 2 on, augmentation and all; a pass cut at stop_batch. */
static void test_loader_shard_takes_its_batches(void **state) {
    (void)state;
    LoaderConfig cfg = augmented(3);
    enum { K = 12 };
    size_t per = 3 * 3 * 20 * 20;
    float *a = malloc(K * per * sizeof(float)), *b = malloc(4 * per * sizeof(float));
    int ia[K * 3], ib[4 * 3];
    collect(cfg, K, a, ia);
    cfg.shard_count = 3;
    cfg.shard_index = 1;
    cfg.shard_run = 2;
    cfg.first_batch = 1; /* its second batch on: sequence batches 3, 8, 9 */
    collect(cfg, 3, b, ib);
    const int want[3] = {3, 8, 9};
    for (int k = 0; k < 3; k++) {
        assert_memory_equal(ib + 3 * k, ia + 3 * want[k], sizeof(int) * 3);
        assert_memory_equal(b + k * per, a + want[k] * per, per * sizeof(float));
    }
    LoaderConfig one = one_pass(4);
    one.first_batch = 1;
    one.stop_batch = 2;
    Loader *ld = loader_create(&ds, all_items, 10, &one, NULL);
    LoaderBatch lb;
    assert_int_equal(next_batch(ld, &lb), 4);
    assert_int_equal(lb.items[0], 4);
    assert_int_equal(next_batch(ld, &lb), 0);
    loader_destroy(ld);
    free(a);
    free(b);
}

static void test_loader_one_pass_ends_with_short_batch(void **state) {
    (void)state;
    LoaderConfig cfg = one_pass(4);
    cfg.threads = 2;
    Loader *ld = loader_create(&ds, all_items, 10, &cfg, NULL);
    LoaderBatch b;
    const int sizes[5] = {4, 4, 2, 0, 0}; /* and empty after the end */
    for (int k = 0; k < 5; k++) assert_int_equal(next_batch(ld, &b), sizes[k]);
    loader_destroy(ld);
}

static void test_loader_mirror_and_centre_crop(void **state) {
    (void)state;
    LoaderConfig cfg = plain(10);
    cfg.resize = 32;
    cfg.resolution = 16;
    cfg.mirror = 1;
    Loader *ld = loader_create(&ds, all_items, 10, &cfg, NULL);
    LoaderBatch b;
    int flipped = 0, straight = 0;
    for (int k = 0; k < 4; k++) {
        assert_int_equal(loader_next(ld, &b, NULL), ST_OK);
        for (int j = 0; j < b.n; j++) {
            const float *r = tensor_sample(&b.x, j); /* R plane, row 0 */
            /* Centre crop starts at x = 8: the ramp runs 64 .. 184 or back. */
            if (fabsf(r[0] - 64) <= 3 && fabsf(r[15] - 184) <= 3)
                straight++;
            else if (fabsf(r[0] - 184) <= 3 && fabsf(r[15] - 64) <= 3)
                flipped++;
            else
                fail_msg("row is neither the ramp nor its mirror: %g .. %g", r[0], r[15]);
        }
    }
    assert_true(flipped > 5 && straight > 5);
    loader_destroy(ld);
}

static void test_loader_bbox_cut(void **state) {
    (void)state;
    LoaderConfig cfg = box_cut(1, 8);
    Loader *ld = box_loader(&cfg);
    next_is_inside_box(ld);
    loader_destroy(ld);
}

/* The margin grows the box by a fraction of its size on each side, and a
 * margin past the image's edges is clipped to the whole image. */
static void test_loader_bbox_margin_clips(void **state) {
    (void)state;
    LoaderConfig cfg = box_cut(1, 12);
    cfg.bbox_margin = 0.25; /* (4, 2) .. (28, 14): the 150 zone, 2 px per output column */
    Loader *ld = box_loader(&cfg);
    LoaderBatch b;
    assert_int_equal(loader_next(ld, &b, NULL), ST_OK);
    const float *r = b.x.data; /* R plane, 12 x 12 */
    assert_true(fabsf(r[0] - 150) <= 10 && fabsf(r[11] - 150) <= 10);
    assert_true(fabsf(r[12 * 11] - 150) <= 10);
    assert_true(fabsf(r[12 * 6 + 6] - 250) <= 6);
    for (int i = 0; i < 144; i++) assert_true(r[i] > 120); /* nothing of the 60 outside */
    loader_destroy(ld);
    /* Margin 10 reaches past every edge: the whole image, as without a box. */
    enum { P = 3 * 12 * 12 };
    float whole[P];
    cfg.bbox_margin = 10;
    ld = box_loader(&cfg);
    assert_int_equal(loader_next(ld, &b, NULL), ST_OK);
    memcpy(whole, b.x.data, sizeof whole);
    loader_destroy(ld);
    assert_true(fabsf(whole[0] - 60) <= 6);
    cfg.crop_to_bbox = 0;
    ld = box_loader(&cfg);
    assert_int_equal(loader_next(ld, &b, NULL), ST_OK);
    assert_memory_equal(whole, b.x.data, sizeof whole);
    loader_destroy(ld);
}

/* With every augmentation off the batches are bit for bit those of the
 * loader before augmentation existed: the checksums were recorded by this
 * test linked with that loader.c (commit 26b09c7), on these test images,
 * for random crop, mirror and shuffle, and a box cut. (A libjpeg that
 * decodes differently would change them too.) Ranges set while their
 * switch is off change nothing. */
static void test_loader_all_off_is_unchanged(void **state) {
    (void)state;
    const uint64_t before_crops = 0xe9305cce837a8b06ULL, before_box = 0x3ad981af12f078a2ULL;
    uint64_t crops = hash_batches(&ds, 10, augmented(3), 8);
    LoaderConfig box = box_cut(1, 8);
    box.resize = 12;
    box.random_crop = box.mirror = 1;
    uint64_t boxed = hash_batches(box_dataset(), 1, box, 6);
    if (crops != before_crops || boxed != before_box)
        fail_msg("checksums %#llx %#llx, before %#llx %#llx", (unsigned long long)crops,
                 (unsigned long long)boxed, (unsigned long long)before_crops,
                 (unsigned long long)before_box);
    LoaderConfig idle = augmented(3);
    idle.aug.area[0] = 0.08, idle.aug.area[1] = 1;
    idle.aug.ratio[0] = 0.75, idle.aug.ratio[1] = 4.0 / 3;
    assert_true(hash_batches(&ds, 10, idle, 8) == crops);
}

/* Augmented batches depend on (seed, batch) only: any thread count, a
 * resume; another seed or the augmentation off gives other pixels. */
static void test_loader_augment_deterministic(void **state) {
    (void)state;
    enum { K = SAME_K };
    size_t per = same_per;
    float *a = malloc(K * per * sizeof(float)), *b = malloc(K * per * sizeof(float));
    int ia[K * 3], ib[K * 3];
    same_for_threads_and_resume(all_on(3), a, ia);
    LoaderConfig cfg = augmented(3);
    collect(cfg, K, b, ib);
    assert_memory_equal(ia, ib, sizeof ia); /* same order: the order has its own stream */
    assert_true(memcmp(a, b, K * per * sizeof(float)) != 0);
    cfg = all_on(3);
    cfg.seed = 10;
    collect(cfg, 1, b, ib);
    assert_true(memcmp(a, b, per * sizeof(float)) != 0);
    free(a);
    free(b);
}

/* A random-resized crop of a box cut stays inside the box. */
static void test_loader_resized_crop_inside_box(void **state) {
    (void)state;
    LoaderConfig cfg = box_cut(4, 8);
    cfg.aug = (Augment){.resized_crop = 1, .area = {0.08, 1}, .ratio = {0.75, 4.0 / 3}};
    Loader *ld = box_loader(&cfg);
    for (int k = 0; k < 5; k++) next_is_inside_box(ld);
    loader_destroy(ld);
    /* Bad ranges are refused by name. */
    Error err = {0};
    cfg.aug.area[0] = 0.5, cfg.aug.area[1] = 0.2;
    assert_null(loader_create(box_dataset(), box_only, 1, &cfg, &err));
    assert_non_null(strstr(err.msg, "random-resized crop"));
}

static void test_loader_worker_error_is_sticky_and_named(void **state) {
    (void)state;
    char path[256], copy[256];
    snprintf(path, sizeof path, "%s/c0_2.jpg", dir);
    snprintf(copy, sizeof copy, "%s/c0_2.keep", dir);
    assert_int_equal(rename(path, copy), 0);
    assert_int_equal(fileio_write_atomic(path, "garbage", 7, NULL), ST_OK);
    LoaderConfig cfg = plain(2);
    Loader *ld = loader_create(&ds, all_items, 10, &cfg, NULL);
    LoaderBatch b;
    Error err = {0};
    assert_int_equal(loader_next(ld, &b, &err), ST_OK);     /* items 0, 1 */
    assert_int_equal(loader_next(ld, &b, &err), ST_FORMAT); /* items 2, 3 */
    assert_non_null(strstr(err.msg, "c0_2.jpg"));
    assert_int_equal(loader_next(ld, &b, &err), ST_FORMAT); /* sticky */
    loader_destroy(ld);
    assert_int_equal(rename(copy, path), 0);
}

static void test_loader_rejects_bad_config(void **state) {
    (void)state;
    Error err = {0};
    LoaderConfig cfg = plain(0);
    assert_null(loader_create(&ds, all_items, 10, &cfg, &err));
    cfg = plain(2);
    cfg.resize = 16;
    cfg.resolution = 20;
    assert_null(loader_create(&ds, all_items, 10, &cfg, &err));
    assert_non_null(strstr(err.msg, "resolution 20"));
    assert_null(loader_create(&ds, all_items, 0, &cfg, &err));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loader_order_wraps_and_values),
        cmocka_unit_test(test_loader_same_batches_for_any_threads_and_resume),
        cmocka_unit_test(test_loader_shard_takes_its_batches),
        cmocka_unit_test(test_loader_one_pass_ends_with_short_batch),
        cmocka_unit_test(test_loader_mirror_and_centre_crop),
        cmocka_unit_test(test_loader_bbox_cut),
        cmocka_unit_test(test_loader_bbox_margin_clips),
        cmocka_unit_test(test_loader_all_off_is_unchanged),
        cmocka_unit_test(test_loader_augment_deterministic),
        cmocka_unit_test(test_loader_resized_crop_inside_box),
        cmocka_unit_test(test_loader_worker_error_is_sticky_and_named),
        cmocka_unit_test(test_loader_rejects_bad_config),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
