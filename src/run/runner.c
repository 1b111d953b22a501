/*
 * runner — preset to finished run. See runner.h.
 *
 * The mapping from preset keys to engine configuration lives here and only
 * here (runner_config), so the CLI and the TUI cannot drift apart.
 *
 * Under mpirun every rank runs the same preset through the same steps;
 * rank 0 alone writes the run store, the others train with a null writer
 * (runstore_null) and run no callbacks but should_stop.
 *
 * A write to the run store that fails (a full disk) fails the run: the
 * writer keeps the first failure, the trainer asks for it after every row
 * and wherever it asks whether to stop (TrainCallbacks.recorded), and the
 * run ends failed with that error, written by runstore_write_end into the
 * room the writer reserved for it.
 */
#include "src/run/runner.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/dist.h"
#include "engine/base/timer.h"
#include "engine/data/dataset.h"
#include "engine/io/safetensors.h"
#include "engine/train/snapshot.h"
#include "src/run/blas_setup.h"
#include "src/run/cachestore.h"
#include "src/run/preflight.h"

typedef struct RunnerCtx {
    RunWriter *w;
    const RunnerCallbacks *cb;
    int max_iter;
    /* The current phase's clock, for its ETA and the report rate. */
    double phase_t0, phase_done0, last_report;
    RunStatus early; /* the status reported before the run directory exists (w NULL) */
    int keep;        /* [solver] snapshot_keep */
} RunnerCtx;

/* Enters (or continues) a phase at done of total: status.ini and the
 * caller hear of it when the phase changes or ends, else at most every
 * RUNNER_PROGRESS_SECONDS. The ETA is the phase's own rate so far. */
static void runner_phase(RunnerCtx *rc, const char *phase, long done, long total) {
    RunStatus *st = rc->w ? &rc->w->status : &rc->early;
    if (!rc->w) st->state = RUN_RUNNING;
    double now = timer_now();
    int changed = strcmp(st->phase, phase) != 0;
    if (changed) {
        snprintf(st->phase, sizeof st->phase, "%s", phase);
        rc->phase_t0 = now;
        rc->phase_done0 = (double)done;
    }
    st->phase_done = done;
    st->phase_total = total;
    double rate = (done - rc->phase_done0) / fmax(now - rc->phase_t0, 1e-9);
    st->phase_eta = total > 0 && done > rc->phase_done0 && now > rc->phase_t0
                        ? (total - done) / rate
                        : (total > 0 && done >= total ? 0 : -1);
    int ended = total > 0 && done >= total;
    if (!changed && !ended && now - rc->last_report < RUNNER_PROGRESS_SECONDS) return;
    rc->last_report = now;
    if (rc->w) runstore_write_status(rc->w, NULL);
    if (rc->cb && rc->cb->on_progress) rc->cb->on_progress(rc->cb->ctx, st);
}

static void runner_on_progress(void *ctx, const TrainProgress *p) {
    runner_phase(ctx, train_phase_name(p->phase), p->done, p->total);
}

/* The test split's pass of a run with a validation split: once, at the
 * end, on the best validation pass's weights; status.ini holds it (the
 * curve in metrics.tsv is the validation split's). */
static void runner_on_test(RunnerCtx *rc, const TrainRow *row) {
    RunStatus *st = &rc->w->status;
    st->test_accuracy = row->accuracy;
    st->test_loss = row->loss;
    st->test_iter = row->weights_iter;
    runstore_write_status(rc->w, NULL);
    if (rc->cb && rc->cb->on_row) rc->cb->on_row(rc->cb->ctx, row, st);
}

static void runner_on_row(void *ctx, const TrainRow *row) {
    RunnerCtx *rc = ctx;
    if (!rc->w) return;
    RunStatus *st = &rc->w->status;
    if (row->phase == PHASE_TEST && runstatus_has_val(st)) {
        runner_on_test(rc, row);
        return;
    }
    runstore_append_row(rc->w, row, NULL);
    st->iter = row->phase == PHASE_TRAIN ? row->iter + 1 : row->iter;
    st->seconds = row->seconds;
    if (row->phase == PHASE_TRAIN) {
        st->final_loss = row->loss;
        st->images_per_s = row->images_per_s;
    } else if (row->accuracy > st->best_accuracy) {
        st->best_accuracy = row->accuracy;
    }
    runstore_write_status(rc->w, NULL);
    if (rc->cb && rc->cb->on_row) rc->cb->on_row(rc->cb->ctx, row, st);
}

