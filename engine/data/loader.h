/*
 * loader — prepares batches of network input from a Dataset on background
 * threads: decode (JPEG with DCT scaling), optional bounding-box cut (with
 * a margin), resize and crop (random or centre) or a random-resized crop,
 * rotation, mirror, colour jitter, normalise into NCHW floats.
 *
 * Batches are numbered 0, 1, 2, ...; sample j of batch k is position
 * p = k*B + j of an endless sequence of epochs over the given items, each
 * epoch in a fresh seeded random order when shuffling (Caffe's ImageData
 * behaviour), and its augmentation draws come from a stream seeded by
 * (seed, p) (one stream per transform, so turning one on leaves the
 * others' draws as they were). So batch contents depend only on the configuration, never on
 * thread count or timing (and a rank's shard, see shard_count, holds the
 * very batches one loader would give it). Loader threads fill a ring of `prefetch` batch
 * slots ahead of the consumer; the time the consumer blocks is measured.
 *
 * One consumer thread (the engine's) calls loader_next; the loader's own
 * threads never touch anything else. Errors in a worker (a file that stopped
 * decoding) are sticky and returned by loader_next with the file named.
 */
#ifndef FINELAB_LOADER_H
#define FINELAB_LOADER_H

#include <stdint.h>

#include "engine/base/error.h"
#include "engine/base/tensor.h"
#include "engine/data/augment.h"
#include "engine/data/dataset.h"
#include "engine/data/image.h"

typedef struct LoaderConfig {
    int batch_size;      /* samples per batch, >= 1 */
    int resize;          /* side of the square resize before cropping; 0: straight to resolution */
    int resolution;      /* side of the square crop fed to the network, >= 1, <= resize */
    int random_crop;     /* 1: uniform random crop position; 0: centre crop */
    int mirror;          /* 1: flip left-right with probability 1/2; 2: always; 0: never */
    int crop_to_bbox;    /* 1: cut out the item's bounding box first, when it has one */
    ResizeFilter filter; /* how to resize */
    Normalize norm;      /* pixel to float conversion */
    int shuffle;         /* 1: new random order every epoch; 0: the given order */
    int one_pass;        /* 1: stop after one epoch (last batch may be short); 0: endless */
    int threads;         /* worker threads, >= 1 */
    int prefetch;        /* batches prepared ahead, >= 1 */
    uint64_t seed;       /* seed of the order and the augmentation */
    int64_t first_batch; /* number of the first batch returned (resume) */
    int64_t stop_batch;  /* one_pass: > 0 ends the pass before this batch (a share of it) */
    /* A data-parallel rank's share of an endless sequence: of every
     * shard_count x shard_run batches, this loader's batches k are the
     * shard_run from shard_index x shard_run on (batch k is sequence batch
     * base + (k / run) * count * run + index * run + k % run). 0 or 1
     * count: all (batch k is base + k). */
    int shard_count, shard_index, shard_run;
    int64_t shard_base; /* sequence batch of batch 0's shard block (a resume: batches done) */
    double bbox_margin; /* crop_to_bbox: the box grows by this fraction of its width (height)
                           on each side, clipped to the image; >= 0 */
    /* Random-resized crop (replacing resize + crop, straight to the
     * resolution), rotation about the centre with the normalisation's mean
     * colour as fill (0 after normalising), mirror, colour jitter: in that
     * order. All zero: none, and batches are those of a loader without them. */
    Augment aug;
} LoaderConfig;

/* A batch lent by loader_next until the next call (or loader_destroy). */
typedef struct LoaderBatch {
    Tensor x;          /* n x 3 x resolution x resolution view */
    const int *labels; /* n labels */
    const int *items;  /* n dataset item indices */
    int n;             /* samples; 0 when a one-pass loader is exhausted */
    int64_t index;     /* batch number */
    double waited;     /* seconds loader_next blocked for this batch */
} LoaderBatch;

/* Seconds spent per stage, summed over worker threads, and images done. */
typedef struct LoaderStats {
    double decode, resize, augment;
    int64_t images;
    double waited; /* consumer's total blocked time */
} LoaderStats;

typedef struct Loader Loader;

/* Starts a loader over the n dataset items listed in items[] (copied). The
 * dataset must outlive the loader. Returns NULL with err set on bad
 * configuration or when threads cannot start. */
Loader *loader_create(const Dataset *ds, const int *items, int n, const LoaderConfig *cfg,
                      Error *err);
/* Blocks until the next batch is ready and lends it in *out. Returns the
 * sticky worker error, if any, with the file named. */
Status loader_next(Loader *ld, LoaderBatch *out, Error *err);
/* Copies the stage timings so far. */
void loader_stats(Loader *ld, LoaderStats *out);
/* Stops and joins the threads and frees everything; ld may be NULL. */
void loader_destroy(Loader *ld);

#endif
