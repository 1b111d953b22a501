/*
 * caffemodel — Caffe's messages over the protobuf wire format. See caffemodel.h.
 *
 * Each message type is a loop over its fields (engine/io/protobuf.h) that
 * picks the numbers it knows: NetParameter's layers, a layer's name, type
 * and blobs in whichever of the three encodings it uses (a table of field
 * numbers, CaffemodelLayerFields), a BlobProto's shape and values. Open walks
 * the whole file once to list layers and blobs and to count each blob's
 * values; reading a blob walks that blob's message again and decodes its
 * floats or doubles, which works whether they are packed, unpacked or split
 * over several fields (all legal protobuf). The reader's `where` names the
 * layer and blob being parsed, so every wire-format error says where it is.
 */
#include "engine/io/caffemodel.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/base/tensor.h"
#include "engine/io/protobuf.h"

typedef unsigned long long ull; /* for printing uint64_t with %llu */

#define MAX_NAME 1024 /* bytes in a layer name or type */

/* One layer as the handle keeps it: the strings and blobs it owns, and the
 * public view of them that callers get. */
typedef struct ParsedLayer {
    CaffemodelLayer pub; /* what callers see; its pointers alias the fields below */
    char *name, *type;
    CaffemodelBlob *blobs;
    int cap_blobs;
} ParsedLayer;

struct Caffemodel {
    char *path;
    void *map;           /* the mapping (NULL for an empty file) */
    const uint8_t *data; /* = map */
    uint64_t size;
    ParsedLayer *layers;
    size_t n_layers, cap_layers;
};

/* --- blobs ------------------------------------------------------------------- */

static Status caffemodel_blob_add_dim(const ProtobufReader *r, CaffemodelBlob *b, uint64_t v) {
    if ((int64_t)v < 0) return protobuf_fail(r, "negative dimension %lld", (long long)(int64_t)v);
    if (b->ndim == CAFFEMODEL_MAX_DIMS)
        return protobuf_fail(r, "shape has more than %d dimensions", CAFFEMODEL_MAX_DIMS);
    b->shape[b->ndim++] = (int64_t)v;
    return ST_OK;
}

/* BlobShape: repeated int64 dim = 1, packed or not. Repeated BlobShape
 * fields merge (their dims concatenate), as protobuf merges messages. */
static Status caffemodel_blob_shape(const ProtobufReader *r, const ProtobufField *sf,
                                    CaffemodelBlob *b) {
    ProtobufCursor c = protobuf_payload(sf);
    while (c.pos < c.end) {
        ProtobufField f;
        Status st = protobuf_field(r, &c, &f);
        if (st) return st;
        if (f.num != 1) continue;
        if (f.wire == PROTOBUF_VARINT) {
            if ((st = caffemodel_blob_add_dim(r, b, f.value))) return st;
        } else if (f.wire == PROTOBUF_BYTES) {
            ProtobufCursor packed = protobuf_payload(&f);
            while (packed.pos < packed.end) {
                uint64_t v;
                if ((st = protobuf_varint(r, &packed, &v)) ||
                    (st = caffemodel_blob_add_dim(r, b, v)))
                    return st;
            }
        } else {
            return protobuf_expect(r, &f, PROTOBUF_VARINT, "shape dim");
        }
    }
    return ST_OK;
}

/* Adds the values of a data (unit 4) or double_data (unit 8) field to *n. */
static Status caffemodel_blob_count_values(const ProtobufReader *r, const ProtobufField *f,
                                           int unit, uint64_t *n) {
    if (f->wire == PROTOBUF_BYTES) {
        uint64_t len = f->end - f->begin;
        if (len % (uint64_t)unit)
            return protobuf_fail(r, "packed %s at byte %llu holds %llu bytes, not a multiple of %d",
                                 unit == 4 ? "data" : "double_data", (ull)f->at, (ull)len, unit);
        *n += len / (uint64_t)unit;
        return ST_OK;
    }
    Status st = protobuf_expect(r, f, unit == 4 ? PROTOBUF_FIXED32 : PROTOBUF_FIXED64,
                                unit == 4 ? "data" : "double_data");
    if (!st) *n += 1;
    return st;
}

