/*
 * test_protobuf — the wire-format reader on its own, over bytes written by
 * tests/lib/pbuf.h: varints of every length (and an overlong one), each wire
 * type with its value and payload range, length-delimited and fixed-width
 * overruns (of the file and of an enclosing message, with lengths that
 * would wrap a 64-bit offset), nested groups and the depth limit, stray and
 * mismatched end tags, skipping unknown fields, and the exact text of every
 * message (the file's name, then the caller's where).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/io/protobuf.h"
#include "tests/lib/pbuf.h"
#include "tests/lib/testutil.h"

/* A reader over b's bytes, named "m.pb" in messages. */
static ProtobufReader reader_of(const PbBuf *b, Error *err) {
    ProtobufReader r;
    protobuf_init(&r, b->d, b->n, "m.pb", err);
    return r;
}

/* Reads every field of b from the top and expects the walk to fail with
 * exactly the message want. */
static void expect_fails(const PbBuf *b, const char *want) {
    Error err = {0};
    ProtobufReader r = reader_of(b, &err);
    ProtobufCursor c = protobuf_all(&r);
    Status st = ST_OK;
    while (!st && c.pos < c.end) {
        ProtobufField f;
        st = protobuf_field(&r, &c, &f);
    }
    if (st != ST_FORMAT) fail_msg("status %d, want ST_FORMAT (%s): %s", (int)st, want, err.msg);
    assert_string_equal(err.msg, want);
}

static void test_protobuf_varint_lengths(void **state) {
    (void)state;
    /* The smallest and the largest value of each length, 1 to 10 bytes. */
    for (int len = 1; len <= 10; len++) {
        uint64_t lo = len == 1 ? 0 : 1ull << (7 * (len - 1));
        uint64_t hi = len == 10 ? UINT64_MAX : (1ull << (7 * len)) - 1;
        PbBuf b = {0};
        pbuf_varint(&b, lo);
        pbuf_varint(&b, hi);
        assert_int_equal(b.n, 2 * (size_t)len);
        ProtobufReader r = reader_of(&b, NULL);
        ProtobufCursor c = protobuf_all(&r);
        uint64_t v;
        assert_int_equal(protobuf_varint(&r, &c, &v), ST_OK);
        assert_true(v == lo);
        assert_int_equal(c.pos, len);
        assert_int_equal(protobuf_varint(&r, &c, &v), ST_OK);
        assert_true(v == hi);
        assert_int_equal(c.pos, 2 * len);
        free(b.d);
    }
    /* 150, the protobuf documentation's example, and a non-minimal zero. */
    PbBuf b = {0};
    pbuf_put(&b, "\x96\x01\x80\x80\x00", 5);
    ProtobufReader r = reader_of(&b, NULL);
    ProtobufCursor c = protobuf_all(&r);
    uint64_t v;
    assert_int_equal(protobuf_varint(&r, &c, &v), ST_OK);
    assert_int_equal(v, 150);
    assert_int_equal(protobuf_varint(&r, &c, &v), ST_OK);
    assert_int_equal(v, 0);
    assert_int_equal(c.pos, 5);
    free(b.d);
}

