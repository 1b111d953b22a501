/*
 * caffemodel — reading Caffe `.caffemodel` files (a binary NetParameter
 * protobuf): the layers, their names and types, and their weights.
 *
 * The messages are decoded with engine/io/protobuf.h, without a protobuf
 * library, and only as far as weights need: NetParameter's layers in the new
 * encoding (`layer`, LayerParameter) and the old one (`layers`,
 * V1LayerParameter, with a nested V0LayerParameter for the oldest files),
 * each layer's name, type and BlobProtos. Every other field, of any wire
 * type, is skipped. caffemodel_open maps the file read-only and validates
 * all of it (every length inside its parent, every blob's value count equal
 * to its shape's element count) without copying any weights; it returns a
 * fully valid handle or nothing. Offsets and lengths are 64-bit throughout,
 * so files over 4 GB work on 64-bit systems. A handle is immutable after
 * open: any number of threads may read blobs from it at once. (Like any
 * mapped file, the input must not be truncated by another process while it
 * is open.) Turning a VGG-16's convolutions into safetensors is
 * caffemodel_vgg16.h.
 *
 * Errors come back as a Status with a message naming the file and, where
 * there is one, the layer and blob. Malformed files are ST_FORMAT, system
 * failures ST_IO.
 */
#ifndef FINELAB_CAFFEMODEL_H
#define FINELAB_CAFFEMODEL_H

#include <stddef.h>
#include <stdint.h>

#include "engine/base/error.h"

#define CAFFEMODEL_MAX_DIMS 8 /* axes accepted in a blob's shape */

/* One BlobProto. Its shape is the BlobShape when there is one, else the
 * legacy num x channels x height x width with leading 1s dropped (a bias
 * stored as 1x1x1xN is [N]); a blob with neither is a scalar (ndim 0).
 * Its values are double_data when there are any, else data (as Caffe). */
typedef struct CaffemodelBlob {
    int ndim;                           /* 0..CAFFEMODEL_MAX_DIMS */
    int64_t shape[CAFFEMODEL_MAX_DIMS]; /* each >= 0 */
    uint64_t count;                     /* product of shape (1 when ndim is 0) */
    int doubles;                        /* 1: values are double_data (read as float) */
    uint64_t begin, end;                /* the BlobProto's bytes in the file */
} CaffemodelBlob;

/* One layer, in file order. Strings are owned by the handle. */
typedef struct CaffemodelLayer {
    const char *name;            /* "" when the layer has none */
    const char *type;            /* "Convolution", ...; V1 enums as today's names */
    int encoding;                /* 2: new `layer`, 1: V1 `layers`, 0: V0 inside V1 */
    int n_blobs;                 /* parameter blobs (0 for pools, ReLUs, ...) */
    const CaffemodelBlob *blobs; /* n_blobs entries */
} CaffemodelLayer;

typedef struct Caffemodel Caffemodel;

/* Opens and validates path. On success *out is a handle to close with
 * caffemodel_close; on failure *out is NULL and err names the file (and
 * layer and blob): ST_IO, ST_FORMAT or ST_NOMEM. */
Status caffemodel_open(const char *path, Caffemodel **out, Error *err);
/* Unmaps the file and frees the handle; cm may be NULL. */
void caffemodel_close(Caffemodel *cm);

/* The path given to caffemodel_open. */
const char *caffemodel_path(const Caffemodel *cm);
/* Number of layers (of either encoding) in the file. */
size_t caffemodel_layer_count(const Caffemodel *cm);
/* Layer i, 0 <= i < count, in file order. */
const CaffemodelLayer *caffemodel_layer(const Caffemodel *cm, size_t i);
/* The first layer called name, or NULL; *n_found (when not NULL) is set to
 * how many layers have that name. */
const CaffemodelLayer *caffemodel_find(const Caffemodel *cm, const char *name, int *n_found);

/* Reads blob b of layer (a layer of cm) into dst[0..count), converting
 * doubles to float. ST_ARG when b is out of range or count is not the
 * blob's count (dst untouched). */
Status caffemodel_read_blob(const Caffemodel *cm, const CaffemodelLayer *layer, int b, float *dst,
                            size_t count, Error *err);

#endif