/* The blob's shape from the legacy 4-D dims, leading 1s dropped. */
static Status caffemodel_blob_legacy_shape(const ProtobufReader *r, CaffemodelBlob *b,
                                           const uint64_t legacy[4]) {
    static const char *const names[4] = {"num", "channels", "height", "width"};
    int k = 0;
    for (int i = 0; i < 4; i++)
        if ((int64_t)legacy[i] < 0)
            return protobuf_fail(r, "negative %s %lld", names[i], (long long)(int64_t)legacy[i]);
    while (k < 3 && legacy[k] == 1) k++;
    b->ndim = 0;
    for (; k < 4; k++) b->shape[b->ndim++] = (int64_t)legacy[k];
    return ST_OK;
}

/* One BlobProto: its shape, where it lies, and a check of its value count. */
static Status caffemodel_parse_blob(const ProtobufReader *r, const ProtobufField *bf,
                                    CaffemodelBlob *b) {
    uint64_t legacy[4] = {0, 0, 0, 0}, n_float = 0, n_double = 0;
    int has_legacy = 0, has_shape = 0;
    ProtobufCursor c = protobuf_payload(bf);
    memset(b, 0, sizeof *b);
    b->begin = bf->begin;
    b->end = bf->end;
    while (c.pos < c.end) {
        ProtobufField f;
        Status st = protobuf_field(r, &c, &f);
        if (st) return st;
        switch (f.num) {
        case 1:
        case 2:
        case 3:
        case 4:
            if ((st = protobuf_expect(r, &f, PROTOBUF_VARINT, "legacy dimension"))) return st;
            legacy[f.num - 1] = f.value;
            has_legacy = 1;
            break;
        case 5:
            if ((st = caffemodel_blob_count_values(r, &f, 4, &n_float))) return st;
            break;
        case 8:
            if ((st = caffemodel_blob_count_values(r, &f, 8, &n_double))) return st;
            break;
        case 7:
            if ((st = protobuf_expect(r, &f, PROTOBUF_BYTES, "shape"))) return st;
            has_shape = 1;
            if ((st = caffemodel_blob_shape(r, &f, b))) return st;
            break;
        default:
            break; /* diff, double_diff and anything newer */
        }
    }
    if (!has_shape && has_legacy) {
        Status st = caffemodel_blob_legacy_shape(r, b, legacy);
        if (st) return st;
    }
    b->count = 1;
    for (int i = 0; i < b->ndim; i++) {
        uint64_t d = (uint64_t)b->shape[i];
        if (d && b->count > UINT64_MAX / d) return protobuf_fail(r, "shape too large");
        b->count *= d;
    }
    /* As Caffe's Blob::FromProto: double_data wins when there is any. */
    b->doubles = n_double > 0;
    uint64_t have = b->doubles ? n_double : n_float;
    if (have != b->count) {
        char text[160];
        tensor_shape_text(b->shape, b->ndim, text, sizeof text);
        return protobuf_fail(r, "holds %llu %svalues but its shape %s needs %llu", (ull)have,
                             b->doubles ? "double " : "", text, (ull)b->count);
    }
    return ST_OK;
}

/* --- layers ------------------------------------------------------------------ */

/* Field numbers of the three layer encodings. */
typedef struct CaffemodelLayerFields {
    uint32_t name, type, blobs, nested; /* nested: V1's V0LayerParameter (0: none) */
    int type_is_enum, encoding;
} CaffemodelLayerFields;

static const CaffemodelLayerFields caffemodel_fields_new = {1, 2, 7, 0, 0, 2};
static const CaffemodelLayerFields caffemodel_fields_v1 = {4, 5, 6, 1, 1, 1};
static const CaffemodelLayerFields caffemodel_fields_v0 = {1, 2, 50, 0, 0, 0};

/* V1LayerParameter.LayerType values as today's type strings. */
static const char *caffemodel_v1_type_name(uint64_t v) {
    static const char *const names[] = {
        [1] = "Accuracy",
        [2] = "BNLL",
        [3] = "Concat",
        [4] = "Convolution",
        [5] = "Data",
        [6] = "Dropout",
        [7] = "EuclideanLoss",
        [8] = "Flatten",
        [9] = "HDF5Data",
        [10] = "HDF5Output",
        [11] = "Im2col",
        [12] = "ImageData",
        [13] = "InfogainLoss",
        [14] = "InnerProduct",
        [15] = "LRN",
        [16] = "MultinomialLogisticLoss",
        [17] = "Pooling",
        [18] = "ReLU",
        [19] = "Sigmoid",
        [20] = "Softmax",
        [21] = "SoftmaxWithLoss",
        [22] = "Split",
        [23] = "TanH",
        [24] = "WindowData",
        [25] = "Eltwise",
        [26] = "Power",
        [27] = "SigmoidCrossEntropyLoss",
        [28] = "HingeLoss",
        [29] = "MemoryData",
        [30] = "ArgMax",
        [31] = "Threshold",
        [32] = "DummyData",
        [33] = "Slice",
        [34] = "MVN",
        [35] = "AbsVal",
        [36] = "Silence",
        [37] = "ContrastiveLoss",
        [38] = "Exp",
        [39] = "Deconvolution",
    };
    return v < sizeof names / sizeof names[0] ? names[v] : NULL;
}

