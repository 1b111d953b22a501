/*
 * trainer — one training run with Caffe's Solver::Step semantics: per
 * iteration, zero the gradients; test when iter % test_interval == 0 (and at
 * iter 0 when test_initialization); iter_size forward/backward passes
 * accumulating gradients; the solver update; a display row every `display`
 * iterations with the smoothed loss (average_loss); snapshots every
 * `snapshot` iterations and at the end. A final test always closes the run.
 *
 * SQLite-style init / step / finish: trainer_create sets everything up
 * (the feature cache waits for trainer_prepare or the first step, so that
 * its progress and a stop reach the caller), trainer_step runs one
 * iteration (so a thread or a test can drive it), and an error is sticky. Progress leaves only
 * through the callbacks, on the calling thread; the trainer never prints and never exits. In
 * last_layer mode with the feature cache, the frozen backbone and the parameter-free head run once
 * per kept image view, and iterations train the classifier on stored features alone.
 */
#ifndef FINELAB_TRAINER_H
#define FINELAB_TRAINER_H

#include <stdint.h>

#include "engine/base/error.h"
#include "engine/data/dataset.h"
#include "engine/data/loader.h"
#include "engine/nn/net.h"
#include "engine/train/featshare.h"
#include "engine/train/snapshot.h"
#include "engine/train/solver.h"

/* What a run is doing. Metrics rows are PHASE_TRAIN, PHASE_VAL or
 * PHASE_TEST; progress reports (TrainProgress) name every phase. */
typedef enum TrainPhase {
    PHASE_TRAIN,    /* iterations */
    PHASE_TEST,     /* a pass over the test split */
    PHASE_WEIGHTS,  /* loading the backbone or init_from weights */
    PHASE_CACHE,    /* the feature cache: the frozen backbone over every view */
    PHASE_SNAPSHOT, /* writing a snapshot */
    PHASE_VAL,      /* a pass over the validation split */
    PHASE_COUNT
} TrainPhase;

/* "train", "test", "weights", "cache", "snapshot", "val". */
const char *train_phase_name(TrainPhase p);

/* How far the current phase is: done of total units (iterations, images,
 * files; total 0 when unknown). Reported when a phase starts, as it goes
 * (every iteration, every batch) and when it ends (done == total). */
typedef struct TrainProgress {
    TrainPhase phase;
    long done, total;
} TrainProgress;

/* One metrics row: a display interval (train) or a test pass (test). */
typedef struct TrainRow {
    int iter; /* Caffe's iteration number of the row */
    TrainPhase phase;
    double loss;         /* train: smoothed over average_loss; test: mean over test_iter */
    double accuracy;     /* train: over the display interval; test: over the pass */
    double lr;           /* learning rate of that iteration */
    double seconds;      /* wall time since the run (or its first segment) started */
    double images_per_s; /* train: throughput of the interval; test: of the pass */
    double data_wait;    /* share of the interval spent waiting for the loader (0..1) */
    int weights_iter;    /* held-out rows: the iteration whose weights the pass used (iter,
                          * except for the test pass of a run with a validation split, which
                          * uses the best validation pass's) */
} TrainRow;

/* What a log line is, so that whoever shows the log chooses by kind rather
 * than by the line's first words. Every kind goes to log.txt. */
typedef enum TrainLogKind {
    TRAIN_LOG_EVENT,  /* something happened: weights loaded, a snapshot, the cache built */
    TRAIN_LOG_ROW,    /* a row's text ("Iteration N, loss = ..."), which on_row also carries */
    TRAIN_LOG_DETAIL, /* figures for the log only (the allreduce's timing) */
} TrainLogKind;

typedef struct TrainCallbacks {
    void *ctx;
    void (*on_row)(void *ctx, const TrainRow *row);
    void (*on_log)(void *ctx, TrainLogKind kind, const char *line);
    void (*on_progress)(void *ctx, const TrainProgress *p);
    /* Asked once per iteration and once per batch while the feature cache
     * is built and while testing (so a caller can pause there by not
     * returning); nonzero stops the run after a snapshot. A test pass
     * stopped part-way leaves no row; a cache stopped part-way is built
     * again on resume. */
    int (*should_stop)(void *ctx);
    /* Whether the caller still records the run (its rows, log and status
     * reached its store: a full disk is the usual no). Asked right after
     * every row and wherever should_stop is asked; a nonzero status, with
     * err set, fails the run there with that error (this process's own,
     * never agreed over ranks), before any later snapshot, so a resume goes
     * on from a snapshot whose rows were all recorded. NULL: always. */
    Status (*recorded)(void *ctx, Error *err);
    /* A snapshot at iteration iter is complete at path (written, synced
     * and renamed into place); rank 0 only, which alone writes them. */
    void (*on_snapshot)(void *ctx, const char *path, int iter);
} TrainCallbacks;

