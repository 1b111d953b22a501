/*
 * featfile — one level of one part of a feature cache as a file: a
 * safetensors file whose one F32 tensor "features" holds every sample
 * (items x views, view major; [samples, C, h, w] for the backbone level,
 * [samples, dim] for the pooled one), and whose metadata says what it is
 * (format, key, level, part, items, views), when it was made, the inputs
 * in words (featkey_inputs) and an XXH64 checksum of the tensor's bytes.
 *
 * Written through the safetensors writer, so atomically (temporary file
 * beside it, fsync, rename): a reader sees no file or a whole one. Read
 * back with the safetensors reader's structural checks (a cut anywhere
 * shows as offsets past the end of the file), then the metadata against
 * what the caller expects, then the checksum over the data read, so a
 * changed byte anywhere is found too. Errors name the file and what is
 * wrong with it (ST_FORMAT for a damaged or foreign file, ST_IO when it
 * cannot be read at all). Reentrant: no state besides the caller's.
 */
#ifndef FINELAB_FEATFILE_H
#define FINELAB_FEATFILE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/base/error.h"
#include "engine/base/hash.h"
#include "engine/train/featkey.h"

/* What a cache file holds, or is expected to hold. */
typedef struct FeatFileShape {
    int items, views;
    int ndim;        /* of one sample: 3 (C, h, w) or 1 (dim) */
    int64_t dims[3]; /* one sample's shape */
} FeatFileShape;

/* A cache file's header, as featfile_info reads it. */
typedef struct FeatFileInfo {
    HashKey key;
    FeatLevel level;
    char part[16];
    FeatFileShape shape;
    char created[32]; /* ISO 8601 UTC */
    FeatInputs inputs;
} FeatFileInfo;

/* Floats in a file of that shape (items x views samples). */
size_t featfile_count(const FeatFileShape *shape);

/* Writes data (featfile_count floats) to path as key's level of part,
 * atomically; err names path on failure (path untouched then). */
Status featfile_write(const char *path, const HashKey *key, FeatLevel level, const char *part,
                      const FeatFileShape *shape, const float *data, const FeatInputs *in,
                      Error *err);

/* Reads path into dst (featfile_count(want) floats) after checking that it
 * is a feature cache of key's level with exactly want's shape, and then
 * that its data matches its checksum. ST_FORMAT "<path>: <why>" for
 * anything else (dst may be partly written then); ST_IO when it cannot be
 * opened or read. */
Status featfile_read(const char *path, const HashKey *key, FeatLevel level,
                     const FeatFileShape *want, float *dst, Error *err);

/* The header of the cache file at path (no data is read), for listings. */
Status featfile_info(const char *path, FeatFileInfo *info, Error *err);

#endif
