/*
 * loader — background batch preparation. See loader.h.
 *
 * The worker-queue pattern of docs/DESIGN.md section 5: one mutex, two condition
 * variables. Workers claim batch numbers in order; batch k always lives in
 * slot k % prefetch, so a worker waits until the consumer has released the
 * slot's previous batch (k - prefetch), and the consumer waits until slot
 * k % prefetch holds batch k. Each worker keeps its own scratch images and
 * its own copy of the current epoch's order, so the hot path shares nothing
 * but the slot it fills.
 */
#include "engine/data/loader.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/rng.h"
#include "engine/base/timer.h"
#include "engine/data/jpeg.h"

typedef enum SlotState { SLOT_EMPTY, SLOT_FILLING, SLOT_READY } SlotState;

typedef struct Slot {
    SlotState state;
    int64_t index;
    int n;
    Tensor x;
    int *labels, *items;
    Status status;
    Error err;
} Slot;

typedef struct Worker {
    struct Loader *ld;
    pthread_t thread;
    int started;
    int64_t epoch; /* epoch whose order is in `order`, -1 for none */
    int *order;
    Image decoded, cut, resized, cropped, rotated;
    LoaderStats pending; /* this batch's timings; the worker's own, no lock */
    LoaderStats total;   /* published timings; guarded by the loader's mutex */
} Worker;

struct Loader {
    const Dataset *ds;
    int *items;
    int n;
    LoaderConfig cfg;
    pthread_mutex_t mu;
    pthread_cond_t space, ready;
    int stop;
    int64_t next_fill;    /* next batch number a worker claims */
    int64_t next_consume; /* next batch number loader_next returns */
    int64_t end_batch;    /* one past the last batch (one_pass), else INT64_MAX */
    int held;             /* slot lent to the consumer, -1 for none */
    Slot *slots;
    Worker *workers;
    double waited;
    uint8_t fill[3]; /* RGB that normalises to 0: rotation's fill */
};

/* --- sample preparation (worker side, no locks) ------------------------------ */

