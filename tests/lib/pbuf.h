/*
 * pbuf — a tiny protobuf wire-format writer for the tests: varints, tags,
 * fixed-width little-endian values and length-delimited nesting (a child
 * PbBuf appended as one field), so a test can build any message, valid or
 * not, byte by byte. It knows no schema and checks nothing: writing a bad
 * wire type or a length that lies is the point of some tests.
 *
 * A PbBuf is caller storage, zero-initialised (PbBuf b = {0}); its bytes are
 * freed with free(b.d). A failed allocation fails the test.
 */
#ifndef FINELAB_PBUF_H
#define FINELAB_PBUF_H

#include <stddef.h>
#include <stdint.h>

/* The wire types, spelled here independently of engine/io/protobuf.h. */
enum {
    PBUF_VARINT = 0,
    PBUF_FIXED64 = 1,
    PBUF_BYTES = 2,
    PBUF_START = 3, /* group start */
    PBUF_END = 4,   /* group end */
    PBUF_FIXED32 = 5
};

typedef struct PbBuf {
    uint8_t *d;    /* the bytes written, n of them; owned */
    size_t n, cap; /* a test may lower n to cut the message short */
} PbBuf;

/* Appends n raw bytes. */
void pbuf_put(PbBuf *b, const void *p, size_t n);
/* Appends v as a varint (1 to 10 bytes). */
void pbuf_varint(PbBuf *b, uint64_t v);
/* Appends the tag of field with wire type wire (any value 0..7). */
void pbuf_tag(PbBuf *b, uint32_t field, int wire);
/* Appends the low n bytes of v, little-endian. */
void pbuf_le(PbBuf *b, uint64_t v, int n);
/* Appends field as a varint field holding v. */
void pbuf_uint(PbBuf *b, uint32_t field, uint64_t v);
/* Appends field as a length-delimited field holding the n bytes at p. */
void pbuf_bytes(PbBuf *b, uint32_t field, const void *p, size_t n);
/* pbuf_bytes with the string s (without its NUL). */
void pbuf_str(PbBuf *b, uint32_t field, const char *s);
/* Appends child as a length-delimited field and frees (and empties) it. */
void pbuf_msg(PbBuf *b, uint32_t field, PbBuf *child);
/* Appends one unknown field of every wire type (numbers 900..905, a group
 * holding a nested group), which a reader must skip. */
void pbuf_unknowns(PbBuf *b);
/* Writes b's bytes to path, replacing it; fails the test on error. */
void pbuf_save(const PbBuf *b, const char *path);

/* The bits of a float and of a double, for fixed32 and fixed64 fields. */
uint32_t pbuf_f32_bits(float v);
uint64_t pbuf_f64_bits(double v);

#endif
