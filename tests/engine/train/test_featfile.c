/*
 * test_featfile — a feature cache level's file: written and read back bit
 * for bit with its header (key, level, part, shape, inputs in words);
 * every damage found and named: cut at any of many points, a byte of the
 * data changed (the checksum), of the header changed, another key or
 * level, another shape; a foreign safetensors file is no cache.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/io/fileio.h"
#include "engine/io/safetensors.h"
#include "engine/train/featfile.h"
#include "tests/lib/testutil.h"

static char dir[64], path[128];

static int setup(void **state) {
    (void)state;
    if (testutil_tmpdir(dir, sizeof dir, "featfile")) return -1;
    snprintf(path, sizeof path, "%s/k.pooled.safetensors", dir);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    return testutil_rmtree(dir);
}

static HashKey key_of(const char *s) {
    Hash h;
    hash_init(&h);
    hash_add_str(&h, s);
    return hash_final(&h);
}

static const FeatFileShape shape = {.items = 5, .views = 2, .ndim = 3, .dims = {4, 2, 3}};

static float *data_of(int seed) {
    size_t n = featfile_count(&shape);
    float *d = malloc(sizeof(float) * n);
    assert_non_null(d);
    for (size_t i = 0; i < n; i++) d[i] = (float)(i * 0.25 + seed);
    return d;
}

static FeatInputs inputs(void) {
    FeatInputs in = {.dataset = "data/demo",
                     .image = "224 px from 256 (area), rgb01std",
                     .views = "centre, mirrored centre",
                     .backbone = "models/w.safetensors, width 0.25, conv5_3 128 x 14 x 14",
                     .head = ""};
    return in;
}

static void write_one(void) {
    HashKey k = key_of("a");
    float *d = data_of(1);
    FeatInputs in = inputs();
    assert_int_equal(featfile_write(path, &k, FEAT_BACKBONE, "train", &shape, d, &in, NULL), ST_OK);
    free(d);
}

static void test_featfile_round_trip(void **state) {
    (void)state;
    write_one();
    HashKey k = key_of("a");
    size_t n = featfile_count(&shape);
    assert_int_equal(n, 5 * 2 * 4 * 2 * 3);
    float *want = data_of(1), *got = malloc(sizeof(float) * n);
    assert_int_equal(featfile_read(path, &k, FEAT_BACKBONE, &shape, got, NULL), ST_OK);
    assert_memory_equal(got, want, sizeof(float) * n);
    FeatFileInfo info;
    assert_int_equal(featfile_info(path, &info, NULL), ST_OK);
    assert_memory_equal(info.key.b, k.b, sizeof k.b);
    assert_int_equal(info.level, FEAT_BACKBONE);
    assert_string_equal(info.part, "train");
    assert_int_equal(info.shape.items, 5);
    assert_int_equal(info.shape.views, 2);
    assert_int_equal(info.shape.ndim, 3);
    assert_true(info.shape.dims[0] == 4 && info.shape.dims[2] == 3);
    assert_string_equal(info.inputs.dataset, "data/demo");
    assert_string_equal(info.inputs.views, "centre, mirrored centre");
    assert_int_equal(strlen(info.created), 20); /* 2026-12-06T19:00:00Z */
    /* No temporary file is left beside it. */
    char tmp[200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    assert_false(fileio_exists(tmp));
    free(want);
    free(got);
}

/* Reading path fails with ST_FORMAT or ST_IO, naming it and saying what. */
static void expect_bad(const char *what, const char *fragment) {
    HashKey k = key_of("a");
    float *got = malloc(sizeof(float) * featfile_count(&shape));
    Error e = {0};
    Status s = featfile_read(path, &k, FEAT_BACKBONE, &shape, got, &e);
    if (s != ST_FORMAT && s != ST_IO) fail_msg("%s: read as %d (%s)", what, (int)s, e.msg);
    if (!strstr(e.msg, path)) fail_msg("%s: the error does not name the file: %s", what, e.msg);
    if (fragment && !strstr(e.msg, fragment))
        fail_msg("%s: '%s' is not in the error: %s", what, fragment, e.msg);
    free(got);
}

