/*
 * caffemodel_vgg16 — Caffe's VGG-16 convolutions as a torchvision-named
 * safetensors file, the backbone the trainer loads with weights_load.
 *
 * The converter finds conv1_1 ... conv5_3 by name in an open Caffemodel
 * (caffemodel.h), checks every weight and bias shape against VGG-16 at the
 * given width before reading any value, then writes them all at once.
 *
 * Input convention: Caffe's VGG-16 (VGG_ILSVRC_16_layers.caffemodel) was
 * trained on BGR images in 0..255 minus the per-channel mean (B 103.939,
 * G 116.779, R 123.68), not torchvision's normalised RGB. The converter
 * therefore writes the metadata input = "bgr255" (also format = "caffe",
 * source = the input's file name), so a loader can pick the input defaults.
 * Weights are copied as-is: Caffe and PyTorch share the [cout, cin, kh, kw]
 * layout, so the first convolution's input channels stay in B, G, R order.
 *
 * Any thread may convert (the handle is only read). Errors come back as a
 * Status with a message naming the file and, where there is one, the layer
 * and blob: a missing layer ST_FORMAT, wrong shapes ST_SHAPE, system
 * failures ST_IO.
 */
#ifndef FINELAB_CAFFEMODEL_VGG16_H
#define FINELAB_CAFFEMODEL_VGG16_H

#include <stdint.h>

#include "engine/base/error.h"
#include "engine/io/caffemodel.h"

#define CAFFEMODEL_VGG16_CONV 13 /* conv1_1 ... conv5_3 */

/* What caffemodel_write_vgg16 wrote. */
typedef struct CaffemodelVgg16 {
    float width;       /* channel multiplier the shapes were checked against */
    int n_convs;       /* CAFFEMODEL_VGG16_CONV after success */
    uint64_t n_params; /* floats written (weights and biases) */
    struct {
        char caffe[16];  /* "conv1_1" */
        char prefix[16]; /* "features.0" */
        int cout, cin;   /* weight [cout, cin, 3, 3], bias [cout] */
    } conv[CAFFEMODEL_VGG16_CONV];
} CaffemodelVgg16;

/* Writes VGG-16's 13 convolutions of cm, found by name (conv1_1 ...
 * conv5_3) in either encoding, to the safetensors file out as
 * features.<i>.weight [cout, cin, 3, 3] and features.<i>.bias [cout] (F32,
 * atomically: on failure out is untouched), with the metadata format,
 * source and input described above. Channels are VGG-16's 64..512 times
 * width, rounded as net.c rounds them (width 1 for the real files); width 0
 * takes it from conv1_1's cout / 64. Other layers are ignored. ST_FORMAT
 * for a missing or repeated layer or a wrong number of blobs, ST_SHAPE for a
 * wrong shape (expected and found both named), ST_ARG for a width outside
 * [0, 16], ST_IO / ST_NOMEM. info (may be NULL) describes what was written. */
Status caffemodel_write_vgg16(const Caffemodel *cm, const char *out, float width,
                              CaffemodelVgg16 *info, Error *err);

/* caffemodel_open(in) + caffemodel_write_vgg16(out) + caffemodel_close. */
Status caffemodel_to_safetensors(const char *in, const char *out, float width,
                                 CaffemodelVgg16 *info, Error *err);

#endif
