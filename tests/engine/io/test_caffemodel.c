/*
 * test_caffemodel — the Caffe message reader and the VGG-16 converter, on
 * .caffemodel files written here (tests/lib/caffewrite.h, on the tests/lib/pbuf.h
 * protobuf writer): both layer encodings (and V0 inside V1), packed and
 * unpacked floats, legacy 4-D dims and BlobShape, double_data, unknown
 * fields of every wire type, every malformed case with its message (wire
 * errors as open reports them, with the path, layer and blob), lengths that
 * would wrap a 64-bit offset, a layer past the 4 GB mark of a sparse file,
 * and a scaled-down VGG-16 whose converted file loads through weights_load
 * into a Net of that width with every value preserved. The wire format on
 * its own is test_protobuf.c.
 */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/data/image.h"
#include "engine/io/caffemodel.h"
#include "engine/io/caffemodel_vgg16.h"
#include "engine/io/safetensors.h"
#include "engine/nn/net.h"
#include "engine/train/weights.h"
#include "tests/lib/caffewrite.h"
#include "tests/lib/pbuf.h"
#include "tests/lib/testnet.h"
#include "tests/lib/testutil.h"

static char dir[64];

static int setup_dir(void **state) {
    (void)state;
    return testutil_tmpdir(dir, sizeof dir, "caffemodel");
}

static int remove_dir(void **state) {
    (void)state;
    return testutil_rmtree(dir);
}

static void path_in_dir(char *buf, size_t size, const char *name) {
    snprintf(buf, size, "%s/%s", dir, name);
}

/* --- the generic reader -------------------------------------------------------- */

/* Opens path, failing the test with the message on error. */
static Caffemodel *open_ok(const char *path) {
    Caffemodel *cm = NULL;
    Error err = {0};
    if (caffemodel_open(path, &cm, &err)) fail_msg("%s", err.msg);
    return cm;
}

static void assert_shape(const CaffemodelBlob *b, int ndim, const int64_t *shape) {
    assert_int_equal(b->ndim, ndim);
    for (int i = 0; i < ndim; i++) assert_int_equal(b->shape[i], shape[i]);
}

/* Reads blob i of l and compares it with want (n floats, exact). */
static void assert_blob(const Caffemodel *cm, const CaffemodelLayer *l, int i, const float *want,
                        size_t n) {
    float *got = malloc((n ? n : 1) * sizeof *got);
    assert_non_null(got);
    Error err = {0};
    if (caffemodel_read_blob(cm, l, i, got, n, &err)) fail_msg("%s", err.msg);
    for (size_t k = 0; k < n; k++)
        if (memcmp(&got[k], &want[k], sizeof(float)) != 0)
            fail_msg("layer %s blob %d [%zu]: got %g, want %g", l->name, i, k, (double)got[k],
                     (double)want[k]);
    free(got);
}