static void runner_on_log(void *ctx, TrainLogKind kind, const char *line) {
    RunnerCtx *rc = ctx;
    runstore_log(rc->w, line, NULL);
    if (rc->cb && rc->cb->on_log) rc->cb->on_log(rc->cb->ctx, kind, line);
}

/* The first write to the run store that failed (TrainCallbacks.recorded). */
static Status runner_recorded(void *ctx, Error *err) {
    RunnerCtx *rc = ctx;
    if (!rc->w || !rc->w->failed.status) return ST_OK;
    return error_set(err, rc->w->failed.status, "%s", rc->w->failed.msg);
}

/* A snapshot is complete: with snapshot_keep, the older ones beyond it go. */
static void runner_on_snapshot(void *ctx, const char *path, int iter) {
    RunnerCtx *rc = ctx;
    (void)path;
    if (!rc->w || !rc->w->dir[0] || rc->keep <= 0) return;
    char removed[400], line[700];
    Error e = {0};
    Status s = runstore_prune_snapshots(rc->w->dir, rc->keep, iter, removed, sizeof removed, &e);
    if (removed[0]) {
        snprintf(line, sizeof line, "snapshot_keep = %d: removed %s", rc->keep, removed);
        runner_on_log(rc, TRAIN_LOG_EVENT, line);
    }
    if (s) { /* housekeeping: the run goes on */
        snprintf(line, sizeof line, "warning: snapshot_keep = %d: %s", rc->keep, e.msg);
        runner_on_log(rc, TRAIN_LOG_EVENT, line);
    }
}

static int runner_should_stop(void *ctx) {
    RunnerCtx *rc = ctx;
    return rc->cb && rc->cb->should_stop && rc->cb->should_stop(rc->cb->ctx);
}

static void runner_skip(void *ctx, const char *msg) {
    RunnerCtx *rc = ctx;
    if (rc->cb && rc->cb->on_log) rc->cb->on_log(rc->cb->ctx, TRAIN_LOG_EVENT, msg);
}

void runner_say(void (*on_line)(void *ctx, const char *line), void *ctx, const char *fmt, ...) {
    char line[800];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (on_line) on_line(ctx, line);
}

