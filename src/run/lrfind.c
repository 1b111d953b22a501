/*
 * lrfind — the range test of a preset. See lrfind.h.
 *
 * The checks and the TrainConfig are the runner's (preflight_plan, then
 * runner_plan_config on that plan, as runner_train does), so the test
 * starts from the weights, input convention, network and data order the
 * run would; only the fields a range test must differ in are set after it
 * (lrfind_config). The trainer
 * is driven step by step: the cache is built by trainer_prepare and timed
 * on its own, each iteration's row carries its raw loss (display 1,
 * average_loss 1) into lr_range_add, and the loop ends when lr_range says
 * so, the trainer meets a NaN (ST_NUMERIC: an end of the test, not a
 * failure) or the caller stops it. trainer_finish is never called: it
 * would only test and snapshot, and the test does neither.
 *
 * The trainer gets the dataset without its validation and test splits (a
 * view of the same items): the test reads training images alone, and in
 * last_layer mode the cache is then the training views' only, a third
 * less work at the default two views. That part comes through the run
 * store's shared feature cache (cachestore.h), as a run's does: the test
 * reads the features the preset's runs built, and they read what it
 * built; the cache directory is the one place the test writes to.
 */
#include "src/run/lrfind.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/base/timer.h"
#include "engine/train/trainer.h"
#include "src/run/cachestore.h"
#include "src/run/preflight.h"
#include "src/run/runner.h"

LrFindOptions lrfind_options_default(const Preset *p) {
    int cached = p->transfer.mode == TRANSFER_LAST_LAYER && p->transfer.feature_cache;
    return (LrFindOptions){.start = LRFIND_START,
                           .end = LRFIND_END,
                           .iters = cached ? LRFIND_ITERS_CACHED : LRFIND_ITERS};
}

/* The test's state; the trainer's callbacks' ctx. */
typedef struct LrFindCtx {
    const LrFindCallbacks *cb;
    LrFindResult *res;
    char phase[16]; /* the phase last reported, and when */
    double last_report;
} LrFindCtx;

static void lrfind_log(LrFindCtx *c, const char *line) {
    if (c->cb && c->cb->on_log) c->cb->on_log(c->cb->ctx, line);
}

/* Reports a phase when it starts or ends, else at most every
 * LRFIND_PROGRESS_SECONDS. */
static void lrfind_phase(LrFindCtx *c, const char *phase, long done, long total) {
    if (!c->cb || !c->cb->on_progress) return;
    double now = timer_now();
    int changed = strcmp(c->phase, phase) != 0, ended = total > 0 && done >= total;
    if (!changed && !ended && now - c->last_report < LRFIND_PROGRESS_SECONDS) return;
    snprintf(c->phase, sizeof c->phase, "%s", phase);
    c->last_report = now;
    c->cb->on_progress(c->cb->ctx, phase, done, total);
}

static void lrfind_on_progress(void *ctx, const TrainProgress *p) {
    lrfind_phase(ctx, train_phase_name(p->phase), p->done, p->total);
}

static void lrfind_on_row(void *ctx, const TrainRow *row) {
    LrFindCtx *c = ctx;
    if (row->phase != PHASE_TRAIN) return;
    lr_range_add(&c->res->curve, row->lr, row->loss);
    if (c->cb && c->cb->on_point) c->cb->on_point(c->cb->ctx, &c->res->curve);
}

static void lrfind_on_log(void *ctx, TrainLogKind kind, const char *line) {
    if (kind == TRAIN_LOG_ROW) return; /* one per point: the curve has them */
    lrfind_log(ctx, line);
}

/* The caller's stop, and the test's own end (the loss blew up): both stop
 * the trainer after the iteration. */
static int lrfind_should_stop(void *ctx) {
    LrFindCtx *c = ctx;
    if (c->res->curve.ended != LR_RANGE_RUNNING) return 1;
    return c->cb && c->cb->should_stop && c->cb->should_stop(c->cb->ctx);
}

/* The plan of p after the checks a run makes, its images probed (bad
 * input on failure), and the files it loads named in res. */