static void test_caffemodel_new_encoding(void **state) {
    (void)state;
    char path[128];
    path_in_dir(path, sizeof path, "new.caffemodel");
    float w[24], b[2], nan_inf[3] = {NAN, -INFINITY, -0.0f};
    for (int i = 0; i < 24; i++) w[i] = (float)i * 0.25f - 3.0f;
    b[0] = 1e-40f; /* a subnormal survives */
    b[1] = 3.5f;
    PbBuf net = {0};
    pbuf_str(&net, 1, "tiny");
    CaffewriteBlob specs[2] = {{4, {2, 3, 2, 2}, 0, CAFFEWRITE_PACKED, 1},
                               {1, {2}, 0, CAFFEWRITE_UNPACKED, 1}};
    const float *vals[2] = {w, b};
    size_t counts[2] = {24, 2};
    caffewrite_layer(&net, CAFFEWRITE_NEW, "conv", "Convolution", 0, specs, vals, counts, 2);
    caffewrite_layer(&net, CAFFEWRITE_NEW, "relu", "ReLU", 0, NULL, NULL, NULL, 0);
    CaffewriteBlob odd = {1, {3}, 0, CAFFEWRITE_SPLIT, 0};
    const float *ov[1] = {nan_inf};
    size_t on[1] = {3};
    caffewrite_layer(&net, CAFFEWRITE_NEW, "odd", "Scale", 0, &odd, ov, on, 1);
    pbuf_unknowns(&net);
    pbuf_save(&net, path);
    free(net.d);

    Caffemodel *cm = open_ok(path);
    assert_string_equal(caffemodel_path(cm), path);
    assert_int_equal(caffemodel_layer_count(cm), 3);
    const CaffemodelLayer *l = caffemodel_layer(cm, 0);
    assert_string_equal(l->name, "conv");
    assert_string_equal(l->type, "Convolution");
    assert_int_equal(l->encoding, 2);
    assert_int_equal(l->n_blobs, 2);
    assert_shape(&l->blobs[0], 4, (int64_t[]){2, 3, 2, 2});
    assert_int_equal(l->blobs[0].count, 24);
    assert_false(l->blobs[0].doubles);
    assert_shape(&l->blobs[1], 1, (int64_t[]){2});
    assert_blob(cm, l, 0, w, 24);
    assert_blob(cm, l, 1, b, 2);
    l = caffemodel_layer(cm, 1);
    assert_string_equal(l->name, "relu");
    assert_int_equal(l->n_blobs, 0);
    int n;
    assert_ptr_equal(caffemodel_find(cm, "odd", &n), caffemodel_layer(cm, 2));
    assert_int_equal(n, 1);
    assert_null(caffemodel_find(cm, "nope", &n));
    assert_int_equal(n, 0);
    l = caffemodel_layer(cm, 2);
    assert_string_equal(l->type, "Scale");
    float got[3];
    Error err = {0};
    assert_int_equal(caffemodel_read_blob(cm, l, 0, got, 3, &err), ST_OK);
    assert_true(isnan(got[0]));
    assert_true(isinf(got[1]) && got[1] < 0);
    assert_true(got[2] == 0.0f && signbit(got[2]));

    /* Wrong blob index or count: ST_ARG, dst untouched. */
    got[0] = 42;
    assert_int_equal(caffemodel_read_blob(cm, l, 1, got, 3, &err), ST_ARG);
    assert_non_null(strstr(err.msg, "no blob 1"));
    assert_int_equal(caffemodel_read_blob(cm, l, 0, got, 2, &err), ST_ARG);
    assert_non_null(strstr(err.msg, "'odd'"));
    assert_true(got[0] == 42);
    caffemodel_close(cm);
    caffemodel_close(NULL);
}

static void test_caffemodel_v1_legacy_doubles(void **state) {
    (void)state;
    char path[128];
    path_in_dir(path, sizeof path, "v1.caffemodel");
    float w[2 * 3 * 3 * 3], bias[2] = {0.5f, -0.25f}, fc[12], one[1] = {7};
    for (int i = 0; i < 54; i++) w[i] = (float)(i - 27) / 8.0f;
    for (int i = 0; i < 12; i++) fc[i] = (float)i * 1.5f;
    PbBuf net = {0};
    /* legacy 2x3x3x3 with doubles (unpacked), legacy 1x1x1x2 bias packed doubles */
    CaffewriteBlob cs[2] = {{4, {2, 3, 3, 3}, 1, CAFFEWRITE_DOUBLE_UNPACKED, 1},
                            {1, {2}, 1, CAFFEWRITE_DOUBLE_PACKED, 0}};
    const float *cv[2] = {w, bias};
    size_t cn[2] = {54, 2};
    caffewrite_layer(&net, CAFFEWRITE_V1, "conv1_1", NULL, 4, cs, cv, cn, 2);
    /* legacy 1x1x3x4 (an old fully connected weight) is [3, 4]; 1x1x1x1 is [1] */
    CaffewriteBlob fs[2] = {{2, {3, 4}, 1, CAFFEWRITE_SPLIT, 0},
                            {1, {1}, 1, CAFFEWRITE_UNPACKED, 0}};
    const float *fv[2] = {fc, one};
    size_t fn[2] = {12, 1};
    caffewrite_layer(&net, CAFFEWRITE_V1, "fc8", NULL, 14, fs, fv, fn, 2);
    caffewrite_layer(&net, CAFFEWRITE_V1, "weird", NULL, 77, NULL, NULL, NULL, 0);
    caffewrite_layer(&net, CAFFEWRITE_V0, "conv0", "conv", 0, cs, cv, cn, 2);
    /* Both encodings in one file are listed in file order. */
    caffewrite_layer(&net, CAFFEWRITE_NEW, "new", "Convolution", 0, NULL, NULL, NULL, 0);
    pbuf_save(&net, path);
    free(net.d);

    Caffemodel *cm = open_ok(path);
    assert_int_equal(caffemodel_layer_count(cm), 5);
    const CaffemodelLayer *l = caffemodel_layer(cm, 0);
    assert_string_equal(l->name, "conv1_1");
    assert_string_equal(l->type, "Convolution");
    assert_int_equal(l->encoding, 1);
    assert_shape(&l->blobs[0], 4, (int64_t[]){2, 3, 3, 3});
    assert_true(l->blobs[0].doubles);
    assert_shape(&l->blobs[1], 1, (int64_t[]){2});
    assert_blob(cm, l, 0, w, 54);
    assert_blob(cm, l, 1, bias, 2);
    l = caffemodel_layer(cm, 1);
    assert_string_equal(l->type, "InnerProduct");
    assert_shape(&l->blobs[0], 2, (int64_t[]){3, 4});
    assert_shape(&l->blobs[1], 1, (int64_t[]){1});
    assert_blob(cm, l, 0, fc, 12);
    assert_blob(cm, l, 1, one, 1);
    assert_string_equal(caffemodel_layer(cm, 2)->type, "V1 type 77");
    l = caffemodel_layer(cm, 3);
    assert_string_equal(l->name, "conv0");
    assert_string_equal(l->type, "conv");
    assert_int_equal(l->encoding, 0);
    assert_int_equal(l->n_blobs, 2);
    assert_blob(cm, l, 0, w, 54);
    assert_blob(cm, l, 1, bias, 2);
    assert_int_equal(caffemodel_layer(cm, 4)->encoding, 2);
    caffemodel_close(cm);

    /* An empty file is an empty net; a blob with no shape at all is a scalar. */
    PbBuf empty = {0};
    pbuf_save(&empty, path);
    cm = open_ok(path);
    assert_int_equal(caffemodel_layer_count(cm), 0);
    caffemodel_close(cm);
    PbBuf b = {0}, l2 = {0};
    pbuf_tag(&b, 5, PBUF_FIXED32);
    pbuf_le(&b, pbuf_f32_bits(2.5f), 4);
    pbuf_msg(&l2, 7, &b);
    pbuf_str(&l2, 1, "scalar");
    pbuf_msg(&empty, 100, &l2);
    pbuf_save(&empty, path);
    free(empty.d);
    cm = open_ok(path);
    l = caffemodel_layer(cm, 0);
    assert_int_equal(l->blobs[0].ndim, 0);
    assert_int_equal(l->blobs[0].count, 1);
    assert_blob(cm, l, 0, (float[]){2.5f}, 1);
    caffemodel_close(cm);
}

