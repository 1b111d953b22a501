/*
 * hash — the two hashes of finelab's files: a digest that names what
 * something was made from (SHA-256, cut to 128 bits: the feature cache's
 * keys) and a fast checksum that finds damage in what was written (XXH64:
 * the feature cache's data).
 *
 * A Hash is caller storage fed in pieces (hash_add and the typed helpers,
 * which frame each value so that no two sequences of values feed the same
 * bytes) and read once with hash_final. Everything here is reentrant; one
 * thread per Hash. Nothing fails.
 */
#ifndef FINELAB_HASH_H
#define FINELAB_HASH_H

#include <stddef.h>
#include <stdint.h>

/* A 128-bit digest; hex is 32 lowercase hex digits. */
typedef struct HashKey {
    uint8_t b[16];
} HashKey;

enum { HASH_HEX = 33 }; /* bytes of a HashKey as hex with its NUL */

typedef struct Hash {
    uint32_t h[8];
    uint8_t block[64];
    uint64_t bytes; /* fed so far */
} Hash;

void hash_init(Hash *h);
/* Feeds n raw bytes. */
void hash_add(Hash *h, const void *data, size_t n);
/* Feeds a tagged value: a 64-bit integer; a string with its length; n
 * floats' bytes with their count; a double's bits. */
void hash_add_u64(Hash *h, uint64_t v);
void hash_add_str(Hash *h, const char *s);
void hash_add_f32s(Hash *h, const float *v, size_t n);
void hash_add_f64(Hash *h, double v);
/* The first 128 bits of SHA-256 of everything fed; h is spent. */
HashKey hash_final(Hash *h);
/* The full 32-byte SHA-256 (for the test vectors); h is spent. */
void hash_final256(Hash *h, uint8_t out[32]);

/* key as 32 hex digits into hex[HASH_HEX]. */
void hash_hex(const HashKey *key, char hex[HASH_HEX]);
/* Parses 32 hex digits (nothing after them); 0, or -1 when text is not one. */
int hash_parse(const char *text, HashKey *key);

/* XXH64 of n bytes with seed: the checksum of bulk data (several GB/s). */
uint64_t hash_checksum(const void *data, size_t n, uint64_t seed);

#endif