static Status lrfind_open(const Preset *p, const char *runs_dir, RunPlan *plan, LrFindCtx *c,
                          Error *err) {
    LrFindResult *res = c->res;
    memset(plan, 0, sizeof *plan);
    if (preset_sweep_count(p) > 1) {
        res->bad_input = 1;
        return error_set(err, ST_ARG,
                         "%s: a [sweep] of %d combinations; the range test runs one: fix the "
                         "swept keys with --set section.key=value",
                         p->experiment.name, preset_sweep_count(p));
    }
    double t0 = timer_now();
    lrfind_phase(c, "dataset", 0, 0);
    Status s = preflight_plan(plan, p, runs_dir, 0, NULL, NULL, NULL, err);
    res->seconds_dataset = timer_now() - t0;
    if (s) {
        res->bad_input = 1;
        return s;
    }
    snprintf(res->weights, sizeof res->weights, "%s", plan->backbone ? plan->backbone : "");
    snprintf(res->init_from, sizeof res->init_from, "%s", plan->init_from);
    char input[160], line[400];
    image_normalize_describe(&plan->norm, input, sizeof input);
    snprintf(line, sizeof line, "input convention %s (%s)", input, plan->norm_why);
    lrfind_log(c, line);
    return ST_OK;
}

/* What a range test changes in a run's configuration: the schedule, and
 * nothing recorded but a row of raw loss per iteration. */
static void lrfind_config(TrainConfig *tc, const LrRange *curve) {
    lr_range_solver(curve, &tc->solver);
    tc->test_iter = tc->test_interval = tc->test_initialization = 0;
    tc->snapshot = 0;
    tc->snapshot_dir = NULL;
    tc->display = 1;
    tc->average_loss = 1;
    tc->stop_at = 0;
}

/* Steps t to the end of the test: the cache first (timed apart), then
 * iterations until lr_range, a NaN or the caller ends it. */
static Status lrfind_drive(Trainer *t, LrFindCtx *c, Error *err) {
    LrFindResult *res = c->res;
    LrRange *curve = &res->curve;
    double t0 = timer_now();
    Status s = trainer_prepare(t, err);
    res->seconds_cache = res->cached ? timer_now() - t0 : 0;
    t0 = timer_now();
    while (!s && curve->ended == LR_RANGE_RUNNING && !trainer_done(t)) s = trainer_step(t, err);
    res->seconds_train = timer_now() - t0;
    int iter = trainer_iter(t);
    if (s == ST_NUMERIC) { /* the loss of iteration iter was NaN or Inf */
        lr_range_finish(curve, LR_RANGE_NONFINITE, iter, lr_range_rate(curve, iter));
        error_clear(err);
        s = ST_OK;
    } else if (!s && trainer_stopped(t)) { /* the caller's stop, unless the test had ended */
        lr_range_finish(curve, LR_RANGE_STOPPED, iter, lr_range_rate(curve, iter));
    } else if (!s) {
        lr_range_finish(curve, LR_RANGE_DONE, iter - 1, lr_range_rate(curve, iter - 1));
    }
    return s;
}

Status lrfind_run(const Preset *p, const char *runs_dir, const LrFindOptions *o,
                  const LrFindCallbacks *cb, LrFindResult *res, Error *err) {
    memset(res, 0, sizeof *res);
    LrFindCtx c = {.cb = cb, .res = res};
    Status s = lr_range_init(&res->curve, o->start, o->end, o->iters, err);
    if (s) {
        res->bad_input = 1;
        return s;
    }
    lr_range_suggest(&res->curve, res->suggest); /* none yet */
    RunPlan plan;
    if ((s = lrfind_open(p, runs_dir, &plan, &c, err))) {
        preflight_plan_fini(&plan);
        return s;
    }
    TrainConfig tc;
    runner_plan_config(p, &plan, &tc);
    Dataset train_only = plan.ds; /* the same items, without the held-out splits */
    train_only.n_val = train_only.n_test = 0;
    tc.ds = &train_only;
    lrfind_config(&tc, &res->curve);
    CacheStore cs; /* the store's shared features: the test reads what the preset's runs built */
    cachestore_init(&cs, runs_dir, NULL);
    tc.feat_share = cachestore_share(&cs);
    res->cached = tc.feature_cache && tc.net.freeze_backbone;
    TrainCallbacks tcb = {.ctx = &c,
                          .on_row = lrfind_on_row,
                          .on_log = lrfind_on_log,
                          .on_progress = lrfind_on_progress,
                          .should_stop = lrfind_should_stop};
    double t0 = timer_now();
    Trainer *t = trainer_create(&tc, &tcb, err);
    res->seconds_weights = timer_now() - t0;
    if (!t) {
        res->bad_input = 1; /* the files preflight passed, read whole (as the runner counts it) */
        preflight_plan_fini(&plan);
        return err ? err->status : ST_STATE;
    }
    s = lrfind_drive(t, &c, err);
    trainer_destroy(t);
    preflight_plan_fini(&plan);
    lr_range_suggest(&res->curve, res->suggest);
    return s;
}
