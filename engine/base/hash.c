/*
 * hash — SHA-256 (FIPS 180-4) and XXH64. See hash.h.
 *
 * SHA-256 rather than a fast 128-bit hash for keys: a key stands for
 * megabytes of weights and thousands of file names, so no one should have
 * to argue that two different inputs cannot meet; at a few hundred MB/s
 * it costs a fraction of a second for the full VGG-16 backbone, against
 * minutes of what the key saves. The checksum runs over every byte a cache
 * file holds each time one is read, so it is XXH64 (Yann Collet's,
 * reproduced from its specification), about ten times faster.
 */
#include "engine/base/hash.h"

#include <string.h>

/* --- SHA-256 ------------------------------------------------------------------------ */

static const uint32_t hash_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static uint32_t hash_ror(uint32_t x, int n) {
    return (x >> n) | (x << (32 - n));
}

static void hash_block(Hash *h, const uint8_t *p) {
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = hash_ror(w[i - 15], 7) ^ hash_ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = hash_ror(w[i - 2], 17) ^ hash_ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h->h[0], b = h->h[1], c = h->h[2], d = h->h[3];
    uint32_t e = h->h[4], f = h->h[5], g = h->h[6], k = h->h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = k + (hash_ror(e, 6) ^ hash_ror(e, 11) ^ hash_ror(e, 25)) +
                      ((e & f) ^ (~e & g)) + hash_k[i] + w[i];
        uint32_t t2 =
            (hash_ror(a, 2) ^ hash_ror(a, 13) ^ hash_ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        k = g, g = f, f = e, e = d + t1;
        d = c, c = b, b = a, a = t1 + t2;
    }
    h->h[0] += a, h->h[1] += b, h->h[2] += c, h->h[3] += d;
    h->h[4] += e, h->h[5] += f, h->h[6] += g, h->h[7] += k;
}

void hash_init(Hash *h) {
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(h->h, iv, sizeof iv);
    h->bytes = 0;
}

void hash_add(Hash *h, const void *data, size_t n) {
    const uint8_t *p = data;
    size_t used = (size_t)(h->bytes % 64);
    h->bytes += n;
    if (used) {
        size_t take = n < 64 - used ? n : 64 - used;
        memcpy(h->block + used, p, take);
        p += take, n -= take;
        if (used + take < 64) return;
        hash_block(h, h->block);
    }
    for (; n >= 64; p += 64, n -= 64) hash_block(h, p);
    memcpy(h->block, p, n);
}

/* A one-byte tag and a little-endian 64-bit value. */
static void hash_tagged(Hash *h, uint8_t tag, uint64_t v) {
    uint8_t b[9] = {tag};
    for (int i = 0; i < 8; i++) b[1 + i] = (uint8_t)(v >> (8 * i));
    hash_add(h, b, sizeof b);
}

void hash_add_u64(Hash *h, uint64_t v) {
    hash_tagged(h, 'u', v);
}

void hash_add_str(Hash *h, const char *s) {
    size_t n = s ? strlen(s) : 0;
    hash_tagged(h, 's', n);
    hash_add(h, s ? s : "", n);
}

void hash_add_f32s(Hash *h, const float *v, size_t n) {
    hash_tagged(h, 'f', n);
    hash_add(h, v, sizeof(float) * n);
}

void hash_add_f64(Hash *h, double v) {
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    hash_tagged(h, 'd', bits);
}

void hash_final256(Hash *h, uint8_t out[32]) {
    uint64_t bits = h->bytes * 8;
    uint8_t pad[72] = {0x80};
    size_t used = (size_t)(h->bytes % 64), n = used < 56 ? 56 - used : 120 - used;
    for (int i = 0; i < 8; i++) pad[n + (size_t)i] = (uint8_t)(bits >> (56 - 8 * i));
    hash_add(h, pad, n + 8);
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 4; j++) out[4 * i + j] = (uint8_t)(h->h[i] >> (24 - 8 * j));
}

HashKey hash_final(Hash *h) {
    uint8_t full[32];
    hash_final256(h, full);
    HashKey k;
    memcpy(k.b, full, sizeof k.b);
    return k;
}

void hash_hex(const HashKey *key, char hex[HASH_HEX]) {
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        hex[2 * i] = digits[key->b[i] >> 4];
        hex[2 * i + 1] = digits[key->b[i] & 15];
    }
    hex[32] = '\0';
}

static int hash_digit(char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int hash_parse(const char *text, HashKey *key) {
    for (int i = 0; i < 32; i++)
        if (hash_digit(text[i]) < 0) return -1;
    if (text[32] != '\0') return -1;
    for (int i = 0; i < 16; i++)
        key->b[i] = (uint8_t)(hash_digit(text[2 * i]) << 4 | hash_digit(text[2 * i + 1]));
    return 0;
}

/* --- XXH64 ---------------------------------------------------------------------------- */

#define P1 0x9E3779B185EBCA87ULL
#define P2 0xC2B2AE3D27D4EB4FULL
#define P3 0x165667B19E3779F9ULL
#define P4 0x85EBCA77C2B2AE63ULL
#define P5 0x27D4EB2F165667C5ULL

static uint64_t xxh_rol(uint64_t x, int n) {
    return (x << n) | (x >> (64 - n));
}

static uint64_t xxh_read64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, sizeof v); /* the format is little-endian, as are finelab's machines */
    return v;
}

static uint32_t xxh_read32(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static uint64_t xxh_round(uint64_t acc, uint64_t in) {
    acc += in * P2;
    return xxh_rol(acc, 31) * P1;
}

static uint64_t xxh_merge(uint64_t acc, uint64_t v) {
    acc ^= xxh_round(0, v);
    return acc * P1 + P4;
}

uint64_t hash_checksum(const void *data, size_t n, uint64_t seed) {
    const uint8_t *p = data, *end = p + n;
    uint64_t h;
    if (n >= 32) {
        uint64_t v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed, v4 = seed - P1;
        for (; end - p >= 32; p += 32) {
            v1 = xxh_round(v1, xxh_read64(p));
            v2 = xxh_round(v2, xxh_read64(p + 8));
            v3 = xxh_round(v3, xxh_read64(p + 16));
            v4 = xxh_round(v4, xxh_read64(p + 24));
        }
        h = xxh_rol(v1, 1) + xxh_rol(v2, 7) + xxh_rol(v3, 12) + xxh_rol(v4, 18);
        h = xxh_merge(xxh_merge(xxh_merge(xxh_merge(h, v1), v2), v3), v4);
    } else {
        h = seed + P5;
    }
    h += (uint64_t)n;
    for (; end - p >= 8; p += 8) h = xxh_rol(h ^ xxh_round(0, xxh_read64(p)), 27) * P1 + P4;
    if (end - p >= 4) {
        h = xxh_rol(h ^ ((uint64_t)xxh_read32(p) * P1), 23) * P2 + P3;
        p += 4;
    }
    for (; p < end; p++) h = xxh_rol(h ^ (*p * P5), 11) * P1;
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    return h ^ (h >> 32);
}
