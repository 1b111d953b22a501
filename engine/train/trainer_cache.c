/*
 * trainer_cache — last_layer's feature cache in the trainer: the frozen
 * backbone and the parameter-free head run once per kept view of each
 * training image and once per validation and test image (featcache.h),
 * and the iterations and held-out passes read the stored features. Built
 * on the first step (or trainer_prepare), so its progress and a stop reach
 * the caller; a cache cut short by a stop is dropped and built again on
 * resume.
 */
#include <stdio.h>

#include "engine/base/timer.h"
#include "engine/train/trainer_internal.h"

/* The cache's progress over its parts (training views, validation, test),
 * and the place a stop or a pause is asked for while it builds. */
typedef struct CacheProgress {
    Trainer *t;
    long before, total; /* samples of the parts already built; of all */
} CacheProgress;

static int trainer_cache_progress(void *ctx, int done, int total) {
    CacheProgress *p = ctx;
    (void)total;
    trainer_core_progress(p->t, PHASE_CACHE, p->before + done, p->total);
    return trainer_core_ask_stop_inside(p->t);
}

/* One part: n items, views views with loader settings lc. The builds agree
 * every outcome over ranks; a stop asked on one rank stops the others'
 * trainers too, before the next part. */
static Status trainer_cache_part(Trainer *t, FeatCache *fc, const int *items, int n,
                                 const LoaderConfig *lc, int views, CacheProgress *p, Error *err) {
    if (n == 0 || t->stopped) return ST_OK;
    Status s = featcache_build(fc, t->net, t->cfg.ds, items, n, lc, views, t->cfg.seed,
                               trainer_cache_progress, p, err);
    if (s) {
        t->dist.shared = t->dist.ranks > 1;
        return s;
    }
    if ((s = trainer_dist_agree_stop(t))) return s; /* in t->err, as err is */
    p->before += (long)n * views;
    return ST_OK;
}

Status trainer_cache_build(Trainer *t, Error *err) {
    const TrainConfig *c = &t->cfg;
    const Dataset *ds = c->ds;
    double t0 = timer_now();
    char val[48] = "";
    if (ds->n_val) snprintf(val, sizeof val, ", %d validation images", ds->n_val);
    trainer_core_log(t, "feature cache: %d training images x %d views%s, %d test images",
                     ds->n_train, c->cache_views, val, ds->n_test);
    LoaderConfig base = c->train_data;
    base.batch_size = c->batch_size;
    CacheProgress p = {.t = t,
                       .total = (long)ds->n_train * c->cache_views + ds->n_val + ds->n_test};
    Status s = trainer_cache_part(t, &t->cache.train, ds->train, ds->n_train, &base, c->cache_views,
                                  &p, err);
    if (!s) s = trainer_cache_part(t, &t->cache.val, ds->val, ds->n_val, &c->test_data, 1, &p, err);
    if (!s)
        s = trainer_cache_part(t, &t->cache.test, ds->test, ds->n_test, &c->test_data, 1, &p, err);
    if (!s && t->stopped) {
        trainer_cache_fini(t);
        trainer_core_log(t, "feature cache: stopped after %.1f s (built again on resume)",
                         timer_now() - t0);
    } else if (!s) {
        trainer_core_log(t, "feature cache: %d x %d features in %.1f s", t->cache.train.n,
                         t->cache.train.dim, timer_now() - t0);
    }
    return s;
}

void trainer_cache_fini(Trainer *t) {
    featcache_fini(&t->cache.train);
    featcache_fini(&t->cache.val);
    featcache_fini(&t->cache.test);
}

void trainer_cache_train_batch(Trainer *t, int64_t k) {
    featcache_batch(&t->cache.train, k, t->cfg.batch_size, 1, t->cfg.seed, &t->cache.feats,
                    t->cache.labels);
}
