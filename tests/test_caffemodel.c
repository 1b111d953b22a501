/*
 * test_caffemodel — the protobuf reader and the VGG-16 converter, on
 * .caffemodel files written here by a tiny protobuf writer (varints, tags,
 * length-delimited nesting): both layer encodings (and V0 inside V1),
 * packed and unpacked floats, legacy 4-D dims and BlobShape, double_data,
 * unknown fields of every wire type, every malformed case with its message,
 * lengths that would wrap a 64-bit offset, a layer past the 4 GB mark of a
 * sparse file, and a scaled-down VGG-16 whose converted file loads through
 * weights_load into a Net of that width with every value preserved.
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
#include "engine/io/safetensors.h"
#include "engine/nn/net.h"
#include "engine/train/weights.h"
#include "tests/testutil.h"

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

/* --- a tiny protobuf writer ---------------------------------------------------- */

typedef struct Buf {
    uint8_t *d;
    size_t n, cap;
} Buf;

enum { W_VARINT = 0, W_FIXED64 = 1, W_BYTES = 2, W_START = 3, W_END = 4, W_FIXED32 = 5 };

static void put(Buf *b, const void *p, size_t n) {
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        assert_non_null(b->d = realloc(b->d, b->cap));
    }
    if (n) memcpy(b->d + b->n, p, n);
    b->n += n;
}

static void put_varint(Buf *b, uint64_t v) {
    do {
        uint8_t byte = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v) byte |= 0x80;
        put(b, &byte, 1);
    } while (v);
}

static void put_tag(Buf *b, uint32_t field, int wire) {
    put_varint(b, (uint64_t)field << 3 | (uint64_t)wire);
}

static void put_le(Buf *b, uint64_t v, int n) {
    for (int i = 0; i < n; i++) {
        uint8_t byte = (uint8_t)(v >> (8 * i));
        put(b, &byte, 1);
    }
}

static void pb_uint(Buf *b, uint32_t field, uint64_t v) {
    put_tag(b, field, W_VARINT);
    put_varint(b, v);
}

static void pb_bytes(Buf *b, uint32_t field, const void *p, size_t n) {
    put_tag(b, field, W_BYTES);
    put_varint(b, n);
    put(b, p, n);
}

static void pb_str(Buf *b, uint32_t field, const char *s) {
    pb_bytes(b, field, s, strlen(s));
}

/* Appends child as a length-delimited field and frees it. */
static void pb_msg(Buf *b, uint32_t field, Buf *child) {
    pb_bytes(b, field, child->d, child->n);
    free(child->d);
    *child = (Buf){0};
}

static uint32_t f32_bits(float v) {
    uint32_t u;
    memcpy(&u, &v, 4);
    return u;
}

static uint64_t f64_bits(double v) {
    uint64_t u;
    memcpy(&u, &v, 8);
    return u;
}

/* One unknown field of every wire type, numbers chosen not to clash. */
static void pb_unknowns(Buf *b) {
    pb_uint(b, 900, 123456789012345ull);
    put_tag(b, 901, W_FIXED64);
    put_le(b, 0x0102030405060708ull, 8);
    pb_str(b, 902, "skip me");
    put_tag(b, 903, W_START); /* a group holding a nested group and a fixed32 */
    pb_uint(b, 1, 7);
    put_tag(b, 904, W_START);
    pb_str(b, 5, "deep");
    put_tag(b, 904, W_END);
    put_tag(b, 2, W_FIXED32);
    put_le(b, 99, 4);
    put_tag(b, 903, W_END);
    put_tag(b, 905, W_FIXED32);
    put_le(b, 0xdeadbeef, 4);
}

static void write_buf(const char *path, const Buf *b) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (b->n) assert_int_equal(fwrite(b->d, 1, b->n, f), b->n);
    assert_int_equal(fclose(f), 0);
}

/* --- Caffe messages ------------------------------------------------------------ */

/* How a blob's values and shape are written. */
enum { DATA_PACKED, DATA_UNPACKED, DATA_SPLIT, DATA_DOUBLE_PACKED, DATA_DOUBLE_UNPACKED };

typedef struct BlobSpec {
    int ndim;
    int64_t shape[4];
    int legacy;   /* 1: num/channels/height/width (right-aligned, 1-padded) */
    int data;     /* DATA_* */
    int unknowns; /* 1: sprinkle unknown fields and a diff */
} BlobSpec;

