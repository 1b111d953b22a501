/*
 * bridge — the engine thread behind the UI. See bridge.h.
 *
 * redis's bio.c pattern: one mutex guards everything shared (the job FIFO,
 * the event ring, the snapshot and the per-job stop/pause flags); condition
 * variables wake the engine thread when a job arrives (work), a paused job
 * when it may go on (resume), and bridge_wait_idle when the last job ends
 * (idle). The engine thread owns the job it popped (a heap copy of the
 * preset) and calls runner_run without holding the lock; the runner's
 * callbacks take the lock only to copy a row or a line in. Every change
 * bumps the snapshot's generation and writes one byte to a non-blocking
 * pipe while still under the lock, so the UI's select() never misses one.
 *
 * A range test is a job like a run, driven by lrfind_run with the same
 * should_stop; its curve so far is a second latest-state copy (lrfind,
 * under the same lock), so a UI that misses a wake-up still draws every
 * point, and its end is one event.
 *
 * Pause is cooperative: the trainer asks should_stop once per iteration,
 * and that callback parks on the resume condition while the job is paused.
 * Stop and shutdown both make should_stop answer yes, which wakes a parked
 * job too, so the runner writes its snapshot and records "stopped".
 */
#define _GNU_SOURCE /* pipe2 */
#include "src/run/bridge.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/run/asha_sweep.h"
#include "src/run/halving_sweep.h"
#include "src/run/study.h"
#include "src/run/runner.h"

typedef struct BridgeJob {
    int id;
    Preset preset;
    char label[512];
    char resume_dir[1024]; /* "": run preset; else resume the run in this directory */
    int lrfind;            /* 1: the range test of preset (lrfind_opts), not a run */
    LrFindOptions lrfind_opts;
} BridgeJob;

enum { BRIDGE_PATH_MAX = 1024 };

struct Bridge {
    char runs_dir[BRIDGE_PATH_MAX];
    int wake[2]; /* read end, write end; both non-blocking */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t work, resume, idle;
    /* Everything below is guarded by lock. */
    BridgeJob *queue[BRIDGE_QUEUE_MAX]; /* FIFO, oldest first */
    int n_queue;
    int next_id;
    int stop, pause; /* requests for the running job; reset when a job starts */
    int shutdown;
    BridgeEvent *events; /* ring of BRIDGE_EVENTS_MAX */
    int ev_head, ev_count;
    BridgeSnapshot snap;
    BridgeLrFind *lrfind; /* the latest range test */
};

/* Engine-thread state of the job being run; the callbacks' ctx. */
typedef struct BridgeRun {
    Bridge *b;
    int job;
} BridgeRun;

/* --- under the lock ----------------------------------------------------------- */

/* Records a change: new generation and one byte on the wake pipe. A full
 * pipe (EAGAIN) is already readable, so the byte is not needed. Keeps errno,
 * since the UI thread's callers may be looking at it. */
static void bridge_changed(Bridge *b) {
    int saved = errno;
    b->snap.generation++;
    while (write(b->wake[1], "", 1) < 0 && errno == EINTR) {
    }
    errno = saved;
}

/* The k-th oldest event of the ring (k may be ev_count: the next free slot). */
static BridgeEvent *bridge_event_at(Bridge *b, int k) {
    return &b->events[(b->ev_head + k) % BRIDGE_EVENTS_MAX];
}

/* Removes the k-th oldest event, keeping the order of the rest; moves
 * whichever side of k is shorter. */
static void bridge_remove_event(Bridge *b, int k) {
    if (k < b->ev_count / 2) {
        for (; k > 0; k--) *bridge_event_at(b, k) = *bridge_event_at(b, k - 1);
        b->ev_head = (b->ev_head + 1) % BRIDGE_EVENTS_MAX;
    } else {
        for (; k + 1 < b->ev_count; k++) *bridge_event_at(b, k) = *bridge_event_at(b, k + 1);
    }
    b->ev_count--;
}

/* Index (from the oldest) of the oldest event whose kind is in kinds, or -1. */
static int bridge_find_oldest(Bridge *b, unsigned kinds) {
    for (int k = 0; k < b->ev_count; k++)
        if (kinds & 1u << bridge_event_at(b, k)->kind) return k;
    return -1;
}

