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

/* The centre views stay unaugmented: they are the plain images the
 * classifier is tested on. */
LoaderConfig featcache_view(const LoaderConfig *base, int v, uint64_t seed) {
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

/* Every rank's share of view v's rows of buf (dim floats per sample) to
 * every rank (one view's block is n samples from v x n; rank r computed
 * batches [nb r / N, nb (r + 1) / N) of it). */
static Status featcache_gather(float *buf, int dim, int v, int n, int B, Error *err) {
    int ranks = dist_size();
    if (ranks == 1) return ST_OK;
    int *counts = malloc(sizeof(int) * 2 * (size_t)ranks), *displs = counts + ranks;
    if (!counts) return error_set(err, ST_NOMEM, "feature cache: out of memory");
    int64_t nb = (n + B - 1) / B;
    for (int r = 0; r < ranks; r++) {
        int64_t s0 = nb * r / ranks * B, s1 = nb * (r + 1) / ranks * B;
        if (s1 > n) s1 = n;
        if (s0 > n) s0 = n;
        displs[r] = (int)s0 * dim;
        counts[r] = (int)(s1 - s0) * dim;
    }
    Status s = dist_gather_f32(buf + (size_t)v * n * dim, counts, displs, err);
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

/* Tells progress how far this rank is (done of fc->n; with ranks, an
 * estimate from this rank's share of view v); 1 when it asks to stop. */
static int featcache_tell(const FeatCache *fc, int v, int n, int done,
                          int (*progress)(void *ctx, int done, int total), void *ctx) {
    int ranks = dist_size();
    int shown = ranks > 1 ? v * n + (done - v * n) * ranks : done;
    return progress && progress(ctx, shown < fc->n ? shown : fc->n, fc->n);
}

/* This rank's batches [kb0, kb1) of view v into fc (and the backbone's
 * output into backbone, bdim floats a sample, when not NULL) from sample
 * `done` on; *stop set when progress asked to stop. */
static Status featcache_share(FeatCache *fc, float *backbone, size_t bdim, Net *net,
                              const Dataset *ds, const int *items, int n, const LoaderConfig *c,
                              int v, int64_t kb0, int64_t kb1,
                              int (*progress)(void *ctx, int done, int total), void *ctx, int *stop,
                              Error *err) {
    if (kb1 <= kb0) return ST_OK;
    LoaderConfig lc = *c;
    lc.first_batch = kb0;
    lc.stop_batch = kb1;
    Loader *ld = loader_create(ds, items, n, &lc, err);
    if (!ld) return err ? err->status : ST_STATE;
    int done = v * n + (int)(kb0 * c->batch_size);
    Status s = ST_OK;
    for (;;) {
        LoaderBatch b;
        if ((s = loader_next(ld, &b, err)) || b.n == 0) break;
        const Tensor *f;
        if (backbone) { /* the same two halves net_forward_features runs */
            const Tensor *y = net_forward_backbone(net, &b.x);
            memcpy(backbone + (size_t)done * bdim, y->data, sizeof(float) * (size_t)b.n * bdim);
            f = net_forward_head(net, y);
        } else {
            f = net_forward_features(net, &b.x);
        }
        memcpy(fc->feats + (size_t)done * fc->dim, f->data,
               sizeof(float) * (size_t)b.n * (size_t)fc->dim);
        done += b.n;
        if (featcache_tell(fc, v, n, done, progress, ctx)) {
            *stop = 1;
            break;
        }
    }
    loader_destroy(ld);
    return s;
}

Status featcache_alloc(FeatCache *fc, int dim, const Dataset *ds, const int *items, int n,
                       int views, Error *err) {
    memset(fc, 0, sizeof *fc);
    fc->dim = dim;
    fc->n = n * views;
    fc->order_epoch = -1;
    fc->feats = malloc(sizeof(float) * (size_t)fc->n * (size_t)fc->dim);
    fc->labels = malloc(sizeof(int) * (size_t)fc->n);
    fc->order = malloc(sizeof(int) * (size_t)fc->n);
    if (!fc->feats || !fc->labels || !fc->order) {
        featcache_fini(fc);
        return error_set(err, ST_NOMEM, "feature cache: cannot hold %d x %d features", n * views,
                         dim);
    }
    for (int i = 0; i < fc->n; i++) fc->labels[i] = ds->items[items[i % n]].label;
    return ST_OK;
}

/* With ranks, a view's rows of dim floats must fit MPI's int counts. */
static Status featcache_fits(int n, size_t dim, Error *err) {
    if (dist_size() == 1 || (int64_t)n * (int64_t)dim <= INT_MAX) return ST_OK;
    return error_set(err, ST_ARG,
                     "feature cache: %d x %zu floats per view are too many to gather over MPI", n,
                     dim);
}

/* The start of a build: fc allocated and checked to fit (and n backbone
 * levels of bdim floats, when bdim > 0), progress told 0, the outcome
 * agreed by the ranks so that every exit of a build is the same on all.
 * On an error or a stop asked for (*stop), fc is freed. */
static Status featcache_begin(FeatCache *fc, Net *net, const Dataset *ds, const int *items, int n,
                              int views, size_t bdim,
                              int (*progress)(void *ctx, int done, int total), void *ctx, int *stop,
                              Error *err) {
    Status s = featcache_alloc(fc, net_feature_dim(net), ds, items, n, views, err);
    if (!s) s = featcache_fits(n, (size_t)fc->dim, err);
    if (!s && bdim) s = featcache_fits(n, bdim, err);
    *stop = !s && progress && progress(ctx, 0, fc->n);
    if ((s = featcache_agree(s, stop, err)) || *stop) featcache_fini(fc);
    return s;
}

Status featcache_build_levels(FeatCache *fc, float *backbone, Net *net, const Dataset *ds,
                              const int *items, int n, const LoaderConfig *base, int views,
                              uint64_t seed, int (*progress)(void *ctx, int done, int total),
                              void *ctx, Error *err) {
    int ranks = dist_size(), rank = dist_rank(), bc, bh, bw;
    net_backbone_shape(net, &bc, &bh, &bw);
    size_t bdim = (size_t)bc * bh * bw;
    int stop;
    Status s = featcache_begin(fc, net, ds, items, n, views, backbone ? bdim : 0, progress, ctx,
                               &stop, err);
    if (s || stop) return s;
    int64_t nb = (n + base->batch_size - 1) / base->batch_size;
    int64_t kb0 = nb * rank / ranks, kb1 = nb * (rank + 1) / ranks;
    for (int v = 0; v < views; v++) {
        LoaderConfig c = featcache_view(base, v, seed);
        s = featcache_share(fc, backbone, bdim, net, ds, items, n, &c, v, kb0, kb1, progress, ctx,
                            &stop, err);
        if (!(s = featcache_agree(s, &stop, err)) && !stop)
            s = featcache_gather(fc->feats, fc->dim, v, n, base->batch_size, err);
        if (!s && !stop && backbone)
            s = featcache_gather(backbone, (int)bdim, v, n, base->batch_size, err);
        if (s || stop) {
            featcache_fini(fc);
            return s;
        }
    }
    return ST_OK;
}

Status featcache_build(FeatCache *fc, Net *net, const Dataset *ds, const int *items, int n,
                       const LoaderConfig *base, int views, uint64_t seed,
                       int (*progress)(void *ctx, int done, int total), void *ctx, Error *err) {
    return featcache_build_levels(fc, NULL, net, ds, items, n, base, views, seed, progress, ctx,
                                  err);
}

Status featcache_pool(FeatCache *fc, Net *net, float *backbone, const Dataset *ds, const int *items,
                      int n, int views, int batch, int (*progress)(void *ctx, int done, int total),
                      void *ctx, Error *err) {
    int ranks = dist_size(), rank = dist_rank(), bc, bh, bw;
    net_backbone_shape(net, &bc, &bh, &bw);
    size_t bdim = (size_t)bc * bh * bw;
    int stop;
    Status s = featcache_begin(fc, net, ds, items, n, views, 0, progress, ctx, &stop, err);
    if (s || stop) return s;
    /* The batches the build would have run, shared by the ranks alike. */
    int64_t nb = (n + batch - 1) / batch;
    int64_t kb0 = nb * rank / ranks, kb1 = nb * (rank + 1) / ranks;
    for (int v = 0; v < views && !s && !stop; v++) {
        for (int64_t k = kb0; k < kb1 && !stop; k++) {
            int first = (int)(k * batch), m = n - first < batch ? n - first : batch;
            size_t at = (size_t)v * n + (size_t)first;
            Tensor x;
            tensor_view(&x, backbone + at * bdim, m, bc, bh, bw);
            const Tensor *f = net_forward_head(net, &x);
            memcpy(fc->feats + at * fc->dim, f->data, sizeof(float) * (size_t)m * fc->dim);
            stop = featcache_tell(fc, v, n, (int)at + m, progress, ctx);
        }
        if (!(s = featcache_agree(s, &stop, err)) && !stop)
            s = featcache_gather(fc->feats, fc->dim, v, n, batch, err);
    }
    if (s || stop) featcache_fini(fc);
    return s;
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
