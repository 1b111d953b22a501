/*
 * protobuf — a reader of the protobuf wire format over bytes in memory,
 * without a protobuf library or a schema: the caller walks a message field
 * by field and picks the numbers it knows (caffemodel.c is the user).
 *
 * A ProtobufReader names the bytes and the file they came from, and holds a
 * `where` text the caller keeps up to date ("layer 'conv1_1', blob 0"), so
 * every error is ST_FORMAT "<name>: <where>: <message>" (no where: "<name>:
 * <message>"). A ProtobufCursor is one message's byte range. protobuf_field
 * reads one field and moves past it: a varint, the raw bits of a fixed32 or
 * fixed64, or a length-delimited payload whose length is checked against
 * what is left of its parent (`len > end - pos`, never `pos + len > end`, so
 * a declared length near 2^64 cannot wrap around). Groups (deprecated, but
 * legal) are skipped whole, nested at most PROTOBUF_MAX_DEPTH deep. Offsets
 * are 64-bit throughout. Nothing is allocated except by protobuf_string.
 *
 * The reader owns nothing (no fini); the bytes must outlive it. One thread
 * per reader; any number of readers may share the same bytes.
 */
#ifndef FINELAB_PROTOBUF_H
#define FINELAB_PROTOBUF_H

#include <stddef.h>
#include <stdint.h>

#include "engine/base/error.h"

/* The wire types, the low 3 bits of a tag. */
typedef enum ProtobufWire {
    PROTOBUF_VARINT = 0,
    PROTOBUF_FIXED64 = 1,
    PROTOBUF_BYTES = 2, /* length-delimited: a string, a message or a packed array */
    PROTOBUF_GROUP_START = 3,
    PROTOBUF_GROUP_END = 4,
    PROTOBUF_FIXED32 = 5
} ProtobufWire;

#define PROTOBUF_MAX_FIELD 536870911u /* 2^29 - 1, the largest field number */
#define PROTOBUF_MAX_DEPTH 64         /* nested groups accepted while skipping */

typedef struct ProtobufReader {
    const uint8_t *data; /* the bytes read, not owned */
    uint64_t size;       /* bytes at data */
    const char *name;    /* the file's name, first in every message; not owned */
    char where[160];     /* the caller's position, "" at the top; part of every message */
    Error *err;          /* where failures are described (may be NULL) */
} ProtobufReader;

/* One message's bytes [pos, end); top is 1 for the whole buffer, whose
 * overruns are reported as a truncated file. */
typedef struct ProtobufCursor {
    uint64_t pos, end;
    int top;
} ProtobufCursor;

/* One field: its number, wire type and the offset of its tag; value holds a
 * varint or the raw bits of a fixed32/fixed64, [begin, end) the payload of
 * a length-delimited field (or a group's fields, without its end tag). */
typedef struct ProtobufField {
    uint32_t num;
    int wire; /* a ProtobufWire */
    uint64_t at, value, begin, end;
} ProtobufField;

/* Sets r up to read size bytes at data, naming them name in messages. */
void protobuf_init(ProtobufReader *r, const uint8_t *data, uint64_t size, const char *name,
                   Error *err);

/* A cursor over all of r's bytes (top 1). */
ProtobufCursor protobuf_all(const ProtobufReader *r);
/* A cursor over f's payload [begin, end): a nested message or a packed array. */
ProtobufCursor protobuf_payload(const ProtobufField *f);

/* Reads the varint at c->pos into *out and moves c past it. ST_FORMAT when
 * it runs past c's end or is longer than 64 bits. */
Status protobuf_varint(const ProtobufReader *r, ProtobufCursor *c, uint64_t *out);
/* Reads the field at c->pos into *f and moves c past it (past a whole
 * group). ST_FORMAT for a bad tag or wire type, a payload past c's end, a
 * group without its end tag or nested too deep, or a stray end-group tag. */
Status protobuf_field(const ProtobufReader *r, ProtobufCursor *c, ProtobufField *f);

/* ST_OK when f has wire type wire, else ST_FORMAT naming what and both types. */
Status protobuf_expect(const ProtobufReader *r, const ProtobufField *f, int wire, const char *what);
/* Replaces *dst (freed; may be NULL) with a new NUL-terminated copy of f's
 * payload, which the caller frees. ST_FORMAT (naming what) when it is longer
 * than max bytes or holds a NUL byte, ST_NOMEM; *dst is kept on failure. */
Status protobuf_string(const ProtobufReader *r, const ProtobufField *f, const char *what,
                       size_t max, char **dst);

/* The n-byte (1..8) little-endian unsigned integer at s: how fixed32 and
 * fixed64 values, packed or not, are stored. */
uint64_t protobuf_le(const uint8_t *s, int n);

/* Sets r->err to ST_FORMAT "<name>: <where>: <message>" and returns ST_FORMAT,
 * for a caller's own checks of a message's content. */
Status protobuf_fail(const ProtobufReader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
