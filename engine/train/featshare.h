/*
 * featshare — one feature cache for every run that can use it: a part of
 * a run's cache (featkey.h) is taken from a store of cache files when a
 * run with the same inputs put it there, and put there when built, so
 * runs, sweep members, halving rungs, resumes and the range test build
 * each cache once.
 *
 * Two levels (featkey.h): the pooled features, which training reads, and
 * the backbone's output, from which any head makes its pooled features in
 * a fraction of the backbone's time. For a part, in order: the pooled
 * level's file is read; else this process becomes its one builder (the
 * store's lock; while another process holds it, it waits and then reads
 * what that one wrote); then the backbone level's file is read and pooled;
 * else, when the store keeps backbone levels of this size, both levels are
 * built in one pass and stored (the backbone level under its own lock);
 * else the pooled level alone. A file found damaged is named in a
 * "warning: " log line, set aside by the store and built again.
 *
 * The engine computes keys and reads and writes files (featfile.h); where
 * files live, the lock, what is kept and what is recorded are the store's
 * (FeatShare, a table of functions; src/run/cachestore.c is the run
 * store's). Without a store, the part is built as before.
 *
 * Data-parallel (dist.h): every rank computes the same keys; rank 0 alone
 * touches the store (finds, locks, writes, sets aside) and tells the
 * others what to do; every rank reads a file it found (the store must be
 * one every rank sees, as a resume requires) or builds its share as
 * featcache_build does. Every outcome is agreed, as in featcache_build.
 * Called on the thread that trains; errors come back as a Status, and
 * trouble with the store alone (a lock it cannot take, a file it cannot
 * write) is a warning: the run goes on with the features it built.
 */
#ifndef FINELAB_FEATSHARE_H
#define FINELAB_FEATSHARE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/base/error.h"
#include "engine/train/featcache.h"
#include "engine/train/featkey.h"

/* A store of feature cache files. Functions may be NULL where said. */
typedef struct FeatShare {
    void *ctx;
    /* The file of key's level into path (cap bytes), whether or not it
     * exists; returns 1 when it does. */
    int (*find)(void *ctx, const HashKey *key, FeatLevel level, char *path, size_t cap);
    /* Makes this process the one builder of key's level: *lock set once
     * no other holds it. While another does, calls wait(wctx, holder,
     * done, total) at every poll (holder: "pid 123 on node7"; done of
     * total: its progress, 0 of 0 unknown) and gives up when that returns
     * nonzero (*lock NULL, ST_OK). ST_IO when the store cannot lock. */
    Status (*lock)(void *ctx, const HashKey *key, FeatLevel level,
                   int (*wait)(void *wctx, const char *holder, long done, long total), void *wctx,
                   void **lock, Error *err);
    /* The holder of lock has built done of total samples (for waiters;
     * may be NULL). */
    void (*building)(void *ctx, void *lock, long done, long total);
    /* Lets another process build it; lock may be NULL (nothing). */
    void (*unlock)(void *ctx, void *lock);
    /* 1 when a backbone level of that many bytes is to be stored. */
    int (*keep_backbone)(void *ctx, uint64_t bytes);
    /* The file at path is damaged: it is set aside (its new name into
     * aside, cap bytes); ST_IO when it cannot be. */
    Status (*set_aside)(void *ctx, const char *path, char *aside, size_t cap, Error *err);
    /* This run used key's level at path (read it or stored it; may be NULL). */
    void (*used)(void *ctx, const HashKey *key, FeatLevel level, const char *path);
} FeatShare;

/* How a part's features came to be. */
typedef enum FeatHow {
    FEAT_HOW_BUILT,   /* the backbone ran (and what the store keeps was stored) */
    FEAT_HOW_POOLED,  /* the head ran over a stored backbone level */
    FEAT_HOW_LOADED,  /* the pooled level was read from the store */
    FEAT_HOW_STOPPED, /* a stop was asked first: fc is empty */
} FeatHow;

/* "built", "pooled from the backbone level", "loaded", "stopped". */
const char *featshare_how_name(FeatHow how);

typedef struct FeatOutcome {
    FeatKeys keys;
    FeatHow how;
    double waited;  /* seconds spent waiting for another process's build */
    double seconds; /* the whole part */
} FeatOutcome;

typedef struct FeatShareCallbacks {
    void *ctx;
    /* As featcache_build's: done of total samples of the part (also
     * while waiting: the builder's); nonzero stops (fc left empty). */
    int (*progress)(void *ctx, int done, int total);
    /* A line for the run's log; "warning: " first for trouble the part
     * got past (a damaged file). May be NULL. */
    void (*log)(void *ctx, const char *line);
} FeatShareCallbacks;

/* The features of part for net into fc: from share (NULL: none, built
 * as featcache_build does), as said above, in batches of
 * part->base.batch_size (at most the net's). weights names the backbone's
 * weights in the files' metadata ("models/x.safetensors"). out says how
 * (on ST_OK). Every rank must call it, rank 0's share deciding for all;
 * outcomes are agreed. */
Status featshare_obtain(FeatCache *fc, Net *net, const FeatPart *part, const char *weights,
                        const FeatShare *share, const FeatShareCallbacks *cb, FeatOutcome *out,
                        Error *err);

#endif