static void test_protobuf_varint_errors(void **state) {
    (void)state;
    Error err = {0};
    PbBuf b = {0};
    uint64_t v = 42;
    /* 11 bytes, and 10 whose last holds more than bit 63. */
    pbuf_put(&b, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11);
    ProtobufReader r = reader_of(&b, &err);
    ProtobufCursor c = protobuf_all(&r);
    assert_int_equal(protobuf_varint(&r, &c, &v), ST_FORMAT);
    assert_string_equal(err.msg, "m.pb: bad varint at byte 0 (longer than 64 bits)");
    b.n = 0;
    pbuf_put(&b, "\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 11);
    r = reader_of(&b, &err);
    c = protobuf_all(&r);
    assert_int_equal(protobuf_varint(&r, &c, &v), ST_OK);
    assert_int_equal(protobuf_varint(&r, &c, &v), ST_FORMAT);
    assert_string_equal(err.msg, "m.pb: bad varint at byte 1 (longer than 64 bits)");
    assert_int_equal(v, 1); /* untouched by the failure */

    /* Running off the end of the file, then of an enclosing message. */
    b.n = 0;
    pbuf_put(&b, "\x80\x80", 2);
    expect_fails(&b, "m.pb: varint at byte 0 runs on, past the end of the file at byte 2 "
                     "(truncated file)");
    r = reader_of(&b, &err);
    ProtobufField outer = {.begin = 0, .end = 1};
    c = protobuf_payload(&outer);
    assert_int_equal(protobuf_varint(&r, &c, &v), ST_FORMAT);
    assert_string_equal(err.msg, "m.pb: varint at byte 0 runs on, past the end of its enclosing "
                                 "message at byte 1");
    free(b.d);
}

/* Reads the next field of c and checks where it lies and what it is. */
static void next_field(const ProtobufReader *r, ProtobufCursor *c, ProtobufField *f, uint32_t num,
                       int wire, uint64_t at, uint64_t begin, uint64_t end) {
    assert_int_equal(protobuf_field(r, c, f), ST_OK);
    assert_int_equal(f->num, num);
    assert_int_equal(f->wire, wire);
    assert_int_equal(f->at, at);
    assert_int_equal(f->begin, begin);
    assert_int_equal(f->end, end);
}

static void test_protobuf_each_wire_type(void **state) {
    (void)state;
    PbBuf b = {0};
    pbuf_uint(&b, 1, 150);                 /* bytes 0..2 */
    pbuf_tag(&b, 2, PBUF_FIXED64);         /* byte 3 */
    pbuf_le(&b, 0x0102030405060708ull, 8); /* bytes 4..11 */
    pbuf_str(&b, 3, "hello");              /* bytes 12..18, payload 14..18 */
    pbuf_tag(&b, 4, PBUF_START);           /* byte 19 */
    pbuf_uint(&b, 1, 7);                   /* bytes 20..21 */
    pbuf_tag(&b, 4, PBUF_END);             /* byte 22 */
    pbuf_tag(&b, 5, PBUF_FIXED32);         /* byte 23 */
    pbuf_le(&b, 0xdeadbeef, 4);            /* bytes 24..27 */
    pbuf_uint(&b, PROTOBUF_MAX_FIELD, 1);  /* the largest field number: bytes 28..33 */
    pbuf_bytes(&b, 6, NULL, 0);            /* an empty payload: bytes 34..35 */
    ProtobufReader r = reader_of(&b, NULL);
    ProtobufCursor c = protobuf_all(&r);
    ProtobufField f;

    next_field(&r, &c, &f, 1, PROTOBUF_VARINT, 0, 1, 1);
    assert_int_equal(f.value, 150);
    assert_int_equal(c.pos, 3);
    next_field(&r, &c, &f, 2, PROTOBUF_FIXED64, 3, 4, 12);
    assert_true(f.value == 0x0102030405060708ull);
    next_field(&r, &c, &f, 3, PROTOBUF_BYTES, 12, 14, 19);
    assert_memory_equal(b.d + f.begin, "hello", 5);
    /* A group is skipped whole; [begin, end) is its fields, not its end tag. */
    next_field(&r, &c, &f, 4, PROTOBUF_GROUP_START, 19, 20, 22);
    assert_int_equal(c.pos, 23);
    next_field(&r, &c, &f, 5, PROTOBUF_FIXED32, 23, 24, 28);
    assert_true(f.value == 0xdeadbeef);
    next_field(&r, &c, &f, PROTOBUF_MAX_FIELD, PROTOBUF_VARINT, 28, 33, 33);
    assert_int_equal(f.value, 1);
    next_field(&r, &c, &f, 6, PROTOBUF_BYTES, 34, 36, 36);
    assert_int_equal(c.pos, b.n);
    free(b.d);
}

/* Bad tags and misplaced end-group tags, each with its whole message. */
static void test_protobuf_bad_tags(void **state) {
    (void)state;
    static const struct {
        const char *bytes;
        size_t n;
        const char *msg;
    } cases[] = {
        {"\x1e", 1, "m.pb: bad wire type 6 (field 3) at byte 0"},
        {"\x08\x01\x4f", 3, "m.pb: bad wire type 7 (field 9) at byte 2"},
        {"\x02\x00", 2, "m.pb: bad field number 0 at byte 0"},
        {"\x80\x80\x80\x80\x10\x01", 6, "m.pb: bad field number 536870912 at byte 0"},
        {"\x08", 1, /* a tag and no value */
         "m.pb: varint at byte 1 runs on, past the end of the file at byte 1 (truncated file)"},
        {"\x64", 1, "m.pb: end-group tag (field 12) at byte 0 without a start"},
        {"\x63\x6c", 2, "m.pb: group (field 12) at byte 0 ends with field 13's end tag"},
        {"\x63\x08\x05", 3,
         "m.pb: group (field 12) at byte 0 has no end tag, past the end of the file at byte 3 "
         "(truncated file)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        PbBuf b = {0};
        pbuf_put(&b, cases[i].bytes, cases[i].n);
        expect_fails(&b, cases[i].msg);
        free(b.d);
    }
}

static void test_protobuf_overruns(void **state) {
    (void)state;
    PbBuf b = {0};
    /* A payload that fills the file exactly is fine; one byte more is not. */
    pbuf_bytes(&b, 3, "abc", 3);
    ProtobufReader r = reader_of(&b, NULL);
    ProtobufCursor c = protobuf_all(&r);
    ProtobufField f;
    assert_int_equal(protobuf_field(&r, &c, &f), ST_OK);
    assert_int_equal(c.pos, 5);
    b.n = 4;
    expect_fails(&b, "m.pb: field 3 at byte 0 declares 3 bytes, past the end of the file at "
                     "byte 4 (truncated file)");

    /* Lengths that would wrap a 64-bit offset are rejected, not wrapped. */
    const uint64_t lens[] = {UINT64_MAX, UINT64_MAX - 2, 1ull << 63, (1ull << 32) + 1};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        b.n = 0;
        pbuf_tag(&b, 902, PBUF_BYTES);
        pbuf_varint(&b, lens[i]);
        pbuf_put(&b, "abcdefgh", 8);
        char want[160];
        snprintf(want, sizeof want,
                 "m.pb: field 902 at byte 0 declares %llu bytes, past the end of the file at "
                 "byte %zu (truncated file)",
                 (unsigned long long)lens[i], b.n);
        expect_fails(&b, want);
    }

    /* Inside a message: its end, not the file's, is the limit. */
    b.n = 0;
    PbBuf inner = {0};
    pbuf_tag(&inner, 7, PBUF_BYTES);
    pbuf_varint(&inner, 50);
    pbuf_le(&inner, 0, 4);
    pbuf_msg(&b, 1, &inner); /* payload at bytes 2..7 */
    pbuf_str(&b, 2, "padding well past the inner message .............................");
    Error err = {0};
    r = reader_of(&b, &err);
    c = protobuf_all(&r);
    assert_int_equal(protobuf_field(&r, &c, &f), ST_OK);
    ProtobufCursor sub = protobuf_payload(&f);
    assert_int_equal(sub.pos, 2);
    assert_int_equal(sub.end, 8);
    ProtobufField g;
    assert_int_equal(protobuf_field(&r, &sub, &g), ST_FORMAT);
    assert_string_equal(err.msg, "m.pb: field 7 at byte 2 declares 50 bytes, past the end of its "
                                 "enclosing message at byte 8");

    /* Fixed-width values cut short. */
    b.n = 0;
    pbuf_tag(&b, 901, PBUF_FIXED64);
    pbuf_le(&b, 1, 5);
    expect_fails(&b, "m.pb: field 901 (fixed64) at byte 0 needs 8 bytes, past the end of the "
                     "file at byte 7 (truncated file)");
    b.n = 0;
    pbuf_tag(&b, 5, PBUF_FIXED32);
    pbuf_le(&b, 1, 3);
    expect_fails(&b, "m.pb: field 5 (fixed32) at byte 0 needs 4 bytes, past the end of the file "
                     "at byte 4 (truncated file)");
    free(b.d);
}

/* n nested groups of field 1, each closed, then field 2 = 9. */
static void put_nested_groups(PbBuf *b, int n) {
    for (int i = 0; i < n; i++) pbuf_tag(b, 1, PBUF_START);
    pbuf_uint(b, 3, 5);
    for (int i = 0; i < n; i++) pbuf_tag(b, 1, PBUF_END);
    pbuf_uint(b, 2, 9);
}

static void test_protobuf_groups(void **state) {
    (void)state;
    /* The deepest accepted nesting is skipped whole, the next field read. */
    PbBuf b = {0};
    put_nested_groups(&b, PROTOBUF_MAX_DEPTH);
    ProtobufReader r = reader_of(&b, NULL);
    ProtobufCursor c = protobuf_all(&r);
    ProtobufField f;
    assert_int_equal(protobuf_field(&r, &c, &f), ST_OK);
    assert_int_equal(f.wire, PROTOBUF_GROUP_START);
    assert_int_equal(f.begin, 1);
    assert_int_equal(f.end, 2 * PROTOBUF_MAX_DEPTH + 1); /* the outermost end tag */
    assert_int_equal(protobuf_field(&r, &c, &f), ST_OK);
    assert_int_equal(f.num, 2);
    assert_int_equal(f.value, 9);
    assert_int_equal(c.pos, b.n);
    /* One level deeper fails at the start tag that goes too deep. */
    b.n = 0;
    put_nested_groups(&b, PROTOBUF_MAX_DEPTH + 1);
    expect_fails(&b, "m.pb: groups nested deeper than 64 at byte 64");
    b.n = 0;
    for (int i = 0; i < 1000; i++) pbuf_tag(&b, 12, PBUF_START);
    expect_fails(&b, "m.pb: groups nested deeper than 64 at byte 64");

    /* A group's payload bytes are not tags: an end tag inside a string. */
    b.n = 0;
    pbuf_tag(&b, 5, PBUF_START);
    pbuf_bytes(&b, 1, "\x2c", 1); /* 0x2c is field 5's end tag */
    pbuf_tag(&b, 5, PBUF_END);
    pbuf_uint(&b, 2, 9);
    r = reader_of(&b, NULL);
    c = protobuf_all(&r);
    assert_int_equal(protobuf_field(&r, &c, &f), ST_OK);
    assert_int_equal(f.end, 4);
    assert_int_equal(protobuf_field(&r, &c, &f), ST_OK);
    assert_int_equal(f.value, 9);

    /* A group may not run past the message that holds it. */
    b.n = 0;
    PbBuf inner = {0};
    pbuf_tag(&inner, 12, PBUF_START);
    pbuf_msg(&b, 1, &inner);
    pbuf_tag(&b, 12, PBUF_END);
    Error err = {0};
    r = reader_of(&b, &err);
    c = protobuf_all(&r);
    assert_int_equal(protobuf_field(&r, &c, &f), ST_OK);
    ProtobufCursor sub = protobuf_payload(&f);
    assert_int_equal(protobuf_field(&r, &sub, &f), ST_FORMAT);
    assert_string_equal(err.msg, "m.pb: group (field 12) at byte 2 has no end tag, past the end "
                                 "of its enclosing message at byte 3");
    free(b.d);
}

static void test_protobuf_skips_unknown_fields(void **state) {
    (void)state;
    PbBuf b = {0}, packed = {0};
    pbuf_unknowns(&b);
    pbuf_uint(&b, 7, 1);
    pbuf_unknowns(&b);
    for (uint64_t v = 1; v <= 3; v++) pbuf_varint(&packed, v << 40);
    pbuf_msg(&b, 7, &packed);
    pbuf_unknowns(&b);
    /* Picking field 7 out of the rest, as a message loop does. */
    ProtobufReader r = reader_of(&b, NULL);
    ProtobufCursor c = protobuf_all(&r);
    uint64_t got[4];
    int n = 0, seen = 0;
    while (c.pos < c.end) {
        ProtobufField f;
        assert_int_equal(protobuf_field(&r, &c, &f), ST_OK);
        seen++;
        if (f.num != 7) continue;
        if (f.wire == PROTOBUF_VARINT) {
            got[n++] = f.value;
            continue;
        }
        assert_int_equal(f.wire, PROTOBUF_BYTES);
        ProtobufCursor p = protobuf_payload(&f);
        while (p.pos < p.end) assert_int_equal(protobuf_varint(&r, &p, &got[n++]), ST_OK);
    }
    assert_int_equal(seen, 3 * 5 + 2); /* five top-level unknowns each time, two known */
    assert_int_equal(n, 4);
    assert_int_equal(got[0], 1);
    for (int i = 1; i < 4; i++) assert_true(got[i] == (uint64_t)i << 40);
    free(b.d);
}

static void test_protobuf_expect_string_and_le(void **state) {
    (void)state;
    PbBuf b = {0};
    pbuf_uint(&b, 100, 3);
    pbuf_str(&b, 1, "conv1_1");
    pbuf_bytes(&b, 1, "a\0b", 3);
    Error err = {0};
    ProtobufReader r = reader_of(&b, &err);
    ProtobufCursor c = protobuf_all(&r);
    ProtobufField f;
    assert_int_equal(protobuf_field(&r, &c, &f), ST_OK);
    assert_int_equal(protobuf_expect(&r, &f, PROTOBUF_VARINT, "layer"), ST_OK);
    assert_int_equal(protobuf_expect(&r, &f, PROTOBUF_BYTES, "layer"), ST_FORMAT);
    assert_string_equal(err.msg, "m.pb: layer (field 100) at byte 0 has wire type 0, expected 2");

    /* Strings: copied with a NUL, replacing the old one; too long or NUL: kept. */
    char *s = NULL;
    assert_int_equal(protobuf_field(&r, &c, &f), ST_OK);
    assert_int_equal(protobuf_string(&r, &f, "layer name", 64, &s), ST_OK);
    assert_string_equal(s, "conv1_1");
    assert_int_equal(protobuf_string(&r, &f, "layer name", 7, &s), ST_OK);
    assert_string_equal(s, "conv1_1");
    char *kept = s;
    assert_int_equal(protobuf_string(&r, &f, "layer name", 6, &s), ST_FORMAT);
    assert_string_equal(err.msg, "m.pb: layer name at byte 3 is 7 bytes long (at most 6)");
    assert_ptr_equal(s, kept);
    assert_int_equal(protobuf_field(&r, &c, &f), ST_OK);
    assert_int_equal(protobuf_string(&r, &f, "layer type", 64, &s), ST_FORMAT);
    assert_string_equal(err.msg, "m.pb: layer type at byte 12 contains a NUL byte");
    assert_ptr_equal(s, kept);
    free(s);

    const uint8_t le[8] = {0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x81};
    assert_int_equal(protobuf_le(le, 1), 0x08);
    assert_int_equal(protobuf_le(le, 4), 0x05060708);
    assert_true(protobuf_le(le, 8) == 0x8102030405060708ull);
    free(b.d);
}

/* Every message is "<name>: <where>: <message>", where the caller sets where. */
static void test_protobuf_messages_name_where(void **state) {
    (void)state;
    PbBuf b = {0};
    pbuf_tag(&b, 3, 6);
    Error err = {0};
    ProtobufReader r = reader_of(&b, &err);
    snprintf(r.where, sizeof r.where, "layer 'conv1_1', blob 0");
    ProtobufCursor c = protobuf_all(&r);
    ProtobufField f;
    assert_int_equal(protobuf_field(&r, &c, &f), ST_FORMAT);
    assert_string_equal(err.msg, "m.pb: layer 'conv1_1', blob 0: bad wire type 6 (field 3) at "
                                 "byte 0");
    assert_int_equal(protobuf_fail(&r, "shape too large"), ST_FORMAT);
    assert_string_equal(err.msg, "m.pb: layer 'conv1_1', blob 0: shape too large");
    r.where[0] = '\0';
    assert_int_equal(protobuf_fail(&r, "holds %d values", 5), ST_FORMAT);
    assert_string_equal(err.msg, "m.pb: holds 5 values");
    /* Without an Error the status still comes back. */
    r = reader_of(&b, NULL);
    c = protobuf_all(&r);
    assert_int_equal(protobuf_field(&r, &c, &f), ST_FORMAT);
    /* An empty buffer has no fields. */
    PbBuf empty = {0};
    r = reader_of(&empty, &err);
    c = protobuf_all(&r);
    assert_int_equal(c.pos, 0);
    assert_int_equal(c.end, 0);
    assert_int_equal(c.top, 1);
    free(b.d);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_protobuf_varint_lengths),
        cmocka_unit_test(test_protobuf_varint_errors),
        cmocka_unit_test(test_protobuf_each_wire_type),
        cmocka_unit_test(test_protobuf_bad_tags),
        cmocka_unit_test(test_protobuf_overruns),
        cmocka_unit_test(test_protobuf_groups),
        cmocka_unit_test(test_protobuf_skips_unknown_fields),
        cmocka_unit_test(test_protobuf_expect_string_and_le),
        cmocka_unit_test(test_protobuf_messages_name_where),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