void runner_config(const Preset *p, const Dataset *ds, TrainConfig *c) {
    memset(c, 0, sizeof *c);
    c->ds = ds;
    NetConfig *n = &c->net;
    n->width = p->model.width;
    n->resolution = p->data.resolution;
    n->pooling = p->model.pooling;
    n->bilinear_dim = p->model.bilinear_dim;
    n->signed_sqrt = p->model.signed_sqrt;
    n->l2_normalize = p->model.l2_normalize;
    n->num_classes = p->model.num_classes;
    n->init = p->model.init;
    n->init_std = p->model.init_std;
    n->freeze_backbone = p->transfer.mode == TRANSFER_LAST_LAYER;
    n->backbone_lr_mult = p->transfer.backbone_lr_mult;
    n->bias_lr_mult = p->transfer.bias_lr_mult;
    n->weight_decay_mult = p->transfer.weight_decay_mult;
    n->bias_decay_mult = p->transfer.bias_decay_mult;
    n->conv_algo = p->experiment.conv_algo;
    SolverConfig *s = &c->solver;
    s->type = p->solver.type;
    s->base_lr = p->solver.base_lr;
    s->policy = p->solver.lr_policy;
    s->gamma = p->solver.gamma;
    s->power = p->solver.power;
    s->stepsize = p->solver.stepsize;
    s->n_stepvalue = p->solver.n_stepvalue;
    memcpy(s->stepvalue, p->solver.stepvalue, sizeof(int) * (size_t)p->solver.n_stepvalue);
    s->momentum = p->solver.momentum;
    s->momentum2 = p->solver.momentum2;
    s->rms_decay = p->solver.rms_decay;
    s->delta = p->solver.delta;
    s->weight_decay = p->solver.weight_decay;
    s->l1 = p->solver.l1;
    s->max_iter = p->solver.max_iter;
    s->iter_size = p->solver.iter_size;
    s->clip_gradients = p->solver.clip_gradients;
    LoaderConfig *tr = &c->train_data;
    tr->resize = preset_resize(p);
    tr->resolution = p->data.resolution;
    tr->random_crop = p->data.train_crop == TRAIN_CROP_RANDOM;
    tr->mirror = p->data.mirror;
    tr->crop_to_bbox = p->data.crop_to_bbox;
    tr->bbox_margin = p->data.bbox_margin;
    tr->aug = (Augment){.resized_crop = p->data.train_crop == TRAIN_CROP_RESIZED,
                        .area = {p->data.crop_area_min, p->data.crop_area_max},
                        .ratio = {p->data.crop_ratio_min, p->data.crop_ratio_max},
                        .rotate = p->data.rotate,
                        .brightness = p->data.brightness,
                        .contrast = p->data.contrast,
                        .saturation = p->data.saturation};
    tr->filter = RESIZE_AREA;
    tr->norm.bgr = p->data.bgr;
    tr->norm.scale = p->data.scale;
    memcpy(tr->norm.mean, p->data.mean, sizeof tr->norm.mean);
    memcpy(tr->norm.std, p->data.std, sizeof tr->norm.std);
    tr->shuffle = 1;
    tr->threads = p->data.loader_threads;
    tr->prefetch = 2 * p->data.loader_threads + 1;
    tr->seed = (uint64_t)p->solver.random_seed;
    c->test_data = *tr;
    c->test_data.random_crop = 0;
    c->test_data.mirror = 0;
    c->test_data.aug = (Augment){0}; /* tests: the deterministic centre crop */
    c->test_data.shuffle = 0;
    c->batch_size = p->solver.batch_size;
    c->test_iter = p->solver.test_iter;
    c->test_interval = p->solver.test_interval;
    c->test_initialization = p->solver.test_initialization;
    c->display = p->solver.display;
    c->average_loss = p->solver.average_loss;
    c->snapshot = p->solver.snapshot;
    c->seed = (uint64_t)p->solver.random_seed;
    c->blas_threads = p->experiment.threads;
    c->feature_cache = p->transfer.feature_cache;
    c->cache_views = p->transfer.cache_views;
}

void runner_plan_config(const Preset *p, const RunPlan *plan, TrainConfig *c) {
    runner_config(p, &plan->ds, c);
    c->weights = plan->backbone;
    c->init_from = plan->init_from[0] ? plan->init_from : NULL;
    c->train_data.norm = c->test_data.norm = plan->norm;
}

/* Writes how the run in w ended (w->status) with runstore_write_end. When
 * even that fails, the old status.ini stays and the run reads interrupted
 * (its process gone): *s, *e become that failure unless the run had
 * failed already, and the message says so, so that stderr or the lab
 * still hears why. */
static void runner_record_end(RunWriter *w, Status *s, Error *e) {
    Error ew = {0};
    if (!runstore_write_end(w, &ew)) return;
    static const char why[] = "status.ini keeps its old content, so the run reads interrupted";
    size_t len = strlen(e->msg);
    if (!*s)
        *s = error_set(e, ew.status, "%s (%s)", ew.msg, why);
    else if (strcmp(e->msg, ew.msg) == 0)
        snprintf(e->msg + len, sizeof e->msg - len, " (%s)", why);
    else
        snprintf(e->msg + len, sizeof e->msg - len, " (and %s: %s)", ew.msg, why);
}

/* Steps t to its end, recording the outcome in w; a run that reached its
 * rung (rung >= 0, not stopped) records it too. */