/* --- malformed files ----------------------------------------------------------- */

/* Writes bytes to path, expects open to fail with status and every needle in
 * the message (and the path), and no handle. */
static void expect_open_fails(const char *path, const PbBuf *bytes, Status status,
                              const char *const *needles) {
    pbuf_save(bytes, path);
    Caffemodel *cm = (Caffemodel *)1;
    Error err = {0};
    Status st = caffemodel_open(path, &cm, &err);
    if (st != status) fail_msg("status %d, want %d: %s", (int)st, (int)status, err.msg);
    assert_null(cm);
    if (!strstr(err.msg, path)) fail_msg("no path in: %s", err.msg);
    for (; *needles; needles++)
        if (!strstr(err.msg, *needles)) fail_msg("'%s' not in: %s", *needles, err.msg);
}

#define FAILS(buf, ...)                                                                            \
    expect_open_fails(path, (buf), ST_FORMAT, (const char *const[]){__VA_ARGS__, NULL})

/* Wraps blob (freed) as the one blob of layer "L", the one layer of a net. */
static PbBuf net_with_blob(PbBuf *blob) {
    PbBuf l = {0}, net = {0};
    pbuf_str(&l, 1, "L");
    pbuf_msg(&l, 7, blob);
    pbuf_msg(&net, 100, &l);
    return net;
}

/* A BlobShape message (field 7) with the given dims, appended to b. */
static void put_shape(PbBuf *b, const int64_t *dims, int n) {
    PbBuf shape = {0};
    for (int i = 0; i < n; i++) pbuf_uint(&shape, 1, (uint64_t)dims[i]);
    pbuf_msg(b, 7, &shape);
}

