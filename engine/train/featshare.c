/*
 * featshare — feature caches shared through a store. See featshare.h.
 *
 * A part is a few rounds of: rank 0 decides a plan (featshare_decide:
 * which file to read, what to build, holding the locks that go with it),
 * every rank learns it (one broadcast), every rank carries it out, and the
 * outcome is agreed. A read that fails ends the round: the file is set
 * aside when it is damaged (rank 0's read said so) and not looked at
 * again, and the next round builds. A rank that cannot read what rank 0
 * can turns the store off for the part: all build, nothing is written.
 *
 * Lock order is always pooled, then backbone, and nobody holding a
 * backbone lock waits for a pooled one, so two processes never wait for
 * each other.
 */
#include "engine/train/featshare.h"

#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/dist.h"
#include "engine/base/timer.h"
#include "engine/io/fileio.h"
#include "engine/train/featfile.h"

enum { FEATSHARE_PATH = 1024, FEATSHARE_ROUNDS = 4 };

typedef enum Plan {
    PLAN_LOAD_POOLED,   /* read the pooled level */
    PLAN_LOAD_BACKBONE, /* read the backbone level, pool it, store the pooled one */
    PLAN_BUILD_BOTH,    /* build both levels in one pass, store both */
    PLAN_BUILD_POOLED,  /* build the pooled level, store it */
    PLAN_STOP,          /* a stop was asked while waiting */
} Plan;

/* What rank 0 tells every rank at the start of a round. */
typedef struct Order {
    int plan;
    int store; /* 0: build without reading or writing the store */
    char path[FEAT_LEVELS][FEATSHARE_PATH];
} Order;

/* One part being obtained. */
typedef struct Obtain {
    Net *net;
    const FeatPart *part;
    const FeatShare *share; /* rank 0's; NULL elsewhere and without a store */
    const FeatShareCallbacks *cb;
    const char *weights;
    FeatKeys keys;
    FeatFileShape shape[FEAT_LEVELS];
    char hex[FEAT_LEVELS][HASH_HEX];
    Order order;
    void *lock[FEAT_LEVELS];
    int skip[FEAT_LEVELS]; /* found damaged this time: not read again */
    int nostore;           /* a rank cannot read the store: build, write nothing */
    int polls;             /* the store's waits for the lock being taken */
    int told;              /* that wait was logged */
    double waited;
    FeatLevel building; /* the level whose lock is being taken (for the wait's message) */
} Obtain;

const char *featshare_how_name(FeatHow how) {
    static const char *const names[] = {"built", "pooled from the backbone level", "loaded",
                                        "stopped"};
    return how >= 0 && how <= FEAT_HOW_STOPPED ? names[how] : "?";
}

