/*
 * trainer_internal — the Trainer's state and the calls its parts make to
 * one another; included only by engine/train/trainer*.c. The trainer is
 * split by concern, one file each:
 *
 *   trainer.c          the loop: create, step (Caffe's Solver::Step), finish,
 *                      snapshots and restore
 *   trainer_core.c     what the parts share: log, progress, the sticky error,
 *                      stop requests, the clock, one batch's pass
 *   trainer_dist.c     data-parallel training: agreement, the gradient sum,
 *                      the replica checks (dist.h; one rank: no-ops)
 *   trainer_heldout.c  the held-out passes (validation or test split), the
 *                      best validation weights and the final test pass
 *   trainer_cache.c    last_layer's feature cache (featcache.h)
 *
 * Every field belongs to one part (the struct groups them); a part changes
 * only its own. Calls run one way, trainer -> heldout, cache -> dist ->
 * core, so no two files call each other (make lint-deps).
 */
#ifndef FINELAB_TRAINER_INTERNAL_H
#define FINELAB_TRAINER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "engine/base/dist.h"
#include "engine/train/display.h"
#include "engine/train/featcache.h"
#include "engine/train/trainer.h"

/* A run of the trainable parameters summed together: [lo, hi) of
 * net_trainable_params, floats [off, off + n) of TrainerDist.grads. */
typedef struct TrainerBucket {
    int lo, hi;
    size_t off, n;
} TrainerBucket;

/* trainer_dist.c's state: this process's place in a data-parallel run. */
typedef struct TrainerDist {
    int rank, ranks;
    float *grads;           /* ranks > 1: every trainable gradient, packed in order */
    size_t n_grads;         /* floats in grads */
    TrainerBucket *buckets; /* top layer's first; NULL: one blocking sum (dist_bucket_bytes < 0) */
    int n_buckets;
    int next;           /* the first bucket this iteration has not started */
    Status hook_status; /* a sum that failed to start inside backward (hook_err says why) */
    Error hook_err;
    DistStats stats;      /* this rank's sums since the last display row */
    float *each;          /* every rank's [waited after backward, in flight, blocking] (s) */
    int *counts, *displs; /* for gathering them */
    int replicas_ok;      /* the start-of-run replica check passed */
    int shared;           /* ranks > 1: every rank has the sticky error (agreed), none waits */
} TrainerDist;

/* trainer_cache.c's state: last_layer's cached classifier inputs. */
typedef struct TrainerCache {
    int use;   /* the run trains on the cache (last_layer with feature_cache) */
    int ready; /* built */
    FeatCache train, val, test;
    Tensor feats; /* a batch of cached features */
    int *labels;  /* its labels */
} TrainerCache;

/* trainer_heldout.c's state: the held-out curve and its best point. */
typedef struct TrainerHeldout {
    int val;          /* the passes run on the validation split (the dataset has one) */
    double best_acc;  /* best held-out accuracy so far, -1 before any */
    double best_loss; /* that pass's loss */
    int best_iter;    /* its iteration, -1 before any */
    double last_acc;  /* the last pass's accuracy, -1 before any */
    int last_iter;    /* the last pass's iteration, -1 before any */
    int n_params;     /* the network's parameters (net_params) */
    float *best_data; /* val: the trained parameters' values at best_iter, one block */
    float **best;     /* n_params pointers into it, NULL for a frozen parameter */
} TrainerHeldout;

struct Trainer {
    TrainConfig cfg;
    TrainCallbacks cb;
    Net *net;
    Solver solver;
    Loader *train; /* training batches; NULL on the feature cache */
    TrainerCache cache;
    TrainerHeldout held;
    TrainDisplay disp;
    TrainerDist dist;
    Tensor probs, dlogits;
    double seconds0; /* seconds already run by earlier segments */
    double t0;       /* this segment's start */
    int last_snapshot_iter;
    /* Where the data is: iteration seq_iter0 (the start or the resume)
     * began at sub-batch seq_base of the one sequence (trainer_seq). */
    int64_t seq_base;
    int seq_iter0;
    int stopped;
    Status sticky;
    Error err;
};

/* --- trainer_core.c ------------------------------------------------------------- */

