/*
 * caffemodel_vgg16 — VGG-16's convolutions to safetensors. See caffemodel_vgg16.h.
 *
 * Three steps, so that a wrong file fails before anything is read or
 * written: find the 13 layers by name and check every blob's shape against
 * VGG-16 at the width (caffemodel_vgg16_check, which also lays out the
 * table returned to the caller), read all values into one buffer sized
 * from that table (caffemodel_vgg16_fill, which hands the writer
 * references into it), then write the file atomically. Only the public
 * handle API of caffemodel.h is used.
 */
#include "engine/io/caffemodel_vgg16.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/tensor.h"
#include "engine/io/safetensors.h"

typedef unsigned long long ull; /* for printing uint64_t with %llu */

static const char *const caffemodel_vgg16_names[CAFFEMODEL_VGG16_CONV] = {
    "conv1_1", "conv1_2", "conv2_1", "conv2_2", "conv3_1", "conv3_2", "conv3_3",
    "conv4_1", "conv4_2", "conv4_3", "conv5_1", "conv5_2", "conv5_3"};
static const int caffemodel_vgg16_channels[CAFFEMODEL_VGG16_CONV] = {
    64, 64, 128, 128, 256, 256, 256, 512, 512, 512, 512, 512, 512};
static const int caffemodel_vgg16_features[CAFFEMODEL_VGG16_CONV] = {0,  2,  5,  7,  10, 12, 14,
                                                                     17, 19, 21, 24, 26, 28};
#define MAX_WIDTH 16.0f /* 8192 channels in conv5: beyond that the shapes are nonsense */

/* Width from conv1_1's output channels (1 when they do not say). */
static float caffemodel_vgg16_infer_width(const CaffemodelLayer *conv1_1) {
    if (conv1_1->n_blobs < 1 || conv1_1->blobs[0].ndim < 1) return 1.0f;
    /* A weight of fewer than 4 dims had its leading 1 dropped: one channel. */
    int64_t cout = conv1_1->blobs[0].ndim < 4 ? 1 : conv1_1->blobs[0].shape[0];
    if (cout < 1 || (float)cout / 64.0f > MAX_WIDTH) return 1.0f;
    return (float)cout / 64.0f;
}

/* Whether shapes a and b are equal up to leading 1s, as Caffe takes them:
 * the reader drops a legacy blob's leading 1s, so a one-channel conv's
 * weight 1x3x3x3 reads as [3, 3, 3]. */
static int caffemodel_vgg16_same_shape(const int64_t *a, int na, const int64_t *b, int nb) {
    while (na > 0 && a[0] == 1) a++, na--;
    while (nb > 0 && b[0] == 1) b++, nb--;
    if (na != nb) return 0;
    for (int i = 0; i < na; i++)
        if (a[i] != b[i]) return 0;
    return 1;
}

/* ST_OK when blob b of l has shape want[0..ndim) (up to leading 1s), else
 * ST_SHAPE naming both. */
static Status caffemodel_vgg16_check_shape(const Caffemodel *cm, const CaffemodelLayer *l, int b,
                                           const int64_t *want, int ndim, float width, Error *err) {
    const CaffemodelBlob *blob = &l->blobs[b];
    if (caffemodel_vgg16_same_shape(blob->shape, blob->ndim, want, ndim)) return ST_OK;
    char got[160], need[96], scaled[48] = "";
    tensor_shape_text(blob->shape, blob->ndim, got, sizeof got);
    tensor_shape_text(want, ndim, need, sizeof need);
    if (width != 1.0f) snprintf(scaled, sizeof scaled, " (VGG-16 at width %g)", (double)width);
    return error_set(err, ST_SHAPE, "%s: layer '%s', blob %d (%s): expected %s%s, got %s",
                     caffemodel_path(cm), l->name, b, b ? "bias" : "weight", need, scaled, got);
}

