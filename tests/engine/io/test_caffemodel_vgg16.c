/*
 * test_caffemodel_vgg16 — what the converter's tests in test_caffemodel.c
 * (through caffemodel_to_safetensors) leave out: the converter on an open
 * handle at a width whose channels round both ways (0.1: 6.4 -> 6, 12.8 ->
 * 13), a width so small every layer clamps to one channel (and, skipped
 * as a known bug, the same in legacy dims), the width
 * inferred from a conv1_1 that does not say (no blobs, over 16 x 64
 * channels: width 1), the upper bound of the width, the metadata's source
 * without a folder, and info left alone on failure.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/io/caffemodel_vgg16.h"
#include "engine/io/fileio.h"
#include "engine/io/safetensors.h"
#include "tests/lib/caffewrite.h"
#include "tests/lib/testutil.h"

/* A fresh folder and the paths of an input and an output in it. */
typedef struct Paths {
    char dir[128], in[192], out[192];
} Paths;

/* Each test's state: its Paths, removed with the folder even when it fails. */
static int paths_setup(void **state) {
    Paths *p = calloc(1, sizeof *p);
    if (!p || testutil_tmpdir(p->dir, sizeof p->dir, "caffemodel_vgg16")) {
        free(p);
        return -1;
    }
    snprintf(p->in, sizeof p->in, "%s/in.caffemodel", p->dir);
    snprintf(p->out, sizeof p->out, "%s/out.safetensors", p->dir);
    *state = p;
    return 0;
}

static int paths_teardown(void **state) {
    Paths *p = *state;
    int r = testutil_rmtree(p->dir);
    free(p);
    return r;
}

static Caffemodel *open_or_fail(const char *path) {
    Caffemodel *cm = NULL;
    Error err = {0};
    if (caffemodel_open(path, &cm, &err)) fail_msg("%s", err.msg);
    return cm;
}

static void test_vgg16_rounds_channels_both_ways(void **state) {
    Paths *p = *state;
    caffewrite_vgg(p->in, 0.1f, CAFFEWRITE_NEW, &caffewrite_no_faults);
    Caffemodel *cm = open_or_fail(p->in);
    CaffemodelVgg16 info;
    Error err = {0};
    if (caffemodel_write_vgg16(cm, p->out, 0.1f, &info, &err)) fail_msg("%s", err.msg);
    /* 64, 128, 256, 512 x 0.1 = 6.4, 12.8, 25.6, 51.2 -> 6, 13, 26, 51. */
    const int cout[13] = {6, 6, 13, 13, 26, 26, 26, 51, 51, 51, 51, 51, 51};
    for (int i = 0; i < 13; i++) {
        assert_int_equal(info.conv[i].cout, cout[i]);
        assert_int_equal(info.conv[i].cin, i ? cout[i - 1] : 3);
    }
    /* cout*cin*9 + cout: 168 + 330 + 715 + 1534 + 3068 + 2 * 6110 + 11985
     * + 5 * 23460 = 147320. */
    assert_int_equal(info.n_params, 147320);
    assert_true(info.width == 0.1f);
    assert_string_equal(info.conv[4].caffe, "conv3_1");
    assert_string_equal(info.conv[4].prefix, "features.10");
    caffemodel_close(cm);
    /* conv3_1's weights, copied value for value. */
    SafeTensors *st;
    assert_int_equal(safetensors_open(p->out, &st, &err), ST_OK);
    assert_string_equal(safetensors_meta(st, "source"), "in.caffemodel");
    size_t n = 26 * 13 * 9;
    float *w = malloc(n * sizeof *w);
    assert_non_null(w);
    assert_int_equal(safetensors_read_f32(st, "features.10.weight", w, n, &err), ST_OK);
    for (size_t k = 0; k < n; k++)
        if (w[k] != caffewrite_vgg_value(4, 0, k)) fail_msg("features.10.weight[%zu]", k);
    float b[51];
    assert_int_equal(safetensors_read_f32(st, "features.28.bias", b, 51, &err), ST_OK);
    for (size_t k = 0; k < 51; k++) assert_true(b[k] == caffewrite_vgg_value(12, 1, k));
    free(w);
    safetensors_close(st);
}