/* Makes room in the full ring for an event of kind. Rows and log lines go
 * first, oldest first whichever kind (the run store keeps both; dropping
 * rows strictly before logs would let each display's log line evict the
 * row just posted, leaving no recent row at all); then QUEUED notices.
 * STARTED/FINISHED are never dropped while anything else is left; when
 * nothing else is, a new event of another kind is dropped instead (returns
 * 0) and a new STARTED/FINISHED displaces the oldest (only reachable when
 * the UI never polls across hundreds of jobs). */
static int bridge_make_room(Bridge *b, BridgeEventKind kind) {
    b->snap.dropped++;
    int k = bridge_find_oldest(b, 1u << BRIDGE_EV_ROW | 1u << BRIDGE_EV_LOG);
    if (k < 0) k = bridge_find_oldest(b, 1u << BRIDGE_EV_QUEUED);
    if (k < 0 && kind != BRIDGE_EV_STARTED && kind != BRIDGE_EV_FINISHED) return 0;
    bridge_remove_event(b, k < 0 ? 0 : k);
    return 1;
}

/* Appends a copy of ev to the ring and signals the change. */
static void bridge_post(Bridge *b, const BridgeEvent *ev) {
    if (b->ev_count < BRIDGE_EVENTS_MAX || bridge_make_room(b, ev->kind)) {
        *bridge_event_at(b, b->ev_count) = *ev;
        b->ev_count++;
    }
    bridge_changed(b);
}

/* An event of kind for job with every other field empty (accuracy -1). */
static void bridge_event_init(BridgeEvent *ev, BridgeEventKind kind, int job) {
    memset(ev, 0, sizeof *ev);
    ev->kind = kind;
    ev->job = job;
    ev->state = RUN_QUEUED;
    ev->accuracy = -1;
}

/* "name" or "name (label)" into out (cap bytes); a display name may be cut. */
static void bridge_job_name(const BridgeJob *j, char *out, size_t cap) {
    const char *name = j->preset.experiment.name;
    int n = j->label[0] ? snprintf(out, cap, "%s (%s)", name, j->label)
                        : snprintf(out, cap, "%s", name);
    if (n >= (int)cap) out[cap - 1] = '\0'; /* snprintf did; says truncation is meant */
}

/* Pops the next job and makes it the running one (snapshot reset). */
static BridgeJob *bridge_take_job(Bridge *b) {
    BridgeJob *j = b->queue[0];
    b->n_queue--;
    memmove(b->queue, b->queue + 1, sizeof b->queue[0] * (size_t)b->n_queue);
    b->stop = b->pause = 0;
    BridgeSnapshot *s = &b->snap;
    uint64_t gen = s->generation, dropped = s->dropped;
    memset(s, 0, sizeof *s);
    s->generation = gen;
    s->dropped = dropped;
    s->running = 1;
    s->job = j->id;
    bridge_job_name(j, s->name, sizeof s->name);
    s->max_iter = j->lrfind ? j->lrfind_opts.iters : j->preset.solver.max_iter;
    s->phase_eta = -1;
    s->queued = b->n_queue;
    bridge_changed(b);
    return j;
}

/* --- runner callbacks (engine thread) ---------------------------------------- */

/* An event of kind for the running job of ctx (a BridgeRun). */
static BridgeEvent bridge_run_event(void *ctx, BridgeEventKind kind) {
    BridgeEvent ev;
    bridge_event_init(&ev, kind, ((BridgeRun *)ctx)->job);
    ev.state = RUN_RUNNING;
    return ev;
}

/* The run directory exists: it goes into the snapshot and a STARTED event. */
static void bridge_on_start(void *ctx, const char *run_dir, const RunStatus *st) {
    BridgeEvent ev = bridge_run_event(ctx, BRIDGE_EV_STARTED);
    snprintf(ev.run_dir, sizeof ev.run_dir, "%s", run_dir);
    Bridge *b = ((BridgeRun *)ctx)->b;
    pthread_mutex_lock(&b->lock);
    memcpy(b->snap.run_dir, ev.run_dir, sizeof b->snap.run_dir);
    b->snap.iter = st->iter;
    bridge_post(b, &ev);
    pthread_mutex_unlock(&b->lock);
}