static Status runner_drive(Trainer *t, RunWriter *w, int rung, RunResult *res, Error *err) {
    w->status.state = RUN_RUNNING;
    runstore_write_status(w, NULL);
    double acc = -1;
    Error e = {0};
    /* A write that failed before training, or after the trainer last asked. */
    Status s = w->failed.status ? error_set(&e, w->failed.status, "%s", w->failed.msg)
                                : trainer_run(t, &acc, &e);
    if (!s && w->failed.status) s = error_set(&e, w->failed.status, "%s", w->failed.msg);
    RunStatus *st = &w->status;
    st->iter = trainer_iter(t);
    st->best_accuracy = trainer_best_accuracy(t);
    if (s == ST_NUMERIC)
        st->state = RUN_DIVERGED;
    else if (s)
        st->state = RUN_FAILED;
    else if (trainer_stopped(t) || trainer_iter(t) < st->max_iter) /* or at a rung (stop_at) */
        st->state = RUN_STOPPED;
    else
        st->state = RUN_DONE;
    if (s) snprintf(st->error, sizeof st->error, "%s", e.msg[0] ? e.msg : error_status_name(s));
    st->final_accuracy = st->state == RUN_DONE ? acc : -1;
    if (!s && rung >= 0 && !trainer_stopped(t)) st->rung = rung;
    int had = s != ST_OK;
    runner_record_end(w, &s, &e);
    if (s && !had) st->state = RUN_FAILED; /* finished, but not recorded as such */
    res->state = st->state;
    res->shared = had && trainer_error_shared(t);
    res->unrecorded = s && (w->failed.status != ST_OK);
    res->final_accuracy = st->state == RUN_DONE ? st->final_accuracy : -1;
    res->best_accuracy = st->best_accuracy;
    res->test_accuracy = st->state == RUN_DONE ? runstatus_test_accuracy(st) : -1;
    snprintf(res->heldout, sizeof res->heldout, "%s", runstatus_heldout_name(st));
    if (s) error_set(err, s, "%s", e.msg[0] ? e.msg : error_status_name(s));
    return s;
}

/* Checks p and opens its dataset, images and all (the run's plan), before
 * anything is written: a preset that cannot start leaves no run behind. */
static Status runner_open(const Preset *p, const char *runs_dir, RunPlan *plan, RunnerCtx *rc,
                          RunResult *res, Error *err) {
    Status s = preflight_plan(plan, p, runs_dir, 0, runner_skip, rc, NULL, err);
    if (s) res->bad_input = 1;
    return s;
}

/* The feature caches the run used (cachestore.h): into status.ini at once,
 * so a cleaning of the store keeps them while the run may resume. */
static void runner_on_cache(void *ctx, const char *used) {
    RunnerCtx *rc = ctx;
    if (!rc->w) return;
    snprintf(rc->w->status.cache, sizeof rc->w->status.cache, "%s", used);
    runstore_write_status(rc->w, NULL);
}

