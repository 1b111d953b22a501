/*
 * caffewrite — writing Caffe .caffemodel files for the tests, on the pbuf
 * protobuf writer: a BlobProto in every layout Caffe allows (packed,
 * unpacked or split floats, doubles, legacy 4-D dims or a BlobShape,
 * unknown fields sprinkled in), a layer in each of the three encodings, and
 * a whole VGG-16 at any width with known values (caffewrite_vgg_value) and
 * faults to order, for the reader's and the converter's tests.
 * Allocation failures fail the test.
 */
#ifndef FINELAB_CAFFEWRITE_H
#define FINELAB_CAFFEWRITE_H

#include <stddef.h>
#include <stdint.h>

#include "tests/lib/pbuf.h"

/* How a blob's values and shape are written. */
enum {
    CAFFEWRITE_PACKED,
    CAFFEWRITE_UNPACKED,
    CAFFEWRITE_SPLIT,
    CAFFEWRITE_DOUBLE_PACKED,
    CAFFEWRITE_DOUBLE_UNPACKED
};

typedef struct CaffewriteBlob {
    int ndim;
    int64_t shape[4];
    int legacy;   /* 1: num/channels/height/width (right-aligned, 1-padded) */
    int data;     /* CAFFEWRITE_PACKED, ... */
    int unknowns; /* 1: sprinkle unknown fields and a diff */
} CaffewriteBlob;

/* Appends to out, as field, a BlobProto of s's shape holding v[0..n). */
void caffewrite_blob(PbBuf *out, uint32_t field, const CaffewriteBlob *s, const float *v, size_t n);

/* Layer encodings written: new `layer`, V1 `layers`, V0 inside V1. */
enum { CAFFEWRITE_NEW, CAFFEWRITE_V1, CAFFEWRITE_V0 };

/* Appends a layer to net; blobs[i] with values[i] (counts[i] floats). */
void caffewrite_layer(PbBuf *net, int enc, const char *name, const char *type, int v1_type,
                      const CaffewriteBlob *blobs, const float *const *values, const size_t *counts,
                      int n_blobs);

/* VGG-16's 13 convolutions in order (conv1_1 ... conv5_3): their output
 * channels at width 1 and their indices in torchvision's features. */
extern const int caffewrite_vgg_channels[13];
extern const int caffewrite_vgg_features[13];

/* Value i of blob (0 weight, 1 bias) of convolution layer (0..12) in
 * caffewrite_vgg's file: exactly representable, distinct per layer, blob
 * and index. */
float caffewrite_vgg_value(int layer, int blob, size_t i);

/* Ways to spoil the network (index of the conv to spoil, -1: none). */
typedef struct CaffewriteFaults {
    int omit;       /* leave this conv out */
    int dup;        /* write this conv twice */
    int one_blob;   /* only the weight */
    int three_blob; /* an extra blob */
    int bad_kernel; /* weight [cout, cin, 3, 5] */
    int bad_cin;    /* weight [cout, cin + 1, 3, 3] */
    int bad_bias;   /* bias [cout + 1] */
} CaffewriteFaults;

/* No fault at all. */
extern const CaffewriteFaults caffewrite_no_faults;

/* Writes a VGG-16 of the given width to path in encoding enc, with blob
 * layout varied per layer, pools / ReLUs / fc6 in between, and faults. */
void caffewrite_vgg(const char *path, float width, int enc, const CaffewriteFaults *fl);

#endif
