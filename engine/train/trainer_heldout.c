/*
 * trainer_heldout — the trainer's held-out passes. See trainer_internal.h.
 *
 * Without a validation split (the dataset has none) a pass reads the same
 * first test_iter batches of the test split every time, wrapping round as
 * Caffe's test net does, so the curve compares like with like across
 * iterations and old runs read as they did. With one, a pass reads the
 * validation split once (at most test_iter batches, the last one short),
 * the best pass's weights are kept (highest accuracy, then lowest loss, the
 * earlier on a tie), and when the run ends the test split is read once, on
 * those weights: choosing on validation, reporting test. The kept weights
 * are part of every snapshot (snapshot.h, `<name>.best`), so a resumed run
 * ends with the same test pass as one that never stopped.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/timer.h"
#include "engine/train/trainer_internal.h"

/* Whether p is one of the parameters the run trains (its best value kept). */
static int trainer_heldout_trained(const Trainer *t, const Param *p) {
    int n;
    Param *const *tp = net_trainable_params(t->net, &n);
    for (int i = 0; i < n; i++)
        if (tp[i] == p) return 1;
    return 0;
}

Status trainer_heldout_init(Trainer *t, Error *err) {
    TrainerHeldout *h = &t->held;
    h->val = t->cfg.ds->n_val > 0;
    h->best_acc = h->last_acc = h->best_loss = -1;
    h->best_iter = h->last_iter = -1;
    if (!h->val) return ST_OK;
    int n;
    Param *const *ps = net_params(t->net, &n);
    size_t floats = 0;
    for (int i = 0; i < n; i++)
        if (trainer_heldout_trained(t, ps[i])) floats += tensor_count(&ps[i]->value);
    h->n_params = n;
    h->best = calloc(n > 0 ? (size_t)n : 1, sizeof *h->best);
    h->best_data = malloc(sizeof(float) * (floats ? floats : 1));
    if (!h->best || !h->best_data)
        return error_set(err, ST_NOMEM, "trainer: out of memory for the best weights");
    float *at = h->best_data;
    for (int i = 0; i < n; i++) {
        if (!trainer_heldout_trained(t, ps[i])) continue;
        h->best[i] = at;
        at += tensor_count(&ps[i]->value);
    }
    return ST_OK;
}

void trainer_heldout_fini(Trainer *t) {
    free(t->held.best);
    free(t->held.best_data);
    t->held.best = NULL;
    t->held.best_data = NULL;
}

/* Copies the trained parameters into the kept best (keep) or exchanges
 * them with it (keep 0): in, then back out, around the final test. */
static void trainer_heldout_weights(Trainer *t, int keep) {
    int n;
    Param *const *ps = net_params(t->net, &n);
    for (int i = 0; i < n; i++) {
        float *b = t->held.best[i], *v = ps[i]->value.data;
        if (!b) continue;
        size_t m = tensor_count(&ps[i]->value);
        if (keep) {
            memcpy(b, v, sizeof(float) * m);
            continue;
        }
        for (size_t k = 0; k < m; k++) {
            float x = v[k];
            v[k] = b[k];
            b[k] = x;
        }
    }
}

/* What one pass reads: the items (or the cached features) of a split, how
 * many batches, and whether it wraps round (Caffe's test_iter over the
 * test split) or reads each item once, the last batch short. */
typedef struct Pass {
    TrainPhase phase;
    const int *items;
    int n;
    FeatCache *cache;
    int batches;
    int wrap;
} Pass;

static Pass trainer_heldout_plan(Trainer *t, TrainPhase phase) {
    const TrainConfig *c = &t->cfg;
    const Dataset *ds = c->ds;
    int B = c->batch_size;
    Pass p = {.phase = phase};
    if (phase == PHASE_VAL) {
        p.items = ds->val;
        p.n = ds->n_val;
        p.cache = &t->cache.val;
        int all = (p.n + B - 1) / B;
        p.batches = c->test_iter < all ? c->test_iter : all;
    } else {
        p.items = ds->test;
        p.n = ds->n_test;
        p.cache = &t->cache.test;
        p.wrap = !t->held.val; /* the held-out curve of a run without validation */
        p.batches = p.wrap ? c->test_iter : (p.n + B - 1) / B;
    }
    return p;
}

/* Sample count of batch k of p (the last of a one-time read may be short). */
static int trainer_heldout_count(const Pass *p, int k, int B) {
    if (p->wrap) return B;
    int left = p->n - k * B;
    return left < B ? left : B;
}

/* Runs pass p; fills row (phase, loss, accuracy, images/s, wait). *cut set
 * when a stop came part-way (then no row). */
