/*
 * trainer — the training loop. See trainer.h; the parts it is split into
 * are listed in trainer_internal.h.
 *
 * A snapshot (engine/train/snapshot.h, the format's one home) holds every
 * parameter and its solver histories, the best validation weights, and the
 * solver state, the loss-smoothing window and the display accumulators, so
 * that a resumed run writes the same rows as one that never stopped. A
 * snapshot resumes only under the solver type that wrote it (one without
 * the key is SGD's): another type reads the same history tensors as
 * something else; and it is checked whole before the trainer takes
 * anything from it.
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
#include "engine/nn/accuracy.h"
#include "engine/nn/softmax_loss.h"
#include "engine/train/trainer_internal.h"
#include "engine/train/weights.h"

const char *train_phase_name(TrainPhase p) {
    static const char *const names[PHASE_COUNT] = {"train", "test",     "weights",
                                                   "cache", "snapshot", "val"};
    return p >= 0 && p < PHASE_COUNT ? names[p] : "?";
}

/* --- the data sequence ----------------------------------------------------------- */

/* The sub-batch of the one data sequence iteration iter starts at: every
 * iteration since seq_iter0 took ranks x iter_size of them. */
static int64_t trainer_seq(const Trainer *t, int iter) {
    return t->seq_base + (int64_t)(iter - t->seq_iter0) * t->dist.ranks * t->cfg.solver.iter_size;
}

/* The training loader from the current iteration on: rank r of N takes
 * the iter_size batches a single process with iter_size N x iter_size
 * would take at sub-iterations r x iter_size .. (r + 1) x iter_size - 1. */
static Status trainer_open_train(Trainer *t, Error *err) {
    loader_destroy(t->train);
    t->train = NULL;
    if (t->cache.use) return ST_OK;
    LoaderConfig lc = t->cfg.train_data;
    lc.first_batch = 0;
    lc.shard_base = trainer_seq(t, t->solver.iter);
    lc.shard_count = t->dist.ranks;
    lc.shard_index = t->dist.rank;
    lc.shard_run = t->cfg.solver.iter_size;
    t->train = loader_create(t->cfg.ds, t->cfg.ds->train, t->cfg.ds->n_train, &lc, err);
    return t->train ? ST_OK : err ? err->status : ST_STATE;
}

/* --- snapshots ---------------------------------------------------------------- */

SnapshotSpec trainer_snapshot_spec(const TrainConfig *cfg) {
    SnapshotSpec s = {.net = cfg->net,
                      .type = cfg->solver.type,
                      .n_stepvalue = cfg->solver.n_stepvalue,
                      .iter_size = cfg->solver.iter_size,
                      .average_loss = cfg->average_loss < 1 ? 1 : cfg->average_loss,
                      .best = cfg->ds && cfg->ds->n_val > 0};
    if (s.net.num_classes <= 0 && cfg->ds) s.net.num_classes = cfg->ds->num_classes;
    return s;
}

Status trainer_snapshot(Trainer *t, Error *err) {
    if (!t->cfg.snapshot_dir) return ST_OK;
    if (trainer_dist_check_replicas(t, "at a snapshot"))
        return error_set(err, t->sticky, "%s", t->err.msg);
    if (t->dist.rank != 0) { /* rank 0 writes the run's snapshots */
        t->last_snapshot_iter = t->solver.iter;
        return ST_OK;
    }
    trainer_core_progress(t, PHASE_SNAPSHOT, 0, 1);
    int n;
    Param *const *ps = net_params(t->net, &n);
    const TrainDisplay *d = &t->disp;
    const TrainerHeldout *h = &t->held;
    SnapshotState st = {.iter = t->solver.iter,
                        .current_step = t->solver.current_step,
                        .smoothed_loss = d->smoothed,
                        .window = d->window,
                        .window_n = d->window_n,
                        .display_correct = d->correct,
                        .display_seen = d->seen,
                        .seconds = trainer_core_seconds(t),
                        .best_accuracy = h->best_acc,
                        .best_loss = h->best_loss,
                        .best_iter = h->best_iter,
                        .last_test_iter = h->last_iter,
                        .batches_done = trainer_seq(t, t->solver.iter)};
    char input[160], path[1200];
    image_normalize_describe(&t->cfg.train_data.norm, input, sizeof input);
    snapshot_path(path, sizeof path, t->cfg.snapshot_dir, t->solver.iter);
    const float *const *best = h->val && h->best_iter >= 0 ? (const float *const *)h->best : NULL;
    Status s = snapshot_write(path, ps, n, best, t->solver.cfg.type, input, &st, err);
    if (!s) {
        t->last_snapshot_iter = t->solver.iter;
        trainer_core_log(t, "snapshot %s", path);
        trainer_core_progress(t, PHASE_SNAPSHOT, 1, 1);
        if (t->cb.on_snapshot) t->cb.on_snapshot(t->cb.ctx, path, t->solver.iter);
    }
    return s;
}