static Status runner_train(const Preset *p, const RunPlan *plan, const char *runs_dir, RunWriter *w,
                           const char *snapshot, const RunnerRung *rung, const RunnerCallbacks *cb,
                           RunResult *res, Error *err) {
    RunnerCtx rc = {
        .w = w, .cb = cb, .max_iter = p->solver.max_iter, .keep = p->solver.snapshot_keep};
    const Dataset *ds = &plan->ds;
    TrainConfig tc;
    runner_plan_config(p, plan, &tc);
    if (rung) tc.stop_at = rung->stop_at;
    CacheStore cs; /* the store's shared feature caches */
    cachestore_init(&cs, runs_dir, w->status.cache);
    cs.on_used = runner_on_cache;
    cs.ctx = &rc;
    tc.feat_share = cachestore_share(&cs);
    Status s;
    char input[160], line[600];
    blas_setup_describe(tc.blas_threads, line, sizeof line); /* the trainer sets them */
    runner_on_log(&rc, TRAIN_LOG_EVENT, line);
    image_normalize_describe(&tc.train_data.norm, input, sizeof input);
    snprintf(line, sizeof line, "input convention %s (%s)", input, plan->norm_why);
    runner_on_log(&rc, TRAIN_LOG_EVENT, line);
    char snapdir[1100];
    snprintf(snapdir, sizeof snapdir, "%s/snapshots", w->dir);
    tc.snapshot_dir = snapdir;
    TrainCallbacks tcb = {.ctx = &rc,
                          .on_row = runner_on_row,
                          .on_log = runner_on_log,
                          .on_progress = runner_on_progress,
                          .should_stop = runner_should_stop,
                          .recorded = runner_recorded,
                          .on_snapshot = runner_on_snapshot};
    w->status.max_iter = p->solver.max_iter;
    w->status.skipped_images = ds->n_skipped;
    snprintf(w->status.heldout, sizeof w->status.heldout, "%s", ds->n_val ? "val" : "test");
    w->status.train_images = ds->n_train;
    w->status.val_images = ds->n_val;
    w->status.test_images = ds->n_test;
    w->status.ranks = dist_size();
    if (dist_size() > 1) {
        snprintf(line, sizeof line,
                 "data parallel: %d ranks x batch_size %d x iter_size %d = %d images per iteration",
                 dist_size(), p->solver.batch_size, p->solver.iter_size,
                 dist_size() * p->solver.batch_size * p->solver.iter_size);
        runner_on_log(&rc, TRAIN_LOG_EVENT, line);
    }
    Trainer *t = trainer_create(&tc, &tcb, err);
    if (!t) {
        res->bad_input = 1;
        return err ? err->status : ST_STATE;
    }
    if (snapshot && (s = trainer_restore(t, snapshot, err))) {
        trainer_destroy(t);
        res->bad_input = 1;
        return s;
    }
    if (rung && rung->stop_at > 0) {
        snprintf(line, sizeof line, "successive halving: rung %d, training to iteration %d of %d",
                 rung->rung, rung->stop_at, p->solver.max_iter);
        runner_on_log(&rc, TRAIN_LOG_EVENT, line);
    }
    s = runner_drive(t, w, rung ? rung->rung : -1, res, err);
    trainer_destroy(t);
    return s;
}

static void runner_fail(RunWriter *w, RunResult *res, Status s, Error *err) {
    w->status.state = RUN_FAILED;
    snprintf(w->status.error, sizeof w->status.error, "%s", err ? err->msg : error_status_name(s));
    Error e = {0};
    error_set(&e, s, "%s", err ? err->msg : error_status_name(s));
    runner_record_end(w, &s, &e);
    error_set(err, s, "%s", e.msg);
    res->state = RUN_FAILED;
}

static void runner_mark(RunStatus *st, const RunnerRung *rung) {
    if (!rung) return;
    snprintf(st->halving, sizeof st->halving, "%s", rung->halving);
    st->candidate = rung->candidate;
}

Status runner_run(const Preset *p, const char *sweep_label, const char *runs_dir,
                  const RunnerCallbacks *cb, RunResult *res, Error *err) {
    return runner_run_rung(p, sweep_label, runs_dir, NULL, cb, res, err);
}

Status runner_resume(const char *run_dir, const char *runs_dir, const RunnerCallbacks *cb,
                     RunResult *res, Error *err) {
    return runner_resume_rung(run_dir, runs_dir, NULL, cb, res, err);
}