__attribute__((format(printf, 2, 3))) static void featshare_log(Obtain *o, const char *fmt, ...) {
    if (!o->cb || !o->cb->log || dist_rank() != 0) return;
    char line[1400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    o->cb->log(o->cb->ctx, line);
}

static int featshare_progress(Obtain *o, long done, long total) {
    int n = o->part->n * o->part->views;
    if (total > 0 && total != n) done = (long)((double)done / total * n);
    if (done > n) done = n;
    return o->cb && o->cb->progress && o->cb->progress(o->cb->ctx, (int)done, n);
}

/* The store's wait: said once in the log, then the builder's progress. */
static int featshare_wait(void *ctx, const char *holder, long done, long total) {
    Obtain *o = ctx;
    /* Said once the builder has written who it is (it does just after it
     * takes the lock), or after a second of saying nothing. */
    if (!o->told && (strncmp(holder, "pid ", 4) == 0 || o->polls >= 4)) {
        o->told = 1;
        featshare_log(o, "feature cache %s: waiting for %s, which builds %s", o->part->name, holder,
                      o->order.path[o->building]);
    }
    o->polls++;
    return featshare_progress(o, done, total);
}

/* A build's progress, also told through every lock held to the processes
 * waiting for either level. */
static int featshare_build_progress(void *ctx, int done, int total) {
    Obtain *o = ctx;
    for (int l = 0; l < FEAT_LEVELS && o->share && o->share->building; l++)
        if (o->lock[l]) o->share->building(o->share->ctx, o->lock[l], done, total);
    return o->cb && o->cb->progress && o->cb->progress(o->cb->ctx, done, total);
}

static void featshare_unlock(Obtain *o, FeatLevel l) {
    if (o->share && o->lock[l]) o->share->unlock(o->share->ctx, o->lock[l]);
    o->lock[l] = NULL;
}

/* Rank 0: whether l's file is there to read (and its path, either way). */
static int featshare_found(Obtain *o, FeatLevel l) {
    int there = o->share->find(o->share->ctx, &o->keys.key[l], l, o->order.path[l],
                               sizeof o->order.path[l]);
    return there && !o->skip[l];
}

/* Rank 0: becomes l's builder (waiting for another). 1 when a stop was
 * asked while waiting. A store that cannot lock is a warning: the build
 * goes on unlocked (the file's rename keeps readers safe; only the work
 * may be done twice). */
static int featshare_take(Obtain *o, FeatLevel l) {
    Error e = {0};
    double t0 = timer_now();
    o->building = l;
    o->told = o->polls = 0;
    Status s =
        o->share->lock(o->share->ctx, &o->keys.key[l], l, featshare_wait, o, &o->lock[l], &e);
    if (o->polls) o->waited += timer_now() - t0;
    if (s) {
        featshare_log(o, "warning: %s; building it unlocked", e.msg);
        o->lock[l] = NULL;
        return 0;
    }
    return o->lock[l] == NULL;
}

/* Rank 0: the round's plan, holding the locks it needs. */
static Plan featshare_decide(Obtain *o) {
    if (o->nostore) return PLAN_BUILD_POOLED;
    if (featshare_found(o, FEAT_POOLED)) return PLAN_LOAD_POOLED;
    if (featshare_take(o, FEAT_POOLED)) return PLAN_STOP;
    if (featshare_found(o, FEAT_POOLED)) { /* another process built it meanwhile */
        featshare_unlock(o, FEAT_POOLED);
        return PLAN_LOAD_POOLED;
    }
    if (featshare_found(o, FEAT_BACKBONE)) return PLAN_LOAD_BACKBONE;
    size_t floats = featfile_count(&o->shape[FEAT_BACKBONE]) / (size_t)o->part->views;
    int fits = dist_size() == 1 || floats <= INT_MAX; /* a view gathered over MPI */
    uint64_t bytes = sizeof(float) * featfile_count(&o->shape[FEAT_BACKBONE]);
    if (!fits || !o->share->keep_backbone || !o->share->keep_backbone(o->share->ctx, bytes))
        return PLAN_BUILD_POOLED;
    if (featshare_take(o, FEAT_BACKBONE)) {
        featshare_unlock(o, FEAT_POOLED);
        return PLAN_STOP;
    }
    if (featshare_found(o, FEAT_BACKBONE)) {
        featshare_unlock(o, FEAT_BACKBONE);
        return PLAN_LOAD_BACKBONE;
    }
    return PLAN_BUILD_BOTH;
}

/* Rank 0 decides, every rank learns the order. */
static Status featshare_round_order(Obtain *o, Error *err) {
    if (dist_rank() == 0) {
        o->order.store = o->share != NULL && !o->nostore;
        o->order.plan = o->order.store ? featshare_decide(o) : PLAN_BUILD_POOLED;
    }
    return dist_bcast(&o->order, (int)sizeof o->order, 0, err);
}

/* Rank 0: this run used l's file. */
static void featshare_used(Obtain *o, FeatLevel l) {
    if (o->share && o->share->used)
        o->share->used(o->share->ctx, &o->keys.key[l], l, o->order.path[l]);
}

/* Rank 0: writes l's level (data) to the store; trouble is a warning. */
static void featshare_store(Obtain *o, FeatLevel l, const float *data) {
    if (dist_rank() != 0 || !o->order.store) return;
    FeatInputs in;
    featkey_inputs(o->net, o->part, l, o->weights, &in);
    Error e = {0};
    if (featfile_write(o->order.path[l], &o->keys.key[l], l, o->part->name, &o->shape[l], data, &in,
                       &e))
        featshare_log(o, "warning: %s; the run goes on with the features it built", e.msg);
    else
        featshare_used(o, l);
}

/* A read of l's file failed on some rank (mine: this rank's outcome, e
 * the agreed error). Rank 0 sets a damaged file aside and says so; a file
 * only another rank cannot read turns the store off for the part. */
static void featshare_read_failed(Obtain *o, FeatLevel l, Status mine, const Error *e) {
    o->skip[l] = 1;
    if (dist_rank() != 0 || !o->share) return;
    const char *path = o->order.path[l];
    if (!mine) {
        o->nostore = 1;
        featshare_log(o, "warning: %s; building without the store", e->msg);
        return;
    }
    if (!fileio_exists(path)) { /* removed between finding and reading */
        featshare_log(o, "feature cache %s: %s went away before it was read; building it",
                      o->part->name, path);
        return;
    }
    char aside[FEATSHARE_PATH + 16] = "", kept[FEATSHARE_PATH + 40] = "";
    Error why = {0};
    if (o->share->set_aside && !o->share->set_aside(o->share->ctx, path, aside, sizeof aside, &why))
        snprintf(kept, sizeof kept, " (kept as %s)", aside);
    else if (why.msg[0])
        snprintf(kept, sizeof kept, " (%s)", why.msg);
    featshare_log(o, "warning: %s; building it again%s", e->msg, kept);
}

/* Every rank reads l's file into dst; *ok 0 (after featshare_read_failed)
 * when any rank could not. */
static Status featshare_read(Obtain *o, FeatLevel l, float *dst, int *ok, Error *err) {
    Error own = {0}, e;
    Status mine = featfile_read(o->order.path[l], &o->keys.key[l], l, &o->shape[l], dst, &own);
    int shared;
    e = own;
    Status all = dist_size() > 1 ? dist_agree(mine, &e, &shared) : mine;
    *ok = all == ST_OK;
    if (*ok) {
        if (dist_rank() == 0) featshare_used(o, l);
        return ST_OK;
    }
    if (dist_size() > 1 && !shared) return error_set(err, all, "%s", e.msg); /* MPI failed */
    featshare_read_failed(o, l, mine, mine ? &own : &e); /* rank 0's own words for its file */
    return ST_OK;
}

/* Every rank: rank 0's plan for this round. *done 1 when fc holds the
 * part (or a stop left it empty), 0 when the round must be tried again. */
static Status featshare_carry_out(Obtain *o, FeatCache *fc, FeatHow *how, int *done, Error *err) {
    const FeatPart *p = o->part;
    Status s = ST_OK;
    int ok = 1;
    *done = 1;
    switch ((Plan)o->order.plan) {
    case PLAN_STOP:
        *how = FEAT_HOW_STOPPED;
        return ST_OK;
    case PLAN_LOAD_POOLED:
        /* Progress at the start and the end, as a build's: where a caller
         * hears of the phase and may stop or pause. */
        if (featshare_progress(o, 0, 0)) {
            *how = FEAT_HOW_STOPPED;
            return ST_OK;
        }
        if ((s = featcache_alloc(fc, net_feature_dim(o->net), p->ds, p->items, p->n, p->views,
                                 err)))
            return s;
        *how = FEAT_HOW_LOADED;
        if ((s = featshare_read(o, FEAT_POOLED, fc->feats, &ok, err)) || !ok) featcache_fini(fc);
        if (!s && ok) featshare_progress(o, fc->n, fc->n); /* a stop here: the caller's to keep */
        *done = ok;
        return s;
    case PLAN_LOAD_BACKBONE:
    case PLAN_BUILD_BOTH: {
        float *bb = malloc(sizeof(float) * featfile_count(&o->shape[FEAT_BACKBONE]));
        int have = bb != NULL;
        if ((s = dist_min_int(&have, 1, err))) {
            free(bb);
            return s;
        }
        if (!have) { /* no room for the backbone level: this part does without it */
            free(bb);
            featshare_unlock(o, FEAT_BACKBONE);
            o->order.plan = PLAN_BUILD_POOLED;
            return featshare_carry_out(o, fc, how, done, err);
        }
        if (o->order.plan == PLAN_LOAD_BACKBONE) {
            *how = FEAT_HOW_POOLED;
            if (!(s = featshare_read(o, FEAT_BACKBONE, bb, &ok, err)) && ok)
                s = featcache_pool(fc, o->net, bb, p->ds, p->items, p->n, p->views,
                                   p->base.batch_size, featshare_build_progress, o, err);
        } else {
            *how = FEAT_HOW_BUILT;
            s = featcache_build_levels(fc, bb, o->net, p->ds, p->items, p->n, &p->base, p->views,
                                       p->seed, featshare_build_progress, o, err);
        }
        if (!s && ok && fc->feats) {
            featshare_store(o, FEAT_POOLED, fc->feats);
            featshare_unlock(o, FEAT_POOLED); /* waiters for it may go on */
            if (o->order.plan == PLAN_BUILD_BOTH) featshare_store(o, FEAT_BACKBONE, bb);
        }
        free(bb);
        *done = ok;
        return s;
    }
    case PLAN_BUILD_POOLED:
        *how = FEAT_HOW_BUILT;
        s = featcache_build(fc, o->net, p->ds, p->items, p->n, &p->base, p->views, p->seed,
                            featshare_build_progress, o, err);
        if (!s && fc->feats) featshare_store(o, FEAT_POOLED, fc->feats);
        return s;
    }
    return error_set(err, ST_STATE, "feature cache %s: no plan %d", p->name, o->order.plan);
}

/* The part's shape at each level. */
static void featshare_shapes(Obtain *o) {
    int c, h, w;
    net_backbone_shape(o->net, &c, &h, &w);
    FeatFileShape b = {.items = o->part->n, .views = o->part->views, .ndim = 3, .dims = {c, h, w}};
    FeatFileShape p = {.items = o->part->n, .views = o->part->views, .ndim = 1};
    p.dims[0] = net_feature_dim(o->net);
    o->shape[FEAT_BACKBONE] = b;
    o->shape[FEAT_POOLED] = p;
}

/* The part's line in the log: what was used and how long it took. */
static void featshare_say(Obtain *o, const FeatCache *fc, FeatHow how, double secs) {
    char waited[160] = "";
    if (o->waited > 0)
        snprintf(waited, sizeof waited, " (%.1f s of it waiting for another process)", o->waited);
    const char *pp = o->order.path[FEAT_POOLED], *bp = o->order.path[FEAT_BACKBONE];
    const char *name = o->part->name;
    if (how == FEAT_HOW_LOADED)
        featshare_log(o, "feature cache %s: loaded %d x %d features from %s in %.1f s%s", name,
                      fc->n, fc->dim, pp, secs, waited);
    else if (how == FEAT_HOW_POOLED)
        featshare_log(o, "feature cache %s: pooled %d x %d features from %s in %.1f s%s; stored %s",
                      name, fc->n, fc->dim, bp, secs, waited, pp);
    else if (!o->order.store)
        featshare_log(o, "feature cache %s: built %d x %d features in %.1f s (not stored)", name,
                      fc->n, fc->dim, secs);
    else
        featshare_log(o, "feature cache %s: built %d x %d features in %.1f s%s; stored %s%s%s",
                      name, fc->n, fc->dim, secs, waited, pp,
                      o->order.plan == PLAN_BUILD_BOTH ? " and " : "",
                      o->order.plan == PLAN_BUILD_BOTH ? bp : "");
}

Status featshare_obtain(FeatCache *fc, Net *net, const FeatPart *part, const char *weights,
                        const FeatShare *share, const FeatShareCallbacks *cb, FeatOutcome *out,
                        Error *err) {
    double t0 = timer_now();
    Obtain o = {.net = net,
                .part = part,
                .share = dist_rank() == 0 && part->n > 0 ? share : NULL,
                .cb = cb,
                .weights = weights};
    memset(fc, 0, sizeof *fc);
    featkey_compute(net, part, &o.keys);
    featshare_shapes(&o);
    out->keys = o.keys;
    FeatHow how = FEAT_HOW_BUILT;
    Status s = ST_OK;
    int done = 0;
    for (int round = 0; !s && !done; round++) {
        if (round == FEATSHARE_ROUNDS - 1) o.nostore = 1; /* a store that keeps failing */
        if (!(s = featshare_round_order(&o, err)))
            s = featshare_carry_out(&o, fc, &how, &done, err);
        featshare_unlock(&o, FEAT_BACKBONE);
        featshare_unlock(&o, FEAT_POOLED);
    }
    if (s) {
        featcache_fini(fc);
        return s;
    }
    if (!fc->feats) how = FEAT_HOW_STOPPED;
    out->how = how;
    out->waited = o.waited;
    out->seconds = timer_now() - t0;
    if (how != FEAT_HOW_STOPPED) featshare_say(&o, fc, how, out->seconds);
    return ST_OK;
}