Status trainer_restore(Trainer *t, const char *snapshot, Error *err) {
    if (t->sticky) return error_set(err, t->sticky, "%s", t->err.msg);
    /* Everything is checked before anything changes: a bad file leaves
     * the trainer as it was. */
    SnapshotSpec spec = trainer_snapshot_spec(&t->cfg);
    SnapshotState st;
    Status s = snapshot_check(snapshot, &spec, &st, err);
    if (s) return s;
    int n;
    Param *const *ps = net_params(t->net, &n);
    TrainerHeldout *h = &t->held;
    if (!(s = weights_load(ps, n, snapshot, 1, err)) && h->val && st.best_iter >= 0)
        s = weights_load_extra(ps, n, snapshot, ".best", h->best, err);
    if (s) {
        /* Only a read failing part-way (or the file changing since the
         * check) gets here: some parameters may hold the snapshot's. */
        t->sticky =
            error_set(&t->err, s, "%s (the trainer is partly restored)", err ? err->msg : "");
        snapshot_state_fini(&st);
        return s;
    }
    t->solver.iter = st.iter;
    t->solver.current_step = st.current_step;
    display_restore(&t->disp, st.window, st.window_n, st.smoothed_loss, st.display_correct,
                    st.display_seen, timer_now());
    t->seconds0 = st.seconds; /* this segment's own time counts from trainer_create */
    h->best_acc = st.best_accuracy;
    h->best_loss = st.best_loss;
    h->best_iter = st.best_iter;
    h->last_iter = st.last_test_iter;
    t->last_snapshot_iter = st.iter;
    t->seq_base = st.batches_done;
    t->seq_iter0 = st.iter;
    snapshot_state_fini(&st);
    /* Restart the training data at the batch the snapshot stopped before. */
    if ((s = trainer_open_train(t, err)))
        return t->sticky =
                   error_set(&t->err, s, "%s", err ? err->msg : "cannot restart the training data");
    trainer_core_log(t, "resumed from %s at iteration %d", snapshot, t->solver.iter);
    return ST_OK;
}

/* --- passes -------------------------------------------------------------------- */

/* The iter_size forward/backward passes of iteration iter; their summed
 * loss into *loss, the display counts added. */
static Status trainer_passes(Trainer *t, int iter, double *loss) {
    const TrainConfig *c = &t->cfg;
    TrainDisplay *d = &t->disp;
    Status s = ST_OK;
    for (int k = 0; !s && k < c->solver.iter_size; k++) {
        if (k == c->solver.iter_size - 1) trainer_dist_arm(t); /* the gradients become final */
        if (t->cache.use) {
            int64_t batch = trainer_seq(t, iter) + (int64_t)t->dist.rank * c->solver.iter_size + k;
            trainer_cache_train_batch(t, batch);
            *loss += trainer_core_pass(t, &t->cache.feats, t->cache.labels, 1, &d->correct);
            d->seen += c->batch_size;
            d->images += c->batch_size;
        } else {
            LoaderBatch b;
            if ((s = loader_next(t->train, &b, &t->err))) break;
            d->wait += b.waited;
            *loss += trainer_core_pass(t, &b.x, b.labels, 1, &d->correct);
            d->seen += b.n;
            d->images += b.n;
        }
    }
    return s;
}

/* A display row for iteration iter at learning rate lr, then the next
 * interval. Before the snapshot that may follow: one must not pass a row
 * that is lost (ST_OK, or the sticky error of a run no longer recorded). */
static Status trainer_display(Trainer *t, int iter, double lr) {
    Status s = trainer_dist_take_stats(t); /* every rank, before any may return */
    if (s) return s;
    TrainDisplay *d = &t->disp;
    double now = timer_now(), span = fmax(now - d->t0, 1e-9);
    TrainRow row = {.iter = iter,
                    .phase = PHASE_TRAIN,
                    .loss = d->smoothed,
                    .accuracy = display_accuracy(d),
                    .lr = lr,
                    .seconds = trainer_core_seconds(t),
                    .images_per_s = d->images / span,
                    .data_wait = fmin(1.0, d->wait / span),
                    .weights_iter = iter};
    if (t->cb.on_row) t->cb.on_row(t->cb.ctx, &row);
    if (trainer_core_unrecorded(t)) return t->sticky;
    trainer_core_log_as(t, TRAIN_LOG_ROW, "Iteration %d, loss = %.6g, lr = %.6g", iter, row.loss,
                        lr);
    trainer_dist_log_allreduce(t, span);
    display_next(d, now);
    return ST_OK;
}

