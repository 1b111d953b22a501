/*
 * protobuf — the wire format, read in place. See protobuf.h.
 *
 * protobuf_next is the one decoder: a tag, then the field's varint, fixed
 * bytes or length-checked payload. A group start recurses through
 * protobuf_skip_group (each level one deeper, so a file of nested group
 * starts ends in an error, not a stack overflow), which reads fields until
 * the matching end tag; an end tag is handed back to whoever is skipping,
 * and protobuf_field, the public entry, rejects one that arrives at the top
 * of a message. Every message is formatted by protobuf_fail, so all of them
 * carry the file's name and the caller's where.
 */
#include "engine/io/protobuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned long long ull; /* for printing uint64_t with %llu */

void protobuf_init(ProtobufReader *r, const uint8_t *data, uint64_t size, const char *name,
                   Error *err) {
    *r = (ProtobufReader){.data = data, .size = size, .name = name, .err = err};
}

ProtobufCursor protobuf_all(const ProtobufReader *r) {
    return (ProtobufCursor){0, r->size, 1};
}

ProtobufCursor protobuf_payload(const ProtobufField *f) {
    return (ProtobufCursor){f->begin, f->end, 0};
}

Status protobuf_fail(const ProtobufReader *r, const char *fmt, ...) {
    char msg[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return error_set(r->err, ST_FORMAT, "%s: %s%s%s", r->name, r->where, r->where[0] ? ": " : "",
                     msg);
}

/* what (e.g. "field 7 at byte 12 declares 99 bytes") does not fit in c. */
static Status protobuf_overrun(const ProtobufReader *r, const ProtobufCursor *c, const char *what) {
    if (c->top)
        return protobuf_fail(r, "%s, past the end of the file at byte %llu (truncated file)", what,
                             (ull)c->end);
    return protobuf_fail(r, "%s, past the end of its enclosing message at byte %llu", what,
                         (ull)c->end);
}

Status protobuf_varint(const ProtobufReader *r, ProtobufCursor *c, uint64_t *out) {
    uint64_t at = c->pos, v = 0;
    for (int i = 0; i < 10; i++) {
        if (c->pos >= c->end) {
            char what[64];
            snprintf(what, sizeof what, "varint at byte %llu runs on", (ull)at);
            return protobuf_overrun(r, c, what);
        }
        uint8_t b = r->data[c->pos++];
        if (i == 9 && b > 1) break; /* a 10th byte may only hold bit 63 */
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (b < 0x80) {
            *out = v;
            return ST_OK;
        }
    }
    return protobuf_fail(r, "bad varint at byte %llu (longer than 64 bits)", (ull)at);
}

uint64_t protobuf_le(const uint8_t *s, int n) {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = v << 8 | s[i];
    return v;
}

static Status protobuf_next(const ProtobufReader *r, ProtobufCursor *c, ProtobufField *f,
                            int depth);

/* Skips the rest of group f (its start tag already read) up to its end tag. */
static Status protobuf_skip_group(const ProtobufReader *r, ProtobufCursor *c, ProtobufField *f,
                                  int depth) {
    if (depth >= PROTOBUF_MAX_DEPTH)
        return protobuf_fail(r, "groups nested deeper than %d at byte %llu", PROTOBUF_MAX_DEPTH,
                             (ull)f->at);
    f->begin = c->pos;
    for (;;) {
        if (c->pos >= c->end) {
            char what[80];
            snprintf(what, sizeof what, "group (field %u) at byte %llu has no end tag", f->num,
                     (ull)f->at);
            return protobuf_overrun(r, c, what);
        }
        ProtobufField g;
        uint64_t at = c->pos;
        Status st = protobuf_next(r, c, &g, depth + 1);
        if (st) return st;
        if (g.wire != PROTOBUF_GROUP_END) continue;
        if (g.num != f->num)
            return protobuf_fail(r, "group (field %u) at byte %llu ends with field %u's end tag",
                                 f->num, (ull)f->at, g.num);
        f->end = at;
        return ST_OK;
    }
}

/* The value of fixed field f (4 or 8 bytes at c->pos). */
static Status protobuf_fixed(const ProtobufReader *r, ProtobufCursor *c, ProtobufField *f) {
    int n = f->wire == PROTOBUF_FIXED64 ? 8 : 4;
    if (c->end - c->pos < (uint64_t)n) {
        char what[96];
        snprintf(what, sizeof what, "field %u (fixed%d) at byte %llu needs %d bytes", f->num, 8 * n,
                 (ull)f->at, n);
        return protobuf_overrun(r, c, what);
    }
    f->value = protobuf_le(r->data + c->pos, n);
    c->pos += (uint64_t)n;
    f->end = c->pos;
    return ST_OK;
}

/* The payload of length-delimited field f (its length at c->pos). */
static Status protobuf_bytes(const ProtobufReader *r, ProtobufCursor *c, ProtobufField *f) {
    uint64_t len;
    Status st = protobuf_varint(r, c, &len);
    if (st) return st;
    if (len > c->end - c->pos) {
        char what[96];
        snprintf(what, sizeof what, "field %u at byte %llu declares %llu bytes", f->num, (ull)f->at,
                 (ull)len);
        return protobuf_overrun(r, c, what);
    }
    f->begin = c->pos;
    c->pos += len;
    f->end = c->pos;
    return ST_OK;
}

/* Reads the field at c->pos and moves c past it (past a whole group).
 * An end-group tag comes back as wire PROTOBUF_GROUP_END for the caller to judge. */
static Status protobuf_next(const ProtobufReader *r, ProtobufCursor *c, ProtobufField *f,
                            int depth) {
    uint64_t tag;
    f->at = c->pos;
    Status st = protobuf_varint(r, c, &tag);
    if (st) return st;
    if (tag >> 3 == 0 || tag >> 3 > PROTOBUF_MAX_FIELD)
        return protobuf_fail(r, "bad field number %llu at byte %llu", (ull)(tag >> 3), (ull)f->at);
    f->num = (uint32_t)(tag >> 3);
    f->wire = (int)(tag & 7);
    f->value = 0;
    f->begin = f->end = c->pos;
    switch (f->wire) {
    case PROTOBUF_VARINT:
        return protobuf_varint(r, c, &f->value);
    case PROTOBUF_FIXED64:
    case PROTOBUF_FIXED32:
        return protobuf_fixed(r, c, f);
    case PROTOBUF_BYTES:
        return protobuf_bytes(r, c, f);
    case PROTOBUF_GROUP_START:
        return protobuf_skip_group(r, c, f, depth);
    case PROTOBUF_GROUP_END:
        return ST_OK;
    default:
        return protobuf_fail(r, "bad wire type %d (field %u) at byte %llu", f->wire, f->num,
                             (ull)f->at);
    }
}

Status protobuf_field(const ProtobufReader *r, ProtobufCursor *c, ProtobufField *f) {
    Status st = protobuf_next(r, c, f, 0);
    if (!st && f->wire == PROTOBUF_GROUP_END)
        return protobuf_fail(r, "end-group tag (field %u) at byte %llu without a start", f->num,
                             (ull)f->at);
    return st;
}

Status protobuf_expect(const ProtobufReader *r, const ProtobufField *f, int wire,
                       const char *what) {
    if (f->wire == wire) return ST_OK;
    return protobuf_fail(r, "%s (field %u) at byte %llu has wire type %d, expected %d", what,
                         f->num, (ull)f->at, f->wire, wire);
}

Status protobuf_string(const ProtobufReader *r, const ProtobufField *f, const char *what,
                       size_t max, char **dst) {
    uint64_t len = f->end - f->begin;
    if (len > (uint64_t)max)
        return protobuf_fail(r, "%s at byte %llu is %llu bytes long (at most %zu)", what,
                             (ull)f->at, (ull)len, max);
    if (memchr(r->data + f->begin, 0, (size_t)len))
        return protobuf_fail(r, "%s at byte %llu contains a NUL byte", what, (ull)f->at);
    char *s = malloc((size_t)len + 1);
    if (!s) return error_set(r->err, ST_NOMEM, "%s: out of memory", r->name);
    memcpy(s, r->data + f->begin, (size_t)len);
    s[len] = '\0';
    free(*dst);
    *dst = s;
    return ST_OK;
}
