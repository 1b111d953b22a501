/*
 * trainer — the training loop. See trainer.h.
 *
 * A snapshot (engine/train/snapshot.h, the format's one home) holds every
 * parameter and its solver histories, and the solver state, the
 * loss-smoothing window and the display accumulators, so that a resumed run
 * writes the same rows as one that never stopped. A snapshot resumes only
 * under the solver type that wrote it (one without the key is SGD's):
 * another type reads the same history tensors as something else; and it is
 * checked whole before the trainer takes anything from it. Test passes read
 * the same first test_iter batches of the test split every time, so test
 * curves compare like with like across iterations.
 */
#include "engine/train/trainer.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/blas.h"
#include "engine/base/dist.h"
#include "engine/base/parallel.h"
#include "engine/base/timer.h"
#include "engine/io/safetensors.h"
#include "engine/nn/accuracy.h"
#include "engine/nn/softmax_loss.h"
#include "engine/train/featcache.h"
#include "engine/train/snapshot.h"
#include "engine/train/weights.h"

struct Trainer {
    TrainConfig cfg;
    TrainCallbacks cb;
    Net *net;
    Solver solver;
    Loader *train;
    int use_cache, cache_ready;
    FeatCache cache_train, cache_test;
    Tensor feats; /* a batch of cached features */
    int *feat_labels;
    Tensor probs, dlogits;
    double *window; /* average_loss most recent losses */
    int window_n;
    double smoothed;
    int64_t disp_correct, disp_seen; /* since the last display row */
    double disp_wait, disp_t0, disp_images;
    double seconds0; /* seconds already run by earlier segments */
    double t0;
    double best_acc, last_acc;
    int last_snapshot_iter, last_test_iter;
    int stopped;
    int rank, ranks; /* this process's place in a data-parallel run (dist.h) */
    float *grads;    /* ranks > 1: every trainable gradient, packed for one allreduce */
    size_t n_grads;  /* floats in grads */
    int replicas_ok; /* the start-of-run replica check passed */
    int disp_iters;  /* iterations since the last display row */
    /* Where the data is: iteration seq_iter0 (the start or the resume)
     * began at sub-batch seq_base of the one sequence (trainer_seq). */
    int64_t seq_base;
    int seq_iter0;
    Status sticky;
    int shared; /* ranks > 1: every rank has the sticky error (agreed), none waits */
    Error err;
};