static uint64_t loader_mix(uint64_t a, uint64_t b) {
    uint64_t z = a * 0x9E3779B97F4A7C15ULL + b + 0x632BE59BD9B4E019ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Item index at sequence position p. */
static int loader_item_at(Worker *w, int64_t p) {
    Loader *ld = w->ld;
    int64_t epoch = p / ld->n;
    int offset = (int)(p % ld->n);
    if (!ld->cfg.shuffle) return ld->items[offset];
    if (w->epoch != epoch) {
        memcpy(w->order, ld->items, sizeof(int) * (size_t)ld->n);
        Rng r;
        rng_seed(&r, loader_mix(ld->cfg.seed, (uint64_t)epoch));
        for (int i = ld->n - 1; i > 0; i--) {
            int j = (int)rng_below(&r, (uint32_t)i + 1);
            int t = w->order[i];
            w->order[i] = w->order[j];
            w->order[j] = t;
        }
        w->epoch = epoch;
    }
    return w->order[offset];
}

/* Seeds r for one transform of the sample at sequence position p. */
static void loader_stream(Rng *r, const LoaderConfig *cfg, uint64_t transform, int64_t p) {
    rng_seed(r, loader_mix(cfg->seed ^ transform, (uint64_t)p));
}

/* The box of it grown by margin (clipped to the image) as x0, y0, x1, y1 in
 * the item's pixels; *bw, *bh its size. Margin 0 keeps the box's own
 * arithmetic, so batches are those of a loader without margins. */
static void loader_box(const DatasetItem *it, double margin, double r[4], double *bw, double *bh) {
    const float *b = it->bbox;
    r[0] = b[0] - margin * b[2];
    r[1] = b[1] - margin * b[3];
    r[2] = (double)(b[0] + b[2]) + margin * b[2];
    r[3] = (double)(b[1] + b[3]) + margin * b[3];
    *bw = b[2];
    *bh = b[3];
    if (margin > 0) {
        r[0] = fmax(r[0], 0), r[1] = fmax(r[1], 0);
        r[2] = fmin(r[2], it->w), r[3] = fmin(r[3], it->h);
        *bw = r[2] - r[0], *bh = r[3] - r[1];
    }
}

/* Replaces the region r (item pixels, as loader_box) by a random-resized
 * crop box inside it; *bw, *bh its size. */
static void loader_resized_crop(const LoaderConfig *cfg, const DatasetItem *it, int64_t p,
                                double r[4], double *bw, double *bh) {
    int x0 = (int)floor(r[0]), y0 = (int)floor(r[1]);
    int x1 = (int)ceil(r[2]), y1 = (int)ceil(r[3]);
    x0 = x0 < 0 ? 0 : x0, y0 = y0 < 0 ? 0 : y0;
    x1 = x1 > it->w ? it->w : x1, y1 = y1 > it->h ? it->h : y1;
    x1 = x1 <= x0 ? x0 + 1 : x1, y1 = y1 <= y0 ? y0 + 1 : y1;
    Rng g;
    loader_stream(&g, cfg, 0x52524331ULL, p);
    int box[4];
    augment_resized_crop_box(&g, x1 - x0, y1 - y0, &cfg->aug, box);
    r[0] = x0 + box[0], r[1] = y0 + box[1];
    r[2] = r[0] + box[2], r[3] = r[1] + box[3];
    *bw = box[2], *bh = box[3];
}

/* Cuts region r (item pixels) out of the decoded image into w->cut. */
static Status loader_cut(Worker *w, const DatasetItem *it, const double r[4]) {
    double sx = (double)w->decoded.w / it->w, sy = (double)w->decoded.h / it->h;
    int x0 = (int)floor(r[0] * sx), y0 = (int)floor(r[1] * sy);
    int x1 = (int)ceil(r[2] * sx);
    int y1 = (int)ceil(r[3] * sy);
    if (x1 > w->decoded.w) x1 = w->decoded.w;
    if (y1 > w->decoded.h) y1 = w->decoded.h;
    if (x0 >= x1) x0 = x1 - 1;
    if (y0 >= y1) y0 = y1 - 1;
    return image_crop(&w->decoded, &w->cut, x0, y0, x1 - x0, y1 - y0);
}

/* Rotation and colour jitter of the network-sized image *img (which may
 * become w->rotated); mirror sits between them, drawn from r. */
static Status loader_augment(Worker *w, int64_t p, Rng *r, Image **img) {
    const LoaderConfig *cfg = &w->ld->cfg;
    Rng g;
    if (cfg->aug.rotate > 0) {
        loader_stream(&g, cfg, 0x524f5431ULL, p);
        double deg = cfg->aug.rotate * (2 * rng_uniform_double(&g) - 1);
        if (augment_rotate(*img, &w->rotated, deg, w->ld->fill)) return ST_NOMEM;
        *img = &w->rotated;
    }
    if (cfg->mirror == 2 || (cfg->mirror == 1 && (rng_u64(r) >> 63))) image_mirror(*img);
    if (cfg->aug.brightness > 0 || cfg->aug.contrast > 0 || cfg->aug.saturation > 0) {
        loader_stream(&g, cfg, 0x434f4c31ULL, p);
        augment_color(*img, &g, &cfg->aug);
    }
    return ST_OK;
}

/* Decodes, cuts, resizes, crops and augments item into out (3 x R x R floats). */
static Status loader_prepare(Worker *w, int item, int64_t p, float *out, Error *err) {
    const LoaderConfig *cfg = &w->ld->cfg;
    const DatasetItem *it = &w->ld->ds->items[item];
    int rrc = cfg->aug.resized_crop;
    int side = rrc ? cfg->resolution : cfg->resize > 0 ? cfg->resize : cfg->resolution;
    int bbox = cfg->crop_to_bbox && it->has_bbox;
    double region[4] = {0, 0, it->w, it->h}, bw = it->w, bh = it->h;
    if (bbox) loader_box(it, cfg->bbox_margin, region, &bw, &bh);
    if (rrc) loader_resized_crop(cfg, it, p, region, &bw, &bh);
    int cut = bbox || rrc;
    /* Decode just large enough that the cut region is still >= side. */
    int min_side = side;
    if (cut) {
        double box = fmin(bw, bh), full = it->w < it->h ? it->w : it->h;
        min_side = (int)ceil(side * full / fmax(box, 1.0));
    }
    double t0 = timer_now();
    Status st = jpeg_decode_file(it->path, min_side, &w->decoded, err);
    if (st) return st;
    double t1 = timer_now();
    const Image *src = &w->decoded;
    if (cut) {
        if (loader_cut(w, it, region)) goto nomem;
        src = &w->cut;
    }
    if (image_resize(src, &w->resized, side, side, cfg->filter)) goto nomem;
    double t2 = timer_now();
    Rng r;
    rng_seed(&r, loader_mix(cfg->seed ^ 0xA5A5A5A5ULL, (uint64_t)p));
    int slack = side - cfg->resolution, cx = slack / 2, cy = slack / 2;
    if (cfg->random_crop && slack > 0) {
        cx = (int)rng_below(&r, (uint32_t)slack + 1);
        cy = (int)rng_below(&r, (uint32_t)slack + 1);
    }
    Image *crop = &w->resized;
    if (slack > 0) {
        if (image_crop(&w->resized, &w->cropped, cx, cy, cfg->resolution, cfg->resolution))
            goto nomem;
        crop = &w->cropped;
    }
    if (loader_augment(w, p, &r, &crop)) goto nomem;
    image_to_chw(crop, &cfg->norm, out);
    double t3 = timer_now();
    w->pending.decode += t1 - t0;
    w->pending.resize += t2 - t1;
    w->pending.augment += t3 - t2;
    w->pending.images++;
    return ST_OK;
nomem:
    return error_set(err, ST_NOMEM, "%s: out of memory while resizing", it->path);
}

/* The sequence batch of this loader's batch k (its shard's k-th). */
static int64_t loader_sequence_batch(const LoaderConfig *c, int64_t k) {
    if (c->shard_count <= 1) return c->shard_base + k;
    int64_t run = c->shard_run > 0 ? c->shard_run : 1;
    return c->shard_base + k / run * c->shard_count * run + c->shard_index * run + k % run;
}

static void loader_fill(Worker *w, Slot *s, int64_t k) {
    Loader *ld = w->ld;
    int B = ld->cfg.batch_size;
    int64_t first = loader_sequence_batch(&ld->cfg, k) * B;
    int64_t total = ld->cfg.one_pass ? ld->n : INT64_MAX;
    int n = (int)(total - first < B ? total - first : B);
    s->status = ST_OK;
    s->n = n;
    size_t sample = tensor_sample_size(&s->x);
    for (int j = 0; j < n && !s->status; j++) {
        int item = loader_item_at(w, first + j);
        s->items[j] = item;
        s->labels[j] = ld->ds->items[item].label;
        s->status = loader_prepare(w, item, first + j, s->x.data + (size_t)j * sample, &s->err);
    }
}

static void *loader_worker(void *arg) {
    Worker *w = arg;
    Loader *ld = w->ld;
    pthread_mutex_lock(&ld->mu);
    for (;;) {
        while (!ld->stop && ld->next_fill < ld->end_batch &&
               ld->slots[ld->next_fill % ld->cfg.prefetch].state != SLOT_EMPTY)
            pthread_cond_wait(&ld->space, &ld->mu);
        if (ld->stop || ld->next_fill >= ld->end_batch) break;
        int64_t k = ld->next_fill++;
        Slot *s = &ld->slots[k % ld->cfg.prefetch];
        s->state = SLOT_FILLING;
        s->index = k;
        pthread_mutex_unlock(&ld->mu);
        memset(&w->pending, 0, sizeof w->pending);
        loader_fill(w, s, k);
        pthread_mutex_lock(&ld->mu);
        w->total.decode += w->pending.decode;
        w->total.resize += w->pending.resize;
        w->total.augment += w->pending.augment;
        w->total.images += w->pending.images;
        s->state = SLOT_READY;
        pthread_cond_broadcast(&ld->ready);
    }
    pthread_mutex_unlock(&ld->mu);
    return NULL;
}

/* --- consumer side ----------------------------------------------------------------- */

static Status loader_check_config(const LoaderConfig *c, int n, Error *err) {
    if (n < 1) return error_set(err, ST_ARG, "loader: no images to load");
    if (c->batch_size < 1 || c->threads < 1 || c->prefetch < 1)
        return error_set(err, ST_ARG, "loader: batch_size, threads and prefetch must be >= 1");
    if (c->resolution < 1 || (c->resize > 0 && c->resize < c->resolution))
        return error_set(err, ST_ARG, "loader: resolution %d must be >= 1 and <= resize %d",
                         c->resolution, c->resize);
    for (int i = 0; i < 3; i++)
        if (c->norm.std[i] == 0.0f) return error_set(err, ST_ARG, "loader: std must not be 0");
    const Augment *a = &c->aug;
    if (!(c->bbox_margin >= 0) || !(a->rotate >= 0) || !(a->brightness >= 0) ||
        !(a->contrast >= 0) || !(a->saturation >= 0))
        return error_set(err, ST_ARG,
                         "loader: bbox margin, rotation and colour jitter must be >= 0");
    if (a->resized_crop && !(a->area[0] > 0 && a->area[0] <= a->area[1] && a->area[1] <= 1 &&
                             a->ratio[0] > 0 && a->ratio[0] <= a->ratio[1]))
        return error_set(err, ST_ARG,
                         "loader: random-resized crop needs 0 < area min <= max <= 1 and 0 < "
                         "ratio min <= max (got area %g..%g, ratio %g..%g)",
                         a->area[0], a->area[1], a->ratio[0], a->ratio[1]);
    return ST_OK;
}

Loader *loader_create(const Dataset *ds, const int *items, int n, const LoaderConfig *cfg,
                      Error *err) {
    if (loader_check_config(cfg, n, err)) return NULL;
    Loader *ld = calloc(1, sizeof *ld);
    if (!ld) goto nomem;
    ld->ds = ds;
    ld->n = n;
    ld->cfg = *cfg;
    ld->held = -1;
    for (int oc = 0; oc < 3; oc++) {
        double v = cfg->norm.mean[oc] / cfg->norm.scale;
        ld->fill[cfg->norm.bgr ? 2 - oc : oc] = (uint8_t)(v <= 0 ? 0 : v >= 255 ? 255 : v + 0.5);
    }
    ld->next_fill = ld->next_consume = cfg->first_batch;
    ld->end_batch = cfg->one_pass ? (n + cfg->batch_size - 1) / cfg->batch_size : INT64_MAX;
    if (cfg->one_pass && cfg->stop_batch > 0 && cfg->stop_batch < ld->end_batch)
        ld->end_batch = cfg->stop_batch;
    pthread_mutex_init(&ld->mu, NULL);
    pthread_cond_init(&ld->space, NULL);
    pthread_cond_init(&ld->ready, NULL);
    ld->items = malloc(sizeof(int) * (size_t)n);
    ld->slots = calloc((size_t)cfg->prefetch, sizeof *ld->slots);
    ld->workers = calloc((size_t)cfg->threads, sizeof *ld->workers);
    if (!ld->items || !ld->slots || !ld->workers) goto nomem;
    memcpy(ld->items, items, sizeof(int) * (size_t)n);
    for (int i = 0; i < cfg->prefetch; i++) {
        Slot *s = &ld->slots[i];
        if (tensor_init(&s->x, cfg->batch_size, 3, cfg->resolution, cfg->resolution) ||
            !(s->labels = malloc(sizeof(int) * (size_t)cfg->batch_size)) ||
            !(s->items = malloc(sizeof(int) * (size_t)cfg->batch_size)))
            goto nomem;
    }
    for (int i = 0; i < cfg->threads; i++) {
        Worker *w = &ld->workers[i];
        w->ld = ld;
        w->epoch = -1;
        if (!(w->order = malloc(sizeof(int) * (size_t)n))) goto nomem;
    }
    for (int i = 0; i < cfg->threads; i++) {
        if (pthread_create(&ld->workers[i].thread, NULL, loader_worker, &ld->workers[i]) != 0) {
            error_set(err, ST_STATE, "loader: cannot start thread %d", i + 1);
            loader_destroy(ld);
            return NULL;
        }
        ld->workers[i].started = 1;
    }
    return ld;
nomem:
    loader_destroy(ld);
    error_set(err, ST_NOMEM, "loader: out of memory for %d slots of %d images at %d px",
              cfg->prefetch, cfg->batch_size, cfg->resolution);
    return NULL;
}

Status loader_next(Loader *ld, LoaderBatch *out, Error *err) {
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&ld->mu);
    if (ld->held >= 0) {
        ld->slots[ld->held].state = SLOT_EMPTY;
        ld->held = -1;
        pthread_cond_broadcast(&ld->space);
    }
    if (ld->next_consume >= ld->end_batch) {
        out->index = ld->next_consume;
        pthread_mutex_unlock(&ld->mu);
        return ST_OK;
    }
    int64_t k = ld->next_consume;
    Slot *s = &ld->slots[k % ld->cfg.prefetch];
    double t0 = timer_now();
    while (!(s->state == SLOT_READY && s->index == k)) pthread_cond_wait(&ld->ready, &ld->mu);
    double waited = timer_now() - t0;
    ld->waited += waited;
    Status st = s->status;
    if (st) {
        /* Sticky: the slot stays READY with its error, so every later call fails too. */
        pthread_mutex_unlock(&ld->mu);
        return error_set(err, st, "%s", s->err.msg);
    }
    ld->held = (int)(k % ld->cfg.prefetch);
    ld->next_consume++;
    pthread_mutex_unlock(&ld->mu);
    tensor_view(&out->x, s->x.data, s->n, 3, ld->cfg.resolution, ld->cfg.resolution);
    out->labels = s->labels;
    out->items = s->items;
    out->n = s->n;
    out->index = k;
    out->waited = waited;
    return ST_OK;
}