/* A metrics row: the snapshot takes its iteration, the UI a copy (a ROW event). */
static void bridge_on_row(void *ctx, const TrainRow *row, const RunStatus *st) {
    BridgeEvent ev = bridge_run_event(ctx, BRIDGE_EV_ROW);
    ev.row = *row;
    Bridge *b = ((BridgeRun *)ctx)->b;
    pthread_mutex_lock(&b->lock);
    b->snap.iter = row->iter;
    if (st->max_iter > 0) b->snap.max_iter = st->max_iter;
    bridge_post(b, &ev);
    pthread_mutex_unlock(&b->lock);
}

/* The job's phase or its progress changed: into the snapshot (the UI
 * redraws; the screens read the rest from status.ini). */
static void bridge_on_progress(void *ctx, const RunStatus *st) {
    Bridge *b = ((BridgeRun *)ctx)->b;
    pthread_mutex_lock(&b->lock);
    BridgeSnapshot *s = &b->snap;
    memcpy(s->phase, st->phase, sizeof s->phase);
    s->phase_done = st->phase_done;
    s->phase_total = st->phase_total;
    s->phase_eta = st->phase_eta;
    bridge_changed(b);
    pthread_mutex_unlock(&b->lock);
}

/* A log line of kind, cut to BridgeEvent.text, as a LOG event. */
static void bridge_on_log(void *ctx, TrainLogKind kind, const char *line) {
    BridgeEvent ev = bridge_run_event(ctx, BRIDGE_EV_LOG);
    ev.log_kind = kind;
    snprintf(ev.text, sizeof ev.text, "%s", line);
    Bridge *b = ((BridgeRun *)ctx)->b;
    pthread_mutex_lock(&b->lock);
    bridge_post(b, &ev);
    pthread_mutex_unlock(&b->lock);
}

/* An event's line (the range test's, a halving sweep's progress). */
static void bridge_on_line(void *ctx, const char *line) {
    bridge_on_log(ctx, TRAIN_LOG_EVENT, line);
}

/* Asked once per iteration and per batch of the cache and of a test pass:
 * parks while paused, then says whether to stop. */
static int bridge_should_stop(void *ctx) {
    Bridge *b = ((BridgeRun *)ctx)->b;
    pthread_mutex_lock(&b->lock);
    if (b->pause && !b->stop && !b->shutdown) {
        b->snap.paused = 1;
        bridge_changed(b);
        while (b->pause && !b->stop && !b->shutdown) pthread_cond_wait(&b->resume, &b->lock);
        b->snap.paused = 0;
        bridge_changed(b);
    }
    int stop = b->stop || b->shutdown;
    pthread_mutex_unlock(&b->lock);
    return stop;
}

/* --- engine thread ------------------------------------------------------------ */

/* A halving sweep or an asha study as one job: its runs, rung by rung,
 * through cb (each run's STARTED and rows as any run's; an asha study's
 * other workers may be `finelab resume <id>` elsewhere); res names the
 * sweep, done with the winner's accuracy or stopped; its progress lines
 * (rungs, promotions) and its summary (or how to continue it) are LOG
 * events. */
static Status bridge_run_rungs(Bridge *b, BridgeJob *j, const RunnerCallbacks *cb, RunResult *res,
                               Error *err) {
    memset(res, 0, sizeof *res);
    res->state = RUN_FAILED;
    res->final_accuracy = res->best_accuracy = res->test_accuracy = -1;
    int asha = j->preset.sweep.strategy == SWEEP_ASHA, stopped;
    const char *what = asha ? "asha study" : "halving sweep";
    char id[256], line[1024];
    double best, test;
    char heldout[8]; /* copied: each outcome lives in its own block */
    Status s;
    if (asha) {
        AshaOutcome o;
        s = study_create(&j->preset, b->runs_dir, id, sizeof id, err);
        if (!s) s = asha_sweep_run(b->runs_dir, id, cb, bridge_on_line, cb->ctx, &o, err);
        if (s) return s;
        stopped = o.stopped, best = o.best >= 0 ? o.best_accuracy : -1, test = o.best_test;
        memcpy(heldout, o.heldout, sizeof heldout);
        snprintf(line, sizeof line, "%d trials, %d complete, %d pruned, %d failed; %ld iterations",
                 o.trials, o.complete, o.pruned, o.failed, o.iterations);
    } else {
        HalvingOutcome o;
        s = halving_sweep_create(&j->preset, b->runs_dir, id, sizeof id, err);
        if (!s)
            s = halving_sweep_run(&j->preset, id, b->runs_dir, cb, bridge_on_line, cb->ctx, &o,
                                  err);
        if (s) return s;
        stopped = o.stopped, best = o.best_accuracy, test = o.best_test;
        memcpy(heldout, o.heldout, sizeof heldout);
        snprintf(line, sizeof line,
                 "%d done, %d pruned, %d failed; %ld iterations of the full "
                 "grid's %ld",
                 o.done, o.pruned, o.failed, o.iterations, halving_grid_iterations(&o.plan));
    }
    snprintf(res->run_dir, sizeof res->run_dir, "%s %s", what, id);
    res->state = stopped ? RUN_STOPPED : RUN_DONE;
    res->final_accuracy = res->best_accuracy = best;
    res->test_accuracy = test;
    snprintf(res->heldout, sizeof res->heldout, "%s", heldout[0] ? heldout : "test");
    char say[1400];
    if (stopped)
        snprintf(say, sizeof say, "%s %s stopped: continue it with 'finelab resume %s'", what, id,
                 id);
    else
        snprintf(say, sizeof say, "%s %s: %s", what, id, line);
    bridge_on_line(cb->ctx, say);
    return ST_OK;
}