/* Name and type of a layer message (last occurrence wins, as in protobuf);
 * *nested gets the range of a V0 layer inside a V1 one (begin == end: none). */
static Status caffemodel_layer_header(ProtobufReader *r, const ProtobufField *lf,
                                      const CaffemodelLayerFields *d, ParsedLayer *l,
                                      ProtobufField *nested) {
    ProtobufCursor c = protobuf_payload(lf);
    nested->begin = nested->end = 0;
    while (c.pos < c.end) {
        ProtobufField f;
        Status st = protobuf_field(r, &c, &f);
        if (st) return st;
        if (f.num == d->name) {
            if ((st = protobuf_expect(r, &f, PROTOBUF_BYTES, "layer name")) ||
                (st = protobuf_string(r, &f, "layer name", MAX_NAME, &l->name)))
                return st;
            if (l->name[0]) snprintf(r->where, sizeof r->where, "layer '%.100s'", l->name);
        } else if (f.num == d->type && d->type_is_enum) {
            if ((st = protobuf_expect(r, &f, PROTOBUF_VARINT, "layer type"))) return st;
            const char *known = caffemodel_v1_type_name(f.value);
            char buf[48];
            if (!known) snprintf(buf, sizeof buf, "V1 type %llu", (ull)f.value);
            char *s = strdup(known ? known : buf);
            if (!s) return error_set(r->err, ST_NOMEM, "%s: out of memory", r->name);
            free(l->type);
            l->type = s;
        } else if (f.num == d->type) {
            if ((st = protobuf_expect(r, &f, PROTOBUF_BYTES, "layer type")) ||
                (st = protobuf_string(r, &f, "layer type", MAX_NAME, &l->type)))
                return st;
        } else if (d->nested && f.num == d->nested) {
            if ((st = protobuf_expect(r, &f, PROTOBUF_BYTES, "V0 layer"))) return st;
            *nested = f;
        }
    }
    return ST_OK;
}

/* Appends every blob field of the layer message lf to l. */
static Status caffemodel_layer_blobs(ProtobufReader *r, const ProtobufField *lf,
                                     const CaffemodelLayerFields *d, ParsedLayer *l) {
    size_t where_len = strlen(r->where);
    ProtobufCursor c = protobuf_payload(lf);
    while (c.pos < c.end) {
        ProtobufField f;
        Status st = protobuf_field(r, &c, &f);
        if (st) return st;
        if (f.num != d->blobs) continue;
        if ((st = protobuf_expect(r, &f, PROTOBUF_BYTES, "blob"))) return st;
        if (l->pub.n_blobs == l->cap_blobs) {
            int cap = l->cap_blobs ? 2 * l->cap_blobs : 2;
            CaffemodelBlob *grown = realloc(l->blobs, (size_t)cap * sizeof *grown);
            if (!grown) return error_set(r->err, ST_NOMEM, "%s: out of memory", r->name);
            l->blobs = grown;
            l->cap_blobs = cap;
        }
        snprintf(r->where + where_len, sizeof r->where - where_len, ", blob %d", l->pub.n_blobs);
        st = caffemodel_parse_blob(r, &f, &l->blobs[l->pub.n_blobs]);
        r->where[where_len] = '\0';
        if (st) return st;
        l->pub.n_blobs++;
    }
    return ST_OK;
}