static void put_blob(Buf *out, uint32_t field, const BlobSpec *s, const float *v, size_t n) {
    Buf b = {0};
    if (s->unknowns) pb_unknowns(&b);
    if (s->legacy) {
        int64_t d4[4] = {1, 1, 1, 1};
        for (int i = 0; i < s->ndim; i++) d4[4 - s->ndim + i] = s->shape[i];
        for (int i = 0; i < 4; i++) pb_uint(&b, (uint32_t)(i + 1), (uint64_t)d4[i]);
    } else {
        Buf shape = {0};
        if (s->unknowns) pb_unknowns(&shape);
        if (s->data == DATA_PACKED) { /* packed dims with packed data, unpacked otherwise */
            Buf dims = {0};
            for (int i = 0; i < s->ndim; i++) put_varint(&dims, (uint64_t)s->shape[i]);
            pb_msg(&shape, 1, &dims);
        } else {
            for (int i = 0; i < s->ndim; i++) pb_uint(&shape, 1, (uint64_t)s->shape[i]);
        }
        pb_msg(&b, 7, &shape);
    }
    Buf packed = {0};
    switch (s->data) {
    case DATA_PACKED:
        for (size_t i = 0; i < n; i++) put_le(&packed, f32_bits(v[i]), 4);
        pb_msg(&b, 5, &packed);
        break;
    case DATA_UNPACKED:
        for (size_t i = 0; i < n; i++) {
            put_tag(&b, 5, W_FIXED32);
            put_le(&b, f32_bits(v[i]), 4);
        }
        break;
    case DATA_SPLIT: /* packed run, one unpacked value, an unknown field, packed run */
        for (size_t i = 0; i < n / 2; i++) put_le(&packed, f32_bits(v[i]), 4);
        pb_msg(&b, 5, &packed);
        if (n / 2 < n) {
            put_tag(&b, 5, W_FIXED32);
            put_le(&b, f32_bits(v[n / 2]), 4);
        }
        pb_uint(&b, 950, 1);
        for (size_t i = n / 2 + 1; i < n; i++) put_le(&packed, f32_bits(v[i]), 4);
        pb_msg(&b, 5, &packed);
        break;
    case DATA_DOUBLE_PACKED:
        for (size_t i = 0; i < n; i++) put_le(&packed, f64_bits((double)v[i]), 8);
        pb_msg(&b, 8, &packed);
        break;
    case DATA_DOUBLE_UNPACKED:
        for (size_t i = 0; i < n; i++) {
            put_tag(&b, 8, W_FIXED64);
            put_le(&b, f64_bits((double)v[i]), 8);
        }
        break;
    }
    if (s->unknowns) {
        float diff[2] = {1, 2};
        pb_bytes(&b, 6, diff, sizeof diff); /* diff: skipped */
        pb_unknowns(&b);
    }
    pb_msg(out, field, &b);
}

/* Layer encodings written: new `layer`, V1 `layers`, V0 inside V1. */
enum { ENC_NEW, ENC_V1, ENC_V0 };

/* Appends a layer to net; blobs[i] with values[i] (counts[i] floats). */
static void put_layer(Buf *net, int enc, const char *name, const char *type, int v1_type,
                      const BlobSpec *blobs, const float *const *values, const size_t *counts,
                      int n_blobs) {
    Buf l = {0};
    if (enc == ENC_NEW) {
        pb_unknowns(&l);
        for (int i = 0; i < n_blobs; i++) put_blob(&l, 7, &blobs[i], values[i], counts[i]);
        pb_str(&l, 1, name); /* after the blobs: field order is free */
        pb_str(&l, 2, type);
        pb_str(&l, 3, "bottom"); /* LayerParameter.bottom: skipped */
        pb_msg(net, 100, &l);
    } else if (enc == ENC_V1) {
        pb_str(&l, 2, "bottom"); /* V1's bottom = 2: skipped */
        pb_str(&l, 4, name);
        pb_uint(&l, 5, (uint64_t)v1_type);
        pb_unknowns(&l);
        for (int i = 0; i < n_blobs; i++) put_blob(&l, 6, &blobs[i], values[i], counts[i]);
        pb_msg(net, 2, &l);
    } else {
        Buf v0 = {0};
        pb_str(&v0, 1, name);
        pb_str(&v0, 2, type);
        pb_uint(&v0, 3, 64); /* num_output: skipped */
        for (int i = 0; i < n_blobs; i++) put_blob(&v0, 50, &blobs[i], values[i], counts[i]);
        pb_msg(&l, 1, &v0);
        pb_msg(net, 2, &l);
    }
}

