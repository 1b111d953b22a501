/*
 * featcache — cached classifier inputs for frozen-backbone training. See
 * featcache.h.
 */
#include "engine/train/featcache.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/dist.h"
#include "engine/base/rng.h"

static uint64_t featcache_mix(uint64_t a, uint64_t b) {
    uint64_t z = a * 0x9E3779B97F4A7C15ULL + b + 0x2545F4914F6CDD1DULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Loader settings for view v of a training set (or the test view): 0 the
 * centre, 1 the mirrored centre (when mirroring is on), the others random
 * crops with every augmentation of base, drawn from (seed, v) and each
 * image's position. The centre views stay unaugmented: they are the plain
 * images the classifier is tested on. */
static LoaderConfig featcache_view(const LoaderConfig *base, int v, uint64_t seed) {
    LoaderConfig c = *base;
    c.shuffle = 0;
    c.one_pass = 1;
    c.first_batch = 0;
    c.seed = featcache_mix(seed, (uint64_t)v);
    int mirror_on = base->mirror != 0;
    if (v == 0) {
        c.random_crop = 0;
        c.mirror = 0;
        c.aug = (Augment){0};
    } else if (v == 1 && mirror_on) {
        c.random_crop = 0;
        c.mirror = 2;
        c.aug = (Augment){0};
    } else {
        c.random_crop = 1;
        c.mirror = mirror_on;
    }
    return c;
}

/* Every rank's share of view v's features to every rank (one view's
 * block is n samples from v x n; rank r computed batches
 * [nb r / N, nb (r + 1) / N) of it). */
static Status featcache_gather(FeatCache *fc, int v, int n, int B, Error *err) {
    int ranks = dist_size();
    if (ranks == 1) return ST_OK;
    int *counts = malloc(sizeof(int) * 2 * (size_t)ranks), *displs = counts + ranks;
    if (!counts) return error_set(err, ST_NOMEM, "feature cache: out of memory");
    int64_t nb = (n + B - 1) / B;
    for (int r = 0; r < ranks; r++) {
        int64_t s0 = nb * r / ranks * B, s1 = nb * (r + 1) / ranks * B;
        if (s1 > n) s1 = n;
        if (s0 > n) s0 = n;
        displs[r] = (int)s0 * fc->dim;
        counts[r] = (int)(s1 - s0) * fc->dim;
    }
    Status s = dist_gather_f32(fc->feats + (size_t)v * n * fc->dim, counts, displs, err);
    free(counts);
    return s;
}

/* With ranks, every rank learns whether any failed (the lowest failing
 * rank's error becomes every rank's) and whether any was asked to stop
 * (then all stop); alone, s and *stop as they are. */
static Status featcache_agree(Status s, int *stop, Error *err) {
    int shared;
    if ((s = dist_agree(s, err, &shared))) return s;
    return dist_max_int(stop, 1, err);
}

/* This rank's batches [kb0, kb1) of view v into fc from sample `done` on;
 * *stop set when progress asked to stop. */
static Status featcache_share(FeatCache *fc, Net *net, const Dataset *ds, const int *items, int n,
                              const LoaderConfig *c, int v, int64_t kb0, int64_t kb1,
                              int (*progress)(void *ctx, int done, int total), void *ctx, int *stop,
                              Error *err) {
    if (kb1 <= kb0) return ST_OK;
    LoaderConfig lc = *c;
    lc.first_batch = kb0;
    lc.stop_batch = kb1;
    Loader *ld = loader_create(ds, items, n, &lc, err);
    if (!ld) return err ? err->status : ST_STATE;
    int ranks = dist_size(), done = v * n + (int)(kb0 * c->batch_size);
    Status s = ST_OK;
    for (;;) {
        LoaderBatch b;
        if ((s = loader_next(ld, &b, err)) || b.n == 0) break;
        const Tensor *f = net_forward_features(net, &b.x);
        memcpy(fc->feats + (size_t)done * fc->dim, f->data,
               sizeof(float) * (size_t)b.n * (size_t)fc->dim);
        done += b.n;
        int shown = ranks > 1 ? v * n + (done - v * n) * ranks : done;
        if (progress && progress(ctx, shown < fc->n ? shown : fc->n, fc->n)) {
            *stop = 1;
            break;
        }
    }
    loader_destroy(ld);
    return s;
}

Status featcache_build(FeatCache *fc, Net *net, const Dataset *ds, const int *items, int n,
                       const LoaderConfig *base, int views, uint64_t seed,
                       int (*progress)(void *ctx, int done, int total), void *ctx, Error *err) {
    memset(fc, 0, sizeof *fc);
    fc->dim = net_feature_dim(net);
    fc->n = n * views;
    fc->order_epoch = -1;
    fc->feats = malloc(sizeof(float) * (size_t)fc->n * (size_t)fc->dim);
    fc->labels = malloc(sizeof(int) * (size_t)fc->n);
    fc->order = malloc(sizeof(int) * (size_t)fc->n);
    int ranks = dist_size(), rank = dist_rank();
    Status s = ST_OK;
    if (!fc->feats || !fc->labels || !fc->order)
        s = error_set(err, ST_NOMEM, "feature cache: cannot hold %d x %d features", n * views,
                      fc->dim);
    else if (ranks > 1 && (int64_t)n * fc->dim > INT_MAX)
        s = error_set(err, ST_ARG,
                      "feature cache: %d x %d features per view are too many to gather over MPI", n,
                      fc->dim);
    int stop = !s && progress && progress(ctx, 0, fc->n);
    /* Every exit below is agreed: with ranks, all return the same. */
    if ((s = featcache_agree(s, &stop, err)) || stop) {
        featcache_fini(fc);
        return s;
    }
    for (int i = 0; i < fc->n; i++) fc->labels[i] = ds->items[items[i % n]].label;
    int64_t nb = (n + base->batch_size - 1) / base->batch_size;
    int64_t kb0 = nb * rank / ranks, kb1 = nb * (rank + 1) / ranks;
    for (int v = 0; v < views; v++) {
        LoaderConfig c = featcache_view(base, v, seed);
        s = featcache_share(fc, net, ds, items, n, &c, v, kb0, kb1, progress, ctx, &stop, err);
        if (!(s = featcache_agree(s, &stop, err)) && !stop)
            s = featcache_gather(fc, v, n, base->batch_size, err);
        if (s || stop) {
            featcache_fini(fc);
            return s;
        }
    }
    return ST_OK;
}

void featcache_batch(FeatCache *fc, int64_t k, int B, int shuffle, uint64_t seed, Tensor *x,
                     int *labels) {
    x->n = B;
    for (int j = 0; j < B; j++) {
        int64_t p = k * B + j;
        int64_t epoch = p / fc->n;
        int s = (int)(p % fc->n);
        if (shuffle) {
            if (fc->order_epoch != epoch) {
                for (int i = 0; i < fc->n; i++) fc->order[i] = i;
                Rng r;
                rng_seed(&r, featcache_mix(seed, (uint64_t)epoch));
                for (int i = fc->n - 1; i > 0; i--) {
                    int q = (int)rng_below(&r, (uint32_t)i + 1);
                    int t = fc->order[i];
                    fc->order[i] = fc->order[q];
                    fc->order[q] = t;
                }
                fc->order_epoch = epoch;
            }
            s = fc->order[s];
        }
        memcpy(x->data + (size_t)j * fc->dim, fc->feats + (size_t)s * fc->dim,
               sizeof(float) * (size_t)fc->dim);
        labels[j] = fc->labels[s];
    }
}

void featcache_slice(const FeatCache *fc, int64_t first, int count, Tensor *x, int *labels) {
    CHECK(first >= 0 && count >= 0 && first + count <= fc->n);
    x->n = count;
    memcpy(x->data, fc->feats + (size_t)first * fc->dim,
           sizeof(float) * (size_t)count * (size_t)fc->dim);
    memcpy(labels, fc->labels + first, sizeof(int) * (size_t)count);
}

void featcache_fini(FeatCache *fc) {
    if (!fc) return;
    free(fc->feats);
    free(fc->labels);
    free(fc->order);
    memset(fc, 0, sizeof *fc);
}