Status trainer_step(Trainer *t, Error *err) {
    if (t->sticky) return error_set(err, t->sticky, "%s", t->err.msg);
    Status s = trainer_prepare(t, err);
    if (s || t->stopped) return s;
    const TrainConfig *c = &t->cfg;
    int iter = t->solver.iter;
    for (int i = 0; i < t->solver.n_params; i++) param_zero_grad(t->solver.params[i]);
    if (c->test_interval > 0 && iter % c->test_interval == 0 &&
        (iter > 0 || c->test_initialization) && t->held.last_iter != iter) {
        if ((s = trainer_heldout_pass(t))) return trainer_core_fail(t, s, err);
    }
    if (t->stopped) return ST_OK; /* stopped during the test: no step */
    if (!t->dist.replicas_ok) {
        if ((s = trainer_dist_check_replicas(t, "at the start")))
            return error_set(err, s, "%s", t->err.msg);
        t->dist.replicas_ok = 1;
    }
    trainer_core_progress(t, PHASE_TRAIN, iter, c->solver.max_iter);
    double loss = 0;
    int64_t correct0 = t->disp.correct, seen0 = t->disp.seen;
    double images0 = t->disp.images;
    s = trainer_dist_agree(t, trainer_dist_sum_grads(t, trainer_passes(t, iter, &loss)));
    if (!s) s = trainer_dist_reduce(t, &loss, correct0, seen0, images0);
    if (s) return trainer_core_fail(t, s, err);
    loss /= (double)c->solver.iter_size * t->dist.ranks;
    if (!isfinite(loss)) {
        error_set(&t->err, ST_NUMERIC, "diverged: loss is %s at iteration %d",
                  isnan(loss) ? "NaN" : "Inf", iter);
        t->dist.shared = t->dist.ranks > 1; /* the loss was summed over ranks */
        trainer_core_log(t, "%s", t->err.msg);
        return trainer_core_fail(t, ST_NUMERIC, err);
    }
    display_smooth(&t->disp, iter, loss);
    double lr = solver_update(&t->solver);
    t->disp.iters++;
    if (c->display > 0 && iter % c->display == 0 && (s = trainer_display(t, iter, lr)))
        return error_set(err, s, "%s", t->err.msg);
    if (c->snapshot > 0 && t->solver.iter % c->snapshot == 0 && (s = trainer_snapshot(t, &t->err)))
        return trainer_core_fail(t, s, err);
    trainer_core_progress(t, PHASE_TRAIN, t->solver.iter, c->solver.max_iter);
    trainer_core_ask_stop(t);
    if ((s = trainer_dist_agree_stop(t))) return error_set(err, s, "%s", t->err.msg);
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
    return t->sticky && t->dist.shared;
}

/* The end of a finished run: a last held-out pass when this iteration has
 * none, then, with a validation split, the test split once. *acc is the
 * last held-out pass's accuracy (not when stopped during the passes). */
static Status trainer_final_passes(Trainer *t, double *acc) {
    Status s = ST_OK;
    if (t->held.last_iter != t->solver.iter) s = trainer_heldout_pass(t);
    if (!s && !t->stopped) s = trainer_heldout_final_test(t);
    if (!s && !t->stopped) *acc = t->held.last_acc;
    return s;
}

Status trainer_finish(Trainer *t, double *acc, Error *err) {
    *acc = -1;
    if (t->sticky) return error_set(err, t->sticky, "%s", t->err.msg);
    Status s = ST_OK;
    if (t->last_snapshot_iter != t->solver.iter) s = trainer_snapshot(t, err);
    if (!s && !t->stopped && t->cfg.test_iter > 0 && (s = trainer_final_passes(t, acc)))
        error_set(err, s, "%s", t->err.msg);
    if (s) t->sticky = s;
    if (!s && t->sticky) /* the caller stopped recording during a pass */
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
    return t->held.best_acc;
}

Net *trainer_net(Trainer *t) {
    return t->net;
}

/* --- setup --------------------------------------------------------------------- */

Status trainer_prepare(Trainer *t, Error *err) {
    if (t->sticky) return error_set(err, t->sticky, "%s", t->err.msg);
    if (!t->cache.use || t->cache.ready || t->stopped) return ST_OK;
    Status s = trainer_cache_build(t, &t->err);
    if (s) return trainer_core_fail(t, s, err);
    t->cache.ready = !t->stopped;
    t->disp.t0 = timer_now();
    return ST_OK;
}