Status runner_run_rung(const Preset *p, const char *sweep_label, const char *runs_dir,
                       const RunnerRung *rung, const RunnerCallbacks *cb, RunResult *res,
                       Error *err) {
    memset(res, 0, sizeof *res);
    res->state = RUN_FAILED;
    res->final_accuracy = res->best_accuracy = res->test_accuracy = -1;
    RunnerCtx rc = {.cb = cb};
    runner_phase(&rc, "dataset", 0, 0); /* before the run directory: reported, not written */
    RunPlan plan;
    Status s = runner_open(p, runs_dir, &plan, &rc, res, err);
    if (s) return s;
    char *text = preset_format(p);
    RunWriter w;
    if (dist_rank() != 0)
        runstore_null(&w);
    else
        s = text ? runstore_create(&w, runs_dir, p->experiment.name, text, err)
                 : error_set(err, ST_NOMEM, "out of memory");
    if (s) {
        res->unrecorded = text != NULL; /* the run could not be created */
        free(text);
        preflight_plan_fini(&plan);
        return s;
    }
    free(text);
    snprintf(w.status.sweep, sizeof w.status.sweep, "%s", sweep_label ? sweep_label : "");
    runner_mark(&w.status, rung);
    snprintf(res->run_dir, sizeof res->run_dir, "%s", w.dir);
    if (cb && cb->on_start) cb->on_start(cb->ctx, w.dir, &w.status);
    rc.w = &w; /* status.ini exists now: the dataset phase is done */
    runner_phase(&rc, "dataset", plan.ds.n_items, plan.ds.n_items);
    /* Errors before training record themselves here; runner_drive records
     * how training ended. */
    s = runner_train(p, &plan, runs_dir, &w, NULL, rung, cb, res, err);
    if (s && res->bad_input) runner_fail(&w, res, s, err);
    preflight_plan_fini(&plan);
    runstore_close(&w);
    return s;
}

/* A run with no snapshot (interrupted before its first) trains again from
 * iteration 0 in the same directory: its status starts over. */
static void runner_restart(RunStatus *st) {
    st->iter = 0;
    st->best_accuracy = st->final_accuracy = st->final_loss = -1;
    st->test_accuracy = st->test_loss = -1;
    st->test_iter = -1;
    st->seconds = st->images_per_s = 0;
}

/* --- the snapshot a resume continues from ------------------------------------------ */

/* A snapshot a resume passed over: its iteration and why (without its path). */
typedef struct RunnerBadSnap {
    int iter;
    Status status;
    char why[512];
} RunnerBadSnap;

/* The newest snapshot good on every rank, and the newer ones that were not. */
typedef struct RunnerPick {
    int iter; /* -1: none to continue from */
    char path[1200];
    SnapshotState state;
    RunnerBadSnap *bad; /* newest first */
    int n_bad;
} RunnerPick;

static void runner_pick_fini(RunnerPick *pk) {
    snapshot_state_fini(&pk->state);
    free(pk->bad);
    pk->bad = NULL;
    pk->n_bad = 0;
}

/* msg without the "path: " it names the file with (a rank's prefix stays). */
static void runner_cause(const char *msg, const char *path, char *out, size_t cap) {
    size_t n = strlen(path);
    const char *at = strstr(msg, path);
    if (at && strncmp(at + n, ": ", 2) == 0)
        snprintf(out, cap, "%.*s%s", (int)(at - msg), msg, at + n + 2);
    else
        snprintf(out, cap, "%s", msg);
}

static Status runner_pick_bad(RunnerPick *pk, int iter, Status status, const char *msg,
                              const char *path, Error *err) {
    RunnerBadSnap *more = realloc(pk->bad, sizeof *more * (size_t)(pk->n_bad + 1));
    if (!more) return error_set(err, ST_NOMEM, "out of memory");
    pk->bad = more;
    RunnerBadSnap *b = &pk->bad[pk->n_bad++];
    b->iter = iter;
    b->status = status;
    runner_cause(msg, path, b->why, sizeof b->why);
    return ST_OK;
}

/* Every rank's outcome s (its message in e): ST_OK when all are; a
 * failure any rank had, or a collective's own (*agreed 0: not every rank
 * has it). */
static Status runner_agree(Status s, Error *e, int *agreed) {
    int shared = 0;
    Status a = dist_agree(s, e, &shared);
    *agreed = !a || shared || dist_size() == 1;
    return a;
}

/* Picks what run_dir resumes from, newest first: the first snapshot that
 * snapshot_check passes on every rank (all ranks check the same candidate
 * and agree on it, so all continue from the same one); the newer ones go
 * into pk->bad with the cause. Nothing on disk changes. An error here is a
 * listing or a collective failing (*agreed says whether every rank has it). */