/* A log line of kind TRAIN_LOG_EVENT; trainer_core_log_as: of kind. */
void trainer_core_log(Trainer *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void trainer_core_log_as(Trainer *t, TrainLogKind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void trainer_core_progress(Trainer *t, TrainPhase phase, long done, long total);
/* Makes s (the message in t->err) sticky and hands it to err; returns s. */
Status trainer_core_fail(Trainer *t, Status s, Error *err);
/* Whether the caller still records the run: when not, its error becomes
 * sticky and the run stops there. Returns 1 then. */
int trainer_core_unrecorded(Trainer *t);
/* Asks the caller whether to stop (it may pause us here); remembers a yes. */
int trainer_core_ask_stop(Trainer *t);
/* The same inside a test pass or the feature cache: with ranks, a stop is
 * taken only where all ranks agree on it (the end of an iteration). */
int trainer_core_ask_stop_inside(Trainer *t);
double trainer_core_seconds(const Trainer *t);
/* Forward + loss (+ backward when train) of one batch; adds the correct
 * predictions to *correct. */
double trainer_core_pass(Trainer *t, const Tensor *x, const int *labels, int train,
                         int64_t *correct);

/* --- trainer_dist.c --------------------------------------------------------------- */

/* Rank and size from dist.h; the gradient buffer when ranks > 1. */
Status trainer_dist_init(Trainer *t, Error *err);
void trainer_dist_fini(Trainer *t);
/* Every rank learns whether any rank's passes failed (s is this rank's
 * outcome, its message in t->err); the lowest failing rank's error, named
 * with its rank, becomes every rank's sticky error. */
Status trainer_dist_agree(Trainer *t, Status s);
/* With ranks, before the iteration's last pass: its backward starts each
 * bucket's sum as soon as the bucket's gradients are complete (a hook on
 * the net) and lets MPI move the started ones between layers. */
void trainer_dist_arm(Trainer *t);
/* With ranks, after the passes (passes: their outcome): starts the buckets
 * backward did not (all of them when the passes failed before the last
 * backward, so that every rank starts the same sums), waits for every sum
 * and puts the summed gradients back. Returns passes, or the error of a
 * sum that failed (sticky). */
Status trainer_dist_sum_grads(Trainer *t, Status passes);
/* Sums over ranks this iteration's loss (*loss) and the display counts
 * added since (correct0, seen0, images0). */
Status trainer_dist_reduce(Trainer *t, double *loss, int64_t correct0, int64_t seen0,
                           double images0);
/* Every rank's parameters and histories must be rank 0's: a mismatch is a
 * sticky error naming the first rank that differs ("when": at the start,
 * at a snapshot). */
Status trainer_dist_check_replicas(Trainer *t, const char *when);
/* With ranks, every rank at every display row: takes what the sums cost
 * since the last and gathers every rank's figures (a collective); then
 * trainer_dist_log_allreduce logs them (rank 0 has the log). */
Status trainer_dist_take_stats(Trainer *t);
void trainer_dist_log_allreduce(Trainer *t, double span);
/* With ranks, a stop asked on any rank stops all (after this iteration). */
Status trainer_dist_agree_stop(Trainer *t);
/* Sticks an error of this rank's collectives (MPI failed) and returns it. */
Status trainer_dist_fail(Trainer *t, Status s, const Error *local);

/* --- trainer_heldout.c ------------------------------------------------------------ */

/* Whether the passes run on a validation split; with one, room for the
 * trained parameters' best values. */
Status trainer_heldout_init(Trainer *t, Error *err);
void trainer_heldout_fini(Trainer *t);
/* A held-out pass on every rank (validation split, or the test split
 * without one), its row, the best point kept; then its outcome agreed: any
 * rank's error (in t->err) or stop is every rank's. */
Status trainer_heldout_pass(Trainer *t);
/* With a validation split: the test split once, on the weights of the best
 * validation pass, reported as a PHASE_TEST row (weights_iter says whose);
 * the trained parameters are the run's own again afterwards. */
Status trainer_heldout_final_test(Trainer *t);

/* --- trainer_cache.c -------------------------------------------------------------- */

/* Builds the cached features of every split the run reads (training views,
 * validation, test). A stop asked while it builds leaves it unbuilt. */
Status trainer_cache_build(Trainer *t, Error *err);
void trainer_cache_fini(Trainer *t);
/* Batch k of the training views into t->cache.feats / labels. */
void trainer_cache_train_batch(Trainer *t, int64_t k);

#endif