/* Parses layer message lf of encoding d into a new entry of cm's list. */
static Status caffemodel_parse_layer(ProtobufReader *r, Caffemodel *cm, const ProtobufField *lf,
                                     const CaffemodelLayerFields *d) {
    if (cm->n_layers == cm->cap_layers) {
        size_t cap = cm->cap_layers ? 2 * cm->cap_layers : 16;
        ParsedLayer *grown = realloc(cm->layers, cap * sizeof *grown);
        if (!grown) return error_set(r->err, ST_NOMEM, "%s: out of memory", cm->path);
        cm->layers = grown;
        cm->cap_layers = cap;
    }
    ParsedLayer *l = &cm->layers[cm->n_layers++];
    memset(l, 0, sizeof *l);
    l->pub.encoding = d->encoding;
    snprintf(r->where, sizeof r->where, "layer #%zu", cm->n_layers - 1);
    ProtobufField nested;
    Status st = caffemodel_layer_header(r, lf, d, l, &nested);
    if (!st && nested.end > nested.begin) {
        /* The oldest files: V1LayerParameter { V0LayerParameter layer = 1 }. */
        ParsedLayer v0 = {0};
        ProtobufField unused;
        st = caffemodel_layer_header(r, &nested, &caffemodel_fields_v0, &v0, &unused);
        if (!l->name) {
            l->name = v0.name;
            v0.name = NULL;
        }
        if (!l->type) {
            l->type = v0.type;
            v0.type = NULL;
        }
        free(v0.name);
        free(v0.type);
        l->pub.encoding = caffemodel_fields_v0.encoding;
    }
    if (st) return st;
    if (!l->name && !(l->name = strdup("")))
        return error_set(r->err, ST_NOMEM, "%s: out of memory", cm->path);
    if (!l->type && !(l->type = strdup("")))
        return error_set(r->err, ST_NOMEM, "%s: out of memory", cm->path);
    if (l->name[0]) snprintf(r->where, sizeof r->where, "layer '%.100s'", l->name);
    if ((st = caffemodel_layer_blobs(r, lf, d, l))) return st;
    if (nested.end > nested.begin &&
        (st = caffemodel_layer_blobs(r, &nested, &caffemodel_fields_v0, l)))
        return st;
    l->pub.name = l->name;
    l->pub.type = l->type;
    l->pub.blobs = l->blobs;
    r->where[0] = '\0';
    return ST_OK;
}

/* NetParameter: layer = 100 (new), layers = 2 (V1); everything else skipped. */
static Status caffemodel_parse_net(ProtobufReader *r, Caffemodel *cm) {
    ProtobufCursor c = protobuf_all(r);
    while (c.pos < c.end) {
        ProtobufField f;
        Status st = protobuf_field(r, &c, &f);
        if (st) return st;
        if (f.num != 100 && f.num != 2) continue;
        if ((st = protobuf_expect(r, &f, PROTOBUF_BYTES, "layer")) ||
            (st = caffemodel_parse_layer(
                 r, cm, &f, f.num == 100 ? &caffemodel_fields_new : &caffemodel_fields_v1)))
            return st;
    }
    return ST_OK;
}

/* 1 when the file starts like text (a .prototxt given by mistake): a letter
 * or '#', then printable ASCII with some separators. A binary net starts
 * with a tag byte (0x0a, 0x12, 0xa2); this only rewords a failure. */