static Status runner_pick(const Preset *p, const Dataset *ds, const char *run_dir, RunnerPick *pk,
                          int *agreed, Error *err) {
    memset(pk, 0, sizeof *pk);
    pk->iter = -1;
    TrainConfig *tc = malloc(sizeof *tc);
    if (!tc) {
        *agreed = 0;
        return error_set(err, ST_NOMEM, "out of memory");
    }
    runner_config(p, ds, tc);
    int *iters = NULL, n = 0;
    Error e = {0};
    Status s = runner_agree(runstore_snapshots(run_dir, &iters, &n, &e), &e, agreed);
    if (s) error_set(err, s, "%s", e.msg);
    char dir[1100];
    snprintf(dir, sizeof dir, "%s/snapshots", run_dir);
    for (int i = 0, bound = INT_MAX; !s;) {
        while (i < n && iters[i] >= bound) i++;
        int cand = i < n ? iters[i] : -1;
        if ((s = dist_max_int(&cand, 1, err))) { /* the newest any rank has */
            *agreed = dist_size() == 1;
            break;
        }
        if (cand < 0) break;
        char path[1200];
        snapshot_path(path, sizeof path, dir, cand);
        SnapshotState st;
        Error why = {0};
        SnapshotSpec spec = trainer_snapshot_spec(tc);
        Status mine = snapshot_check(path, &spec, &st, &why);
        Status all = runner_agree(mine, &why, agreed);
        if (!all) {
            pk->iter = cand;
            snprintf(pk->path, sizeof pk->path, "%s", path);
            pk->state = st;
            break;
        }
        if (!mine) snapshot_state_fini(&st); /* good here, bad on another rank */
        if (!*agreed) {
            s = error_set(err, all, "%s", why.msg);
            break;
        }
        if ((s = runner_pick_bad(pk, cand, all, why.msg, path, err))) break;
        bound = cand;
    }
    free(iters);
    free(tc);
    if (s) runner_pick_fini(pk);
    return s;
}

/* The error of a resume whose snapshots are all bad: the run is left as
 * it was, since training again from iteration 0 would silently lose them. */
static Status runner_all_bad(const char *run_dir, const RunnerPick *pk, const RunnerCallbacks *cb,
                             Error *err) {
    char names[300] = "", causes[1400] = "", line[800];
    size_t nl = 0, cl = 0;
    for (int i = 0; i < pk->n_bad; i++) {
        const RunnerBadSnap *b = &pk->bad[i];
        if (nl < sizeof names)
            nl += (size_t)snprintf(names + nl, sizeof names - nl, "%siter_%d.safetensors",
                                   i ? ", " : "", b->iter);
        if (cl < sizeof causes)
            cl += (size_t)snprintf(causes + cl, sizeof causes - cl, "%siter_%d.safetensors: %s",
                                   i ? "; " : "", b->iter, b->why);
        snprintf(line, sizeof line, "snapshots/iter_%d.safetensors: %s", b->iter, b->why);
        if (cb && cb->on_log) cb->on_log(cb->ctx, TRAIN_LOG_EVENT, line);
    }
    return error_set(err, pk->bad[0].status,
                     "%s: every snapshot is bad (%s), and training again from iteration 0 would "
                     "lose them, so the run is left as it was (move them out of snapshots/ to "
                     "start it over): %s",
                     run_dir, names, causes);
}

/* Says which snapshots the resume passed over and why, and sets them aside
 * (rank 0, which writes the store): they belong to the stretch of the run
 * the resume trains again, as the metrics rows after pk->iter do. */
static void runner_tell_bad(RunnerCtx *rc, const RunnerPick *pk) {
    for (int i = 0; i < pk->n_bad; i++) {
        const RunnerBadSnap *b = &pk->bad[i];
        char aside[600] = "", line[1400];
        Error e = {0};
        if (rc->w->dir[0] && runstore_set_aside_snapshot(rc->w->dir, b->iter, &e) == ST_OK)
            snprintf(aside, sizeof aside, " (kept as iter_%d.safetensors.bad)", b->iter);
        else if (rc->w->dir[0])
            snprintf(aside, sizeof aside, " (%s)", e.msg);
        snprintf(line, sizeof line,
                 "warning: snapshots/iter_%d.safetensors: %s; continuing from "
                 "iter_%d.safetensors%s",
                 b->iter, b->why, pk->iter, aside);
        runner_on_log(rc, TRAIN_LOG_EVENT, line);
    }
}