typedef struct TrainConfig {
    const Dataset *ds;
    NetConfig net; /* num_classes and batch are filled from the dataset / solver */
    SolverConfig solver;
    LoaderConfig train_data; /* augmentation, threads; batch_size, seed, first_batch set here */
    LoaderConfig test_data;
    int batch_size;
    int test_iter, test_interval, test_initialization;
    int display, average_loss, snapshot;
    uint64_t seed; /* weights init, pooling hashes, data order */
    int blas_threads;
    const char *weights;      /* safetensors with backbone weights (NULL: random init) */
    const char *init_from;    /* safetensors snapshot whose every weight is loaded (NULL: none) */
    const char *snapshot_dir; /* where iter_<N>.safetensors go (NULL: no snapshots) */
    int feature_cache;        /* 1: cache features in last_layer mode */
    int cache_views;          /* views per training image kept in the cache */
    /* Where feature caches are shared between runs (featshare.h: read
     * when there, stored when built); NULL: this run builds its own. */
    const FeatShare *feat_share;
    /* > 0 and < solver.max_iter: the run ends early at this iteration (a
     * successive-halving rung) with a snapshot and a test pass there, as if
     * stopped; the schedule stays max_iter's, so a resume continues the
     * same run. 0: none. */
    int stop_at;
    /* With ranks (MPI): the gradient is summed in buckets of at least this
     * many bytes (whole parameters, top layer first), each started as soon
     * as the last pass's backward has produced it; 0: the default,
     * TRAINER_DIST_BUCKET_BYTES (trainer_dist.c says why); < 0: one
     * blocking sum of the whole gradient after backward (no overlap), as
     * before buckets. Not a preset key: tests and benches set it. */
    long dist_bucket_bytes;
} TrainConfig;

typedef struct Trainer Trainer;

/* A starting point for a TrainConfig: the network of net_config_default
 * with the dataset's number of classes;
 * SGD with momentum 0.9 at a fixed learning rate 0.001, no weight decay, no
 * gradient clipping, iter_size 1, 1000 iterations; batches of 8; training
 * views resized to 512 (area filter), random 448 crops, mirrored,
 * torchvision's normalisation, shuffled, one loader thread with 3 batches
 * ahead, seed 1; test views the same but centre-cropped and not mirrored;
 * no tests, display, snapshots or feature cache, one BLAS thread; no
 * dataset or weights. Callers change what differs. */
TrainConfig trainer_config_default(void);

/* The seed of the compact poolings' fixed hashes / projections for a run
 * seeded with seed: part of what a trained model is (it is not stored in
 * weight files), so whoever rebuilds a trained net must use it. */
uint64_t trainer_pool_seed(uint64_t seed);

/* What snapshot_check checks a snapshot of a run of cfg against: its
 * network (num_classes from cfg->ds when cfg->net says 0), solver type,
 * multistep steps, iter_size, average_loss, and whether it keeps the best
 * validation weights (the dataset has a validation split). */
SnapshotSpec trainer_snapshot_spec(const TrainConfig *cfg);

/* Builds the net, loads weights, opens loaders. NULL with err set. */
Trainer *trainer_create(const TrainConfig *cfg, const TrainCallbacks *cb, Error *err);
/* Builds the feature cache when the run uses one and it is not built yet
 * (the first trainer_step does it otherwise). A stop asked for while it is
 * built ends the run (trainer_stopped) with ST_OK. */
Status trainer_prepare(Trainer *t, Error *err);
/* Continues from a snapshot written by this trainer's configuration:
 * weights, solver histories, iteration, multistep position, smoothing.
 * The whole file is checked first (snapshot_check: truncation, a damaged
 * header, another solver type, a tensor missing or of the wrong shape, a
 * state value out of range), and on those errors, which name the snapshot,
 * the trainer is left as it was. Only a read failing part-way after the
 * checks leaves it partly restored; that error is sticky. */
Status trainer_restore(Trainer *t, const char *snapshot, Error *err);
/* Runs one iteration. ST_OK while running; the sticky error otherwise
 * (ST_NUMERIC: diverged, the message says at which iteration). */
Status trainer_step(Trainer *t, Error *err);
/* 1 when max_iter (or stop_at) is reached or a stop was requested. */
int trainer_done(const Trainer *t);
/* 1 when the run ended because should_stop asked. */
int trainer_stopped(const Trainer *t);
/* 1 when the run failed with an error every rank of a data-parallel run
 * has (agreed over the ranks: an image, the cache, a test pass, divergence,
 * a replica mismatch), so no rank waits for another; 0 alone, or when the
 * error is this rank's own (e.g. rank 0 writing a snapshot). */
int trainer_error_shared(const Trainer *t);
/* Final snapshot (if not already at this iteration) and final test.
 * Returns the final test accuracy in *acc (-1 without test data). */
Status trainer_finish(Trainer *t, double *acc, Error *err);
/* Runs step until done, then finish. */
Status trainer_run(Trainer *t, double *final_acc, Error *err);
/* Writes a snapshot of the current state into the snapshot directory. */
Status trainer_snapshot(Trainer *t, Error *err);
int trainer_iter(const Trainer *t);
/* Best held-out accuracy so far (-1 before any held-out pass). */
double trainer_best_accuracy(const Trainer *t);
Net *trainer_net(Trainer *t);
void trainer_destroy(Trainer *t);

#endif