void loader_stats(Loader *ld, LoaderStats *out) {
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&ld->mu);
    for (int i = 0; i < ld->cfg.threads; i++) {
        const LoaderStats *t = &ld->workers[i].total;
        out->decode += t->decode;
        out->resize += t->resize;
        out->augment += t->augment;
        out->images += t->images;
    }
    out->waited = ld->waited;
    pthread_mutex_unlock(&ld->mu);
}

void loader_destroy(Loader *ld) {
    if (!ld) return;
    if (ld->workers) {
        pthread_mutex_lock(&ld->mu);
        ld->stop = 1;
        pthread_cond_broadcast(&ld->space);
        pthread_mutex_unlock(&ld->mu);
        for (int i = 0; i < ld->cfg.threads; i++) {
            Worker *w = &ld->workers[i];
            if (w->started) pthread_join(w->thread, NULL);
            free(w->order);
            image_fini(&w->decoded);
            image_fini(&w->cut);
            image_fini(&w->resized);
            image_fini(&w->cropped);
            image_fini(&w->rotated);
        }
    }
    if (ld->slots)
        for (int i = 0; i < ld->cfg.prefetch; i++) {
            tensor_fini(&ld->slots[i].x);
            free(ld->slots[i].labels);
            free(ld->slots[i].items);
        }
    free(ld->slots);
    free(ld->workers);
    free(ld->items);
    pthread_cond_destroy(&ld->space);
    pthread_cond_destroy(&ld->ready);
    pthread_mutex_destroy(&ld->mu);
    free(ld);
}
