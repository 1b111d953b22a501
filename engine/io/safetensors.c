/*
 * safetensors — the reader: header parsing and validation, queries, and
 * tensor reads by pread with F16/BF16 conversion. See safetensors.h; the
 * writer is safetensors_writer.c.
 *
 * Opening reads only the 8-byte length and the header. The header must be
 * UTF-8 (checked up front, as json.h requires); a recursive-descent parser
 * over the json.h cursor that knows the header's shape turns it into a
 * table of SafeTensorsInfo. It is strict JSON (RFC 8259) but only builds
 * what it needs: unknown fields inside a tensor entry are parsed and
 * skipped, as serde does for the reference library. Then, as the reference
 * does, the table is sorted by (begin, end) and must tile the data buffer
 * exactly: first begin 0, each begin the previous end, last end the
 * buffer's length, each length product(shape) * dtype bits / 8. All offset
 * arithmetic is uint64_t with explicit overflow checks, so a header cannot
 * make a length wrap. Lookup by name is a binary search over a name-sorted
 * index, which also exposes duplicate names.
 */
#include "engine/io/safetensors.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/base/tensor.h"
#include "engine/io/json.h"
#include "engine/io/safetensors_internal.h"

/* Largest single read request (Linux caps one call near 2 GiB). */
#define IO_CHUNK ((size_t)1 << 30)

/* --- dtypes ---------------------------------------------------------------- */

typedef struct Dtype {
    const char *name;
    int bits;
} Dtype;

/* Every dtype of the reference library (safetensors 0.6). */
static const Dtype dtypes[] = {
    {"BOOL", 8}, {"F4", 4},      {"F6_E2M3", 6}, {"F6_E3M2", 6}, {"U8", 8},
    {"I8", 8},   {"F8_E5M2", 8}, {"F8_E4M3", 8}, {"F8_E8M0", 8}, {"I16", 16},
    {"U16", 16}, {"F16", 16},    {"BF16", 16},   {"I32", 32},    {"U32", 32},
    {"F32", 32}, {"C64", 64},    {"F64", 64},    {"I64", 64},    {"U64", 64},
};

static const Dtype *dtype_find(const char *name) {
    for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
        if (strcmp(dtypes[i].name, name) == 0) return &dtypes[i];
    return NULL;
}

/* --- byte helpers -------------------------------------------------------- */

static uint64_t le64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

/* Reads len bytes at off. Returns 0, -1 with errno set, or 1 at end of file. */
static int pread_full(int fd, void *buf, size_t len, uint64_t off) {
    uint8_t *p = buf;
    while (len > 0) {
        size_t want = len < IO_CHUNK ? len : IO_CHUNK;
        ssize_t got = pread(fd, p, want, (off_t)off);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) return -1;
        if (got == 0) return 1;
        p += got;
        off += (uint64_t)got;
        len -= (size_t)got;
    }
    return 0;
}

/* --- the handle ------------------------------------------------------------ */

struct SafeTensors {
    char *path;
    int fd;
    uint64_t data_start, data_len; /* absolute offset and length of the data buffer */
    SafeTensorsInfo *tensors;      /* sorted by (begin, end) once open succeeds */
    size_t count, cap;
    const SafeTensorsInfo **by_name; /* sorted by name */
    MetaPair *meta;
    size_t nmeta, metacap;
    int seen_meta;
};

void safetensors_close(SafeTensors *st) {
    if (!st) return;
    if (st->fd >= 0) close(st->fd);
    /* Names are const in the public struct; the handle owns them. */
    for (size_t i = 0; i < st->count; i++) free((char *)(uintptr_t)st->tensors[i].name);
    meta_free(st->meta, st->nmeta);
    free(st->tensors);
    free(st->by_name);
    free(st->path);
    free(st);
}

/* --- header entries -------------------------------------------------------- */