/* --- a scaled-down VGG-16 ------------------------------------------------------ */

static const char *const conv_names[13] = {"conv1_1", "conv1_2", "conv2_1", "conv2_2", "conv3_1",
                                           "conv3_2", "conv3_3", "conv4_1", "conv4_2", "conv4_3",
                                           "conv5_1", "conv5_2", "conv5_3"};
static const int conv_channels[13] = {64,  64,  128, 128, 256, 256, 256,
                                      512, 512, 512, 512, 512, 512};
static const int conv_features[13] = {0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28};

/* Exactly representable, distinct per layer, blob and index. */
static float vgg_value(int layer, int blob, size_t i) {
    return (float)((long)((i * 7 + (size_t)layer * 131 + (size_t)blob * 17) % 1999) - 999) / 256.0f;
}

/* Ways to spoil the network (index of the conv to spoil, -1: none). */
typedef struct VggFaults {
    int omit;       /* leave this conv out */
    int dup;        /* write this conv twice */
    int one_blob;   /* only the weight */
    int three_blob; /* an extra blob */
    int bad_kernel; /* weight [cout, cin, 3, 5] */
    int bad_cin;    /* weight [cout, cin + 1, 3, 3] */
    int bad_bias;   /* bias [cout + 1] */
} VggFaults;

static const VggFaults no_faults = {-1, -1, -1, -1, -1, -1, -1};

/* Writes a VGG-16 of the given width to path in encoding enc, with blob
 * layout varied per layer, pools / ReLUs / fc6 in between, and faults. */