/* A job ended: ev (FINISHED, LRFIND) is posted as the job stops being the
 * running one, so a UI that has seen it also sees bridge_busy() == 0.
 * Called with the lock held. */
static void bridge_end_job(Bridge *b, const BridgeEvent *ev) {
    b->snap.running = b->snap.paused = b->snap.pause_requested = 0;
    b->snap.job = -1;
    b->stop = b->pause = 0;
    bridge_post(b, ev);
    if (b->n_queue == 0) pthread_cond_broadcast(&b->idle);
}

/* --- range tests (engine thread) ------------------------------------------------ */

/* The test's phase: into its state and, as the lab's tab bar reads it,
 * the job's snapshot (its iterations as phase "lr-find"). */
static void bridge_lrfind_progress(void *ctx, const char *phase, long done, long total) {
    Bridge *b = ((BridgeRun *)ctx)->b;
    pthread_mutex_lock(&b->lock);
    BridgeLrFind *l = b->lrfind;
    snprintf(l->phase, sizeof l->phase, "%s", phase);
    l->phase_done = done;
    l->phase_total = total;
    BridgeSnapshot *s = &b->snap;
    snprintf(s->phase, sizeof s->phase, "%s", strcmp(phase, "train") == 0 ? "lr-find" : phase);
    s->phase_done = done;
    s->phase_total = total;
    s->phase_eta = -1;
    bridge_changed(b);
    pthread_mutex_unlock(&b->lock);
}

static void bridge_lrfind_point(void *ctx, const LrRange *curve) {
    Bridge *b = ((BridgeRun *)ctx)->b;
    pthread_mutex_lock(&b->lock);
    b->lrfind->result.curve = *curve;
    b->snap.iter = curve->n;
    bridge_changed(b);
    pthread_mutex_unlock(&b->lock);
}

/* How a test ended, for its event: "stopped at iteration 92 (lr 231): the
 * smoothed loss passed 4x its best", or its error. */
static void bridge_lrfind_text(const BridgeLrFind *l, char *out, size_t cap) {
    const LrRange *c = &l->result.curve;
    if (l->status)
        snprintf(out, cap, "%s", l->error);
    else if (c->ended == LR_RANGE_DONE)
        snprintf(out, cap, "ran all %d iterations (lr %.3g)", c->iters, c->end);
    else
        snprintf(out, cap, "stopped at iteration %d (lr %.3g): %s", c->ended_iter, c->ended_lr,
                 lr_range_end_text(c->ended));
}