static void test_featfile_cut_anywhere(void **state) {
    (void)state;
    write_one();
    uint8_t *bytes;
    size_t len;
    assert_int_equal(fileio_read_all(path, &bytes, &len, NULL), ST_OK);
    const size_t cuts[] = {0, 4, 8, 20, 100, len / 2, len - 5, len - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        assert_int_equal(fileio_write_atomic(path, bytes, cuts[i], NULL), ST_OK);
        char what[40];
        snprintf(what, sizeof what, "cut at %zu", cuts[i]);
        expect_bad(what, NULL);
    }
    free(bytes);
}

static void test_featfile_changed_bytes(void **state) {
    (void)state;
    write_one();
    uint8_t *bytes;
    size_t len;
    assert_int_equal(fileio_read_all(path, &bytes, &len, NULL), ST_OK);
    /* A byte of the data: only the checksum sees it. */
    bytes[len - 7] ^= 0x10;
    assert_int_equal(fileio_write_atomic(path, bytes, len, NULL), ST_OK);
    expect_bad("a data byte", "checksum");
    bytes[len - 7] ^= 0x10;
    /* The checksum itself, or another key, in the header. */
    char *sum = strstr((char *)bytes + 8, "\"checksum\":\"");
    assert_non_null(sum);
    sum[12] = sum[12] == '0' ? '1' : '0';
    assert_int_equal(fileio_write_atomic(path, bytes, len, NULL), ST_OK);
    expect_bad("the checksum", "checksum");
    sum[12] = sum[12] == '0' ? '1' : '0';
    char *key = strstr((char *)bytes + 8, "\"key\":\"");
    key[8] = key[8] == 'a' ? 'b' : 'a';
    assert_int_equal(fileio_write_atomic(path, bytes, len, NULL), ST_OK);
    expect_bad("the key", "not the backbone level of");
    key[8] = key[8] == 'a' ? 'b' : 'a';
    char *fmt = strstr((char *)bytes + 8, "finelab-featcache-1");
    fmt[0] = 'F';
    assert_int_equal(fileio_write_atomic(path, bytes, len, NULL), ST_OK);
    expect_bad("the format", "format");
    fmt[0] = 'f';
    bytes[9] = '!'; /* the JSON */
    assert_int_equal(fileio_write_atomic(path, bytes, len, NULL), ST_OK);
    expect_bad("the header's JSON", NULL);
    free(bytes);
}

static void test_featfile_another_key_level_or_shape(void **state) {
    (void)state;
    write_one();
    float *got = malloc(sizeof(float) * featfile_count(&shape) * 2);
    HashKey a = key_of("a"), b = key_of("b");
    Error e = {0};
    assert_int_equal(featfile_read(path, &b, FEAT_BACKBONE, &shape, got, &e), ST_FORMAT);
    assert_non_null(strstr(e.msg, "not the backbone level of"));
    assert_int_equal(featfile_read(path, &a, FEAT_POOLED, &shape, got, &e), ST_FORMAT);
    assert_non_null(strstr(e.msg, "not the pooled level of"));
    FeatFileShape other = shape;
    other.views = 3;
    assert_int_equal(featfile_read(path, &a, FEAT_BACKBONE, &other, got, &e), ST_FORMAT);
    assert_non_null(strstr(e.msg, "holds 5 items x 2 views of [4, 2, 3], not 5 x 3 of [4, 2, 3]"));
    other = shape;
    other.ndim = 1;
    other.dims[0] = 24;
    assert_int_equal(featfile_read(path, &a, FEAT_BACKBONE, &other, got, &e), ST_FORMAT);
    free(got);
    /* A weights file is no cache. */
    SafeTensorsWriter *w = safetensors_writer_create();
    const float one = 1;
    int64_t dims[1] = {1};
    assert_int_equal(safetensors_writer_add(w, "features.0.bias", dims, 1, &one), ST_OK);
    assert_int_equal(safetensors_writer_write(w, path, NULL), ST_OK);
    safetensors_writer_destroy(w);
    expect_bad("a weights file", "not a finelab feature cache");
    remove(path);
    expect_bad("no file", NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_featfile_round_trip),
        cmocka_unit_test(test_featfile_cut_anywhere),
        cmocka_unit_test(test_featfile_changed_bytes),
        cmocka_unit_test(test_featfile_another_key_level_or_shape),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
