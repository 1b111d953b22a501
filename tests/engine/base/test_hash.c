/*
 * test_hash — SHA-256 against FIPS 180-4's vectors (fed whole and in
 * every split), XXH64 against its reference values, the framing of typed
 * values (no two sequences feed the same bytes) and the hex round trip.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/hash.h"
#include "tests/lib/testutil.h"

static void sha256_hex(const void *data, size_t n, size_t split, char out[65]) {
    Hash h;
    hash_init(&h);
    hash_add(&h, data, split);
    hash_add(&h, (const char *)data + split, n - split);
    uint8_t d[32];
    hash_final256(&h, d);
    for (int i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void test_hash_sha256_vectors(void **state) {
    (void)state;
    static const struct {
        const char *in, *out;
    } v[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    };
    char hex[65];
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        for (size_t split = 0; split <= strlen(v[i].in); split++) {
            sha256_hex(v[i].in, strlen(v[i].in), split, hex);
            assert_string_equal(hex, v[i].out);
        }
    size_t n = 1000000;
    char *a = malloc(n);
    assert_non_null(a);
    memset(a, 'a', n);
    sha256_hex(a, n, 777, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(a);
}

static void test_hash_xxh64_vectors(void **state) {
    (void)state;
    assert_true(hash_checksum("", 0, 0) == 0xEF46DB3751D8E999ULL);
    assert_true(hash_checksum("abc", 3, 0) == 0x44BC2CF5AD770999ULL);
    const char *s = "Nobody inspects the spammish repetition";
    assert_true(hash_checksum(s, strlen(s), 0) == 0xFBCEA83C8A378BF1ULL);
    /* A byte changed anywhere changes it. */
    char buf[100];
    memset(buf, 7, sizeof buf);
    uint64_t base = hash_checksum(buf, sizeof buf, 0);
    for (size_t i = 0; i < sizeof buf; i++) {
        buf[i] ^= 1;
        assert_true(hash_checksum(buf, sizeof buf, 0) != base);
        buf[i] ^= 1;
    }
    assert_true(hash_checksum(buf, sizeof buf, 1) != base);
}

static HashKey key_of_strs(const char *a, const char *b) {
    Hash h;
    hash_init(&h);
    hash_add_str(&h, a);
    hash_add_str(&h, b);
    return hash_final(&h);
}

static void test_hash_typed_values_are_framed(void **state) {
    (void)state;
    /* "ab" + "c" and "a" + "bc" feed different bytes. */
    HashKey x = key_of_strs("ab", "c"), y = key_of_strs("a", "bc");
    assert_memory_not_equal(x.b, y.b, sizeof x.b);
    HashKey z = key_of_strs("ab", "c");
    assert_memory_equal(x.b, z.b, sizeof x.b);
    Hash h1, h2;
    hash_init(&h1);
    hash_init(&h2);
    hash_add_u64(&h1, 1);
    hash_add_f64(&h2, 4.9e-324); /* the same 64 bits, another type */
    HashKey k1 = hash_final(&h1), k2 = hash_final(&h2);
    assert_memory_not_equal(k1.b, k2.b, sizeof k1.b);
    float f[2] = {1, 2};
    hash_init(&h1);
    hash_init(&h2);
    hash_add_f32s(&h1, f, 2);
    hash_add_f32s(&h2, f, 1);
    hash_add_f32s(&h2, f + 1, 1);
    k1 = hash_final(&h1), k2 = hash_final(&h2);
    assert_memory_not_equal(k1.b, k2.b, sizeof k1.b);
}

static void test_hash_hex_round_trip(void **state) {
    (void)state;
    HashKey k = key_of_strs("x", "y"), back;
    char hex[HASH_HEX];
    hash_hex(&k, hex);
    assert_int_equal(strlen(hex), 32);
    assert_int_equal(hash_parse(hex, &back), 0);
    assert_memory_equal(k.b, back.b, sizeof k.b);
    assert_int_equal(hash_parse("0123", &back), -1);
    assert_int_equal(hash_parse("0123456789abcdef0123456789ABCDEF", &back), -1);
    assert_int_equal(hash_parse("0123456789abcdef0123456789abcdef0", &back), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_sha256_vectors),
        cmocka_unit_test(test_hash_xxh64_vectors),
        cmocka_unit_test(test_hash_typed_values_are_framed),
        cmocka_unit_test(test_hash_hex_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