/* Blob-level cases: each FAILS on a net holding only that blob. */
static void malformed_blobs(const char *path) {
    PbBuf b = {0}, net;
    put_shape(&b, (int64_t[]){2, 3}, 2);
    for (int i = 0; i < 5; i++) {
        pbuf_tag(&b, 5, PBUF_FIXED32);
        pbuf_le(&b, 0, 4);
    }
    net = net_with_blob(&b);
    FAILS(&net, "layer 'L', blob 0: holds 5 values but its shape [2, 3] needs 6");
    free(net.d);

    /* Legacy dims are ignored when there is a BlobShape. */
    b = (PbBuf){0};
    pbuf_uint(&b, 1, 1);
    pbuf_uint(&b, 4, 5);
    put_shape(&b, (int64_t[]){2, 3}, 2);
    pbuf_bytes(&b, 5, "0123456789abcdefghijklmn", 24);
    net = net_with_blob(&b);
    pbuf_save(&net, path);
    free(net.d);
    Caffemodel *cm = open_ok(path);
    assert_shape(&caffemodel_layer(cm, 0)->blobs[0], 2, (int64_t[]){2, 3});
    caffemodel_close(cm);

    b = (PbBuf){0};
    pbuf_uint(&b, 8, 0);
    net = net_with_blob(&b);
    FAILS(&net, "layer 'L', blob 0: double_data (field 8)", "wire type 0, expected 1");
    free(net.d);

    b = (PbBuf){0};
    pbuf_uint(&b, 1, 1);
    pbuf_uint(&b, 2, 1);
    pbuf_uint(&b, 3, 2);
    pbuf_uint(&b, 4, 3);
    pbuf_tag(&b, 8, PBUF_FIXED64);
    pbuf_le(&b, pbuf_f64_bits(1.0), 8);
    net = net_with_blob(&b);
    FAILS(&net, "holds 1 double values but its shape [2, 3] needs 6");
    free(net.d);

    b = (PbBuf){0};
    pbuf_bytes(&b, 5, "abcdef", 6);
    net = net_with_blob(&b);
    FAILS(&net, "packed data at byte", "holds 6 bytes, not a multiple of 4");
    free(net.d);

    b = (PbBuf){0};
    pbuf_uint(&b, 3, (uint64_t)-2);
    net = net_with_blob(&b);
    FAILS(&net, "negative height -2");
    free(net.d);

    b = (PbBuf){0};
    put_shape(&b, (int64_t[]){4, -1}, 2);
    net = net_with_blob(&b);
    FAILS(&net, "negative dimension -1");
    free(net.d);

    b = (PbBuf){0};
    put_shape(&b, (int64_t[]){1, 1, 1, 1, 1, 1, 1, 1, 1}, 9);
    net = net_with_blob(&b);
    FAILS(&net, "more than 8 dimensions");
    free(net.d);

    b = (PbBuf){0};
    put_shape(&b, (int64_t[]){1ll << 40, 1ll << 40}, 2);
    put_shape(&b, (int64_t[]){1ll << 40}, 1); /* repeated shapes merge: 3 dims */
    net = net_with_blob(&b);
    FAILS(&net, "layer 'L', blob 0: shape too large");
    free(net.d);
}

