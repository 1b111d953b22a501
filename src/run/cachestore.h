/*
 * cachestore — the run store's feature caches: `<runs_dir>/cache/`, one
 * file per level of a part, `<key>.<level>.safetensors` (featfile.h),
 * shared by every process that uses the store (two labs, headless runs,
 * Slurm array tasks on several nodes over NFS).
 *
 *   <key>.<level>.safetensors      a cache, written whole (temporary file,
 *                                  fsync, rename): none or all of it is seen
 *   <key>.<level>.safetensors.bad  one found damaged, set aside
 *   <key>.<level>.lock             the builder's lock and its word to waiters
 *                                  ("pid P host H done D total T")
 *
 * The one builder of a cache holds an fcntl lock on its .lock file (an
 * open file description lock where the system has them): the kernel (or
 * NFS's lock manager) releases it when the builder dies, so a lock is
 * never stale. Others poll for it every CACHESTORE_POLL seconds, showing
 * the builder's progress, and read the file once it is there. Whoever
 * removes a cache holds its lock while it does, and a builder that took a
 * lock checks that its file is still the one at the lock's path, so a
 * removal never lets two builders in.
 *
 * What is kept: every pooled level; a backbone level when it takes at most
 * CACHESTORE_BACKBONE_MAX bytes (the demo's 224 px part: 120 MB; full
 * VGG-16 at 448 px on CUB: 36 GB, not kept). A run records the caches it
 * used in status.ini (`cache`), which is what `finelab cache` reads for
 * which runs used a cache and which still need it.
 *
 * A CacheStore is caller storage owned by the thread that trains (it is
 * what the trainer's FeatShare calls); the listing and removal functions
 * may be called from any process at any time. Errors name the file.
 */
#ifndef FINELAB_CACHESTORE_H
#define FINELAB_CACHESTORE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/base/error.h"
#include "engine/train/featfile.h"
#include "engine/train/featshare.h"

#define CACHESTORE_DIR          "cache"
#define CACHESTORE_BACKBONE_MAX (1ULL << 30) /* bytes of a backbone level that is kept */
#define CACHESTORE_POLL         0.25         /* seconds between a waiter's tries */

typedef struct CacheStore {
    char dir[1024]; /* <runs_dir>/cache */
    /* The caches this run used, "<key>.<level> ..." (status.ini's cache). */
    char used[256]; /* RunStatus.cache's size */
    /* Told each time used grows (may be NULL): the runner records it. */
    void (*on_used)(void *ctx, const char *used);
    void *ctx;
    FeatShare share; /* its functions, ctx = this store */
} CacheStore;

/* A store over runs_dir/cache (made when first written). used starts as
 * the caches a run already recorded (a resume's; NULL or ""). */
void cachestore_init(CacheStore *cs, const char *runs_dir, const char *used);
/* The table the trainer (and the range test) take: TrainConfig.feat_share. */
const FeatShare *cachestore_share(CacheStore *cs);

/* --- finelab cache ------------------------------------------------------------------- */

/* One file of the cache directory finelab made. */
typedef struct CacheEntry {
    char name[80]; /* <key>.<level>.safetensors, or with .bad */
    HashKey key;
    FeatLevel level;
    int bad;            /* set aside as damaged */
    int64_t bytes;      /* the file's size */
    double used_time;   /* when a run last used it (the file's time), seconds since the epoch */
    char building[320]; /* while a builder holds its lock: "pid 12 on node7 (600 of 1800)" */
    int readable;       /* 1 when its header was read into info */
    char why[512];      /* else why not */
    FeatFileInfo info;
    char runs[1024]; /* the runs whose status.ini lists it, "id, id, ..." */
    int n_runs;
    int needed; /* a run that may still train used it (see cachestore_needs) */
} CacheEntry;

/* Whether a run in that state may still use its caches: it is running
 * (or queued), or stopped, interrupted or failed, so a resume or a
 * halving promotion may continue it. Done, diverged and pruned runs never
 * train again. */
int cachestore_needs(int run_state);

/* The caches of runs_dir, sorted by key then level (*entries malloc'd,
 * free with free). A directory without cache/ has none. */
Status cachestore_list(const char *runs_dir, CacheEntry **entries, int *n, Error *err);

/* Removes the caches named (KEY: every level of a key, a unique prefix of
 * at least 8 hex digits too; KEY.LEVEL: that level), with their damaged
 * copies. One a builder holds is refused (ST_STATE naming it and who
 * builds it), as is a name that matches nothing (ST_ARG). Removed names
 * go to on_removed. */
Status cachestore_remove(const char *runs_dir, const char *name,
                         void (*on_removed)(void *ctx, const char *name, int64_t bytes), void *ctx,
                         Error *err);

/* Removes every cache no run needs (CacheEntry.needed 0 and no builder),
 * every damaged one set aside, and the temporary and lock files no
 * builder holds. Reports each removal; *freed the bytes. Files not named
 * as finelab names them are never touched. ST_IO when the store's runs
 * cannot be read (then nothing is removed). */
Status cachestore_prune(const char *runs_dir,
                        void (*on_removed)(void *ctx, const char *name, int64_t bytes), void *ctx,
                        int64_t *freed, Error *err);

#endif