/* Finds the 13 convolutions and checks their blobs; fills info's table. */
static Status caffemodel_vgg16_check(const Caffemodel *cm, float width,
                                     const CaffemodelLayer **convs, CaffemodelVgg16 *info,
                                     Error *err) {
    for (int i = 0; i < CAFFEMODEL_VGG16_CONV; i++) {
        int n;
        convs[i] = caffemodel_find(cm, caffemodel_vgg16_names[i], &n);
        if (!convs[i])
            return error_set(err, ST_FORMAT,
                             "%s: layer '%s' is missing (VGG-16 has conv1_1 ... conv5_3)%s",
                             caffemodel_path(cm), caffemodel_vgg16_names[i],
                             caffemodel_layer_count(cm) ? "" : "; the file has no layers at all");
        if (n > 1)
            return error_set(err, ST_FORMAT, "%s: layer '%s' appears %d times", caffemodel_path(cm),
                             caffemodel_vgg16_names[i], n);
    }
    if (width == 0.0f) width = caffemodel_vgg16_infer_width(convs[0]);
    memset(info, 0, sizeof *info);
    info->width = width;
    int cin = 3;
    for (int i = 0; i < CAFFEMODEL_VGG16_CONV; i++) {
        const CaffemodelLayer *l = convs[i];
        if (l->n_blobs != 2)
            return error_set(err, ST_FORMAT,
                             "%s: layer '%s' has %d blob%s, expected 2 (weight and bias)",
                             caffemodel_path(cm), l->name, l->n_blobs, l->n_blobs == 1 ? "" : "s");
        int cout = (int)lroundf((float)caffemodel_vgg16_channels[i] * width);
        if (cout < 1) cout = 1;
        const int64_t wshape[4] = {cout, cin, 3, 3}, bshape[1] = {cout};
        Status st = caffemodel_vgg16_check_shape(cm, l, 0, wshape, 4, width, err);
        if (!st) st = caffemodel_vgg16_check_shape(cm, l, 1, bshape, 1, width, err);
        if (st) return st;
        snprintf(info->conv[i].caffe, sizeof info->conv[i].caffe, "%s", caffemodel_vgg16_names[i]);
        snprintf(info->conv[i].prefix, sizeof info->conv[i].prefix, "features.%d",
                 caffemodel_vgg16_features[i]);
        info->conv[i].cout = cout;
        info->conv[i].cin = cin;
        info->n_params += (uint64_t)cout * (uint64_t)cin * 9u + (uint64_t)cout;
        cin = cout;
    }
    return ST_OK;
}

/* Reads every conv into buf and hands it to w (which only references it). */
static Status caffemodel_vgg16_fill(const Caffemodel *cm, const CaffemodelLayer *const *convs,
                                    const CaffemodelVgg16 *info, float *buf, SafeTensorsWriter *w,
                                    Error *err) {
    size_t off = 0;
    for (int i = 0; i < CAFFEMODEL_VGG16_CONV; i++) {
        int64_t cout = info->conv[i].cout, cin = info->conv[i].cin;
        const int64_t wshape[4] = {cout, cin, 3, 3}, bshape[1] = {cout};
        size_t nw = (size_t)(cout * cin * 9), nb = (size_t)cout;
        char name[40];
        Status st = caffemodel_read_blob(cm, convs[i], 0, buf + off, nw, err);
        if (!st) st = caffemodel_read_blob(cm, convs[i], 1, buf + off + nw, nb, err);
        if (st) return st;
        snprintf(name, sizeof name, "%s.weight", info->conv[i].prefix);
        safetensors_writer_add(w, name, wshape, 4, buf + off);
        snprintf(name, sizeof name, "%s.bias", info->conv[i].prefix);
        safetensors_writer_add(w, name, bshape, 1, buf + off + nw);
        off += nw + nb;
    }
    const char *slash = strrchr(caffemodel_path(cm), '/');
    safetensors_writer_meta(w, "format", "caffe");
    safetensors_writer_meta(w, "source", slash ? slash + 1 : caffemodel_path(cm));
    safetensors_writer_meta(w, "input", "bgr255");
    return ST_OK; /* writer errors are sticky: _write reports them */
}

Status caffemodel_write_vgg16(const Caffemodel *cm, const char *out, float width,
                              CaffemodelVgg16 *info, Error *err) {
    if (!(width >= 0.0f && width <= MAX_WIDTH))
        return error_set(err, ST_ARG, "%s: width must be in (0, %g], or 0 to infer it (got %g)",
                         out, (double)MAX_WIDTH, (double)width);
    const CaffemodelLayer *convs[CAFFEMODEL_VGG16_CONV];
    CaffemodelVgg16 got;
    Status st = caffemodel_vgg16_check(cm, width, convs, &got, err);
    if (st) return st;
    if (got.n_params > SIZE_MAX / sizeof(float))
        return error_set(err, ST_NOMEM, "%s: %llu parameters do not fit in memory",
                         caffemodel_path(cm), (ull)got.n_params);
    float *buf = malloc((size_t)got.n_params * sizeof *buf);
    SafeTensorsWriter *w = safetensors_writer_create();
    if (!buf || !w) {
        st = error_set(err, ST_NOMEM, "%s: cannot allocate %llu parameters", caffemodel_path(cm),
                       (ull)got.n_params);
        goto done;
    }
    if ((st = caffemodel_vgg16_fill(cm, convs, &got, buf, w, err))) goto done;
    if ((st = safetensors_writer_write(w, out, err))) goto done;
    got.n_convs = CAFFEMODEL_VGG16_CONV;
    if (info) *info = got;
done:
    safetensors_writer_destroy(w);
    free(buf);
    return st;
}

Status caffemodel_to_safetensors(const char *in, const char *out, float width,
                                 CaffemodelVgg16 *info, Error *err) {
    Caffemodel *cm;
    Status st = caffemodel_open(in, &cm, err);
    if (st) return st;
    st = caffemodel_write_vgg16(cm, out, width, info, err);
    caffemodel_close(cm);
    return st;
}