static Status trainer_heldout_run(Trainer *t, const Pass *p, TrainRow *row, int *cut, Error *err) {
    const TrainConfig *c = &t->cfg;
    int B = c->batch_size;
    double t0 = timer_now(), mean_sum = 0, weighted = 0, wait = 0;
    int64_t correct = 0, seen = 0;
    Loader *ld = NULL;
    *cut = 0;
    if (!t->cache.use) {
        LoaderConfig lc = c->test_data;
        lc.batch_size = B;
        lc.first_batch = 0;
        lc.one_pass = !p->wrap;
        lc.shuffle = 0;
        if (!(ld = loader_create(c->ds, p->items, p->n, &lc, err)))
            return err ? err->status : ST_STATE;
    }
    for (int k = 0; k < p->batches; k++) {
        trainer_core_progress(t, p->phase, k, p->batches);
        if (trainer_core_ask_stop_inside(t)) {
            loader_destroy(ld);
            *cut = 1;
            return ST_OK;
        }
        double loss;
        int m;
        if (ld) {
            LoaderBatch b;
            Status s = loader_next(ld, &b, err);
            if (s) {
                loader_destroy(ld);
                return s;
            }
            wait += b.waited;
            m = b.n;
            loss = trainer_core_pass(t, &b.x, b.labels, 0, &correct);
        } else {
            m = trainer_heldout_count(p, k, B);
            if (p->wrap)
                featcache_batch(p->cache, k, B, 0, 0, &t->cache.feats, t->cache.labels);
            else
                featcache_slice(p->cache, (int64_t)k * B, m, &t->cache.feats, t->cache.labels);
            loss = trainer_core_pass(t, &t->cache.feats, t->cache.labels, 0, &correct);
        }
        mean_sum += loss;
        weighted += loss * m;
        seen += m;
    }
    loader_destroy(ld);
    trainer_core_progress(t, p->phase, p->batches, p->batches);
    double secs = timer_now() - t0;
    /* Full batches keep Caffe's mean of batch means (the figures of runs
     * without validation stay as they were); a short last batch weighs by
     * its samples. */
    int full = seen == (int64_t)p->batches * B;
    *row = (TrainRow){.iter = t->solver.iter,
                      .phase = p->phase,
                      .loss = full ? mean_sum / p->batches : weighted / (double)seen,
                      .accuracy = seen ? (double)correct / (double)seen : 0,
                      .lr = solver_rate(&c->solver, t->solver.iter, &(int){t->solver.current_step}),
                      .seconds = trainer_core_seconds(t),
                      .images_per_s = seen / fmax(secs, 1e-9),
                      .data_wait = wait / fmax(secs, 1e-9),
                      .weights_iter = t->solver.iter};
    return ST_OK;
}

/* A pass better than the best so far: higher accuracy, or the same with a
 * lower loss. */
static int trainer_heldout_better(const TrainerHeldout *h, const TrainRow *row) {
    return h->best_iter < 0 || row->accuracy > h->best_acc ||
           (row->accuracy == h->best_acc && row->loss < h->best_loss);
}

static Status trainer_heldout_once(Trainer *t) {
    const TrainConfig *c = &t->cfg;
    if (c->test_iter < 1) return ST_OK;
    TrainerHeldout *h = &t->held;
    Pass p = trainer_heldout_plan(t, h->val ? PHASE_VAL : PHASE_TEST);
    TrainRow row;
    int cut;
    Status s = trainer_heldout_run(t, &p, &row, &cut, &t->err);
    if (s || cut) return s; /* no row for a pass cut short */
    h->last_acc = row.accuracy;
    h->last_iter = t->solver.iter;
    if (trainer_heldout_better(h, &row)) {
        h->best_acc = row.accuracy;
        h->best_loss = row.loss;
        h->best_iter = row.iter;
        if (h->val) trainer_heldout_weights(t, 1);
    }
    if (t->cb.on_row) t->cb.on_row(t->cb.ctx, &row);
    if (trainer_core_unrecorded(t)) return t->sticky; /* in t->err */
    trainer_core_log_as(t, TRAIN_LOG_ROW,
                        "Iteration %d, Testing net%s: accuracy = %.4f, loss = %.4f", row.iter,
                        h->val ? " on the validation split" : "", row.accuracy, row.loss);
    return ST_OK;
}

Status trainer_heldout_pass(Trainer *t) {
    Status s = trainer_dist_agree(t, trainer_heldout_once(t));
    return s ? s : trainer_dist_agree_stop(t);
}

static Status trainer_heldout_test_once(Trainer *t) {
    TrainerHeldout *h = &t->held;
    Pass p = trainer_heldout_plan(t, PHASE_TEST);
    int swapped = h->best_iter >= 0;
    if (swapped) trainer_heldout_weights(t, 0);
    TrainRow row;
    int cut;
    Status s = trainer_heldout_run(t, &p, &row, &cut, &t->err);
    if (swapped) trainer_heldout_weights(t, 0);
    if (s || cut) return s;
    row.weights_iter = swapped ? h->best_iter : t->solver.iter;
    if (t->cb.on_row) t->cb.on_row(t->cb.ctx, &row);
    if (trainer_core_unrecorded(t)) return t->sticky;
    trainer_core_log_as(
        t, TRAIN_LOG_ROW,
        "Iteration %d, Testing net on the test split with the weights of iteration %d "
        "(the best validation pass): accuracy = %.4f, loss = %.4f",
        row.iter, row.weights_iter, row.accuracy, row.loss);
    return ST_OK;
}

Status trainer_heldout_final_test(Trainer *t) {
    if (!t->held.val || t->cfg.test_iter < 1) return ST_OK;
    Status s = trainer_dist_agree(t, trainer_heldout_test_once(t));
    return s ? s : trainer_dist_agree_stop(t);
}