static void trainer_log(Trainer *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void trainer_log(Trainer *t, const char *fmt, ...) {
    if (!t->cb.on_log) return;
    char line[640];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    t->cb.on_log(t->cb.ctx, line);
}

const char *train_phase_name(TrainPhase p) {
    static const char *const names[PHASE_COUNT] = {"train", "test",     "weights",
                                                   "cache", "snapshot", "val"};
    return p >= 0 && p < PHASE_COUNT ? names[p] : "?";
}

static void trainer_progress(Trainer *t, TrainPhase phase, long done, long total) {
    if (!t->cb.on_progress) return;
    TrainProgress p = {.phase = phase, .done = done, .total = total};
    t->cb.on_progress(t->cb.ctx, &p);
}

/* Asks the caller whether it still records the run (TrainCallbacks.recorded):
 * when not, its error becomes sticky and the run stops where it is (as a
 * stop would, but trainer_finish writes no snapshot: it returns the error).
 * Returns 1 then. */
static int trainer_unrecorded(Trainer *t) {
    if (t->sticky || !t->cb.recorded) return 0;
    Error e = {0};
    Status s = t->cb.recorded(t->cb.ctx, &e);
    if (!s) return 0;
    t->sticky = error_set(&t->err, s, "%s", e.msg);
    t->stopped = 1;
    return 1;
}

/* Asks the caller whether to stop (it may pause us here); remembers a yes. */
static int trainer_ask_stop(Trainer *t) {
    if (trainer_unrecorded(t)) return 1;
    if (!t->stopped && t->cb.should_stop && t->cb.should_stop(t->cb.ctx)) t->stopped = 1;
    return t->stopped;
}

/* The same inside a test pass or the feature cache: with ranks, a stop is
 * taken only where all ranks agree on it (the end of an iteration). */
static int trainer_ask_stop_inside(Trainer *t) {
    return t->ranks > 1 ? 0 : trainer_ask_stop(t);
}

static double trainer_seconds(const Trainer *t) {
    return t->seconds0 + timer_now() - t->t0;
}

/* --- weights ------------------------------------------------------------------ */

/* The backbone's parameters (all but the classifier's two). */
static Param *const *trainer_backbone_params(Trainer *t, int *n) {
    Param *const *all = net_params(t->net, n);
    *n -= 2;
    return all;
}

/* --- data parallel ------------------------------------------------------------ */

/* The sub-batch of the one data sequence iteration iter starts at: every
 * iteration since seq_iter0 took ranks x iter_size of them. */
static int64_t trainer_seq(const Trainer *t, int iter) {
    return t->seq_base + (int64_t)(iter - t->seq_iter0) * t->ranks * t->cfg.solver.iter_size;
}

/* The training loader from the current iteration on: rank r of N takes
 * the iter_size batches a single process with iter_size N x iter_size
 * would take at sub-iterations r x iter_size .. (r + 1) x iter_size - 1. */
static LoaderConfig trainer_train_loader(const Trainer *t) {
    LoaderConfig lc = t->cfg.train_data;
    lc.first_batch = 0;
    lc.shard_base = trainer_seq(t, t->solver.iter);
    lc.shard_count = t->ranks;
    lc.shard_index = t->rank;
    lc.shard_run = t->cfg.solver.iter_size;
    return lc;
}

/* Sticks an error of this rank's collectives (MPI failed) and returns it. */
static Status trainer_dist_fail(Trainer *t, Status s, Error *local) {
    t->sticky = error_set(&t->err, s, "%s", local->msg);
    return s;
}

/* Every rank learns whether any rank's passes failed (s is this rank's
 * outcome, its message in t->err); the lowest failing rank's error, named
 * with its rank, becomes every rank's sticky error. */
static Status trainer_agree(Trainer *t, Status s) {
    if (t->ranks == 1) return s;
    int shared;
    Status a = dist_agree(s, &t->err, &shared);
    if (a) {
        t->sticky = a;
        t->shared = shared;
    }
    return a;
}

/* Sums over ranks this iteration's loss (*loss, the sum of its passes'),
 * its correct / seen / image counts (what was added to the display
 * accumulators since correct0, seen0, images0) and every trainable
 * gradient, in one contiguous buffer. */
static Status trainer_reduce(Trainer *t, double *loss, int64_t correct0, int64_t seen0,
                             double images0) {
    if (t->ranks == 1) return ST_OK;
    Error e = {0};
    double v[4] = {*loss, (double)(t->disp_correct - correct0), (double)(t->disp_seen - seen0),
                   t->disp_images - images0};
    if (dist_sum_f64(v, 4, &e)) return trainer_dist_fail(t, e.status, &e);
    *loss = v[0];
    t->disp_correct = correct0 + (int64_t)v[1];
    t->disp_seen = seen0 + (int64_t)v[2];
    t->disp_images = images0 + v[3];
    size_t off = 0;
    for (int i = 0; i < t->solver.n_params; i++) {
        const Tensor *g = &t->solver.params[i]->grad;
        memcpy(t->grads + off, g->data, sizeof(float) * tensor_count(g));
        off += tensor_count(g);
    }
    if (dist_sum_f32(t->grads, t->n_grads, &e)) return trainer_dist_fail(t, e.status, &e);
    off = 0;
    for (int i = 0; i < t->solver.n_params; i++) {
        Tensor *g = &t->solver.params[i]->grad;
        memcpy(g->data, t->grads + off, sizeof(float) * tensor_count(g));
        off += tensor_count(g);
    }
    return ST_OK;
}

/* FNV-1a over every parameter's values and solver histories. */
static uint64_t trainer_checksum(Trainer *t) {
    uint64_t h = 0xCBF29CE484222325ULL;
    int n;
    Param *const *ps = net_params(t->net, &n);
    for (int i = 0; i < n; i++) {
        const Tensor *parts[3] = {&ps[i]->value, &ps[i]->history, &ps[i]->history2};
        for (int j = 0; j < 3; j++) {
            const unsigned char *b = (const unsigned char *)parts[j]->data;
            size_t len = parts[j]->data ? sizeof(float) * tensor_count(parts[j]) : 0;
            for (size_t k = 0; k < len; k++) h = (h ^ b[k]) * 0x100000001B3ULL;
        }
    }
    return h;
}

/* Every rank's parameters and history must be rank 0's (same seeds, same
 * updates): a mismatch is an error naming the first rank that differs. */
static Status trainer_check_replicas(Trainer *t, const char *when) {
    if (t->ranks == 1) return ST_OK;
    uint64_t *all = malloc(sizeof(uint64_t) * (size_t)t->ranks);
    if (!all) return t->sticky = error_set(&t->err, ST_NOMEM, "replica check: out of memory");
    Error e = {0};
    Status s = dist_gather_u64(trainer_checksum(t), all, &e);
    if (s) trainer_dist_fail(t, s, &e);
    for (int r = 1; !s && r < t->ranks; r++)
        if (all[r] != all[0] && (t->shared = 1)) /* every rank compares them all */
            s = t->sticky = error_set(&t->err, ST_STATE,
                                      "replicas differ %s at iteration %d: rank %d's parameters "
                                      "(checksum %016llx) are not rank 0's (%016llx)",
                                      when, t->solver.iter, r, (unsigned long long)all[r],
                                      (unsigned long long)all[0]);
    free(all);
    return s;
}

/* With ranks, what the sums cost since the last display row (span
 * seconds): a log line per display row, for the scaling figures. */
static void trainer_log_allreduce(Trainer *t, double span) {
    double secs, bytes;
    dist_take_stats(&secs, &bytes);
    if (t->ranks == 1 || t->disp_iters < 1) return;
    double per = 1.0 / t->disp_iters;
    trainer_log(t,
                "allreduce: %.3f ms of %.3f ms per iteration (%.1f%%), %.3f MB summed per "
                "iteration over %d ranks",
                1e3 * secs * per, 1e3 * span * per, 100 * secs / span, bytes * per / 1e6, t->ranks);
}

/* With ranks, a stop asked on any rank stops all (after this iteration). */
static Status trainer_agree_stop(Trainer *t) {
    if (t->ranks == 1) return ST_OK;
    Error e = {0};
    int stop = t->stopped;
    if (dist_max_int(&stop, 1, &e)) return trainer_dist_fail(t, e.status, &e);
    t->stopped = stop;
    return ST_OK;
}

/* --- snapshots ---------------------------------------------------------------- */

Status trainer_snapshot(Trainer *t, Error *err) {
    if (!t->cfg.snapshot_dir) return ST_OK;
    if (trainer_check_replicas(t, "at a snapshot"))
        return error_set(err, t->sticky, "%s", t->err.msg);
    if (t->rank != 0) { /* rank 0 writes the run's snapshots */
        t->last_snapshot_iter = t->solver.iter;
        return ST_OK;
    }
    trainer_progress(t, PHASE_SNAPSHOT, 0, 1);
    int n;
    Param *const *ps = net_params(t->net, &n);
    SnapshotState st = {.iter = t->solver.iter,
                        .current_step = t->solver.current_step,
                        .smoothed_loss = t->smoothed,
                        .window = t->window,
                        .window_n = t->window_n,
                        .display_correct = t->disp_correct,
                        .display_seen = t->disp_seen,
                        .seconds = trainer_seconds(t),
                        .best_accuracy = t->best_acc,
                        .last_test_iter = t->last_test_iter,
                        .batches_done = trainer_seq(t, t->solver.iter)};
    char input[160], path[1200];
    image_normalize_describe(&t->cfg.train_data.norm, input, sizeof input);
    snapshot_path(path, sizeof path, t->cfg.snapshot_dir, t->solver.iter);
    Status s = snapshot_write(path, ps, n, t->solver.cfg.type, input, &st, err);
    if (!s) {
        t->last_snapshot_iter = t->solver.iter;
        trainer_log(t, "snapshot %s", path);
        trainer_progress(t, PHASE_SNAPSHOT, 1, 1);
        if (t->cb.on_snapshot) t->cb.on_snapshot(t->cb.ctx, path, t->solver.iter);
    }
    return s;
}

Status trainer_restore(Trainer *t, const char *snapshot, Error *err) {
    if (t->sticky) return error_set(err, t->sticky, "%s", t->err.msg);
    /* Everything is checked before anything changes: a bad file leaves
     * the trainer as it was. */
    SnapshotState st;
    Status s = snapshot_check(snapshot, &t->cfg, &st, err);
    if (s) return s;
    int n;
    Param *const *ps = net_params(t->net, &n);
    if ((s = weights_load(ps, n, snapshot, 1, err))) {
        /* Only a read failing part-way (or the file changing since the
         * check) gets here: some parameters may hold the snapshot's. */
        t->sticky =
            error_set(&t->err, s, "%s (the trainer is partly restored)", err ? err->msg : "");
        snapshot_state_fini(&st);
        return s;
    }
    t->solver.iter = st.iter;
    t->solver.current_step = st.current_step;
    t->smoothed = st.smoothed_loss;
    memcpy(t->window, st.window, sizeof(double) * (size_t)st.window_n);
    t->window_n = st.window_n;
    t->disp_correct = st.display_correct;
    t->disp_seen = st.display_seen;
    t->seconds0 = st.seconds; /* this segment's own time counts from trainer_create */
    t->disp_t0 = timer_now();
    t->best_acc = st.best_accuracy;
    t->last_test_iter = st.last_test_iter;
    t->last_snapshot_iter = st.iter;
    t->seq_base = st.batches_done;
    t->seq_iter0 = st.iter;
    snapshot_state_fini(&st);
    /* Restart the training data at the batch the snapshot stopped before. */
    loader_destroy(t->train);
    t->train = NULL;
    if (!t->use_cache) {
        LoaderConfig lc = trainer_train_loader(t);
        if (!(t->train = loader_create(t->cfg.ds, t->cfg.ds->train, t->cfg.ds->n_train, &lc, err)))
            return t->sticky = error_set(&t->err, err ? err->status : ST_STATE, "%s",
                                         err ? err->msg : "cannot restart the training data");
    }
    trainer_log(t, "resumed from %s at iteration %d", snapshot, t->solver.iter);
    return ST_OK;
}

/* --- passes -------------------------------------------------------------------- */

/* Forward + loss (+ backward when train) of one batch. */
static double trainer_pass(Trainer *t, const Tensor *x, const int *labels, int train,
                           int64_t *correct) {
    const Tensor *logits =
        t->use_cache ? net_forward_classifier(t->net, x) : net_forward(t->net, x);
    double loss = softmax_loss_forward(logits, labels, &t->probs);
    *correct += accuracy_count(logits, labels);
    if (train) {
        softmax_loss_backward(&t->probs, labels, 1.0f, &t->dlogits);
        if (t->use_cache)
            net_backward_classifier(t->net, x, &t->dlogits);
        else
            net_backward(t->net, x, &t->dlogits);
    }
    return loss;
}

static Status trainer_test(Trainer *t, Error *err) {
    const TrainConfig *c = &t->cfg;
    if (c->test_iter < 1) return ST_OK;
    double t0 = timer_now(), loss = 0, wait = 0;
    int64_t correct = 0, seen = 0;
    Loader *ld = NULL;
    if (!t->use_cache) {
        LoaderConfig lc = c->test_data;
        lc.batch_size = c->batch_size;
        lc.first_batch = 0;
        lc.one_pass = 0;
        lc.shuffle = 0;
        if (!(ld = loader_create(c->ds, c->ds->test, c->ds->n_test, &lc, err)))
            return err ? err->status : ST_STATE;
    }
    for (int k = 0; k < c->test_iter; k++) {
        trainer_progress(t, PHASE_TEST, k, c->test_iter);
        if (trainer_ask_stop_inside(t)) { /* no row for a pass cut short */
            loader_destroy(ld);
            return ST_OK;
        }
        const Tensor *x;
        const int *labels;
        if (ld) {
            LoaderBatch b;
            Status s = loader_next(ld, &b, err);
            if (s) {
                loader_destroy(ld);
                return s;
            }
            wait += b.waited;
            x = &b.x;
            labels = b.labels;
            loss += trainer_pass(t, x, labels, 0, &correct);
            seen += b.n;
        } else {
            featcache_batch(&t->cache_test, k, c->batch_size, 0, 0, &t->feats, t->feat_labels);
            loss += trainer_pass(t, &t->feats, t->feat_labels, 0, &correct);
            seen += c->batch_size;
        }
    }
    loader_destroy(ld);
    trainer_progress(t, PHASE_TEST, c->test_iter, c->test_iter);
    double secs = timer_now() - t0;
    TrainRow row = {.iter = t->solver.iter,
                    .phase = PHASE_TEST,
                    .loss = loss / c->test_iter,
                    .accuracy = (double)correct / (double)seen,
                    .lr = solver_rate(&c->solver, t->solver.iter, &(int){t->solver.current_step}),
                    .seconds = trainer_seconds(t),
                    .images_per_s = seen / fmax(secs, 1e-9),
                    .data_wait = wait / fmax(secs, 1e-9)};
    t->last_acc = row.accuracy;
    if (row.accuracy > t->best_acc) t->best_acc = row.accuracy;
    t->last_test_iter = t->solver.iter;
    if (t->cb.on_row) t->cb.on_row(t->cb.ctx, &row);
    if (trainer_unrecorded(t)) return t->sticky; /* in t->err, which err is */
    trainer_log(t, "Iteration %d, Testing net: accuracy = %.4f, loss = %.4f", row.iter,
                row.accuracy, row.loss);
    return ST_OK;
}

/* A test pass on every rank, then its outcome agreed: any rank's error
 * (in t->err) or stop is every rank's. */
static Status trainer_test_agreed(Trainer *t) {
    Status s = trainer_agree(t, trainer_test(t, &t->err));
    return s ? s : trainer_agree_stop(t);
}

/* Caffe's UpdateSmoothedLoss. */
static void trainer_smooth(Trainer *t, double loss) {
    int avg = t->cfg.average_loss;
    if (t->window_n < avg) {
        t->window[t->window_n++] = loss;
        t->smoothed = (t->smoothed * (t->window_n - 1) + loss) / t->window_n;
    } else {
        int idx = t->solver.iter % avg;
        t->smoothed += (loss - t->window[idx]) / avg;
        t->window[idx] = loss;
    }
}

Status trainer_step(Trainer *t, Error *err) {
    if (t->sticky) return error_set(err, t->sticky, "%s", t->err.msg);
    Status s = trainer_prepare(t, err);
    if (s || t->stopped) return s;
    const TrainConfig *c = &t->cfg;
    int iter = t->solver.iter;
    for (int i = 0; i < t->solver.n_params; i++) param_zero_grad(t->solver.params[i]);
    if (c->test_interval > 0 && iter % c->test_interval == 0 &&
        (iter > 0 || c->test_initialization) && t->last_test_iter != iter) {
        if ((s = trainer_test_agreed(t))) {
            t->sticky = s;
            return error_set(err, s, "%s", t->err.msg);
        }
    }
    if (!s && t->stopped) return ST_OK; /* stopped during the test: no step */
    if (!s && !t->replicas_ok) {
        if ((s = trainer_check_replicas(t, "at the start")))
            return error_set(err, s, "%s", t->err.msg);
        t->replicas_ok = 1;
    }
    trainer_progress(t, PHASE_TRAIN, iter, c->solver.max_iter);
    double loss = 0;
    int64_t correct0 = t->disp_correct, seen0 = t->disp_seen;
    double images0 = t->disp_images;
    for (int k = 0; !s && k < c->solver.iter_size; k++) {
        if (t->use_cache) {
            int64_t batch = trainer_seq(t, iter) + (int64_t)t->rank * c->solver.iter_size + k;
            featcache_batch(&t->cache_train, batch, c->batch_size, 1, c->seed, &t->feats,
                            t->feat_labels);
            loss += trainer_pass(t, &t->feats, t->feat_labels, 1, &t->disp_correct);
            t->disp_seen += c->batch_size;
            t->disp_images += c->batch_size;
        } else {
            LoaderBatch b;
            if ((s = loader_next(t->train, &b, &t->err))) break;
            t->disp_wait += b.waited;
            loss += trainer_pass(t, &b.x, b.labels, 1, &t->disp_correct);
            t->disp_seen += b.n;
            t->disp_images += b.n;
        }
    }
    s = trainer_agree(t, s);
    if (!s) s = trainer_reduce(t, &loss, correct0, seen0, images0);
    if (s) {
        t->sticky = s;
        return error_set(err, s, "%s", t->err.msg);
    }
    loss /= (double)c->solver.iter_size * t->ranks;
    if (!isfinite(loss)) {
        t->sticky = error_set(&t->err, ST_NUMERIC, "diverged: loss is %s at iteration %d",
                              isnan(loss) ? "NaN" : "Inf", iter);
        t->shared = t->ranks > 1; /* the loss was summed over ranks */
        trainer_log(t, "%s", t->err.msg);
        return error_set(err, t->sticky, "%s", t->err.msg);
    }
    trainer_smooth(t, loss);
    double lr = solver_update(&t->solver);
    t->disp_iters++;
    if (c->display > 0 && iter % c->display == 0) {
        double now = timer_now(), span = fmax(now - t->disp_t0, 1e-9);
        TrainRow row = {.iter = iter,
                        .phase = PHASE_TRAIN,
                        .loss = t->smoothed,
                        .accuracy = t->disp_seen ? (double)t->disp_correct / t->disp_seen : 0,
                        .lr = lr,
                        .seconds = trainer_seconds(t),
                        .images_per_s = t->disp_images / span,
                        .data_wait = fmin(1.0, t->disp_wait / span)};
        if (t->cb.on_row) t->cb.on_row(t->cb.ctx, &row);
        /* Before the snapshot below: one must not pass a row that is lost. */
        if (trainer_unrecorded(t)) return error_set(err, t->sticky, "%s", t->err.msg);
        trainer_log(t, "Iteration %d, loss = %.6g, lr = %.6g", iter, row.loss, lr);
        trainer_log_allreduce(t, span);
        t->disp_correct = t->disp_seen = 0;
        t->disp_images = t->disp_wait = 0;
        t->disp_iters = 0;
        t->disp_t0 = now;
    }
    if (c->snapshot > 0 && t->solver.iter % c->snapshot == 0) {
        if ((s = trainer_snapshot(t, &t->err))) {
            t->sticky = s;
            return error_set(err, s, "%s", t->err.msg);
        }
    }
    trainer_progress(t, PHASE_TRAIN, t->solver.iter, c->solver.max_iter);
    trainer_ask_stop(t);
    if ((s = trainer_agree_stop(t))) return error_set(err, s, "%s", t->err.msg);
    return ST_OK;
}

int trainer_done(const Trainer *t) {
    int at = t->cfg.stop_at;
    return t->stopped || t->solver.iter >= t->cfg.solver.max_iter ||
           (at > 0 && t->solver.iter >= at);
}

int trainer_stopped(const Trainer *t) {
    return t->stopped;
}

int trainer_error_shared(const Trainer *t) {
    return t->sticky && t->shared;
}

Status trainer_finish(Trainer *t, double *acc, Error *err) {
    *acc = -1;
    if (t->sticky) return error_set(err, t->sticky, "%s", t->err.msg);
    Status s = ST_OK;
    if (t->last_snapshot_iter != t->solver.iter) s = trainer_snapshot(t, err);
    if (!s && !t->stopped && t->cfg.test_iter > 0) {
        if (t->last_test_iter != t->solver.iter) {
            if ((s = trainer_test_agreed(t))) error_set(err, s, "%s", t->err.msg);
        }
        if (!s && !t->stopped) *acc = t->last_acc; /* not when stopped during that test */
    }
    if (s) t->sticky = s;
    if (!s && t->sticky) /* the caller stopped recording during that test */
        return error_set(err, t->sticky, "%s", t->err.msg);
    return s;
}

Status trainer_run(Trainer *t, double *final_acc, Error *err) {
    while (!trainer_done(t)) {
        Status s = trainer_step(t, err);
        if (s) return s;
    }
    return trainer_finish(t, final_acc, err);
}

int trainer_iter(const Trainer *t) {
    return t->solver.iter;
}

double trainer_best_accuracy(const Trainer *t) {
    return t->best_acc;
}

Net *trainer_net(Trainer *t) {
    return t->net;
}

/* --- setup --------------------------------------------------------------------- */

/* The cache's progress over both parts (training views, then test
 * images), and the place a stop or a pause is asked for while it builds. */
typedef struct CacheProgress {
    Trainer *t;
    long before, total; /* samples of the parts already built; of both */
} CacheProgress;

static int trainer_cache_progress(void *ctx, int done, int total) {
    CacheProgress *p = ctx;
    (void)total;
    trainer_progress(p->t, PHASE_CACHE, p->before + done, p->total);
    return trainer_ask_stop_inside(p->t);
}

static Status trainer_build_cache(Trainer *t, Error *err) {
    const TrainConfig *c = &t->cfg;
    double t0 = timer_now();
    trainer_log(t, "feature cache: %d training images x %d views, %d test images", c->ds->n_train,
                c->cache_views, c->ds->n_test);
    LoaderConfig base = c->train_data;
    base.batch_size = c->batch_size;
    CacheProgress p = {.t = t, .total = (long)c->ds->n_train * c->cache_views + c->ds->n_test};
    Status s = featcache_build(&t->cache_train, t->net, c->ds, c->ds->train, c->ds->n_train, &base,
                               c->cache_views, c->seed, trainer_cache_progress, &p, err);
    /* The builds agree every outcome over ranks; a stop asked on one rank
     * stops the others' trainers too, before the next build. */
    if (s)
        t->shared = t->ranks > 1;
    else if ((s = trainer_agree_stop(t)))
        return s; /* in t->err, as err is */
    p.before = (long)c->ds->n_train * c->cache_views;
    if (!s && !t->stopped)
        s = featcache_build(&t->cache_test, t->net, c->ds, c->ds->test, c->ds->n_test,
                            &c->test_data, 1, c->seed, trainer_cache_progress, &p, err);
    if (s)
        t->shared = t->ranks > 1;
    else if ((s = trainer_agree_stop(t)))
        return s;
    if (!s && t->stopped) {
        featcache_fini(&t->cache_train);
        featcache_fini(&t->cache_test);
        trainer_log(t, "feature cache: stopped after %.1f s (built again on resume)",
                    timer_now() - t0);
    } else if (!s) {
        trainer_log(t, "feature cache: %d x %d features in %.1f s", t->cache_train.n,
                    t->cache_train.dim, timer_now() - t0);
    }
    return s;
}

Status trainer_prepare(Trainer *t, Error *err) {
    if (t->sticky) return error_set(err, t->sticky, "%s", t->err.msg);
    if (!t->use_cache || t->cache_ready || t->stopped) return ST_OK;
    Status s = trainer_build_cache(t, &t->err);
    if (s) {
        t->sticky = s;
        return error_set(err, s, "%s", t->err.msg);
    }
    t->cache_ready = !t->stopped;
    t->disp_t0 = timer_now();
    return ST_OK;
}

TrainConfig trainer_config_default(void) {
    TrainConfig c = {.net = net_config_default(),
                     .solver = {.base_lr = 0.001,
                                .policy = SOLVER_FIXED,
                                .momentum = 0.9,
                                .max_iter = 1000,
                                .iter_size = 1,
                                .clip_gradients = -1,
                                .momentum2 = 0.999, /* Caffe's defaults for the other types */
                                .rms_decay = 0.99,
                                .delta = 1e-8},
                     .train_data = {.resize = 512,
                                    .resolution = 448,
                                    .random_crop = 1,
                                    .mirror = 1,
                                    .filter = RESIZE_AREA,
                                    .norm = image_normalize_torchvision(),
                                    .shuffle = 1,
                                    .threads = 1,
                                    .prefetch = 3,
                                    .seed = 1},
                     .batch_size = 8,
                     .seed = 1,
                     .blas_threads = 1};
    c.net.num_classes = 0; /* from the dataset */
    c.test_data = c.train_data;
    c.test_data.random_crop = 0;
    c.test_data.mirror = 0;
    return c;
}

uint64_t trainer_pool_seed(uint64_t seed) {
    return seed ^ 0x5EEDB11EULL;
}

Trainer *trainer_create(const TrainConfig *cfg, const TrainCallbacks *cb, Error *err) {
    Trainer *t = calloc(1, sizeof *t);
    if (!t) {
        error_set(err, ST_NOMEM, "trainer: out of memory");
        return NULL;
    }
    t->cfg = *cfg;
    if (cb) t->cb = *cb;
    TrainConfig *c = &t->cfg;
    c->net.batch = c->batch_size;
    c->net.num_classes = c->net.num_classes > 0 ? c->net.num_classes : c->ds->num_classes;
    c->net.pool_seed = trainer_pool_seed(c->seed);
    c->train_data.batch_size = c->test_data.batch_size = c->batch_size;
    if (c->average_loss < 1) c->average_loss = 1;
    t->best_acc = t->last_acc = -1;
    t->last_test_iter = t->last_snapshot_iter = -1;
    t->use_cache = c->feature_cache && c->net.freeze_backbone;
    t->rank = dist_rank();
    t->ranks = dist_size();
    if (c->blas_threads > 0) {
        blas_set_threads(c->blas_threads);
        parallel_set_threads(c->blas_threads);
    }
    Status s = ST_OK;
    for (int i = 0; i < c->ds->n_items; i++)
        if (c->ds->items[i].label >= c->net.num_classes) {
            s = error_set(err, ST_ARG, "%s: label %d does not fit num_classes = %d",
                          c->ds->items[i].path, c->ds->items[i].label + 1, c->net.num_classes);
            goto fail;
        }
    if (!(t->net = net_create(&c->net, err))) goto fail_status;
    net_init_weights(t->net, c->seed);
    char algos[1024];
    net_describe_algos(t->net, algos, sizeof algos);
    trainer_log(t, "convolutions: %s", algos);
    long files = (c->weights != NULL) + (c->init_from != NULL);
    if (files) trainer_progress(t, PHASE_WEIGHTS, 0, files);
    if (c->weights) {
        int n;
        Param *const *bb = trainer_backbone_params(t, &n);
        if ((s = weights_load(bb, n, c->weights, 0, err))) goto fail;
        trainer_log(t, "backbone weights from %s", c->weights);
        trainer_progress(t, PHASE_WEIGHTS, 1, files);
    }
    if (c->init_from) {
        int n;
        Param *const *all = net_params(t->net, &n);
        if ((s = weights_load(all, n, c->init_from, 0, err))) goto fail;
        trainer_log(t, "all weights from %s", c->init_from);
        trainer_progress(t, PHASE_WEIGHTS, files, files);
    }
    int np;
    Param *const *tp = net_trainable_params(t->net, &np);
    /* N ranks of iter_size S are one process of iter_size N x S: the
     * solver's 1/iter_size scales the summed gradients. */
    SolverConfig sc = c->solver;
    sc.iter_size *= t->ranks;
    if ((s = solver_init(&t->solver, &sc, tp, np, err))) goto fail;
    for (int i = 0; i < np && t->ranks > 1; i++) t->n_grads += tensor_count(&tp[i]->grad);
    if (t->ranks > 1 && !(t->grads = malloc(sizeof(float) * t->n_grads))) {
        s = error_set(err, ST_NOMEM, "trainer: out of memory for %zu gradients", t->n_grads);
        goto fail;
    }
    int classes = c->net.num_classes, fdim = net_feature_dim(t->net);
    t->window = calloc((size_t)c->average_loss, sizeof(double));
    t->feat_labels = malloc(sizeof(int) * (size_t)c->batch_size);
    if (!t->window || !t->feat_labels || tensor_init(&t->probs, c->batch_size, classes, 1, 1) ||
        tensor_init(&t->dlogits, c->batch_size, classes, 1, 1) ||
        tensor_init(&t->feats, t->use_cache ? c->batch_size : 1, fdim, 1, 1)) {
        s = error_set(err, ST_NOMEM, "trainer: out of memory");
        goto fail;
    }
    t->t0 = timer_now(); /* a run's time includes building its feature cache */
    if (!t->use_cache) {
        LoaderConfig lc = trainer_train_loader(t);
        if (!(t->train = loader_create(c->ds, c->ds->train, c->ds->n_train, &lc, err)))
            goto fail_status;
    }
    t->disp_t0 = timer_now();
    return t;
fail_status:
    s = err ? err->status : ST_STATE;
fail:
    (void)s;
    trainer_destroy(t);
    return NULL;
}

void trainer_destroy(Trainer *t) {
    if (!t) return;
    loader_destroy(t->train);
    featcache_fini(&t->cache_train);
    featcache_fini(&t->cache_test);
    net_destroy(t->net);
    tensor_fini(&t->probs);
    tensor_fini(&t->dlogits);
    tensor_fini(&t->feats);
    free(t->feat_labels);
    free(t->window);
    free(t->grads);
    free(t);
}
