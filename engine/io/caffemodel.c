/*
 * caffemodel — Caffe weights from the protobuf wire format. See caffemodel.h.
 *
 * The decoder is a cursor over the mapped file: a Cursor is one message's
 * byte range, pb_next reads one field (tag, then its varint, fixed value or
 * length-checked payload; groups are skipped whole), and each message type
 * is a loop over its fields that picks the numbers it knows. Every length
 * is compared with what is left of its parent (`len > end - pos`, never
 * `pos + len > end`), so a declared length near 2^64 cannot wrap around.
 * Open walks the whole file once to list layers and blobs and to count each
 * blob's values; reading a blob walks that blob's message again and decodes
 * its floats or doubles, which works whether they are packed, unpacked or
 * split over several fields (all legal protobuf).
 */
#include "engine/io/caffemodel.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/io/safetensors.h"

typedef unsigned long long ull; /* for printing uint64_t with %llu */

enum {
    PB_VARINT = 0,
    PB_FIXED64 = 1,
    PB_BYTES = 2,
    PB_GROUP_START = 3,
    PB_GROUP_END = 4,
    PB_FIXED32 = 5
};
#define PB_MAX_FIELD 536870911u /* 2^29 - 1 */
#define PB_MAX_DEPTH 64         /* nested groups accepted while skipping */
#define MAX_NAME     1024       /* bytes in a layer name or type */

typedef struct Layer {
    CaffemodelLayer pub; /* what callers see; its pointers alias the fields below */
    char *name, *type;
    CaffemodelBlob *blobs;
    int cap_blobs;
} Layer;

struct Caffemodel {
    char *path;
    void *map;           /* the mapping (NULL for an empty file) */
    const uint8_t *data; /* = map */
    uint64_t size;
    Layer *layers;
    size_t n_layers, cap_layers;
};

/* --- the wire format --------------------------------------------------------- */

/* One message's bytes [pos, end); top is 1 for the file itself. */
typedef struct Cursor {
    uint64_t pos, end;
    int top;
} Cursor;

/* One field: its number, wire type and tag offset; value holds a varint or
 * the raw bits of a fixed32/fixed64; [begin, end) a length-delimited payload. */
typedef struct Field {
    uint32_t num;
    int wire;
    uint64_t at, value, begin, end;
} Field;

typedef struct Parse {
    const Caffemodel *cm;
    Error *err;
    char where[160]; /* "layer 'conv1_1', blob 0" while inside one, else "" */
} Parse;

