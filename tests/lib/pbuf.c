/*
 * pbuf — the tests' protobuf writer. See pbuf.h.
 */
#include "tests/lib/pbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/testutil.h"

void pbuf_put(PbBuf *b, const void *p, size_t n) {
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        assert_non_null(b->d = realloc(b->d, b->cap));
    }
    if (n) memcpy(b->d + b->n, p, n);
    b->n += n;
}

void pbuf_varint(PbBuf *b, uint64_t v) {
    do {
        uint8_t byte = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v) byte |= 0x80;
        pbuf_put(b, &byte, 1);
    } while (v);
}

void pbuf_tag(PbBuf *b, uint32_t field, int wire) {
    pbuf_varint(b, (uint64_t)field << 3 | (uint64_t)wire);
}

void pbuf_le(PbBuf *b, uint64_t v, int n) {
    for (int i = 0; i < n; i++) {
        uint8_t byte = (uint8_t)(v >> (8 * i));
        pbuf_put(b, &byte, 1);
    }
}

void pbuf_uint(PbBuf *b, uint32_t field, uint64_t v) {
    pbuf_tag(b, field, PBUF_VARINT);
    pbuf_varint(b, v);
}

void pbuf_bytes(PbBuf *b, uint32_t field, const void *p, size_t n) {
    pbuf_tag(b, field, PBUF_BYTES);
    pbuf_varint(b, n);
    pbuf_put(b, p, n);
}

void pbuf_str(PbBuf *b, uint32_t field, const char *s) {
    pbuf_bytes(b, field, s, strlen(s));
}

void pbuf_msg(PbBuf *b, uint32_t field, PbBuf *child) {
    pbuf_bytes(b, field, child->d, child->n);
    free(child->d);
    *child = (PbBuf){0};
}

void pbuf_unknowns(PbBuf *b) {
    pbuf_uint(b, 900, 123456789012345ull);
    pbuf_tag(b, 901, PBUF_FIXED64);
    pbuf_le(b, 0x0102030405060708ull, 8);
    pbuf_str(b, 902, "skip me");
    pbuf_tag(b, 903, PBUF_START); /* a group holding a nested group and a fixed32 */
    pbuf_uint(b, 1, 7);
    pbuf_tag(b, 904, PBUF_START);
    pbuf_str(b, 5, "deep");
    pbuf_tag(b, 904, PBUF_END);
    pbuf_tag(b, 2, PBUF_FIXED32);
    pbuf_le(b, 99, 4);
    pbuf_tag(b, 903, PBUF_END);
    pbuf_tag(b, 905, PBUF_FIXED32);
    pbuf_le(b, 0xdeadbeef, 4);
}

void pbuf_save(const PbBuf *b, const char *path) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (b->n) assert_int_equal(fwrite(b->d, 1, b->n, f), b->n);
    assert_int_equal(fclose(f), 0);
}

uint32_t pbuf_f32_bits(float v) {
    uint32_t u;
    memcpy(&u, &v, 4);
    return u;
}

uint64_t pbuf_f64_bits(double v) {
    uint64_t u;
    memcpy(&u, &v, 8);
    return u;
}
