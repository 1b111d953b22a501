/*
 * lrfind — the learning-rate range test of one concrete preset
 * (engine/train/lr_range.h): the rate grows exponentially each iteration
 * (Caffe's exp policy) from the weights the preset's run would start from,
 * and the test stops once the smoothed loss passes 4x its best.
 *
 * It never changes the preset's run, nor any other: every call builds a
 * fresh network from the same files a run loads (model.weights, or
 * transfer.init_from resolved as the runner resolves it) with a fresh
 * solver, makes the same checks as a run and uses what they resolved
 * (preflight_plan) for the same TrainConfig (runner_plan_config), then
 * changes only the schedule (policy exp from start,
 * gamma, max_iter = iters) and what a run records (no test passes, no
 * snapshots, a row per iteration with its raw loss). The solver type,
 * momentum, weight decay, clipping, batch, iter_size, augmentation and the
 * feature cache setting stay the preset's, so the test measures the run
 * it is asked about. It writes no run directory, status, snapshot or
 * preset. In last_layer mode with the feature cache it runs on the cache
 * of the training split, through runs_dir's shared feature cache
 * (cachestore.h): read when a run of the same inputs built it, else built
 * and stored there, the one place the test writes; in the other modes on
 * the network. It reads no validation or test image.
 *
 * lrfind_run runs on the calling thread (the CLI's main thread, the lab's
 * engine thread) and reports through LrFindCallbacks on it. Library code:
 * it never prints and never exits; errors come back as a Status and an
 * Error naming the key or file.
 */
#ifndef FINELAB_LRFIND_H
#define FINELAB_LRFIND_H

#include "engine/base/error.h"
#include "engine/train/lr_range.h"
#include "src/preset/preset.h"

/* The default range: from a decade below the lowest rate the lab's presets
 * train at (1e-4) to past where the demo's stage 1 blows up (about 20; the
 * smoothed loss passes 4x its best near 200); 100 iterations on the
 * network (fastai's count: about a second each on two cores), 300 on the
 * feature cache, where they cost milliseconds and a third of the
 * smoothing's lag per decade (README, "Finding the learning rate"). */
#define LRFIND_START 1e-5
#define LRFIND_END   1e3
enum { LRFIND_ITERS = 100, LRFIND_ITERS_CACHED = 300 };

typedef struct LrFindOptions {
    double start, end; /* first and last rate */
    int iters;         /* iterations of the schedule, 2 .. LR_RANGE_MAX */
} LrFindOptions;

/* LRFIND_START, LRFIND_END, and LRFIND_ITERS, or LRFIND_ITERS_CACHED when
 * p trains on the feature cache (last_layer with feature_cache on). */
LrFindOptions lrfind_options_default(const Preset *p);

typedef struct LrFindCallbacks {
    void *ctx;
    /* What the test does ("dataset", "weights", "cache", "train") and how
     * far it is (done of total; total 0 when unknown): when a phase starts
     * and ends, and at most every LRFIND_PROGRESS_SECONDS in between. */
    void (*on_progress)(void *ctx, const char *phase, long done, long total);
    /* A point was recorded: curve->n - 1 is it (the curve is the test's,
     * valid during the call). */
    void (*on_point)(void *ctx, const LrRange *curve);
    /* A line for the log (the input convention, the weights loaded, the
     * cache built). */
    void (*on_log)(void *ctx, const char *line);
    /* Asked every iteration and every batch of the cache (the caller may
     * pause there); nonzero ends the test (LR_RANGE_STOPPED). */
    int (*should_stop)(void *ctx);
} LrFindCallbacks;

#define LRFIND_PROGRESS_SECONDS 0.25

typedef struct LrFindResult {
    LrRange curve; /* the points and how the test ended */
    LrSuggestion suggest[LR_RANGE_SUGGESTIONS];
    int cached;           /* 1: the iterations ran on the feature cache */
    char weights[1024];   /* the backbone file loaded ("": none) */
    char init_from[1200]; /* the file of transfer.init_from ("": none) */
    /* Wall time of each phase: opening the dataset (every image probed),
     * building the network and loading its weights, the feature cache (0
     * without one), the iterations. */
    double seconds_dataset, seconds_weights, seconds_cache, seconds_train;
    int bad_input; /* 1 when the preset or its files were at fault (exit code 2) */
} LrFindResult;

/* Runs the range test of p (a concrete preset: one with a [sweep] of more
 * than one combination is refused, naming --set). runs_dir resolves
 * transfer.init_from and holds the shared feature cache. res (caller storage, about 30 KB) gets the
 * curve, the suggestions and the times. ST_OK when the test ran to any end (every iteration, the
 * loss blowing up or turning NaN, a stop); else the error: the checks before a run (bad_input), an
 * image that fails to load, out of memory. */
Status lrfind_run(const Preset *p, const char *runs_dir, const LrFindOptions *o,
                  const LrFindCallbacks *cb, LrFindResult *res, Error *err);

#endif