static void test_caffemodel_malformed(void **state) {
    (void)state;
    char path[128];
    path_in_dir(path, sizeof path, "bad.caffemodel");
    PbBuf b = {0};

    /* Truncated: the layer's declared length runs past the end of the file. */
    float v[4] = {1, 2, 3, 4};
    CaffewriteBlob s = {1, {4}, 0, CAFFEWRITE_PACKED, 0};
    const float *vals[1] = {v};
    size_t counts[1] = {4};
    caffewrite_layer(&b, CAFFEWRITE_NEW, "conv1_1", "Convolution", 0, &s, vals, counts, 1);
    b.n -= 3;
    FAILS(&b, "truncated file", "field 100 at byte 0 declares");
    b.n = 2; /* the tag (2 bytes), then the length varint is cut */
    FAILS(&b, "truncated file", "varint at byte 2 runs on");
    free(b.d);
    b = (PbBuf){0};

    /* A blob's length past the end of its layer (but inside the file). */
    PbBuf l = {0};
    pbuf_str(&l, 1, "conv1_2");
    pbuf_tag(&l, 7, PBUF_BYTES);
    pbuf_varint(&l, 50); /* 50 bytes claimed, 4 present */
    pbuf_le(&l, 0, 4);
    pbuf_msg(&b, 100, &l);
    pbuf_str(&b, 1, "padding so the file goes on well past the layer: ................");
    FAILS(&b, "layer 'conv1_2'", "field 7 at byte", "declares 50 bytes",
          "past the end of its enclosing message");
    free(b.d);
    b = (PbBuf){0};

    /* Bad varints: 11 bytes, and a 10th byte above 1. */
    pbuf_put(&b, "\x08", 1);
    pbuf_put(&b, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11);
    FAILS(&b, "bad varint at byte 1");
    b.n = 0;
    pbuf_put(&b, "\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 11);
    FAILS(&b, "bad varint at byte 1");
    b.n = 0;
    pbuf_put(&b, "\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11); /* UINT64_MAX: fine */
    pbuf_save(&b, path);
    Caffemodel *cm = open_ok(path);
    caffemodel_close(cm);

    /* Bad wire types, field number 0, stray and mismatched group ends. */
    b.n = 0;
    pbuf_tag(&b, 3, 6);
    FAILS(&b, "bad wire type 6 (field 3) at byte 0");
    b.n = 0;
    pbuf_tag(&b, 9, 7);
    FAILS(&b, "bad wire type 7");
    b.n = 0;
    pbuf_put(&b, "\x02\x00", 2);
    FAILS(&b, "bad field number 0 at byte 0");
    b.n = 0;
    pbuf_tag(&b, 12, PBUF_END);
    FAILS(&b, "end-group tag (field 12) at byte 0 without a start");
    b.n = 0;
    pbuf_tag(&b, 12, PBUF_START);
    pbuf_tag(&b, 13, PBUF_END);
    FAILS(&b, "group (field 12) at byte 0 ends with field 13's end tag");
    b.n = 0;
    pbuf_tag(&b, 12, PBUF_START);
    pbuf_uint(&b, 1, 5);
    FAILS(&b, "group (field 12) at byte 0 has no end tag", "truncated file");
    b.n = 0;
    for (int i = 0; i < 70; i++) pbuf_tag(&b, 12, PBUF_START);
    FAILS(&b, "groups nested deeper than 64");
    b.n = 0;
    pbuf_tag(&b, 901, PBUF_FIXED64);
    pbuf_le(&b, 1, 5);
    FAILS(&b, "field 901 (fixed64) at byte 0 needs 8 bytes", "truncated file");

    /* Known fields with the wrong wire type. */
    b.n = 0;
    pbuf_uint(&b, 100, 3);
    FAILS(&b, "layer (field 100) at byte 0 has wire type 0, expected 2");
    b.n = 0;
    l = (PbBuf){0};
    pbuf_uint(&l, 1, 3);
    pbuf_msg(&b, 100, &l);
    FAILS(&b, "layer #0", "layer name (field 1)");
    b.n = 0;
    l = (PbBuf){0};
    pbuf_bytes(&l, 1, "a\0b", 3);
    pbuf_msg(&b, 100, &l);
    FAILS(&b, "contains a NUL byte");
    free(b.d);

    malformed_blobs(path);

    /* A text prototxt given by mistake, and a missing file. */
    b = (PbBuf){0};
    pbuf_put(&b, "name: \"VGG_ILSVRC_16_layers\"\nlayers {\n", 38);
    FAILS(&b, "looks like a text file");
    free(b.d);
    char missing[160];
    path_in_dir(missing, sizeof missing, "nope.caffemodel");
    Error err = {0};
    assert_int_equal(caffemodel_open(missing, &cm, &err), ST_IO);
    assert_null(cm);
    assert_non_null(strstr(err.msg, missing));
    assert_int_equal(caffemodel_open(dir, &cm, &err), ST_IO);
    assert_non_null(strstr(err.msg, "not a regular file"));
}

/* Prefixes of a valid file either open (a cut between top-level fields) or
 * fail with the path named; never crash (ASan watches). Every cut in the
 * first 1500 bytes (the net's fields, then the first layers, blob headers
 * and unknown fields), then ~500 spread over the rest. One file is cut
 * shorter and shorter, which is much cheaper than writing each prefix. */
static void test_caffemodel_every_truncation(void **state) {
    (void)state;
    char path[128];
    path_in_dir(path, sizeof path, "cut.caffemodel");
    caffewrite_vgg(path, 1.0f / 32, CAFFEWRITE_V1, &caffewrite_no_faults);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    size_t full = (size_t)sb.st_size, opened = 0, step = full / 500 + 1;
    assert_true(full > 1500);
    for (size_t n = full - 1;;) {
        assert_int_equal(truncate(path, (off_t)n), 0);
        Caffemodel *cm;
        Error err = {0};
        Status st = caffemodel_open(path, &cm, &err);
        if (st == ST_OK) {
            opened++;
            caffemodel_close(cm);
        } else {
            assert_int_equal(st, ST_FORMAT);
            assert_non_null(strstr(err.msg, path));
        }
        if (n == 0) break;
        n = n > 1500 + step ? n - step : n > 1500 ? 1500 : n - 1;
    }
    assert_true(opened > 3); /* empty, after the net's name, its input, the first layers */
}

/* Lengths that would wrap a 64-bit offset are rejected, not wrapped. */
static void test_caffemodel_huge_lengths(void **state) {
    (void)state;
    char path[128];
    path_in_dir(path, sizeof path, "huge.caffemodel");
    const uint64_t lens[] = {UINT64_MAX, UINT64_MAX - 2, 1ull << 63, (1ull << 32) + 1, 1000};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        PbBuf b = {0};
        pbuf_str(&b, 1, "net");
        pbuf_tag(&b, 902, PBUF_BYTES);
        pbuf_varint(&b, lens[i]);
        pbuf_put(&b, "abcdefgh", 8);
        char want[80];
        snprintf(want, sizeof want, "declares %llu bytes", (unsigned long long)lens[i]);
        FAILS(&b, "field 902 at byte 5", want, "truncated file");
        /* The same inside a layer (a nested blob that overruns its parent). */
        b.n = 0;
        PbBuf l = {0};
        pbuf_str(&l, 1, "L");
        pbuf_tag(&l, 7, PBUF_BYTES);
        pbuf_varint(&l, lens[i]);
        pbuf_put(&l, "abcdefgh", 8);
        pbuf_msg(&b, 100, &l);
        pbuf_str(&b, 1, "trailing");
        FAILS(&b, "layer 'L'", want, "past the end of its enclosing message");
        free(b.d);
    }
}

/* A layer after more than 4 GB of skipped bytes (a sparse file) is found and
 * read: offsets never pass through 32 bits. Skipped where files that large
 * cannot be made. */
static void test_caffemodel_beyond_4gb(void **state) {
    (void)state;
    if (sizeof(size_t) < 8) {
        print_message("note: 32-bit build, skipping the > 4 GB file\n");
        return;
    }
    char path[128];
    path_in_dir(path, sizeof path, "sparse.caffemodel");
    const uint64_t gap = (1ull << 32) + 12345;
    PbBuf head = {0}, tail = {0};
    pbuf_tag(&head, 902, PBUF_BYTES); /* an unknown field holding the 4 GB gap */
    pbuf_varint(&head, gap);
    float v[3] = {1.5f, -2.0f, 1e30f};
    CaffewriteBlob s = {1, {3}, 0, CAFFEWRITE_PACKED, 0};
    const float *vals[1] = {v};
    size_t counts[1] = {3};
    caffewrite_layer(&tail, CAFFEWRITE_NEW, "far", "Convolution", 0, &s, vals, counts, 1);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    int ok = write(fd, head.d, head.n) == (ssize_t)head.n &&
             ftruncate(fd, (off_t)(head.n + gap)) == 0 &&
             pwrite(fd, tail.d, tail.n, (off_t)(head.n + gap)) == (ssize_t)tail.n;
    close(fd);
    if (!ok) {
        print_message("note: cannot make a sparse > 4 GB file here, skipping\n");
        unlink(path);
        free(head.d);
        free(tail.d);
        return;
    }
    Caffemodel *cm = open_ok(path);
    assert_int_equal(caffemodel_layer_count(cm), 1);
    const CaffemodelLayer *l = caffemodel_layer(cm, 0);
    assert_string_equal(l->name, "far");
    assert_true(l->blobs[0].begin > (1ull << 32));
    assert_blob(cm, l, 0, v, 3);
    caffemodel_close(cm);
    /* Cut inside the gap: the declared length now runs past the file. */
    assert_int_equal(truncate(path, (off_t)(1ull << 32)), 0);
    Error err = {0};
    assert_int_equal(caffemodel_open(path, &cm, &err), ST_FORMAT);
    assert_non_null(strstr(err.msg, "truncated file"));
    unlink(path);
    free(head.d);
    free(tail.d);
}

/* --- VGG-16 conversion --------------------------------------------------------- */

/* Builds a Net of that width, loads the converted file into its backbone
 * with weights_load (the trainer's path) and checks every value. */
static void assert_loads_into_net(const char *st_path, float width) {
    NetConfig c = net_config_default();
    c.width = width;
    c.resolution = 32;
    c.pooling = NET_POOL_AVG;
    c.signed_sqrt = 0;
    c.l2_normalize = 0;
    c.num_classes = 3;
    Net *net = testnet_create(&c, 1);
    int n;
    Param *const *all = net_params(net, &n);
    Param *backbone[26];
    int nb = 0;
    for (int i = 0; i < n; i++)
        if (strncmp(all[i]->name, "features.", 9) == 0) backbone[nb++] = all[i];
    assert_int_equal(nb, 26);
    Error err = {0};
    if (weights_load(backbone, nb, st_path, 0, &err)) fail_msg("%s", err.msg);
    for (int i = 0; i < 13; i++) {
        char name[32];
        snprintf(name, sizeof name, "features.%d.weight", caffewrite_vgg_features[i]);
        const Param *p = net_find_param(net, name);
        assert_non_null(p);
        int cout = (int)lroundf((float)caffewrite_vgg_channels[i] * width);
        assert_int_equal(p->value.n, cout);
        for (size_t k = 0; k < tensor_count(&p->value); k++)
            if (p->value.data[k] != caffewrite_vgg_value(i, 0, k))
                fail_msg("%s[%zu] differs", name, k);
        snprintf(name, sizeof name, "features.%d.bias", caffewrite_vgg_features[i]);
        p = net_find_param(net, name);
        assert_non_null(p);
        for (size_t k = 0; k < tensor_count(&p->value); k++)
            if (p->value.data[k] != caffewrite_vgg_value(i, 1, k))
                fail_msg("%s[%zu] differs", name, k);
    }
    net_destroy(net);
}

static void test_caffemodel_convert_scaled_vgg(void **state) {
    (void)state;
    const float width = 0.125f;
    for (int enc = CAFFEWRITE_NEW; enc <= CAFFEWRITE_V0; enc++) {
        char in[128], out[128];
        path_in_dir(in, sizeof in, "VGG_small.caffemodel");
        path_in_dir(out, sizeof out, "vgg_small.safetensors");
        caffewrite_vgg(in, width, enc, &caffewrite_no_faults);
        CaffemodelVgg16 info;
        Error err = {0};
        /* width 0 infers 0.125 from conv1_1's 8 output channels */
        if (caffemodel_to_safetensors(in, out, enc == CAFFEWRITE_V1 ? 0.0f : width, &info, &err))
            fail_msg("%s", err.msg);
        assert_true(info.width == width);
        assert_int_equal(info.n_convs, 13);
        assert_string_equal(info.conv[12].caffe, "conv5_3");
        assert_string_equal(info.conv[12].prefix, "features.28");
        assert_int_equal(info.conv[0].cin, 3);
        assert_int_equal(info.conv[12].cout, 64);
        uint64_t total = 0;
        for (int i = 0; i < 13; i++)
            total += (uint64_t)info.conv[i].cout * (uint64_t)info.conv[i].cin * 9 +
                     (uint64_t)info.conv[i].cout;
        assert_int_equal(info.n_params, total);

        SafeTensors *st;
        assert_int_equal(safetensors_open(out, &st, &err), ST_OK);
        assert_int_equal(safetensors_count(st), 26);
        assert_string_equal(safetensors_meta(st, "format"), "caffe");
        assert_string_equal(safetensors_meta(st, "source"), "VGG_small.caffemodel");
        assert_string_equal(safetensors_meta(st, "input"), "bgr255");
        /* ... which the runner's loader reads as Caffe's BGR 0-255 minus the mean. */
        Normalize norm;
        assert_int_equal(image_normalize_parse(safetensors_meta(st, "input"), &norm), 0);
        assert_int_equal(norm.bgr, 1);
        assert_true(norm.scale == 1.0f);
        const float mean[3] = {103.939f, 116.779f, 123.68f};
        testutil_assert_close(norm.mean, mean, 3, 1e-4, 0);
        const SafeTensorsInfo *t = safetensors_find(st, "features.0.weight");
        assert_non_null(t);
        assert_string_equal(t->dtype, "F32");
        assert_int_equal(t->ndim, 4);
        assert_int_equal(t->shape[0], 8);
        assert_int_equal(t->shape[1], 3);
        t = safetensors_find(st, "features.28.bias");
        assert_non_null(t);
        assert_int_equal(t->ndim, 1);
        assert_int_equal(t->shape[0], 64);
        assert_null(safetensors_find(st, "classifier.0.weight"));
        safetensors_close(st);
        assert_loads_into_net(out, width);
        unlink(out);
    }
}

/* Converts in with width and expects status with every needle, and out
 * (holding "old") untouched. */
static void expect_convert_fails(const char *in, float width, Status status,
                                 const char *const *needles) {
    char out[128];
    path_in_dir(out, sizeof out, "keep.safetensors");
    PbBuf old = {0};
    pbuf_put(&old, "old", 3);
    pbuf_save(&old, out);
    free(old.d);
    Error err = {0};
    Status st = caffemodel_to_safetensors(in, out, width, NULL, &err);
    if (st != status) fail_msg("status %d, want %d: %s", (int)st, (int)status, err.msg);
    for (; *needles; needles++)
        if (!strstr(err.msg, *needles)) fail_msg("'%s' not in: %s", *needles, err.msg);
    struct stat sb;
    assert_int_equal(stat(out, &sb), 0);
    assert_int_equal(sb.st_size, 3);
}

#define CONVERT_FAILS(width, status, ...)                                                          \
    expect_convert_fails(in, (width), (status), (const char *const[]){__VA_ARGS__, NULL})

static void test_caffemodel_convert_errors(void **state) {
    (void)state;
    char in[128];
    path_in_dir(in, sizeof in, "spoilt.caffemodel");
    const float w = 0.125f;
    CaffewriteFaults f = caffewrite_no_faults;

    f.omit = 5;
    caffewrite_vgg(in, w, CAFFEWRITE_NEW, &f);
    CONVERT_FAILS(w, ST_FORMAT, in, "layer 'conv3_2' is missing");
    f = caffewrite_no_faults;
    f.dup = 0;
    caffewrite_vgg(in, w, CAFFEWRITE_V1, &f);
    CONVERT_FAILS(w, ST_FORMAT, in, "layer 'conv1_1' appears 2 times");
    f = caffewrite_no_faults;
    f.one_blob = 12;
    caffewrite_vgg(in, w, CAFFEWRITE_NEW, &f);
    CONVERT_FAILS(w, ST_FORMAT, in, "layer 'conv5_3' has 1 blob, expected 2 (weight and bias)");
    f = caffewrite_no_faults;
    f.three_blob = 3;
    caffewrite_vgg(in, w, CAFFEWRITE_V1, &f);
    CONVERT_FAILS(w, ST_FORMAT, "layer 'conv2_2' has 3 blobs, expected 2");
    f = caffewrite_no_faults;
    f.bad_kernel = 2;
    caffewrite_vgg(in, w, CAFFEWRITE_NEW, &f);
    CONVERT_FAILS(w, ST_SHAPE, in,
                  "layer 'conv2_1', blob 0 (weight): expected [16, 8, 3, 3] (VGG-16 at width "
                  "0.125), got [16, 8, 3, 5]");
    f = caffewrite_no_faults;
    f.bad_cin = 7;
    caffewrite_vgg(in, w, CAFFEWRITE_V1, &f);
    CONVERT_FAILS(0.0f, ST_SHAPE, "layer 'conv4_1', blob 0 (weight): expected [64, 32, 3, 3]",
                  "got [64, 33, 3, 3]");
    f = caffewrite_no_faults;
    f.bad_bias = 9;
    caffewrite_vgg(in, w, CAFFEWRITE_V0, &f);
    CONVERT_FAILS(w, ST_SHAPE, "layer 'conv4_3', blob 1 (bias): expected [64]", "got [65]");

    /* A well-formed scaled file against the real VGG-16's shapes. */
    caffewrite_vgg(in, w, CAFFEWRITE_NEW, &caffewrite_no_faults);
    CONVERT_FAILS(1.0f, ST_SHAPE,
                  "layer 'conv1_1', blob 0 (weight): expected [64, 3, 3, 3], got "
                  "[8, 3, 3, 3]");
    CONVERT_FAILS(-1.0f, ST_ARG, "width must be");
    CONVERT_FAILS(NAN, ST_ARG, "width must be");

    /* No layers at all, and a malformed file (errors from the reader). */
    PbBuf b = {0};
    pbuf_str(&b, 1, "not a net");
    pbuf_save(&b, in);
    CONVERT_FAILS(0.0f, ST_FORMAT, "layer 'conv1_1' is missing", "the file has no layers");
    pbuf_tag(&b, 100, PBUF_BYTES);
    pbuf_varint(&b, 99);
    pbuf_save(&b, in);
    free(b.d);
    CONVERT_FAILS(0.0f, ST_FORMAT, in, "truncated file");

    /* An unwritable output: ST_IO, and nothing left behind. */
    caffewrite_vgg(in, w, CAFFEWRITE_NEW, &caffewrite_no_faults);
    char out[160];
    path_in_dir(out, sizeof out, "no/such/dir/x.safetensors");
    Error err = {0};
    assert_int_equal(caffemodel_to_safetensors(in, out, 0.0f, NULL, &err), ST_IO);
    assert_non_null(strstr(err.msg, out));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_caffemodel_new_encoding),
        cmocka_unit_test(test_caffemodel_v1_legacy_doubles),
        cmocka_unit_test(test_caffemodel_malformed),
        cmocka_unit_test(test_caffemodel_every_truncation),
        cmocka_unit_test(test_caffemodel_huge_lengths),
        cmocka_unit_test(test_caffemodel_beyond_4gb),
        cmocka_unit_test(test_caffemodel_convert_scaled_vgg),
        cmocka_unit_test(test_caffemodel_convert_errors),
    };
    return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
