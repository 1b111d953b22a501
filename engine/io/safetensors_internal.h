/*
 * safetensors_internal — what the reader (safetensors.c) and the writer
 * (safetensors_writer.c) share and nothing else includes: the metadata pair
 * both keep in an array, and the byte-level helpers of the format. All
 * static inline, so neither file calls into the other.
 */
#ifndef FINELAB_SAFETENSORS_INTERNAL_H
#define FINELAB_SAFETENSORS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* One "__metadata__" entry; both strings are malloc'd and owned by the
 * array that holds the pair. */
typedef struct MetaPair {
    char *key, *value;
} MetaPair;

/* Frees the n pairs' strings and the array itself; meta may be NULL. */
static inline void meta_free(MetaPair *meta, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(meta[i].key);
        free(meta[i].value);
    }
    free(meta);
}

/* 1 on a little-endian host (the file's byte order), else 0. */
static inline int host_little_endian(void) {
    const uint16_t one = 1;
    uint8_t b;
    memcpy(&b, &one, 1);
    return b == 1;
}

/* *out = a * b; -1 (and *out untouched) when the product overflows. */
static inline int mul_u64(uint64_t a, uint64_t b, uint64_t *out) {
    if (a != 0 && b > UINT64_MAX / a) return -1;
    *out = a * b;
    return 0;
}

#endif