static Status parse_fail(const Parse *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ST_FORMAT: "<path>: <where>: <message>". */
static Status parse_fail(const Parse *p, const char *fmt, ...) {
    char msg[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return error_set(p->err, ST_FORMAT, "%s: %s%s%s", p->cm->path, p->where,
                     p->where[0] ? ": " : "", msg);
}

/* what (e.g. "field 7 at byte 12 declares 99 bytes") does not fit in c. */
static Status parse_overrun(const Parse *p, const Cursor *c, const char *what) {
    if (c->top)
        return parse_fail(p, "%s, past the end of the file at byte %llu (truncated file)", what,
                          (ull)c->end);
    return parse_fail(p, "%s, past the end of its enclosing message at byte %llu", what,
                      (ull)c->end);
}

static Status pb_varint(const Parse *p, Cursor *c, uint64_t *out) {
    uint64_t at = c->pos, v = 0;
    for (int i = 0; i < 10; i++) {
        if (c->pos >= c->end) {
            char what[64];
            snprintf(what, sizeof what, "varint at byte %llu runs on", (ull)at);
            return parse_overrun(p, c, what);
        }
        uint8_t b = p->cm->data[c->pos++];
        if (i == 9 && b > 1) break; /* a 10th byte may only hold bit 63 */
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (b < 0x80) {
            *out = v;
            return ST_OK;
        }
    }
    return parse_fail(p, "bad varint at byte %llu (longer than 64 bits)", (ull)at);
}

static uint64_t load_le(const uint8_t *s, int n) {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = v << 8 | s[i];
    return v;
}

static Status pb_next(const Parse *p, Cursor *c, Field *f, int depth);

/* Skips the rest of group f (its start tag already read) up to its end tag. */
static Status pb_skip_group(const Parse *p, Cursor *c, Field *f, int depth) {
    if (depth >= PB_MAX_DEPTH)
        return parse_fail(p, "groups nested deeper than %d at byte %llu", PB_MAX_DEPTH, (ull)f->at);
    f->begin = c->pos;
    for (;;) {
        if (c->pos >= c->end) {
            char what[80];
            snprintf(what, sizeof what, "group (field %u) at byte %llu has no end tag", f->num,
                     (ull)f->at);
            return parse_overrun(p, c, what);
        }
        Field g;
        uint64_t at = c->pos;
        Status st = pb_next(p, c, &g, depth + 1);
        if (st) return st;
        if (g.wire != PB_GROUP_END) continue;
        if (g.num != f->num)
            return parse_fail(p, "group (field %u) at byte %llu ends with field %u's end tag",
                              f->num, (ull)f->at, g.num);
        f->end = at;
        return ST_OK;
    }
}

/* Reads the field at c->pos and moves c past it (past a whole group).
 * An end-group tag comes back as wire PB_GROUP_END for the caller to judge. */
static Status pb_next(const Parse *p, Cursor *c, Field *f, int depth) {
    char what[96];
    uint64_t tag;
    f->at = c->pos;
    Status st = pb_varint(p, c, &tag);
    if (st) return st;
    if (tag >> 3 == 0 || tag >> 3 > PB_MAX_FIELD)
        return parse_fail(p, "bad field number %llu at byte %llu", (ull)(tag >> 3), (ull)f->at);
    f->num = (uint32_t)(tag >> 3);
    f->wire = (int)(tag & 7);
    f->value = 0;
    f->begin = f->end = c->pos;
    switch (f->wire) {
    case PB_VARINT:
        return pb_varint(p, c, &f->value);
    case PB_FIXED64:
    case PB_FIXED32: {
        int n = f->wire == PB_FIXED64 ? 8 : 4;
        if (c->end - c->pos < (uint64_t)n) {
            snprintf(what, sizeof what, "field %u (fixed%d) at byte %llu needs %d bytes", f->num,
                     8 * n, (ull)f->at, n);
            return parse_overrun(p, c, what);
        }
        f->value = load_le(p->cm->data + c->pos, n);
        c->pos += (uint64_t)n;
        f->end = c->pos;
        return ST_OK;
    }
    case PB_BYTES: {
        uint64_t len;
        if ((st = pb_varint(p, c, &len))) return st;
        if (len > c->end - c->pos) {
            snprintf(what, sizeof what, "field %u at byte %llu declares %llu bytes", f->num,
                     (ull)f->at, (ull)len);
            return parse_overrun(p, c, what);
        }
        f->begin = c->pos;
        c->pos += len;
        f->end = c->pos;
        return ST_OK;
    }
    case PB_GROUP_START:
        return pb_skip_group(p, c, f, depth);
    case PB_GROUP_END:
        return ST_OK;
    default:
        return parse_fail(p, "bad wire type %d (field %u) at byte %llu", f->wire, f->num,
                          (ull)f->at);
    }
}

/* The next field of a message; a stray end-group tag is an error here. */
static Status pb_field(const Parse *p, Cursor *c, Field *f) {
    Status st = pb_next(p, c, f, 0);
    if (!st && f->wire == PB_GROUP_END)
        return parse_fail(p, "end-group tag (field %u) at byte %llu without a start", f->num,
                          (ull)f->at);
    return st;
}

static Status pb_expect(const Parse *p, const Field *f, int wire, const char *what) {
    if (f->wire == wire) return ST_OK;
    return parse_fail(p, "%s (field %u) at byte %llu has wire type %d, expected %d", what, f->num,
                      (ull)f->at, f->wire, wire);
}

/* A new NUL-terminated copy of f's payload into *dst (replacing it). */
static Status pb_string(const Parse *p, const Field *f, const char *what, char **dst) {
    uint64_t len = f->end - f->begin;
    if (len > MAX_NAME)
        return parse_fail(p, "%s at byte %llu is %llu bytes long (at most %d)", what, (ull)f->at,
                          (ull)len, MAX_NAME);
    if (memchr(p->cm->data + f->begin, 0, (size_t)len))
        return parse_fail(p, "%s at byte %llu contains a NUL byte", what, (ull)f->at);
    char *s = malloc((size_t)len + 1);
    if (!s) return error_set(p->err, ST_NOMEM, "%s: out of memory", p->cm->path);
    memcpy(s, p->cm->data + f->begin, (size_t)len);
    s[len] = '\0';
    free(*dst);
    *dst = s;
    return ST_OK;
}

/* --- blobs ------------------------------------------------------------------- */

static void shape_text(const int64_t *shape, int ndim, char *buf, size_t cap) {
    size_t n = (size_t)snprintf(buf, cap, "[");
    for (int i = 0; i < ndim && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%lld", i ? ", " : "", (long long)shape[i]);
    if (n < cap) snprintf(buf + n, cap - n, "]");
}

static Status blob_add_dim(const Parse *p, CaffemodelBlob *b, uint64_t v) {
    if ((int64_t)v < 0) return parse_fail(p, "negative dimension %lld", (long long)(int64_t)v);
    if (b->ndim == CAFFEMODEL_MAX_DIMS)
        return parse_fail(p, "shape has more than %d dimensions", CAFFEMODEL_MAX_DIMS);
    b->shape[b->ndim++] = (int64_t)v;
    return ST_OK;
}

/* BlobShape: repeated int64 dim = 1, packed or not. Repeated BlobShape
 * fields merge (their dims concatenate), as protobuf merges messages. */
static Status parse_blob_shape(const Parse *p, const Field *sf, CaffemodelBlob *b) {
    Cursor c = {sf->begin, sf->end, 0};
    while (c.pos < c.end) {
        Field f;
        Status st = pb_field(p, &c, &f);
        if (st) return st;
        if (f.num != 1) continue;
        if (f.wire == PB_VARINT) {
            if ((st = blob_add_dim(p, b, f.value))) return st;
        } else if (f.wire == PB_BYTES) {
            Cursor packed = {f.begin, f.end, 0};
            while (packed.pos < packed.end) {
                uint64_t v;
                if ((st = pb_varint(p, &packed, &v)) || (st = blob_add_dim(p, b, v))) return st;
            }
        } else {
            return pb_expect(p, &f, PB_VARINT, "shape dim");
        }
    }
    return ST_OK;
}

/* Adds the values of a data (unit 4) or double_data (unit 8) field to *n. */
static Status blob_count_values(const Parse *p, const Field *f, int unit, uint64_t *n) {
    if (f->wire == PB_BYTES) {
        uint64_t len = f->end - f->begin;
        if (len % (uint64_t)unit)
            return parse_fail(p, "packed %s at byte %llu holds %llu bytes, not a multiple of %d",
                              unit == 4 ? "data" : "double_data", (ull)f->at, (ull)len, unit);
        *n += len / (uint64_t)unit;
        return ST_OK;
    }
    Status st =
        pb_expect(p, f, unit == 4 ? PB_FIXED32 : PB_FIXED64, unit == 4 ? "data" : "double_data");
    if (!st) *n += 1;
    return st;
}

/* The blob's shape from the legacy 4-D dims, leading 1s dropped. */
static Status blob_legacy_shape(const Parse *p, CaffemodelBlob *b, const uint64_t legacy[4]) {
    static const char *const names[4] = {"num", "channels", "height", "width"};
    int k = 0;
    for (int i = 0; i < 4; i++)
        if ((int64_t)legacy[i] < 0)
            return parse_fail(p, "negative %s %lld", names[i], (long long)(int64_t)legacy[i]);
    while (k < 3 && legacy[k] == 1) k++;
    b->ndim = 0;
    for (; k < 4; k++) b->shape[b->ndim++] = (int64_t)legacy[k];
    return ST_OK;
}

/* One BlobProto: its shape, where it lies, and a check of its value count. */
static Status parse_blob(const Parse *p, const Field *bf, CaffemodelBlob *b) {
    uint64_t legacy[4] = {0, 0, 0, 0}, n_float = 0, n_double = 0;
    int has_legacy = 0, has_shape = 0;
    Cursor c = {bf->begin, bf->end, 0};
    memset(b, 0, sizeof *b);
    b->begin = bf->begin;
    b->end = bf->end;
    while (c.pos < c.end) {
        Field f;
        Status st = pb_field(p, &c, &f);
        if (st) return st;
        switch (f.num) {
        case 1:
        case 2:
        case 3:
        case 4:
            if ((st = pb_expect(p, &f, PB_VARINT, "legacy dimension"))) return st;
            legacy[f.num - 1] = f.value;
            has_legacy = 1;
            break;
        case 5:
            if ((st = blob_count_values(p, &f, 4, &n_float))) return st;
            break;
        case 8:
            if ((st = blob_count_values(p, &f, 8, &n_double))) return st;
            break;
        case 7:
            if ((st = pb_expect(p, &f, PB_BYTES, "shape"))) return st;
            has_shape = 1;
            if ((st = parse_blob_shape(p, &f, b))) return st;
            break;
        default:
            break; /* diff, double_diff and anything newer */
        }
    }
    if (!has_shape && has_legacy) {
        Status st = blob_legacy_shape(p, b, legacy);
        if (st) return st;
    }
    b->count = 1;
    for (int i = 0; i < b->ndim; i++) {
        uint64_t d = (uint64_t)b->shape[i];
        if (d && b->count > UINT64_MAX / d) return parse_fail(p, "shape too large");
        b->count *= d;
    }
    /* As Caffe's Blob::FromProto: double_data wins when there is any. */
    b->doubles = n_double > 0;
    uint64_t have = b->doubles ? n_double : n_float;
    if (have != b->count) {
        char text[160];
        shape_text(b->shape, b->ndim, text, sizeof text);
        return parse_fail(p, "holds %llu %svalues but its shape %s needs %llu", (ull)have,
                          b->doubles ? "double " : "", text, (ull)b->count);
    }
    return ST_OK;
}

/* --- layers ------------------------------------------------------------------ */

/* Field numbers of the three layer encodings. */
typedef struct LayerFields {
    uint32_t name, type, blobs, nested; /* nested: V1's V0LayerParameter (0: none) */
    int type_is_enum, encoding;
} LayerFields;

static const LayerFields layer_new = {1, 2, 7, 0, 0, 2};
static const LayerFields layer_v1 = {4, 5, 6, 1, 1, 1};
static const LayerFields layer_v0 = {1, 2, 50, 0, 0, 0};

/* V1LayerParameter.LayerType values as today's type strings. */
static const char *v1_type_name(uint64_t v) {
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
static Status layer_header(Parse *p, const Field *lf, const LayerFields *d, Layer *l,
                           Field *nested) {
    Cursor c = {lf->begin, lf->end, 0};
    nested->begin = nested->end = 0;
    while (c.pos < c.end) {
        Field f;
        Status st = pb_field(p, &c, &f);
        if (st) return st;
        if (f.num == d->name) {
            if ((st = pb_expect(p, &f, PB_BYTES, "layer name")) ||
                (st = pb_string(p, &f, "layer name", &l->name)))
                return st;
            if (l->name[0]) snprintf(p->where, sizeof p->where, "layer '%.100s'", l->name);
        } else if (f.num == d->type && d->type_is_enum) {
            if ((st = pb_expect(p, &f, PB_VARINT, "layer type"))) return st;
            const char *known = v1_type_name(f.value);
            char buf[48];
            if (!known) snprintf(buf, sizeof buf, "V1 type %llu", (ull)f.value);
            char *s = strdup(known ? known : buf);
            if (!s) return error_set(p->err, ST_NOMEM, "%s: out of memory", p->cm->path);
            free(l->type);
            l->type = s;
        } else if (f.num == d->type) {
            if ((st = pb_expect(p, &f, PB_BYTES, "layer type")) ||
                (st = pb_string(p, &f, "layer type", &l->type)))
                return st;
        } else if (d->nested && f.num == d->nested) {
            if ((st = pb_expect(p, &f, PB_BYTES, "V0 layer"))) return st;
            *nested = f;
        }
    }
    return ST_OK;
}

/* Appends every blob field of the layer message lf to l. */
static Status layer_blobs(Parse *p, const Field *lf, const LayerFields *d, Layer *l) {
    size_t where_len = strlen(p->where);
    Cursor c = {lf->begin, lf->end, 0};
    while (c.pos < c.end) {
        Field f;
        Status st = pb_field(p, &c, &f);
        if (st) return st;
        if (f.num != d->blobs) continue;
        if ((st = pb_expect(p, &f, PB_BYTES, "blob"))) return st;
        if (l->pub.n_blobs == l->cap_blobs) {
            int cap = l->cap_blobs ? 2 * l->cap_blobs : 2;
            CaffemodelBlob *grown = realloc(l->blobs, (size_t)cap * sizeof *grown);
            if (!grown) return error_set(p->err, ST_NOMEM, "%s: out of memory", p->cm->path);
            l->blobs = grown;
            l->cap_blobs = cap;
        }
        snprintf(p->where + where_len, sizeof p->where - where_len, ", blob %d", l->pub.n_blobs);
        st = parse_blob(p, &f, &l->blobs[l->pub.n_blobs]);
        p->where[where_len] = '\0';
        if (st) return st;
        l->pub.n_blobs++;
    }
    return ST_OK;
}

/* Parses layer message lf of encoding d into a new entry of cm's list. */
static Status parse_layer(Parse *p, Caffemodel *cm, const Field *lf, const LayerFields *d) {
    if (cm->n_layers == cm->cap_layers) {
        size_t cap = cm->cap_layers ? 2 * cm->cap_layers : 16;
        Layer *grown = realloc(cm->layers, cap * sizeof *grown);
        if (!grown) return error_set(p->err, ST_NOMEM, "%s: out of memory", cm->path);
        cm->layers = grown;
        cm->cap_layers = cap;
    }
    Layer *l = &cm->layers[cm->n_layers++];
    memset(l, 0, sizeof *l);
    l->pub.encoding = d->encoding;
    snprintf(p->where, sizeof p->where, "layer #%zu", cm->n_layers - 1);
    Field nested;
    Status st = layer_header(p, lf, d, l, &nested);
    if (!st && nested.end > nested.begin) {
        /* The oldest files: V1LayerParameter { V0LayerParameter layer = 1 }. */
        Layer v0 = {0};
        Field unused;
        st = layer_header(p, &nested, &layer_v0, &v0, &unused);
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
        l->pub.encoding = layer_v0.encoding;
    }
    if (st) return st;
    if (!l->name && !(l->name = strdup("")))
        return error_set(p->err, ST_NOMEM, "%s: out of memory", cm->path);
    if (!l->type && !(l->type = strdup("")))
        return error_set(p->err, ST_NOMEM, "%s: out of memory", cm->path);
    if (l->name[0]) snprintf(p->where, sizeof p->where, "layer '%.100s'", l->name);
    if ((st = layer_blobs(p, lf, d, l))) return st;
    if (nested.end > nested.begin && (st = layer_blobs(p, &nested, &layer_v0, l))) return st;
    l->pub.name = l->name;
    l->pub.type = l->type;
    l->pub.blobs = l->blobs;
    p->where[0] = '\0';
    return ST_OK;
}

/* NetParameter: layer = 100 (new), layers = 2 (V1); everything else skipped. */
static Status parse_net(Parse *p, Caffemodel *cm) {
    Cursor c = {0, cm->size, 1};
    while (c.pos < c.end) {
        Field f;
        Status st = pb_field(p, &c, &f);
        if (st) return st;
        if (f.num != 100 && f.num != 2) continue;
        if ((st = pb_expect(p, &f, PB_BYTES, "layer")) ||
            (st = parse_layer(p, cm, &f, f.num == 100 ? &layer_new : &layer_v1)))
            return st;
    }
    return ST_OK;
}

/* 1 when the file starts like text (a .prototxt given by mistake): a letter
 * or '#', then printable ASCII with some separators. A binary net starts
 * with a tag byte (0x0a, 0x12, 0xa2); this only rewords a failure. */
static int looks_like_text(const Caffemodel *cm) {
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
        Parse p = {.cm = cm, .err = err};
        st = parse_net(&p, cm);
        if (st == ST_FORMAT && looks_like_text(cm))
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

/* Decodes n little-endian floats (unit 4) or doubles (unit 8) from s. */
static void decode_values(const uint8_t *s, uint64_t n, int unit, float *dst) {
    for (uint64_t i = 0; i < n; i++, s += unit) {
        uint64_t bits = load_le(s, unit);
        if (unit == 4) {
            uint32_t u = (uint32_t)bits;
            memcpy(&dst[i], &u, sizeof u);
        } else {
            double d;
            memcpy(&d, &bits, sizeof d);
            dst[i] = (float)d;
        }
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
    Parse p = {.cm = cm, .err = err};
    snprintf(p.where, sizeof p.where, "layer '%.100s', blob %d", layer->name, b);
    uint32_t want = blob->doubles ? 8 : 5;
    int unit = blob->doubles ? 8 : 4;
    uint64_t k = 0;
    Cursor c = {blob->begin, blob->end, 0};
    while (c.pos < c.end) {
        Field f;
        Status st = pb_field(&p, &c, &f);
        if (st) return st;
        if (f.num != want) continue;
        /* Open counted these values, so they fit; the checks guard memory. */
        if (f.wire == PB_BYTES) {
            uint64_t n = (f.end - f.begin) / (uint64_t)unit;
            CHECK(n <= (uint64_t)count - k);
            decode_values(cm->data + f.begin, n, unit, dst + k);
            k += n;
        } else {
            CHECK(k < (uint64_t)count);
            uint8_t raw[8];
            for (int i = 0; i < unit; i++) raw[i] = (uint8_t)(f.value >> (8 * i));
            decode_values(raw, 1, unit, dst + k);
            k++;
        }
    }
    CHECK(k == (uint64_t)count);
    return ST_OK;
}

/* --- VGG-16 to safetensors --------------------------------------------------- */

static const char *const vgg16_names[CAFFEMODEL_VGG16_CONV] = {
    "conv1_1", "conv1_2", "conv2_1", "conv2_2", "conv3_1", "conv3_2", "conv3_3",
    "conv4_1", "conv4_2", "conv4_3", "conv5_1", "conv5_2", "conv5_3"};
static const int vgg16_channels[CAFFEMODEL_VGG16_CONV] = {64,  64,  128, 128, 256, 256, 256,
                                                          512, 512, 512, 512, 512, 512};
static const int vgg16_features[CAFFEMODEL_VGG16_CONV] = {0,  2,  5,  7,  10, 12, 14,
                                                          17, 19, 21, 24, 26, 28};
#define MAX_WIDTH 16.0f /* 8192 channels in conv5: beyond that the shapes are nonsense */

/* Width from conv1_1's output channels (1 when they do not say). */
static float vgg16_infer_width(const CaffemodelLayer *conv1_1) {
    if (conv1_1->n_blobs < 1 || conv1_1->blobs[0].ndim < 1) return 1.0f;
    int64_t cout = conv1_1->blobs[0].shape[0];
    if (cout < 1 || (float)cout / 64.0f > MAX_WIDTH) return 1.0f;
    return (float)cout / 64.0f;
}

static Status vgg16_check_shape(const Caffemodel *cm, const CaffemodelLayer *l, int b,
                                const int64_t *want, int ndim, float width, Error *err) {
    const CaffemodelBlob *blob = &l->blobs[b];
    int same = blob->ndim == ndim;
    for (int i = 0; same && i < ndim; i++) same = blob->shape[i] == want[i];
    if (same) return ST_OK;
    char got[160], need[96], scaled[48] = "";
    shape_text(blob->shape, blob->ndim, got, sizeof got);
    shape_text(want, ndim, need, sizeof need);
    if (width != 1.0f) snprintf(scaled, sizeof scaled, " (VGG-16 at width %g)", (double)width);
    return error_set(err, ST_SHAPE, "%s: layer '%s', blob %d (%s): expected %s%s, got %s", cm->path,
                     l->name, b, b ? "bias" : "weight", need, scaled, got);
}

/* Finds the 13 convolutions and checks their blobs; fills info's table. */
static Status vgg16_check(const Caffemodel *cm, float width, const CaffemodelLayer **convs,
                          CaffemodelVgg16 *info, Error *err) {
    for (int i = 0; i < CAFFEMODEL_VGG16_CONV; i++) {
        int n;
        convs[i] = caffemodel_find(cm, vgg16_names[i], &n);
        if (!convs[i])
            return error_set(
                err, ST_FORMAT, "%s: layer '%s' is missing (VGG-16 has conv1_1 ... conv5_3)%s",
                cm->path, vgg16_names[i], cm->n_layers ? "" : "; the file has no layers at all");
        if (n > 1)
            return error_set(err, ST_FORMAT, "%s: layer '%s' appears %d times", cm->path,
                             vgg16_names[i], n);
    }
    if (width == 0.0f) width = vgg16_infer_width(convs[0]);
    memset(info, 0, sizeof *info);
    info->width = width;
    int cin = 3;
    for (int i = 0; i < CAFFEMODEL_VGG16_CONV; i++) {
        const CaffemodelLayer *l = convs[i];
        if (l->n_blobs != 2)
            return error_set(err, ST_FORMAT,
                             "%s: layer '%s' has %d blob%s, expected 2 (weight and bias)", cm->path,
                             l->name, l->n_blobs, l->n_blobs == 1 ? "" : "s");
        int cout = (int)lroundf((float)vgg16_channels[i] * width);
        if (cout < 1) cout = 1;
        const int64_t wshape[4] = {cout, cin, 3, 3}, bshape[1] = {cout};
        Status st = vgg16_check_shape(cm, l, 0, wshape, 4, width, err);
        if (!st) st = vgg16_check_shape(cm, l, 1, bshape, 1, width, err);
        if (st) return st;
        snprintf(info->conv[i].caffe, sizeof info->conv[i].caffe, "%s", vgg16_names[i]);
        snprintf(info->conv[i].prefix, sizeof info->conv[i].prefix, "features.%d",
                 vgg16_features[i]);
        info->conv[i].cout = cout;
        info->conv[i].cin = cin;
        info->n_params += (uint64_t)cout * (uint64_t)cin * 9u + (uint64_t)cout;
        cin = cout;
    }
    return ST_OK;
}

/* Reads every conv into buf and hands it to w (which only references it). */
static Status vgg16_fill(const Caffemodel *cm, const CaffemodelLayer *const *convs,
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
    const char *slash = strrchr(cm->path, '/');
    safetensors_writer_meta(w, "format", "caffe");
    safetensors_writer_meta(w, "source", slash ? slash + 1 : cm->path);
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
    Status st = vgg16_check(cm, width, convs, &got, err);
    if (st) return st;
    if (got.n_params > SIZE_MAX / sizeof(float))
        return error_set(err, ST_NOMEM, "%s: %llu parameters do not fit in memory", cm->path,
                         (ull)got.n_params);
    float *buf = malloc((size_t)got.n_params * sizeof *buf);
    SafeTensorsWriter *w = safetensors_writer_create();
    if (!buf || !w) {
        st = error_set(err, ST_NOMEM, "%s: cannot allocate %llu parameters", cm->path,
                       (ull)got.n_params);
        goto done;
    }
    if ((st = vgg16_fill(cm, convs, &got, buf, w, err))) goto done;
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
