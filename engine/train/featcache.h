/*
 * featcache — the feature cache of last_layer training: the frozen
 * backbone and the parameter-free pooling head run once per kept view of
 * each image, and training then costs only the classifier.
 *
 * Views of a training image: 0 = centre crop, 1 = centre crop mirrored
 * (when mirroring is on; else a random crop), 2.. = random crops with random
 * mirroring, each drawn from the view's own seed; these random views also
 * take the loader's augmentation (random-resized crop instead of the random
 * crop, rotation, colour jitter), drawn from (seed, view) and the image's
 * position, while the centre views stay unaugmented. Test images keep the
 * centre crop only. Cached samples are served in batches in a fresh seeded
 * order every epoch, so batch k depends only on (seed, k), as the loader's
 * do. A FeatCache is owned by the engine thread.
 *
 * Data-parallel (dist.h, more than one rank): each rank runs the backbone
 * over its share of every view's batches and the shares are gathered, so
 * every rank ends up with the cache one process would build.
 */
#ifndef FINELAB_FEATCACHE_H
#define FINELAB_FEATCACHE_H

#include <stdint.h>

#include "engine/base/error.h"
#include "engine/data/dataset.h"
#include "engine/data/loader.h"
#include "engine/nn/net.h"

typedef struct FeatCache {
    int n;        /* cached samples */
    int dim;      /* features per sample */
    float *feats; /* n x dim */
    int *labels;  /* n */
    int *order;   /* scratch: current epoch's order */
    int64_t order_epoch;
} FeatCache;

/* Runs net's feature part over `views` views of each of the n items (base
 * gives resize, resolution, filter, normalisation, threads; crop and mirror
 * are set per view). progress (may be NULL) is told done/total samples
 * before the first batch and after each (with ranks, an estimate from this
 * rank's share); when it returns nonzero the build stops: ST_OK with fc
 * empty (fc->feats NULL). Every rank must call it (it gathers); with
 * ranks every outcome is agreed: a stop on one rank stops all, and an error
 * on one (an image, memory) is every rank's, named with its rank. */
Status featcache_build(FeatCache *fc, Net *net, const Dataset *ds, const int *items, int n,
                       const LoaderConfig *base, int views, uint64_t seed,
                       int (*progress)(void *ctx, int done, int total), void *ctx, Error *err);
/* Copies batch k (B samples, wrapping through epochs; shuffled per epoch
 * with seed when shuffle) into x (B x dim x 1 x 1) and labels. */
void featcache_batch(FeatCache *fc, int64_t k, int B, int shuffle, uint64_t seed, Tensor *x,
                     int *labels);
/* Copies samples [first, first + count) in stored order (count <= the
 * batch x holds) into x (count x dim x 1 x 1) and labels: a held-out pass
 * that reads each sample once, its last batch short. */
void featcache_slice(const FeatCache *fc, int64_t first, int count, Tensor *x, int *labels);
void featcache_fini(FeatCache *fc);

#endif
