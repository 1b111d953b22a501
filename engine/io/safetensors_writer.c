/*
 * safetensors_writer — collects F32 tensor references and string metadata
 * and writes them as one .safetensors file. See safetensors.h; the reader
 * is safetensors.c.
 *
 * The writer builds the whole header in memory (it is small), pads it with
 * spaces to a multiple of 8 bytes as the reference writer does, and streams
 * the referenced float arrays after it without copying them, through
 * atomic_file.h (temporary file, fsync, rename).
 */
#include "engine/io/safetensors.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/strbuf.h"
#include "engine/io/atomic_file.h"
#include "engine/io/json.h"
#include "engine/io/safetensors_internal.h"

typedef struct WriterTensor {
    char *name;
    int ndim;
    int64_t shape[SAFETENSORS_MAX_DIMS];
    uint64_t count;
    const float *data;
} WriterTensor;

struct SafeTensorsWriter {
    WriterTensor *t;
    size_t n, cap;
    MetaPair *meta;
    size_t nmeta, metacap;
    Error sticky; /* the first _add/_meta failure */
};

SafeTensorsWriter *safetensors_writer_create(void) {
    return calloc(1, sizeof(SafeTensorsWriter));
}

void safetensors_writer_destroy(SafeTensorsWriter *w) {
    if (!w) return;
    for (size_t i = 0; i < w->n; i++) free(w->t[i].name);
    meta_free(w->meta, w->nmeta);
    free(w->t);
    free(w);
}