TrainConfig trainer_config_default(void) {
    TrainConfig c = {.net = net_config_default(),
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
    c.solver = solver_config_default();
    c.solver.base_lr = 0.001;
    c.solver.momentum = 0.9;
    c.solver.max_iter = 1000;
    c.test_data = c.train_data;
    c.test_data.random_crop = 0;
    c.test_data.mirror = 0;
    return c;
}

uint64_t trainer_pool_seed(uint64_t seed) {
    return seed ^ 0x5EEDB11EULL;
}

/* Every label must fit the classifier. */
static Status trainer_check_labels(const TrainConfig *c, Error *err) {
    for (int i = 0; i < c->ds->n_items; i++)
        if (c->ds->items[i].label >= c->net.num_classes)
            return error_set(err, ST_ARG, "%s: label %d does not fit num_classes = %d",
                             c->ds->items[i].path, c->ds->items[i].label + 1, c->net.num_classes);
    return ST_OK;
}

/* The backbone (model.weights: all but the classifier's two parameters)
 * and init_from (every parameter), reported as the weights phase. */
static Status trainer_load_weights(Trainer *t, Error *err) {
    const TrainConfig *c = &t->cfg;
    long files = (c->weights != NULL) + (c->init_from != NULL);
    if (files) trainer_core_progress(t, PHASE_WEIGHTS, 0, files);
    int n;
    Param *const *all = net_params(t->net, &n);
    Status s = ST_OK;
    if (c->weights) {
        if ((s = weights_load(all, n - 2, c->weights, 0, err))) return s;
        trainer_core_log(t, "backbone weights from %s", c->weights);
        trainer_core_progress(t, PHASE_WEIGHTS, 1, files);
    }
    if (c->init_from) {
        if ((s = weights_load(all, n, c->init_from, 0, err))) return s;
        trainer_core_log(t, "all weights from %s", c->init_from);
        trainer_core_progress(t, PHASE_WEIGHTS, files, files);
    }
    return ST_OK;
}

/* The network, its weights, the solver and the buffers of a run of t->cfg. */
static Status trainer_build(Trainer *t, Error *err) {
    TrainConfig *c = &t->cfg;
    Status s = trainer_check_labels(c, err);
    if (s) return s;
    if (!(t->net = net_create(&c->net, err))) return err ? err->status : ST_STATE;
    net_init_weights(t->net, c->seed);
    char algos[1024];
    net_describe_algos(t->net, algos, sizeof algos);
    trainer_core_log(t, "convolutions: %s", algos);
    if ((s = trainer_load_weights(t, err))) return s;
    int np;
    Param *const *tp = net_trainable_params(t->net, &np);
    /* N ranks of iter_size S are one process of iter_size N x S: the
     * solver's 1/iter_size scales the summed gradients. */
    SolverConfig sc = c->solver;
    sc.iter_size *= t->dist.ranks;
    if ((s = solver_init(&t->solver, &sc, tp, np, err)) || (s = trainer_dist_init(t, err)) ||
        (s = trainer_heldout_init(t, err)) || (s = display_init(&t->disp, c->average_loss, err)))
        return s;
    int classes = c->net.num_classes, fdim = net_feature_dim(t->net);
    t->cache.labels = malloc(sizeof(int) * (size_t)c->batch_size);
    if (!t->cache.labels || tensor_init(&t->probs, c->batch_size, classes, 1, 1) ||
        tensor_init(&t->dlogits, c->batch_size, classes, 1, 1) ||
        tensor_init(&t->cache.feats, t->cache.use ? c->batch_size : 1, fdim, 1, 1))
        return error_set(err, ST_NOMEM, "trainer: out of memory");
    return ST_OK;
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
    t->last_snapshot_iter = -1;
    t->cache.use = c->feature_cache && c->net.freeze_backbone;
    t->dist.rank = dist_rank();
    t->dist.ranks = dist_size();
    if (c->blas_threads > 0) {
        blas_set_threads(c->blas_threads);
        parallel_set_threads(c->blas_threads);
    }
    if (trainer_build(t, err)) {
        trainer_destroy(t);
        return NULL;
    }
    t->t0 = timer_now(); /* a run's time includes building its feature cache */
    if (trainer_open_train(t, err)) {
        trainer_destroy(t);
        return NULL;
    }
    t->disp.t0 = timer_now();
    return t;
}

void trainer_destroy(Trainer *t) {
    if (!t) return;
    loader_destroy(t->train);
    trainer_cache_fini(t);
    net_destroy(t->net);
    tensor_fini(&t->probs);
    tensor_fini(&t->dlogits);
    tensor_fini(&t->cache.feats);
    free(t->cache.labels);
    display_fini(&t->disp);
    trainer_heldout_fini(t);
    trainer_dist_fini(t);
    free(t);
}