/* Thirteen convolutions named as VGG-16's, conv i with nblobs[i] blobs
 * (zeros) of cout[i] output channels, its input channels the previous
 * one's (3 for conv1_1), shapes as BlobShape or as legacy 4-D dims. */
static void write_convs(const char *path, const int64_t cout[13], const int nblobs[13],
                        int legacy) {
    static const char *const names[13] = {"conv1_1", "conv1_2", "conv2_1", "conv2_2", "conv3_1",
                                          "conv3_2", "conv3_3", "conv4_1", "conv4_2", "conv4_3",
                                          "conv5_1", "conv5_2", "conv5_3"};
    PbBuf net = {0};
    int64_t cin = 3;
    for (int i = 0; i < 13; i++) {
        size_t nw = (size_t)(cout[i] * cin * 9);
        float *zeros = calloc(nw, sizeof *zeros);
        assert_non_null(zeros);
        const CaffewriteBlob blobs[2] = {{4, {cout[i], cin, 3, 3}, legacy, CAFFEWRITE_PACKED, 0},
                                         {1, {cout[i]}, legacy, CAFFEWRITE_PACKED, 0}};
        const float *vals[2] = {zeros, zeros};
        const size_t counts[2] = {nw, (size_t)cout[i]};
        caffewrite_layer(&net, CAFFEWRITE_NEW, names[i], "Convolution", 4, blobs, vals, counts,
                         nblobs[i]);
        free(zeros);
        cin = cout[i];
    }
    pbuf_save(&net, path);
    free(net.d);
}

static const int64_t one_channel[13] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
static const int two_blobs[13] = {2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2};

static void test_vgg16_tiny_width_one_channel(void **state) {
    Paths *p = *state;
    write_convs(p->in, one_channel, two_blobs, 0);
    CaffemodelVgg16 info;
    Error err = {0};
    if (caffemodel_to_safetensors(p->in, p->out, 0.001f, &info, &err)) fail_msg("%s", err.msg);
    /* 512 x 0.001 rounds to 1 and 64 x 0.001 to 0, clamped to 1: conv1_1
     * 1*3*9 + 1 = 28, the other twelve 1*1*9 + 1 = 10 each. */
    for (int i = 0; i < 13; i++) assert_int_equal(info.conv[i].cout, 1);
    assert_int_equal(info.n_params, 28 + 12 * 10);
    assert_int_equal(info.n_convs, 13);
}

/* The reader drops the leading 1s of legacy 4-D dims (a one-channel
 * weight 1x3x3x3 reads as [3, 3, 3]; V1 files and caffewrite_vgg at widths
 * below 1/64 store some layers so), and the converter takes shapes as
 * equal up to leading 1s, as Caffe does: the one-channel network converts
 * in legacy dims as it does as BlobShape. */
static void test_vgg16_legacy_one_channel(void **state) {
    Paths *p = *state;
    write_convs(p->in, one_channel, two_blobs, 1);
    Error err = {0};
    Status st = caffemodel_to_safetensors(p->in, p->out, 0.001f, NULL, &err);
    if (st) fail_msg("%s", err.msg);
}

static void expect_fails(const char *in, const char *out, Status want, const char *needle,
                         const char *absent) {
    CaffemodelVgg16 info;
    memset(&info, 0x5a, sizeof info);
    CaffemodelVgg16 before = info;
    Error err = {0};
    Status st = caffemodel_to_safetensors(in, out, 0.0f, &info, &err);
    if (st != want) fail_msg("status %d, want %d: %s", (int)st, (int)want, err.msg);
    if (!strstr(err.msg, needle)) fail_msg("'%s' not in: %s", needle, err.msg);
    if (absent && strstr(err.msg, absent)) fail_msg("'%s' in: %s", absent, err.msg);
    assert_non_null(strstr(err.msg, in));
    assert_memory_equal(&info, &before, sizeof info); /* info says what was written: nothing */
    assert_false(fileio_exists(out));
}

