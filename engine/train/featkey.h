/*
 * featkey — what a feature cache was made from, as a key: the 128-bit
 * digest (hash.h) that names a cache file in a store, so that any process
 * that would compute the same features finds them, and any change of an
 * input finds another file.
 *
 * A part of a run's cache (the views of the training images, or the test
 * images) has two levels: the backbone's output (conv5_3 after its ReLU,
 * per view) and the pooled features (that output through the
 * parameter-free head). The backbone key covers exactly what the backbone
 * level depends on: the backbone's parameter values as loaded (so
 * model.weights and init_from alike, by content), the convolutions'
 * algorithms as picked, each item of the part in order (path, label, file
 * size and time; its box when the views cut to it), the number of views
 * and each view's loader settings (resize, resolution, filter,
 * normalisation, crop and mirror, augmentation, and the view's seed when
 * the view draws anything). The pooled key is the backbone key and the
 * head: pooling kind, its dimension and hash seed (compact kinds), signed
 * square root, L2. Left out, since the features do not depend on them:
 * the batch size, thread counts, the loader's prefetch, the classifier and
 * the solver (tests/engine/train/test_featkey.c holds the features equal across batch
 * sizes).
 *
 * Pure functions of their arguments; reentrant. Nothing fails.
 */
#ifndef FINELAB_FEATKEY_H
#define FINELAB_FEATKEY_H

#include <stddef.h>

#include "engine/base/hash.h"
#include "engine/data/dataset.h"
#include "engine/data/loader.h"
#include "engine/nn/net.h"

typedef enum FeatLevel { FEAT_BACKBONE, FEAT_POOLED, FEAT_LEVELS } FeatLevel;

/* "backbone", "pooled". */
const char *featkey_level_name(FeatLevel l);
/* The level called s; 0, or -1 when there is none. */
int featkey_level_parse(const char *s, FeatLevel *out);

/* One part of a run's feature cache: `views` views (featcache_view of
 * base and seed) of each of the n items. */
typedef struct FeatPart {
    const char *name; /* "train" or "test": for messages and the file's metadata */
    const Dataset *ds;
    const int *items;
    int n;
    LoaderConfig base;
    int views;
    uint64_t seed;
} FeatPart;

/* Both levels' keys of a part. */
typedef struct FeatKeys {
    HashKey key[FEAT_LEVELS];
} FeatKeys;

/* The keys of part for net (its backbone's current parameter values, its
 * convolutions' algorithms, its head). Every process that loaded the same
 * weights and opened the same files gets the same keys. */
void featkey_compute(const Net *net, const FeatPart *part, FeatKeys *out);

/* The inputs of a level in words, for the cache file's metadata and
 * `finelab cache list`. */
typedef struct FeatInputs {
    char dataset[1024]; /* the dataset's root */
    char image[256];    /* "224 px from 256 (area), rgb01std" */
    char views[256];    /* "centre, mirrored centre, 2 random (seed 1; rotate 15)" */
    char backbone[640]; /* weights (as the caller names them), conv5_3's shape */
    char head[160];     /* the pooled level's head ("" for the backbone level) */
} FeatInputs;

/* Fills in: weights names the backbone's weights for people (a file, an
 * init_from snapshot, "random (seed 1)"). */
void featkey_inputs(const Net *net, const FeatPart *part, FeatLevel level, const char *weights,
                    FeatInputs *in);

#endif