/* Runs the range test j and posts LRFIND; called without the lock. */
static void bridge_run_lrfind(Bridge *b, BridgeJob *j) {
    BridgeRun r = {.b = b, .job = j->id};
    pthread_mutex_lock(&b->lock);
    BridgeLrFind *l = b->lrfind;
    memset(l, 0, sizeof *l);
    l->job = j->id;
    l->running = 1;
    snprintf(l->name, sizeof l->name, "%s", j->preset.experiment.name);
    const LrFindOptions *o = &j->lrfind_opts; /* the schedule shows before the first point */
    lr_range_init(&l->result.curve, o->start, o->end, o->iters, NULL);
    bridge_changed(b);
    pthread_mutex_unlock(&b->lock);
    LrFindCallbacks cb = {.ctx = &r,
                          .on_progress = bridge_lrfind_progress,
                          .on_point = bridge_lrfind_point,
                          .on_log = bridge_on_line,
                          .should_stop = bridge_should_stop};
    LrFindResult *res = malloc(sizeof *res);
    Error err = {0};
    Status s = res ? lrfind_run(&j->preset, b->runs_dir, o, &cb, res, &err)
                   : error_set(&err, ST_NOMEM, "bridge: out of memory for a range test");
    BridgeEvent ev;
    bridge_event_init(&ev, BRIDGE_EV_LRFIND, j->id);
    pthread_mutex_lock(&b->lock);
    if (res) l->result = *res;
    l->running = 0;
    l->status = s;
    l->bad_input = res && res->bad_input;
    snprintf(l->error, sizeof l->error, "%s", s ? err.msg : "");
    ev.state = s ? RUN_FAILED : l->result.curve.ended == LR_RANGE_STOPPED ? RUN_STOPPED : RUN_DONE;
    bridge_lrfind_text(l, ev.text, sizeof ev.text);
    bridge_end_job(b, &ev);
    pthread_mutex_unlock(&b->lock);
    free(res);
}

/* Runs j to its end and posts FINISHED; called without the lock. */
static void bridge_run_job(Bridge *b, BridgeJob *j) {
    if (j->lrfind) {
        bridge_run_lrfind(b, j);
        return;
    }
    BridgeRun r = {.b = b, .job = j->id};
    RunnerCallbacks cb = {.ctx = &r,
                          .on_start = bridge_on_start,
                          .on_row = bridge_on_row,
                          .on_log = bridge_on_log,
                          .on_progress = bridge_on_progress,
                          .should_stop = bridge_should_stop};
    RunResult res;
    Error err = {0};
    Status s = j->resume_dir[0] ? runner_resume(j->resume_dir, b->runs_dir, &cb, &res, &err)
               : j->preset.sweep.strategy == SWEEP_HALVING || j->preset.sweep.strategy == SWEEP_ASHA
                   ? bridge_run_rungs(b, j, &cb, &res, &err)
                   : runner_run(&j->preset, j->label, b->runs_dir, &cb, &res, &err);
    BridgeEvent ev;
    bridge_event_init(&ev, BRIDGE_EV_FINISHED, j->id);
    ev.state = res.state;
    ev.accuracy = res.final_accuracy;
    ev.test_accuracy = res.test_accuracy;
    memcpy(ev.heldout, res.heldout, sizeof ev.heldout);
    memcpy(ev.run_dir, res.run_dir, sizeof ev.run_dir);
    if (s) snprintf(ev.text, sizeof ev.text, "%s", err.msg[0] ? err.msg : error_status_name(s));
    pthread_mutex_lock(&b->lock);
    bridge_end_job(b, &ev);
    pthread_mutex_unlock(&b->lock);
}

/* The engine thread: waits for a job, runs it, until shutdown. */
static void *bridge_main(void *arg) {
    Bridge *b = arg;
    pthread_mutex_lock(&b->lock);
    for (;;) {
        while (!b->shutdown && b->n_queue == 0) pthread_cond_wait(&b->work, &b->lock);
        if (b->shutdown) break;
        BridgeJob *j = bridge_take_job(b);
        pthread_mutex_unlock(&b->lock);
        bridge_run_job(b, j);
        free(j);
        pthread_mutex_lock(&b->lock);
    }
    pthread_mutex_unlock(&b->lock);
    return NULL;
}

/* --- public ------------------------------------------------------------------- */

/* Starts the thread with asynchronous signals blocked, so SIGINT, SIGWINCH
 * and the like reach the UI thread and interrupt its select(). Faults stay
 * unblocked: a blocked SIGSEGV would kill the process without the
 * sanitizers' report. Returns pthread_create's code. */
static int bridge_start_thread(Bridge *b) {
    static const int faults[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT, SIGSYS};
    sigset_t all, old;
    sigfillset(&all);
    for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) sigdelset(&all, faults[i]);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&b->thread, NULL, bridge_main, b);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

/* Frees what bridge_create made, once no thread uses b. */
static void bridge_free(Bridge *b) {
    pthread_cond_destroy(&b->idle);
    pthread_cond_destroy(&b->resume);
    pthread_cond_destroy(&b->work);
    pthread_mutex_destroy(&b->lock);
    close(b->wake[0]);
    close(b->wake[1]);
    for (int i = 0; i < b->n_queue; i++) free(b->queue[i]);
    free(b->events);
    free(b->lrfind);
    free(b);
}