static void write_vgg(const char *path, float width, int enc, const VggFaults *fl) {
    Buf net = {0};
    pb_str(&net, 1, "VGG_ILSVRC_16_layers");
    pb_str(&net, 3, "data"); /* NetParameter.input: skipped */
    pb_unknowns(&net);
    int cin = 3;
    for (int i = 0; i < 13; i++) {
        int cout = (int)lroundf((float)conv_channels[i] * width);
        if (cout < 1) cout = 1;
        int kw = i == fl->bad_kernel ? 5 : 3, wc = i == fl->bad_cin ? cin + 1 : cin;
        int bc = i == fl->bad_bias ? cout + 1 : cout;
        size_t nw = (size_t)cout * (size_t)wc * 3 * (size_t)kw, nb = (size_t)bc;
        float *w = malloc(nw * sizeof *w), *b = malloc(nb * sizeof *b);
        assert_non_null(w);
        assert_non_null(b);
        for (size_t k = 0; k < nw; k++) w[k] = vgg_value(i, 0, k);
        for (size_t k = 0; k < nb; k++) b[k] = vgg_value(i, 1, k);
        /* Vary the layout across layers: every data mode, legacy and BlobShape. */
        int mode = i % 5, legacy = enc != ENC_NEW ? (i % 2 == 0) : (i % 3 == 1);
        BlobSpec specs[3] = {
            {4, {cout, wc, 3, kw}, legacy, mode, i == 4},
            {1, {bc}, legacy || enc == ENC_V0, (mode + 1) % 5, i == 7},
            {1, {2}, 0, DATA_PACKED, 0},
        };
        const float extra[2] = {1, 2};
        const float *vals[3] = {w, b, extra};
        size_t counts[3] = {nw, nb, 2};
        int nblobs = i == fl->one_blob ? 1 : i == fl->three_blob ? 3 : 2;
        if (i != fl->omit)
            put_layer(&net, enc, conv_names[i], "Convolution", 4, specs, vals, counts, nblobs);
        if (i == fl->dup)
            put_layer(&net, enc, conv_names[i], "Convolution", 4, specs, vals, counts, nblobs);
        char relu[16];
        snprintf(relu, sizeof relu, "relu%s", conv_names[i] + 4);
        put_layer(&net, enc, relu, "ReLU", 18, NULL, NULL, NULL, 0);
        if (i == 1 || i == 3 || i == 6 || i == 9 || i == 12)
            put_layer(&net, enc, "pool", "Pooling", 17, NULL, NULL, NULL, 0);
        free(w);
        free(b);
        cin = cout;
    }
    /* fc6 with a (small, wrong-for-VGG) blob: ignored by the converter. */
    const float fc[6] = {1, 2, 3, 4, 5, 6};
    const float *fcv[1] = {fc};
    size_t fcn[1] = {6};
    BlobSpec fcs = {2, {2, 3}, 1, DATA_PACKED, 0};
    put_layer(&net, enc, "fc6", "InnerProduct", 14, &fcs, fcv, fcn, 1);
    write_buf(path, &net);
    free(net.d);
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
    Buf net = {0};
    pb_str(&net, 1, "tiny");
    BlobSpec specs[2] = {{4, {2, 3, 2, 2}, 0, DATA_PACKED, 1}, {1, {2}, 0, DATA_UNPACKED, 1}};
    const float *vals[2] = {w, b};
    size_t counts[2] = {24, 2};
    put_layer(&net, ENC_NEW, "conv", "Convolution", 0, specs, vals, counts, 2);
    put_layer(&net, ENC_NEW, "relu", "ReLU", 0, NULL, NULL, NULL, 0);
    BlobSpec odd = {1, {3}, 0, DATA_SPLIT, 0};
    const float *ov[1] = {nan_inf};
    size_t on[1] = {3};
    put_layer(&net, ENC_NEW, "odd", "Scale", 0, &odd, ov, on, 1);
    pb_unknowns(&net);
    write_buf(path, &net);
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
    Buf net = {0};
    /* legacy 2x3x3x3 with doubles (unpacked), legacy 1x1x1x2 bias packed doubles */
    BlobSpec cs[2] = {{4, {2, 3, 3, 3}, 1, DATA_DOUBLE_UNPACKED, 1},
                      {1, {2}, 1, DATA_DOUBLE_PACKED, 0}};
    const float *cv[2] = {w, bias};
    size_t cn[2] = {54, 2};
    put_layer(&net, ENC_V1, "conv1_1", NULL, 4, cs, cv, cn, 2);
    /* legacy 1x1x3x4 (an old fully connected weight) is [3, 4]; 1x1x1x1 is [1] */
    BlobSpec fs[2] = {{2, {3, 4}, 1, DATA_SPLIT, 0}, {1, {1}, 1, DATA_UNPACKED, 0}};
    const float *fv[2] = {fc, one};
    size_t fn[2] = {12, 1};
    put_layer(&net, ENC_V1, "fc8", NULL, 14, fs, fv, fn, 2);
    put_layer(&net, ENC_V1, "weird", NULL, 77, NULL, NULL, NULL, 0);
    put_layer(&net, ENC_V0, "conv0", "conv", 0, cs, cv, cn, 2);
    /* Both encodings in one file are listed in file order. */
    put_layer(&net, ENC_NEW, "new", "Convolution", 0, NULL, NULL, NULL, 0);
    write_buf(path, &net);
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
    Buf empty = {0};
    write_buf(path, &empty);
    cm = open_ok(path);
    assert_int_equal(caffemodel_layer_count(cm), 0);
    caffemodel_close(cm);
    Buf b = {0}, l2 = {0};
    put_tag(&b, 5, W_FIXED32);
    put_le(&b, f32_bits(2.5f), 4);
    pb_msg(&l2, 7, &b);
    pb_str(&l2, 1, "scalar");
    pb_msg(&empty, 100, &l2);
    write_buf(path, &empty);
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
static void expect_open_fails(const char *path, const Buf *bytes, Status status,
                              const char *const *needles) {
    write_buf(path, bytes);
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
static Buf net_with_blob(Buf *blob) {
    Buf l = {0}, net = {0};
    pb_str(&l, 1, "L");
    pb_msg(&l, 7, blob);
    pb_msg(&net, 100, &l);
    return net;
}

/* A BlobShape message (field 7) with the given dims, appended to b. */
static void put_shape(Buf *b, const int64_t *dims, int n) {
    Buf shape = {0};
    for (int i = 0; i < n; i++) pb_uint(&shape, 1, (uint64_t)dims[i]);
    pb_msg(b, 7, &shape);
}

/* Blob-level cases: each FAILS on a net holding only that blob. */
static void malformed_blobs(const char *path) {
    Buf b = {0}, net;
    put_shape(&b, (int64_t[]){2, 3}, 2);
    for (int i = 0; i < 5; i++) {
        put_tag(&b, 5, W_FIXED32);
        put_le(&b, 0, 4);
    }
    net = net_with_blob(&b);
    FAILS(&net, "layer 'L', blob 0: holds 5 values but its shape [2, 3] needs 6");
    free(net.d);

    /* Legacy dims are ignored when there is a BlobShape. */
    b = (Buf){0};
    pb_uint(&b, 1, 1);
    pb_uint(&b, 4, 5);
    put_shape(&b, (int64_t[]){2, 3}, 2);
    pb_bytes(&b, 5, "0123456789abcdefghijklmn", 24);
    net = net_with_blob(&b);
    write_buf(path, &net);
    free(net.d);
    Caffemodel *cm = open_ok(path);
    assert_shape(&caffemodel_layer(cm, 0)->blobs[0], 2, (int64_t[]){2, 3});
    caffemodel_close(cm);

    b = (Buf){0};
    pb_uint(&b, 8, 0);
    net = net_with_blob(&b);
    FAILS(&net, "layer 'L', blob 0: double_data (field 8)", "wire type 0, expected 1");
    free(net.d);

    b = (Buf){0};
    pb_uint(&b, 1, 1);
    pb_uint(&b, 2, 1);
    pb_uint(&b, 3, 2);
    pb_uint(&b, 4, 3);
    put_tag(&b, 8, W_FIXED64);
    put_le(&b, f64_bits(1.0), 8);
    net = net_with_blob(&b);
    FAILS(&net, "holds 1 double values but its shape [2, 3] needs 6");
    free(net.d);

    b = (Buf){0};
    pb_bytes(&b, 5, "abcdef", 6);
    net = net_with_blob(&b);
    FAILS(&net, "packed data at byte", "holds 6 bytes, not a multiple of 4");
    free(net.d);

    b = (Buf){0};
    pb_uint(&b, 3, (uint64_t)-2);
    net = net_with_blob(&b);
    FAILS(&net, "negative height -2");
    free(net.d);

    b = (Buf){0};
    put_shape(&b, (int64_t[]){4, -1}, 2);
    net = net_with_blob(&b);
    FAILS(&net, "negative dimension -1");
    free(net.d);

    b = (Buf){0};
    put_shape(&b, (int64_t[]){1, 1, 1, 1, 1, 1, 1, 1, 1}, 9);
    net = net_with_blob(&b);
    FAILS(&net, "more than 8 dimensions");
    free(net.d);

    b = (Buf){0};
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
    Buf b = {0};

    /* Truncated: the layer's declared length runs past the end of the file. */
    float v[4] = {1, 2, 3, 4};
    BlobSpec s = {1, {4}, 0, DATA_PACKED, 0};
    const float *vals[1] = {v};
    size_t counts[1] = {4};
    put_layer(&b, ENC_NEW, "conv1_1", "Convolution", 0, &s, vals, counts, 1);
    b.n -= 3;
    FAILS(&b, "truncated file", "field 100 at byte 0 declares");
    b.n = 2; /* the tag (2 bytes), then the length varint is cut */
    FAILS(&b, "truncated file", "varint at byte 2 runs on");
    free(b.d);
    b = (Buf){0};

    /* A blob's length past the end of its layer (but inside the file). */
    Buf l = {0};
    pb_str(&l, 1, "conv1_2");
    put_tag(&l, 7, W_BYTES);
    put_varint(&l, 50); /* 50 bytes claimed, 4 present */
    put_le(&l, 0, 4);
    pb_msg(&b, 100, &l);
    pb_str(&b, 1, "padding so the file goes on well past the layer: ................");
    FAILS(&b, "layer 'conv1_2'", "field 7 at byte", "declares 50 bytes",
          "past the end of its enclosing message");
    free(b.d);
    b = (Buf){0};

    /* Bad varints: 11 bytes, and a 10th byte above 1. */
    put(&b, "\x08", 1);
    put(&b, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11);
    FAILS(&b, "bad varint at byte 1");
    b.n = 0;
    put(&b, "\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 11);
    FAILS(&b, "bad varint at byte 1");
    b.n = 0;
    put(&b, "\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11); /* UINT64_MAX: fine */
    write_buf(path, &b);
    Caffemodel *cm = open_ok(path);
    caffemodel_close(cm);

    /* Bad wire types, field number 0, stray and mismatched group ends. */
    b.n = 0;
    put_tag(&b, 3, 6);
    FAILS(&b, "bad wire type 6 (field 3) at byte 0");
    b.n = 0;
    put_tag(&b, 9, 7);
    FAILS(&b, "bad wire type 7");
    b.n = 0;
    put(&b, "\x02\x00", 2);
    FAILS(&b, "bad field number 0 at byte 0");
    b.n = 0;
    put_tag(&b, 12, W_END);
    FAILS(&b, "end-group tag (field 12) at byte 0 without a start");
    b.n = 0;
    put_tag(&b, 12, W_START);
    put_tag(&b, 13, W_END);
    FAILS(&b, "group (field 12) at byte 0 ends with field 13's end tag");
    b.n = 0;
    put_tag(&b, 12, W_START);
    pb_uint(&b, 1, 5);
    FAILS(&b, "group (field 12) at byte 0 has no end tag", "truncated file");
    b.n = 0;
    for (int i = 0; i < 70; i++) put_tag(&b, 12, W_START);
    FAILS(&b, "groups nested deeper than 64");
    b.n = 0;
    put_tag(&b, 901, W_FIXED64);
    put_le(&b, 1, 5);
    FAILS(&b, "field 901 (fixed64) at byte 0 needs 8 bytes", "truncated file");

    /* Known fields with the wrong wire type. */
    b.n = 0;
    pb_uint(&b, 100, 3);
    FAILS(&b, "layer (field 100) at byte 0 has wire type 0, expected 2");
    b.n = 0;
    l = (Buf){0};
    pb_uint(&l, 1, 3);
    pb_msg(&b, 100, &l);
    FAILS(&b, "layer #0", "layer name (field 1)");
    b.n = 0;
    l = (Buf){0};
    pb_bytes(&l, 1, "a\0b", 3);
    pb_msg(&b, 100, &l);
    FAILS(&b, "contains a NUL byte");
    free(b.d);

    malformed_blobs(path);

    /* A text prototxt given by mistake, and a missing file. */
    b = (Buf){0};
    put(&b, "name: \"VGG_ILSVRC_16_layers\"\nlayers {\n", 38);
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
    write_vgg(path, 1.0f / 32, ENC_V1, &no_faults);
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
        Buf b = {0};
        pb_str(&b, 1, "net");
        put_tag(&b, 902, W_BYTES);
        put_varint(&b, lens[i]);
        put(&b, "abcdefgh", 8);
        char want[80];
        snprintf(want, sizeof want, "declares %llu bytes", (unsigned long long)lens[i]);
        FAILS(&b, "field 902 at byte 5", want, "truncated file");
        /* The same inside a layer (a nested blob that overruns its parent). */
        b.n = 0;
        Buf l = {0};
        pb_str(&l, 1, "L");
        put_tag(&l, 7, W_BYTES);
        put_varint(&l, lens[i]);
        put(&l, "abcdefgh", 8);
        pb_msg(&b, 100, &l);
        pb_str(&b, 1, "trailing");
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
    Buf head = {0}, tail = {0};
    put_tag(&head, 902, W_BYTES); /* an unknown field holding the 4 GB gap */
    put_varint(&head, gap);
    float v[3] = {1.5f, -2.0f, 1e30f};
    BlobSpec s = {1, {3}, 0, DATA_PACKED, 0};
    const float *vals[1] = {v};
    size_t counts[1] = {3};
    put_layer(&tail, ENC_NEW, "far", "Convolution", 0, &s, vals, counts, 1);
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
    Net *net = net_create(&(NetConfig){.width = width,
                                       .resolution = 32,
                                       .batch = 1,
                                       .pooling = NET_POOL_AVG,
                                       .num_classes = 3,
                                       .backbone_lr_mult = 1,
                                       .bias_lr_mult = 2,
                                       .weight_decay_mult = 1},
                          NULL);
    assert_non_null(net);
    net_init_weights(net, 1);
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
        snprintf(name, sizeof name, "features.%d.weight", conv_features[i]);
        const Param *p = net_find_param(net, name);
        assert_non_null(p);
        int cout = (int)lroundf((float)conv_channels[i] * width);
        assert_int_equal(p->value.n, cout);
        for (size_t k = 0; k < tensor_count(&p->value); k++)
            if (p->value.data[k] != vgg_value(i, 0, k)) fail_msg("%s[%zu] differs", name, k);
        snprintf(name, sizeof name, "features.%d.bias", conv_features[i]);
        p = net_find_param(net, name);
        assert_non_null(p);
        for (size_t k = 0; k < tensor_count(&p->value); k++)
            if (p->value.data[k] != vgg_value(i, 1, k)) fail_msg("%s[%zu] differs", name, k);
    }
    net_destroy(net);
}

static void test_caffemodel_convert_scaled_vgg(void **state) {
    (void)state;
    const float width = 0.125f;
    for (int enc = ENC_NEW; enc <= ENC_V0; enc++) {
        char in[128], out[128];
        path_in_dir(in, sizeof in, "VGG_small.caffemodel");
        path_in_dir(out, sizeof out, "vgg_small.safetensors");
        write_vgg(in, width, enc, &no_faults);
        CaffemodelVgg16 info;
        Error err = {0};
        /* width 0 infers 0.125 from conv1_1's 8 output channels */
        if (caffemodel_to_safetensors(in, out, enc == ENC_V1 ? 0.0f : width, &info, &err))
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
    Buf old = {0};
    put(&old, "old", 3);
    write_buf(out, &old);
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
    VggFaults f = no_faults;

    f.omit = 5;
    write_vgg(in, w, ENC_NEW, &f);
    CONVERT_FAILS(w, ST_FORMAT, in, "layer 'conv3_2' is missing");
    f = no_faults;
    f.dup = 0;
    write_vgg(in, w, ENC_V1, &f);
    CONVERT_FAILS(w, ST_FORMAT, in, "layer 'conv1_1' appears 2 times");
    f = no_faults;
    f.one_blob = 12;
    write_vgg(in, w, ENC_NEW, &f);
    CONVERT_FAILS(w, ST_FORMAT, in, "layer 'conv5_3' has 1 blob, expected 2 (weight and bias)");
    f = no_faults;
    f.three_blob = 3;
    write_vgg(in, w, ENC_V1, &f);
    CONVERT_FAILS(w, ST_FORMAT, "layer 'conv2_2' has 3 blobs, expected 2");
    f = no_faults;
    f.bad_kernel = 2;
    write_vgg(in, w, ENC_NEW, &f);
    CONVERT_FAILS(w, ST_SHAPE, in,
                  "layer 'conv2_1', blob 0 (weight): expected [16, 8, 3, 3] (VGG-16 at width "
                  "0.125), got [16, 8, 3, 5]");
    f = no_faults;
    f.bad_cin = 7;
    write_vgg(in, w, ENC_V1, &f);
    CONVERT_FAILS(0.0f, ST_SHAPE, "layer 'conv4_1', blob 0 (weight): expected [64, 32, 3, 3]",
                  "got [64, 33, 3, 3]");
    f = no_faults;
    f.bad_bias = 9;
    write_vgg(in, w, ENC_V0, &f);
    CONVERT_FAILS(w, ST_SHAPE, "layer 'conv4_3', blob 1 (bias): expected [64]", "got [65]");

    /* A well-formed scaled file against the real VGG-16's shapes. */
    write_vgg(in, w, ENC_NEW, &no_faults);
    CONVERT_FAILS(1.0f, ST_SHAPE,
                  "layer 'conv1_1', blob 0 (weight): expected [64, 3, 3, 3], got "
                  "[8, 3, 3, 3]");
    CONVERT_FAILS(-1.0f, ST_ARG, "width must be");
    CONVERT_FAILS(NAN, ST_ARG, "width must be");

    /* No layers at all, and a malformed file (errors from the reader). */
    Buf b = {0};
    pb_str(&b, 1, "not a net");
    write_buf(in, &b);
    CONVERT_FAILS(0.0f, ST_FORMAT, "layer 'conv1_1' is missing", "the file has no layers");
    put_tag(&b, 100, W_BYTES);
    put_varint(&b, 99);
    write_buf(in, &b);
    free(b.d);
    CONVERT_FAILS(0.0f, ST_FORMAT, in, "truncated file");

    /* An unwritable output: ST_IO, and nothing left behind. */
    write_vgg(in, w, ENC_NEW, &no_faults);
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