static Status writer_fail(SafeTensorsWriter *w, Status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static Status writer_fail(SafeTensorsWriter *w, Status s, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    error_setv(&w->sticky, s, fmt, ap);
    va_end(ap);
    return s;
}

Status safetensors_writer_add(SafeTensorsWriter *w, const char *name, const int64_t *shape,
                              int ndim, const float *data) {
    CHECK(w && name);
    if (w->sticky.status != ST_OK) return w->sticky.status;
    if (ndim < 0 || ndim > SAFETENSORS_MAX_DIMS)
        return writer_fail(w, ST_ARG, "tensor '%s': %d dimensions (0..%d allowed)", name, ndim,
                           SAFETENSORS_MAX_DIMS);
    CHECK(ndim == 0 || shape);
    if (!json_utf8_valid(name)) return writer_fail(w, ST_ARG, "a tensor name is not valid UTF-8");
    if (strcmp(name, "__metadata__") == 0)
        return writer_fail(w, ST_ARG, "'__metadata__' is reserved, not a tensor name");
    for (size_t i = 0; i < w->n; i++)
        if (strcmp(w->t[i].name, name) == 0)
            return writer_fail(w, ST_ARG, "tensor '%s' added twice", name);
    uint64_t count = 1;
    for (int d = 0; d < ndim; d++) {
        if (shape[d] < 0)
            return writer_fail(w, ST_ARG, "tensor '%s': dimension %d is negative", name, d);
        if (mul_u64(count, (uint64_t)shape[d], &count) != 0 || count > SIZE_MAX / 4)
            return writer_fail(w, ST_ARG, "tensor '%s': too many elements", name);
    }
    if (count > 0 && !data) return writer_fail(w, ST_ARG, "tensor '%s': data is NULL", name);
    if (w->n == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 16;
        WriterTensor *t = realloc(w->t, cap * sizeof *t);
        if (!t) return writer_fail(w, ST_NOMEM, "out of memory adding tensor '%s'", name);
        w->t = t;
        w->cap = cap;
    }
    WriterTensor *t = &w->t[w->n];
    memset(t, 0, sizeof *t);
    if (!(t->name = strdup(name)))
        return writer_fail(w, ST_NOMEM, "out of memory adding tensor '%s'", name);
    t->ndim = ndim;
    for (int d = 0; d < ndim; d++) t->shape[d] = shape[d];
    t->count = count;
    t->data = data;
    w->n++;
    return ST_OK;
}

Status safetensors_writer_meta(SafeTensorsWriter *w, const char *key, const char *value) {
    CHECK(w && key && value);
    if (w->sticky.status != ST_OK) return w->sticky.status;
    if (!json_utf8_valid(key) || !json_utf8_valid(value))
        return writer_fail(w, ST_ARG, "metadata key or value is not valid UTF-8");
    char *v = strdup(value);
    if (!v) return writer_fail(w, ST_NOMEM, "out of memory adding metadata '%s'", key);
    for (size_t i = 0; i < w->nmeta; i++) {
        if (strcmp(w->meta[i].key, key) == 0) {
            free(w->meta[i].value);
            w->meta[i].value = v;
            return ST_OK;
        }
    }
    if (w->nmeta == w->metacap) {
        size_t cap = w->metacap ? 2 * w->metacap : 8;
        MetaPair *m = realloc(w->meta, cap * sizeof *m);
        if (!m) {
            free(v);
            return writer_fail(w, ST_NOMEM, "out of memory adding metadata '%s'", key);
        }
        w->meta = m;
        w->metacap = cap;
    }
    char *k = strdup(key);
    if (!k) {
        free(v);
        return writer_fail(w, ST_NOMEM, "out of memory adding metadata '%s'", key);
    }
    w->meta[w->nmeta].key = k;
    w->meta[w->nmeta++].value = v;
    return ST_OK;
}

/* The header JSON, space-padded to a multiple of 8 bytes. */
static void writer_header(const SafeTensorsWriter *w, StrBuf *b) {
    strbuf_puts(b, "{");
    if (w->nmeta > 0) {
        strbuf_puts(b, "\"__metadata__\":{");
        for (size_t i = 0; i < w->nmeta; i++) {
            if (i) strbuf_puts(b, ",");
            json_put_string(b, w->meta[i].key);
            strbuf_puts(b, ":");
            json_put_string(b, w->meta[i].value);
        }
        strbuf_puts(b, "}");
    }
    uint64_t offset = 0;
    for (size_t i = 0; i < w->n; i++) {
        const WriterTensor *t = &w->t[i];
        if (i || w->nmeta > 0) strbuf_puts(b, ",");
        json_put_string(b, t->name);
        strbuf_puts(b, ":{\"dtype\":\"F32\",\"shape\":[");
        for (int d = 0; d < t->ndim; d++) {
            if (d) strbuf_puts(b, ",");
            strbuf_printf(b, "%" PRIu64, (uint64_t)t->shape[d]);
        }
        strbuf_puts(b, "],\"data_offsets\":[");
        strbuf_printf(b, "%" PRIu64, offset);
        strbuf_puts(b, ",");
        offset += 4 * t->count;
        strbuf_printf(b, "%" PRIu64, offset);
        strbuf_puts(b, "]}");
    }
    strbuf_puts(b, "}");
    while (b->len % 8 != 0) strbuf_add(b, " ", 1);
}

/* Appends count floats little-endian. */
static void write_floats(AtomicFile *f, const float *data, uint64_t count) {
    if (host_little_endian()) {
        atomic_file_write(f, data, (size_t)count * 4);
        return;
    }
    uint8_t buf[16384];
    for (uint64_t done = 0; done < count;) {
        size_t n = count - done < sizeof buf / 4 ? (size_t)(count - done) : sizeof buf / 4;
        for (size_t i = 0; i < n; i++) {
            uint32_t v;
            memcpy(&v, &data[done + i], 4);
            for (int k = 0; k < 4; k++) buf[4 * i + (size_t)k] = (uint8_t)(v >> (8 * k));
        }
        atomic_file_write(f, buf, 4 * n);
        done += n;
    }
}

Status safetensors_writer_write(SafeTensorsWriter *w, const char *path, Error *err) {
    CHECK(w && path);
    if (w->sticky.status != ST_OK)
        return error_set(err, w->sticky.status, "%s: cannot write: %s", path, w->sticky.msg);
    StrBuf header = {0};
    writer_header(w, &header);
    if (header.failed) {
        strbuf_fini(&header);
        return error_set(err, ST_NOMEM, "%s: out of memory building the header", path);
    }
    if (header.len > SAFETENSORS_MAX_HEADER) { /* readers would refuse the file */
        strbuf_fini(&header);
        return error_set(err, ST_ARG, "%s: header of %zu bytes is over the 100 MiB limit", path,
                         header.len);
    }
    AtomicFile f;
    Status s = atomic_file_open(&f, path, err);
    if (s == ST_OK) {
        uint8_t prefix[8];
        for (int k = 0; k < 8; k++) prefix[k] = (uint8_t)((uint64_t)header.len >> (8 * k));
        atomic_file_write(&f, prefix, 8);
        atomic_file_write(&f, header.s, header.len);
        for (size_t i = 0; i < w->n; i++) write_floats(&f, w->t[i].data, w->t[i].count);
        s = atomic_file_commit(&f, err);
    }
    strbuf_fini(&header);
    return s;
}