Bridge *bridge_create(const char *runs_dir, Error *err) {
    if (!runs_dir || !runs_dir[0] || strlen(runs_dir) >= BRIDGE_PATH_MAX) {
        error_set(err, ST_ARG, "bridge: runs directory '%s' is empty or too long",
                  runs_dir ? runs_dir : "(null)");
        return NULL;
    }
    Bridge *b = calloc(1, sizeof *b);
    BridgeEvent *events = calloc(BRIDGE_EVENTS_MAX, sizeof *events);
    BridgeLrFind *lrfind = calloc(1, sizeof *lrfind);
    if (!b || !events || !lrfind) {
        free(b);
        free(events);
        free(lrfind);
        error_set(err, ST_NOMEM, "bridge: out of memory");
        return NULL;
    }
    b->events = events;
    b->lrfind = lrfind;
    lrfind->job = -1;
    memcpy(b->runs_dir, runs_dir, strlen(runs_dir) + 1);
    b->next_id = 1;
    b->snap.job = -1;
    b->snap.phase_eta = -1;
    if (pipe2(b->wake, O_NONBLOCK | O_CLOEXEC) != 0) {
        error_set(err, ST_IO, "bridge: cannot create the wake pipe: %s", strerror(errno));
        free(b->events);
        free(b->lrfind);
        free(b);
        return NULL;
    }
    pthread_mutex_init(&b->lock, NULL);
    pthread_cond_init(&b->work, NULL);
    pthread_cond_init(&b->resume, NULL);
    pthread_cond_init(&b->idle, NULL);
    int rc = bridge_start_thread(b);
    if (rc != 0) {
        error_set(err, ST_STATE, "bridge: cannot start the engine thread: %s", strerror(rc));
        bridge_free(b);
        return NULL;
    }
    return b;
}

void bridge_destroy(Bridge *b) {
    if (!b) return;
    pthread_mutex_lock(&b->lock);
    b->shutdown = 1;
    b->stop = 1;
    for (int i = 0; i < b->n_queue; i++) free(b->queue[i]);
    b->n_queue = 0;
    pthread_cond_broadcast(&b->work);
    pthread_cond_broadcast(&b->resume);
    pthread_mutex_unlock(&b->lock);
    pthread_join(b->thread, NULL);
    bridge_free(b);
}

/* Queues j (taking ownership; freed on failure). */
static Status bridge_push(Bridge *b, BridgeJob *j, int *job, Error *err) {
    BridgeEvent ev;
    bridge_event_init(&ev, BRIDGE_EV_QUEUED, 0);
    bridge_job_name(j, ev.text, sizeof ev.text);
    pthread_mutex_lock(&b->lock);
    Status s = ST_OK;
    if (b->shutdown)
        s = error_set(err, ST_STATE, "bridge: the engine is shutting down");
    else if (b->n_queue == BRIDGE_QUEUE_MAX)
        s = error_set(err, ST_STATE, "bridge: the job queue is full (%d jobs waiting)",
                      BRIDGE_QUEUE_MAX);
    if (s) {
        pthread_mutex_unlock(&b->lock);
        free(j);
        return s;
    }
    int id = j->id = ev.job = b->next_id++;
    b->queue[b->n_queue++] = j; /* the engine thread owns j from here */
    b->snap.queued = b->n_queue;
    bridge_post(b, &ev);
    pthread_cond_signal(&b->work);
    pthread_mutex_unlock(&b->lock);
    if (job) *job = id;
    return ST_OK;
}

Status bridge_enqueue(Bridge *b, const Preset *p, const char *label, int *job, Error *err) {
    BridgeJob *j = calloc(1, sizeof *j);
    if (!j) return error_set(err, ST_NOMEM, "bridge: out of memory queuing a job");
    j->preset = *p;
    snprintf(j->label, sizeof j->label, "%s", label ? label : "");
    return bridge_push(b, j, job, err);
}