static void test_vgg16_inferred_width_falls_back_to_one(void **state) {
    Paths *p = *state;
    /* 1100 / 64 = 17.2 > 16: not a width; VGG-16 itself is expected. */
    int64_t cout[13] = {1100, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    int nblobs[13] = {2};
    write_convs(p->in, cout, nblobs, 0);
    expect_fails(p->in, p->out, ST_SHAPE,
                 "layer 'conv1_1', blob 0 (weight): expected [64, 3, 3, 3], got [1100, 3, 3, 3]",
                 "VGG-16 at width");
    /* No blobs to infer from: width 1, then the blob count is the fault. */
    nblobs[0] = 0;
    write_convs(p->in, cout, nblobs, 0);
    expect_fails(p->in, p->out, ST_FORMAT, "layer 'conv1_1' has 0 blobs, expected 2", NULL);
    /* conv1_1 right at width 1 (64), conv1_2 without blobs. */
    cout[0] = 64;
    nblobs[0] = 2;
    write_convs(p->in, cout, nblobs, 0);
    expect_fails(p->in, p->out, ST_FORMAT, "layer 'conv1_2' has 0 blobs", NULL);
}

static void test_vgg16_width_bound(void **state) {
    Paths *p = *state;
    caffewrite_vgg(p->in, 1.0f / 32, CAFFEWRITE_NEW, &caffewrite_no_faults);
    Caffemodel *cm = open_or_fail(p->in);
    const float bad[3] = {16.001f, INFINITY, -INFINITY};
    for (int i = 0; i < 3; i++) {
        CaffemodelVgg16 info = {.n_convs = -7};
        Error err = {0};
        assert_int_equal(caffemodel_write_vgg16(cm, p->out, bad[i], &info, &err), ST_ARG);
        assert_non_null(strstr(err.msg, p->out)); /* the output it refused to write */
        assert_non_null(strstr(err.msg, "(0, 16]"));
        assert_int_equal(info.n_convs, -7);
    }
    assert_false(fileio_exists(p->out));
    /* 16 itself is allowed: refused only for this file's shapes. */
    Error err = {0};
    assert_int_equal(caffemodel_write_vgg16(cm, p->out, 16.0f, NULL, &err), ST_SHAPE);
    assert_non_null(strstr(err.msg, "expected [1024, 3, 3, 3] (VGG-16 at width 16), got [2, 3"));
    /* And the file's own width, with no info wanted. */
    assert_int_equal(caffemodel_write_vgg16(cm, p->out, 1.0f / 32, NULL, &err), ST_OK);
    assert_true(fileio_exists(p->out));
    caffemodel_close(cm);
}

static void test_vgg16_source_without_folder(void **state) {
    Paths *p = *state;
    char cwd[512];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(p->dir), 0);
    caffewrite_vgg("plain.caffemodel", 1.0f / 32, CAFFEWRITE_V0, &caffewrite_no_faults);
    Error err = {0};
    Status st =
        caffemodel_to_safetensors("plain.caffemodel", "plain.safetensors", 0.0f, NULL, &err);
    SafeTensors *sf = NULL;
    if (!st) st = safetensors_open("plain.safetensors", &sf, &err);
    assert_int_equal(chdir(cwd), 0);
    if (st) fail_msg("%s", err.msg);
    assert_string_equal(safetensors_meta(sf, "source"), "plain.caffemodel");
    assert_string_equal(safetensors_meta(sf, "format"), "caffe");
    assert_int_equal(safetensors_count(sf), 26);
    safetensors_close(sf);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_vgg16_rounds_channels_both_ways, paths_setup,
                                        paths_teardown),
        cmocka_unit_test_setup_teardown(test_vgg16_tiny_width_one_channel, paths_setup,
                                        paths_teardown),
        cmocka_unit_test_setup_teardown(test_vgg16_legacy_one_channel, paths_setup, paths_teardown),
        cmocka_unit_test_setup_teardown(test_vgg16_inferred_width_falls_back_to_one, paths_setup,
                                        paths_teardown),
        cmocka_unit_test_setup_teardown(test_vgg16_width_bound, paths_setup, paths_teardown),
        cmocka_unit_test_setup_teardown(test_vgg16_source_without_folder, paths_setup,
                                        paths_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