Status runner_resume_rung(const char *run_dir, const char *runs_dir, const RunnerRung *rung,
                          const RunnerCallbacks *cb, RunResult *res, Error *err) {
    memset(res, 0, sizeof *res);
    res->state = RUN_FAILED;
    res->final_accuracy = res->best_accuracy = res->test_accuracy = -1;
    snprintf(res->run_dir, sizeof res->run_dir, "%s", run_dir);
    RunStatus st;
    Status s = runstore_read_status(run_dir, &st, err);
    if (s) return s;
    if (st.state == RUN_PRUNED) {
        res->bad_input = 1;
        return error_set(err, ST_STATE,
                         "%s: successive halving pruned the run at iteration %d; resume its "
                         "sweep instead (finelab resume %s)",
                         run_dir, st.iter, st.halving);
    }
    if (st.state == RUN_QUEUED || st.state == RUN_RUNNING || st.state == RUN_DONE) {
        res->bad_input = 1;
        return error_set(err, ST_STATE,
                         "%s: the run is %s; only stopped, interrupted or failed "
                         "runs resume",
                         run_dir, runstore_state_name(st.state));
    }
    char path[1200];
    snprintf(path, sizeof path, "%s/preset.ini", run_dir);
    Preset p;
    if ((s = preset_load(&p, path, err))) {
        res->bad_input = 1;
        return s;
    }
    RunnerCtx rc = {.cb = cb};
    runner_phase(&rc, "dataset", 0, 0);
    RunPlan plan;
    if ((s = runner_open(&p, runs_dir, &plan, &rc, res, err))) return s;
    RunnerPick pk;
    int agreed;
    if ((s = runner_pick(&p, &plan.ds, run_dir, &pk, &agreed, err)) ||
        (pk.iter < 0 && pk.n_bad > 0 && (s = runner_all_bad(run_dir, &pk, cb, err)))) {
        res->bad_input = pk.n_bad > 0;
        res->shared = agreed && dist_size() > 1; /* every rank leaves with it */
        runner_pick_fini(&pk);
        preflight_plan_fini(&plan);
        return s;
    }
    RunWriter w;
    /* Every rank has read the run's state before rank 0 marks it running;
     * the rows from the snapshot used on are written again. */
    if (!(s = dist_barrier(err))) {
        if (dist_rank() != 0)
            runstore_null(&w);
        else
            s = runstore_reopen(&w, run_dir, pk.iter < 0 ? 0 : pk.iter, err);
    }
    if (s) {
        runner_pick_fini(&pk);
        preflight_plan_fini(&plan);
        return s;
    }
    w.status.error[0] = '\0';
    w.status.state = RUN_RUNNING;
    if (pk.iter < 0) {
        runner_restart(&w.status);
    } else { /* what the status said may be of rows after the snapshot */
        w.status.iter = pk.state.iter;
        w.status.best_accuracy = pk.state.best_accuracy;
        w.status.seconds = pk.state.seconds;
    }
    if (cb && cb->on_start) cb->on_start(cb->ctx, w.dir, &w.status);
    rc.w = &w;
    if (pk.iter < 0)
        runner_on_log(&rc, TRAIN_LOG_EVENT,
                      "no snapshot to continue from: training again from iteration 0");
    runner_tell_bad(&rc, &pk);
    runner_phase(&rc, "dataset", plan.ds.n_items, plan.ds.n_items);
    runner_mark(&w.status, rung);
    s = runner_train(&p, &plan, runs_dir, &w, pk.iter < 0 ? NULL : pk.path, rung, cb, res, err);
    if (s && res->bad_input) runner_fail(&w, res, s, err);
    runner_pick_fini(&pk);
    preflight_plan_fini(&plan);
    runstore_close(&w);
    return s;
}