Status bridge_enqueue_resume(Bridge *b, const char *run_dir, int *job, Error *err) {
    BridgeJob *j = calloc(1, sizeof *j);
    if (!j) return error_set(err, ST_NOMEM, "bridge: out of memory queuing a job");
    RunStatus st;
    if (runstore_read_status(run_dir, &st, err)) {
        free(j);
        return err ? err->status : ST_IO;
    }
    snprintf(j->preset.experiment.name, sizeof j->preset.experiment.name, "%s", st.preset);
    snprintf(j->label, sizeof j->label, "resume");
    snprintf(j->resume_dir, sizeof j->resume_dir, "%s", run_dir);
    return bridge_push(b, j, job, err);
}

Status bridge_enqueue_lrfind(Bridge *b, const Preset *p, const LrFindOptions *o, int *job,
                             Error *err) {
    BridgeJob *j = calloc(1, sizeof *j);
    if (!j) return error_set(err, ST_NOMEM, "bridge: out of memory queuing a job");
    j->preset = *p;
    j->lrfind = 1;
    j->lrfind_opts = *o;
    snprintf(j->label, sizeof j->label, "lr-find");
    return bridge_push(b, j, job, err);
}

void bridge_lrfind(Bridge *b, BridgeLrFind *out) {
    pthread_mutex_lock(&b->lock);
    *out = *b->lrfind;
    pthread_mutex_unlock(&b->lock);
}

void bridge_stop(Bridge *b) {
    pthread_mutex_lock(&b->lock);
    if (b->snap.running) {
        b->stop = 1;
        pthread_cond_broadcast(&b->resume);
    }
    pthread_mutex_unlock(&b->lock);
}

int bridge_queued_names(Bridge *b, char (*names)[256], int cap) {
    pthread_mutex_lock(&b->lock);
    int n = b->n_queue;
    for (int i = 0; i < n && i < cap; i++) bridge_job_name(b->queue[i], names[i], sizeof names[i]);
    pthread_mutex_unlock(&b->lock);
    return n;
}

int bridge_cancel(Bridge *b, int job) {
    pthread_mutex_lock(&b->lock);
    int found = 0;
    for (int i = 0; i < b->n_queue && !found; i++) {
        if (b->queue[i]->id != job) continue;
        free(b->queue[i]);
        memmove(b->queue + i, b->queue + i + 1, sizeof b->queue[0] * (size_t)(b->n_queue - i - 1));
        b->n_queue--;
        found = 1;
    }
    if (found) {
        b->snap.queued = b->n_queue;
        bridge_changed(b);
        if (b->n_queue == 0 && !b->snap.running) pthread_cond_broadcast(&b->idle);
    }
    pthread_mutex_unlock(&b->lock);
    return found;
}

void bridge_pause(Bridge *b, int paused) {
    pthread_mutex_lock(&b->lock);
    if (b->snap.running && b->pause != !!paused) {
        b->pause = b->snap.pause_requested = !!paused;
        bridge_changed(b);
        if (!paused) pthread_cond_broadcast(&b->resume);
    }
    pthread_mutex_unlock(&b->lock);
}

int bridge_wake_fd(const Bridge *b) {
    return b->wake[0];
}

void bridge_drain_wake(Bridge *b) {
    char buf[256];
    for (;;) {
        ssize_t n = read(b->wake[0], buf, sizeof buf);
        if (n > 0) continue;
        if (n < 0 && errno == EINTR) continue;
        break; /* EAGAIN: empty; 0 cannot happen while b holds the write end */
    }
}

int bridge_poll(Bridge *b, BridgeEvent *ev) {
    pthread_mutex_lock(&b->lock);
    int got = b->ev_count > 0;
    if (got) {
        *ev = b->events[b->ev_head];
        b->ev_head = (b->ev_head + 1) % BRIDGE_EVENTS_MAX;
        b->ev_count--;
    }
    pthread_mutex_unlock(&b->lock);
    return got;
}

void bridge_snapshot(Bridge *b, BridgeSnapshot *out) {
    pthread_mutex_lock(&b->lock);
    *out = b->snap;
    pthread_mutex_unlock(&b->lock);
}

int bridge_busy(Bridge *b) {
    pthread_mutex_lock(&b->lock);
    int busy = b->snap.running || b->n_queue > 0;
    pthread_mutex_unlock(&b->lock);
    return busy;
}

void bridge_wait_idle(Bridge *b) {
    pthread_mutex_lock(&b->lock);
    while (!b->shutdown && (b->snap.running || b->n_queue > 0))
        pthread_cond_wait(&b->idle, &b->lock);
    pthread_mutex_unlock(&b->lock);
}