/* Fails with ST_FORMAT and "PATH: tensor 'NAME': " then the formatted text. */
static Status tensor_fail(Json *j, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static Status tensor_fail(Json *j, const char *name, const char *fmt, ...) {
    char what[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return error_set(j->err, ST_FORMAT, "%s: tensor '%s': %s", j->path, name, what);
}

/* One non-negative integer of a shape or data_offsets array. */
static Status entry_uint(Json *j, const char *name, const char *field, int index, uint64_t max,
                         uint64_t *out) {
    char c = json_peek(j);
    if (c != '-' && (c < '0' || c > '9'))
        return tensor_fail(j, name, "%s[%d] is not an integer (header byte %zu)", field, index,
                           j->pos);
    JsonNumKind kind;
    Status s = json_number(j, out, &kind);
    if (s != ST_OK) return s;
    if (kind == JSON_NEGATIVE) return tensor_fail(j, name, "%s[%d] is negative", field, index);
    if (kind == JSON_FRACTION)
        return tensor_fail(j, name, "%s[%d] is not an integer", field, index);
    if (kind == JSON_HUGE || *out > max)
        return tensor_fail(j, name, "%s[%d] is too large", field, index);
    return ST_OK;
}

static Status entry_shape(Json *j, SafeTensorsInfo *t) {
    if (!json_accept(j, '[')) return tensor_fail(j, t->name, "shape is not an array");
    if (json_accept(j, ']')) return ST_OK; /* a scalar */
    Status s = ST_OK;
    do {
        if (t->ndim == SAFETENSORS_MAX_DIMS)
            return tensor_fail(j, t->name, "more than %d dimensions are not supported",
                               SAFETENSORS_MAX_DIMS);
        uint64_t d;
        if ((s = entry_uint(j, t->name, "shape", t->ndim, INT64_MAX, &d)) != ST_OK) return s;
        t->shape[t->ndim++] = (int64_t)d;
    } while (json_next(j, ']', &s));
    return s;
}

static Status entry_offsets(Json *j, SafeTensorsInfo *t) {
    if (!json_accept(j, '[')) return tensor_fail(j, t->name, "data_offsets is not an array");
    uint64_t v[2] = {0, 0};
    int k = 0;
    Status s = ST_OK;
    if (!json_accept(j, ']')) {
        do {
            if (k == 2) return tensor_fail(j, t->name, "data_offsets has more than 2 entries");
            if ((s = entry_uint(j, t->name, "data_offsets", k, UINT64_MAX, &v[k])) != ST_OK)
                return s;
            k++;
        } while (json_next(j, ']', &s));
        if (s != ST_OK) return s;
    }
    if (k != 2) return tensor_fail(j, t->name, "data_offsets must be [begin, end]");
    t->begin = v[0];
    t->end = v[1];
    return ST_OK;
}

static Status entry_dtype(Json *j, SafeTensorsInfo *t) {
    if (json_peek(j) != '"') return tensor_fail(j, t->name, "dtype is not a string");
    char *name;
    Status s = json_string(j, &name);
    if (s != ST_OK) return s;
    const Dtype *d = dtype_find(name);
    if (!d) {
        s = tensor_fail(j, t->name, "unknown dtype '%s'", name);
        free(name);
        return s;
    }
    free(name);
    t->dtype = d->name;
    t->dtype_bits = d->bits;
    return ST_OK;
}

/* Parses {"dtype": ..., "shape": [...], "data_offsets": [b, e], other...}. */
static Status entry_parse(Json *j, SafeTensorsInfo *t) {
    if (!json_accept(j, '{'))
        return tensor_fail(j, t->name, "the entry at header byte %zu is not a JSON object", j->pos);
    static const char *const fields[3] = {"dtype", "shape", "data_offsets"};
    int seen[3] = {0, 0, 0};
    Status s = ST_OK;
    if (!json_accept(j, '}')) {
        do {
            char *key;
            if ((s = json_string(j, &key)) != ST_OK) return s;
            int f = 0;
            while (f < 3 && strcmp(key, fields[f]) != 0) f++;
            free(key);
            if ((s = json_expect(j, ':')) != ST_OK) return s;
            if (f == 3) {
                s = json_skip(j, 3); /* header object, entry, this value */
            } else if (seen[f]) {
                return tensor_fail(j, t->name, "duplicate field '%s'", fields[f]);
            } else {
                seen[f] = 1;
                s = f == 0 ? entry_dtype(j, t) : f == 1 ? entry_shape(j, t) : entry_offsets(j, t);
            }
            if (s != ST_OK) return s;
        } while (json_next(j, '}', &s));
        if (s != ST_OK) return s;
    }
    for (int f = 0; f < 3; f++)
        if (!seen[f]) return tensor_fail(j, t->name, "missing '%s'", fields[f]);
    return ST_OK;
}

static Status meta_add(SafeTensors *st, Json *j, char *key, char *value) {
    for (size_t i = 0; i < st->nmeta; i++) {
        if (strcmp(st->meta[i].key, key) == 0) {
            Status s =
                error_set(j->err, ST_FORMAT, "%s: duplicate __metadata__ key '%s'", j->path, key);
            free(key);
            free(value);
            return s;
        }
    }
    if (st->nmeta == st->metacap) {
        size_t cap = st->metacap ? 2 * st->metacap : 8;
        MetaPair *m = realloc(st->meta, cap * sizeof *m);
        if (!m) {
            free(key);
            free(value);
            return error_set(j->err, ST_NOMEM, "%s: out of memory parsing the header", j->path);
        }
        st->meta = m;
        st->metacap = cap;
    }
    st->meta[st->nmeta].key = key;
    st->meta[st->nmeta++].value = value;
    return ST_OK;
}

/* Parses the "__metadata__" value: null or an object of strings. */
static Status meta_parse(SafeTensors *st, Json *j) {
    if (json_accept_word(j, "null")) return ST_OK;
    if (!json_accept(j, '{'))
        return error_set(j->err, ST_FORMAT, "%s: __metadata__ is not an object of strings",
                         j->path);
    if (json_accept(j, '}')) return ST_OK;
    Status s = ST_OK;
    do {
        char *key, *value;
        if ((s = json_string(j, &key)) != ST_OK) return s;
        if ((s = json_expect(j, ':')) != ST_OK) {
            free(key);
            return s;
        }
        if (json_peek(j) != '"') {
            s = error_set(j->err, ST_FORMAT, "%s: __metadata__ value of '%s' is not a string",
                          j->path, key);
            free(key);
            return s;
        }
        if ((s = json_string(j, &value)) != ST_OK) {
            free(key);
            return s;
        }
        if ((s = meta_add(st, j, key, value)) != ST_OK) return s;
    } while (json_next(j, '}', &s));
    return s;
}

static Status tensor_new(SafeTensors *st, Json *j, char *name, SafeTensorsInfo **out) {
    if (st->count == st->cap) {
        size_t cap = st->cap ? 2 * st->cap : 16;
        SafeTensorsInfo *t = realloc(st->tensors, cap * sizeof *t);
        if (!t) {
            free(name);
            return error_set(j->err, ST_NOMEM, "%s: out of memory parsing the header", j->path);
        }
        st->tensors = t;
        st->cap = cap;
    }
    SafeTensorsInfo *t = &st->tensors[st->count++];
    memset(t, 0, sizeof *t);
    t->name = name;
    *out = t;
    return ST_OK;
}

/* Parses the whole header object into st's tables. */
static Status header_parse(SafeTensors *st, Json *j) {
    Status s = json_expect(j, '{');
    if (s != ST_OK) return s;
    if (!json_accept(j, '}')) {
        do {
            char *key;
            if ((s = json_string(j, &key)) != ST_OK) return s;
            if ((s = json_expect(j, ':')) != ST_OK) {
                free(key);
                return s;
            }
            if (strcmp(key, "__metadata__") == 0) {
                free(key);
                if (st->seen_meta)
                    return error_set(j->err, ST_FORMAT, "%s: duplicate __metadata__ object",
                                     j->path);
                st->seen_meta = 1;
                s = meta_parse(st, j);
            } else {
                SafeTensorsInfo *t = NULL;
                if ((s = tensor_new(st, j, key, &t)) != ST_OK) return s;
                s = entry_parse(j, t);
            }
            if (s != ST_OK) return s;
        } while (json_next(j, '}', &s));
        if (s != ST_OK) return s;
    }
    if (!json_at_end(j)) return json_fail(j, "unexpected characters after the JSON object");
    return ST_OK;
}

/* --- validation ------------------------------------------------------------ */

/* Element count, byte length and bounds of one tensor. */
static Status tensor_check(SafeTensors *st, SafeTensorsInfo *t, Error *err) {
    char shape[160];
    uint64_t count = 1, bits;
    int overflow = 0; /* like the reference, any overflowing partial product fails */
    for (int d = 0; d < t->ndim; d++) overflow |= mul_u64(count, (uint64_t)t->shape[d], &count);
    if (overflow || mul_u64(count, (uint64_t)t->dtype_bits, &bits) != 0)
        return error_set(err, ST_FORMAT, "%s: tensor '%s': shape %s has too many elements",
                         st->path, t->name,
                         tensor_shape_text(t->shape, t->ndim, shape, sizeof shape));
    if (bits % 8 != 0)
        return error_set(
            err, ST_FORMAT, "%s: tensor '%s': shape %s of %s does not fill a whole number of bytes",
            st->path, t->name, tensor_shape_text(t->shape, t->ndim, shape, sizeof shape), t->dtype);
    if (t->end < t->begin)
        return error_set(err, ST_FORMAT,
                         "%s: tensor '%s': data_offsets [%" PRIu64 ", %" PRIu64
                         "] end before they begin",
                         st->path, t->name, t->begin, t->end);
    if (t->end > st->data_len)
        return error_set(err, ST_FORMAT,
                         "%s: tensor '%s': data_offsets [%" PRIu64 ", %" PRIu64
                         "] lie outside the %" PRIu64 "-byte data buffer (file truncated?)",
                         st->path, t->name, t->begin, t->end, st->data_len);
    if (t->end - t->begin != bits / 8)
        return error_set(err, ST_FORMAT,
                         "%s: tensor '%s': data_offsets [%" PRIu64 ", %" PRIu64 "] hold %" PRIu64
                         " bytes but shape %s of %s needs %" PRIu64,
                         st->path, t->name, t->begin, t->end, t->end - t->begin,
                         tensor_shape_text(t->shape, t->ndim, shape, sizeof shape), t->dtype,
                         bits / 8);
    t->count = count;
    t->file_offset = st->data_start + t->begin;
    return ST_OK;
}

static int cmp_offsets(const void *pa, const void *pb) {
    const SafeTensorsInfo *a = pa, *b = pb;
    if (a->begin != b->begin) return a->begin < b->begin ? -1 : 1;
    if (a->end != b->end) return a->end < b->end ? -1 : 1;
    return strcmp(a->name, b->name);
}

static int cmp_names(const void *pa, const void *pb) {
    const SafeTensorsInfo *const *a = pa, *const *b = pb;
    return strcmp((*a)->name, (*b)->name);
}

/* Sorts, indexes by name, rejects duplicates, and checks the tensors tile
 * the data buffer exactly. */
static Status layout_check(SafeTensors *st, Error *err) {
    if (st->count > 0) {
        qsort(st->tensors, st->count, sizeof *st->tensors, cmp_offsets);
        st->by_name = malloc(st->count * sizeof *st->by_name);
        if (!st->by_name) return error_set(err, ST_NOMEM, "%s: out of memory", st->path);
        for (size_t i = 0; i < st->count; i++) st->by_name[i] = &st->tensors[i];
        qsort(st->by_name, st->count, sizeof *st->by_name, cmp_names);
    }
    for (size_t i = 1; i < st->count; i++)
        if (strcmp(st->by_name[i - 1]->name, st->by_name[i]->name) == 0)
            return error_set(err, ST_FORMAT, "%s: tensor '%s' appears more than once", st->path,
                             st->by_name[i]->name);
    uint64_t pos = 0;
    for (size_t i = 0; i < st->count; i++) {
        const SafeTensorsInfo *t = &st->tensors[i], *prev = i ? &st->tensors[i - 1] : NULL;
        if (t->begin < pos)
            return error_set(err, ST_FORMAT,
                             "%s: tensor '%s': data_offsets [%" PRIu64 ", %" PRIu64
                             "] overlap tensor '%s' [%" PRIu64 ", %" PRIu64 "]",
                             st->path, t->name, t->begin, t->end, prev->name, prev->begin,
                             prev->end);
        if (t->begin > pos && !prev)
            return error_set(err, ST_FORMAT,
                             "%s: tensor '%s': the data buffer starts with %" PRIu64
                             " bytes no tensor covers (data_offsets must begin at 0)",
                             st->path, t->name, t->begin);
        if (t->begin > pos)
            return error_set(err, ST_FORMAT,
                             "%s: tensor '%s': data_offsets [%" PRIu64 ", %" PRIu64
                             "] leave a gap of %" PRIu64 " bytes after tensor '%s'",
                             st->path, t->name, t->begin, t->end, t->begin - pos, prev->name);
        pos = t->end;
    }
    if (pos != st->data_len)
        return error_set(err, ST_FORMAT,
                         "%s: %" PRIu64 " bytes at the end of the data buffer belong to no tensor",
                         st->path, st->data_len - pos);
    return ST_OK;
}

/* --- opening --------------------------------------------------------------- */

/* Reads and checks the length prefix and the header text into *text. */
static Status header_read(SafeTensors *st, char **text, size_t *len, Error *err) {
    struct stat sb;
    if (fstat(st->fd, &sb) != 0)
        return error_set(err, ST_IO, "%s: cannot stat: %s", st->path, strerror(errno));
    if (!S_ISREG(sb.st_mode)) return error_set(err, ST_IO, "%s: not a regular file", st->path);
    uint64_t size = (uint64_t)sb.st_size;
    if (size < 8)
        return error_set(err, ST_FORMAT,
                         "%s: only %" PRIu64 " bytes, too short for the 8-byte header length",
                         st->path, size);
    uint8_t prefix[8];
    int r = pread_full(st->fd, prefix, 8, 0);
    if (r != 0)
        return error_set(err, ST_IO, "%s: cannot read: %s", st->path,
                         r < 0 ? strerror(errno) : "unexpected end of file");
    uint64_t n = le64(prefix);
    if (n > SAFETENSORS_MAX_HEADER)
        return error_set(err, ST_FORMAT,
                         "%s: header length %" PRIu64
                         " is over the 100 MiB limit (not a safetensors file?)",
                         st->path, n);
    if (n > size - 8)
        return error_set(err, ST_FORMAT,
                         "%s: header length %" PRIu64 " runs past the end of the %" PRIu64
                         "-byte file (truncated?)",
                         st->path, n, size);
    char *buf = malloc((size_t)n + 1);
    if (!buf) return error_set(err, ST_NOMEM, "%s: out of memory reading the header", st->path);
    r = pread_full(st->fd, buf, (size_t)n, 8);
    if (r != 0) {
        free(buf);
        return error_set(err, ST_IO, "%s: cannot read the header: %s", st->path,
                         r < 0 ? strerror(errno) : "unexpected end of file");
    }
    buf[n] = '\0';
    size_t bad = json_utf8_invalid_at(buf, (size_t)n);
    if (bad != n) {
        free(buf);
        return error_set(err, ST_FORMAT, "%s: the header is not valid UTF-8 (at byte %zu)",
                         st->path, bad);
    }
    st->data_start = 8 + n;
    st->data_len = size - 8 - n;
    *text = buf;
    *len = (size_t)n;
    return ST_OK;
}

Status safetensors_open(const char *path, SafeTensors **out, Error *err) {
    *out = NULL;
    SafeTensors *st = calloc(1, sizeof *st);
    char *text = NULL;
    if (!st || !(st->path = strdup(path))) {
        free(st);
        return error_set(err, ST_NOMEM, "%s: out of memory", path);
    }
    Status s;
    st->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (st->fd < 0) {
        s = error_set(err, ST_IO, "%s: cannot open: %s", path, strerror(errno));
        goto fail;
    }
    size_t len = 0;
    if ((s = header_read(st, &text, &len, err)) != ST_OK) goto fail;
    Json j = {.s = text, .n = len, .pos = 0, .path = st->path, .what = "header", .err = err};
    if ((s = header_parse(st, &j)) != ST_OK) goto fail;
    for (size_t i = 0; i < st->count; i++)
        if ((s = tensor_check(st, &st->tensors[i], err)) != ST_OK) goto fail;
    if ((s = layout_check(st, err)) != ST_OK) goto fail;
    free(text);
    *out = st;
    return ST_OK;
fail:
    free(text);
    safetensors_close(st);
    return s;
}

/* --- queries --------------------------------------------------------------- */

const char *safetensors_path(const SafeTensors *st) {
    return st->path;
}

size_t safetensors_count(const SafeTensors *st) {
    return st->count;
}

const SafeTensorsInfo *safetensors_info(const SafeTensors *st, size_t i) {
    CHECK(i < st->count);
    return &st->tensors[i];
}

const SafeTensorsInfo *safetensors_find(const SafeTensors *st, const char *name) {
    size_t lo = 0, hi = st->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(st->by_name[mid]->name, name);
        if (c == 0) return st->by_name[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const char *safetensors_meta(const SafeTensors *st, const char *key) {
    for (size_t i = 0; i < st->nmeta; i++)
        if (strcmp(st->meta[i].key, key) == 0) return st->meta[i].value;
    return NULL;
}

/* --- reading tensors ------------------------------------------------------- */

/* IEEE binary16 to binary32, exact (every half is a float): subnormals are
 * renormalised, infinities kept, NaN payloads kept in the top bits. */
static float f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1F, mant = h & 0x3FF, bits;
    if (exp == 0x1F) {
        bits = sign | 0x7F800000u | (mant << 13);
    } else if (exp != 0) {
        bits = sign | ((exp + 112) << 23) | (mant << 13);
    } else if (mant == 0) {
        bits = sign;
    } else {
        uint32_t e = 113; /* float exponent field of 2^-14, the subnormal scale */
        while (!(mant & 0x400)) {
            mant <<= 1;
            e--;
        }
        bits = sign | (e << 23) | ((mant & 0x3FF) << 13);
    }
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static float bf16_to_f32(uint16_t h) {
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* Checks that t can be read as count floats. */
static Status read_check(const SafeTensors *st, const SafeTensorsInfo *t, const char *name,
                         size_t count, Error *err) {
    if (!t) return error_set(err, ST_FORMAT, "%s: no tensor '%s' in the file", st->path, name);
    if (strcmp(t->dtype, "F32") != 0 && strcmp(t->dtype, "F16") != 0 &&
        strcmp(t->dtype, "BF16") != 0)
        return error_set(err, ST_FORMAT,
                         "%s: tensor '%s' has dtype %s; only F32, F16 and BF16 read as float",
                         st->path, t->name, t->dtype);
    if (t->count != (uint64_t)count) {
        char shape[160];
        return error_set(err, ST_SHAPE,
                         "%s: tensor '%s' has %" PRIu64 " elements (shape %s), expected %zu",
                         st->path, t->name, t->count,
                         tensor_shape_text(t->shape, t->ndim, shape, sizeof shape), count);
    }
    return ST_OK;
}

static Status read_fail(const SafeTensors *st, const SafeTensorsInfo *t, int r, Error *err) {
    return error_set(err, ST_IO, "%s: tensor '%s': cannot read: %s", st->path, t->name,
                     r < 0 ? strerror(errno) : "unexpected end of file (file shrank?)");
}

/* Reads a checked tensor into dst, converting to float. */
static Status read_tensor(const SafeTensors *st, const SafeTensorsInfo *t, float *dst, Error *err) {
    size_t count = (size_t)t->count;
    if (t->dtype_bits == 32) {
        int r = pread_full(st->fd, dst, count * sizeof(float), t->file_offset);
        if (r != 0) return read_fail(st, t, r, err);
        if (!host_little_endian()) {
            for (size_t i = 0; i < count; i++) {
                uint8_t b[4];
                memcpy(b, &dst[i], 4);
                uint32_t v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
                             (uint32_t)b[3] << 24;
                memcpy(&dst[i], &v, 4);
            }
        }
        return ST_OK;
    }
    int half = strcmp(t->dtype, "F16") == 0;
    uint8_t buf[16384];
    for (size_t done = 0; done < count;) {
        size_t n = count - done < sizeof buf / 2 ? count - done : sizeof buf / 2;
        int r = pread_full(st->fd, buf, 2 * n, t->file_offset + 2 * (uint64_t)done);
        if (r != 0) return read_fail(st, t, r, err);
        for (size_t i = 0; i < n; i++) {
            uint16_t h = (uint16_t)(buf[2 * i] | buf[2 * i + 1] << 8);
            dst[done + i] = half ? f16_to_f32(h) : bf16_to_f32(h);
        }
        done += n;
    }
    return ST_OK;
}

Status safetensors_read_f32(const SafeTensors *st, const char *name, float *dst, size_t count,
                            Error *err) {
    const SafeTensorsInfo *t = safetensors_find(st, name);
    Status s = read_check(st, t, name, count, err);
    if (s != ST_OK) return s;
    return read_tensor(st, t, dst, err);
}

Status safetensors_load_into(const char *path, const char *const *names, float *const *dst,
                             const size_t *counts, int n, Error *err) {
    if (n < 0) return error_set(err, ST_ARG, "%s: negative tensor count %d", path, n);
    SafeTensors *st;
    Status s = safetensors_open(path, &st, err);
    if (s != ST_OK) return s;
    for (int i = 0; i < n && s == ST_OK; i++)
        s = read_check(st, safetensors_find(st, names[i]), names[i], counts[i], err);
    for (int i = 0; i < n && s == ST_OK; i++)
        s = read_tensor(st, safetensors_find(st, names[i]), dst[i], err);
    safetensors_close(st);
    return s;
}