static int caffemodel_looks_like_text(const Caffemodel *cm) {
    uint64_t n = cm->size < 64 ? cm->size : 64;
    if (n < 8) return 0;
    uint8_t first = cm->data[0];
    if (!(first == '#' || (first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z')))
        return 0;
    int words = 0; /* text has spaces, colons or braces between its words */
    for (uint64_t i = 0; i < n; i++) {
        uint8_t b = cm->data[i];
        if (!(b == '\n' || b == '\r' || b == '\t' || (b >= 0x20 && b < 0x7f))) return 0;
        words |= b == ' ' || b == ':' || b == '{' || b == '\n';
    }
    return words;
}

/* --- the handle -------------------------------------------------------------- */

static Status caffemodel_map(Caffemodel *cm, Error *err) {
    int fd = open(cm->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return error_set(err, ST_IO, "%s: cannot open: %s", cm->path, strerror(errno));
    struct stat sb;
    Status st = ST_OK;
    if (fstat(fd, &sb) != 0) {
        st = error_set(err, ST_IO, "%s: cannot stat: %s", cm->path, strerror(errno));
    } else if (!S_ISREG(sb.st_mode)) {
        st = error_set(err, ST_IO, "%s: not a regular file", cm->path);
    } else if ((uint64_t)sb.st_size > (uint64_t)SIZE_MAX) {
        st = error_set(err, ST_IO, "%s: %llu bytes is too large to map", cm->path, (ull)sb.st_size);
    } else if (sb.st_size > 0) {
        void *m = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED) {
            st = error_set(err, ST_IO, "%s: cannot map: %s", cm->path, strerror(errno));
        } else {
            cm->map = m;
            cm->data = m;
            cm->size = (uint64_t)sb.st_size;
        }
    }
    close(fd);
    return st;
}

Status caffemodel_open(const char *path, Caffemodel **out, Error *err) {
    *out = NULL;
    Caffemodel *cm = calloc(1, sizeof *cm);
    if (!cm || !(cm->path = strdup(path))) {
        free(cm);
        return error_set(err, ST_NOMEM, "%s: out of memory", path);
    }
    Status st = caffemodel_map(cm, err);
    if (!st) {
        ProtobufReader r;
        protobuf_init(&r, cm->data, cm->size, cm->path, err);
        st = caffemodel_parse_net(&r, cm);
        if (st == ST_FORMAT && caffemodel_looks_like_text(cm))
            st = error_set(err, ST_FORMAT,
                           "%s: looks like a text file (a .prototxt?), not a binary .caffemodel",
                           path);
    }
    if (st) {
        caffemodel_close(cm);
        return st;
    }
    *out = cm;
    return ST_OK;
}

void caffemodel_close(Caffemodel *cm) {
    if (!cm) return;
    for (size_t i = 0; i < cm->n_layers; i++) {
        free(cm->layers[i].name);
        free(cm->layers[i].type);
        free(cm->layers[i].blobs);
    }
    free(cm->layers);
    if (cm->map) munmap(cm->map, (size_t)cm->size);
    free(cm->path);
    free(cm);
}

const char *caffemodel_path(const Caffemodel *cm) {
    return cm->path;
}

size_t caffemodel_layer_count(const Caffemodel *cm) {
    return cm->n_layers;
}

const CaffemodelLayer *caffemodel_layer(const Caffemodel *cm, size_t i) {
    CHECK(i < cm->n_layers);
    return &cm->layers[i].pub;
}

const CaffemodelLayer *caffemodel_find(const Caffemodel *cm, const char *name, int *n_found) {
    const CaffemodelLayer *first = NULL;
    int n = 0;
    for (size_t i = 0; i < cm->n_layers; i++) {
        if (strcmp(cm->layers[i].name, name) != 0) continue;
        if (!first) first = &cm->layers[i].pub;
        n++;
    }
    if (n_found) *n_found = n;
    return first;
}

/* Stores the float (unit 4) or double (unit 8, rounded to float) whose
 * bits are bits at *dst, bit for bit (NaN payloads, -0 and subnormals). */
static void caffemodel_store_value(float *dst, uint64_t bits, int unit) {
    if (unit == 4) {
        uint32_t u = (uint32_t)bits;
        memcpy(dst, &u, sizeof u);
    } else {
        double d;
        memcpy(&d, &bits, sizeof d);
        *dst = (float)d;
    }
}

Status caffemodel_read_blob(const Caffemodel *cm, const CaffemodelLayer *layer, int b, float *dst,
                            size_t count, Error *err) {
    if (b < 0 || b >= layer->n_blobs)
        return error_set(err, ST_ARG, "%s: layer '%s' has no blob %d", cm->path, layer->name, b);
    const CaffemodelBlob *blob = &layer->blobs[b];
    if ((uint64_t)count != blob->count)
        return error_set(err, ST_ARG, "%s: layer '%s', blob %d holds %llu values, not %zu",
                         cm->path, layer->name, b, (ull)blob->count, count);
    CHECK(blob->begin <= blob->end && blob->end <= cm->size);
    ProtobufReader r;
    protobuf_init(&r, cm->data, cm->size, cm->path, err);
    snprintf(r.where, sizeof r.where, "layer '%.100s', blob %d", layer->name, b);
    uint32_t want = blob->doubles ? 8 : 5;
    int unit = blob->doubles ? 8 : 4;
    uint64_t k = 0;
    ProtobufCursor c = {blob->begin, blob->end, 0};
    while (c.pos < c.end) {
        ProtobufField f;
        Status st = protobuf_field(&r, &c, &f);
        if (st) return st;
        if (f.num != want) continue;
        /* Open counted these values, so they fit; the checks guard memory. */
        if (f.wire == PROTOBUF_BYTES) {
            uint64_t n = (f.end - f.begin) / (uint64_t)unit;
            CHECK(n <= (uint64_t)count - k);
            for (uint64_t i = 0; i < n; i++, k++)
                caffemodel_store_value(dst + k, protobuf_le(cm->data + f.begin + i * unit, unit),
                                       unit);
        } else {
            CHECK(k < (uint64_t)count);
            caffemodel_store_value(dst + k++, f.value, unit);
        }
    }
    CHECK(k == (uint64_t)count);
    return ST_OK;
}
