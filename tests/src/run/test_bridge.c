/*
 * test_bridge — the engine thread as the UI sees it, on a tiny generated
 * dataset: each test drives a loop like the UI's (select() on the wake
 * pipe, drain, poll every event, read the snapshot) and checks what came
 * back. Jobs run in order one at a time with QUEUED, STARTED, ROW...,
 * FINISHED each; stop, pause, cancel, a full job queue, a job refused
 * before its run directory (FINISHED alone, no run directory), a
 * full event queue (STARTED/FINISHED kept, the newest rows kept) and
 * destroy in the middle of a run all behave as bridge.h says; a range test
 * is a job that writes no run: its curve grows in bridge_lrfind as it
 * goes, it ends with one LRFIND event, a stop ends it stopped, and its
 * error comes back as the event's and the copy's. Also run under
 * ThreadSanitizer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>

#include "engine/base/timer.h"
#include "src/run/bridge.h"
#include "tests/lib/testlab.h"
#include "tests/lib/testpreset.h"
#include "tests/lib/testutil.h"

static TestLab lab;

static int setup(void **state) {
    (void)state;
    return testlab_init(&lab, "bridge", 3, 8);
}

static int teardown(void **state) {
    (void)state;
    return testlab_fini(&lab);
}

/* What the bridge's tiny runs set beyond testpreset_tiny: a thinner
 * network, a loss row every iteration and a test pass every third. */
static const char *const tiny_sets[] = {
    "data.loader_threads=1", "model.width=0.03125",   "model.bilinear_dim=64",
    "solver.batch_size=4",   "solver.test_iter=1",    "solver.test_interval=3",
    "solver.display=1",      "solver.average_loss=2",
};

/* A preset that trains max_iter tiny iterations with a row every one. */
static void tiny(Preset *p, int max_iter) {
    testpreset_tiny(p, lab.data, tiny_sets, sizeof tiny_sets / sizeof tiny_sets[0]);
    testpreset_set(p, "solver.max_iter=%d", max_iter);
    assert_int_equal(preset_validate(p, NULL), ST_OK);
}

/* A bridge writing under runs; fails the test when it cannot start. */
static Bridge *make_bridge(void) {
    Error err = {0};
    Bridge *b = bridge_create(lab.runs, &err);
    if (!b) fail_msg("bridge_create: %s", err.msg);
    return b;
}

/* Queues tiny(max_iter) with label; returns the job id. */
static int enqueue(Bridge *b, int max_iter, const char *label) {
    Preset p;
    tiny(&p, max_iter);
    int job = -1;
    Error err = {0};
    if (bridge_enqueue(b, &p, label, &job, &err)) fail_msg("bridge_enqueue: %s", err.msg);
    return job;
}

/* --- a UI-like loop ------------------------------------------------------------ */

/* Every event seen so far, and the snapshot after each turn. */
typedef struct Seen {
    BridgeEvent *ev;
    int n, cap;
    BridgeSnapshot snap;
    uint64_t first_gen;
    int turns;
} Seen;

/* Frees the events kept in s. */
static void seen_free(Seen *s) {
    free(s->ev);
}

/* One turn: sleep in select() on the wake pipe (at most timeout s), drain
 * it, take every event, read the snapshot; the generation never goes back. */
static int pump(Bridge *b, Seen *s, double timeout) {
    int fd = bridge_wake_fd(b);
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(fd, &rd);
    struct timeval tv = {.tv_sec = (long)timeout,
                         .tv_usec = (long)((timeout - (long)timeout) * 1e6)};
    int r = select(fd + 1, &rd, NULL, NULL, &tv);
    assert_true(r >= 0);
    if (r > 0) bridge_drain_wake(b);
    int got = 0;
    for (;;) {
        if (s->n == s->cap) {
            s->cap = s->cap ? 2 * s->cap : 64;
            s->ev = realloc(s->ev, sizeof *s->ev * (size_t)s->cap);
            assert_non_null(s->ev);
        }
        if (!bridge_poll(b, &s->ev[s->n])) break;
        s->n++;
        got++;
    }
    BridgeSnapshot now;
    bridge_snapshot(b, &now);
    if (s->turns++ == 0) s->first_gen = now.generation;
    assert_true(now.generation >= s->snap.generation);
    s->snap = now;
    return got;
}

/* Index of the first event of kind for job at or after from, or -1. */
static int find(const Seen *s, BridgeEventKind kind, int job, int from) {
    for (int i = from; i < s->n; i++)
        if (s->ev[i].kind == kind && s->ev[i].job == job) return i;
    return -1;
}

/* Number of events of kind for job. */
static int count(const Seen *s, BridgeEventKind kind, int job) {
    int c = 0;
    for (int i = 0; i < s->n; i++) c += s->ev[i].kind == kind && s->ev[i].job == job;
    return c;
}

/* Pumps until job has posted at least n events of kind; fails after limit s. */
static void pump_until(Bridge *b, Seen *s, BridgeEventKind kind, int job, int n, double limit) {
    double end = timer_now() + limit;
    while (count(s, kind, job) < n) {
        if (timer_now() > end)
            fail_msg("job %d: %d events of kind %d after %.0f s", job, count(s, kind, job),
                     (int)kind, limit);
        pump(b, s, 0.2);
    }
}

/* The events of job in order: QUEUED, STARTED with a run directory, rows
 * whose iterations grow (per phase; a finished job has train rows), log
 * lines, FINISHED in state with
 * the STARTED run directory. Returns the FINISHED event. */
static const BridgeEvent *check_job(const Seen *s, int job, RunState state) {
    int q = find(s, BRIDGE_EV_QUEUED, job, 0), st = find(s, BRIDGE_EV_STARTED, job, 0);
    int fin = find(s, BRIDGE_EV_FINISHED, job, 0);
    assert_true(q >= 0 && st > q && fin > st);
    assert_non_null(strstr(s->ev[q].text, "tiny"));
    assert_true(s->ev[st].run_dir[0] != '\0');
    assert_int_equal(count(s, BRIDGE_EV_STARTED, job), 1);
    assert_int_equal(count(s, BRIDGE_EV_FINISHED, job), 1);
    int last[2] = {-1, -1};
    for (int i = 0; i < s->n; i++) {
        const BridgeEvent *e = &s->ev[i];
        if (e->job != job || e->kind != BRIDGE_EV_ROW) continue;
        assert_true(i > st && i < fin);
        assert_true(e->row.iter > last[e->row.phase]);
        last[e->row.phase] = e->row.iter;
    }
    /* A job stopped early may end in its first test pass, before any row. */
    if (state == RUN_DONE) assert_true(last[PHASE_TRAIN] >= 0);
    const BridgeEvent *f = &s->ev[fin];
    assert_int_equal(f->state, state);
    assert_string_equal(f->run_dir, s->ev[st].run_dir);
    return f;
}

/* The last row of job with phase, or NULL. */
static const TrainRow *last_row(const Seen *s, int job, TrainPhase phase) {
    const TrainRow *r = NULL;
    for (int i = 0; i < s->n; i++)
        if (s->ev[i].job == job && s->ev[i].kind == BRIDGE_EV_ROW && s->ev[i].row.phase == phase)
            r = &s->ev[i].row;
    return r;
}

/* 1 when the wake pipe is readable right now. */
static int readable(Bridge *b) {
    int fd = bridge_wake_fd(b);
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(fd, &rd);
    struct timeval tv = {0, 0};
    return select(fd + 1, &rd, NULL, NULL, &tv) > 0;
}

/* --- tests --------------------------------------------------------------------- */

static void test_bridge_runs_jobs_in_order(void **state) {
    (void)state;
    Bridge *b = make_bridge();
    assert_false(readable(b));
    assert_int_equal(bridge_busy(b), 0);
    int a = enqueue(b, 5, ""), c = enqueue(b, 4, "solver.max_iter=4");
    assert_true(c > a);
    assert_true(readable(b));
    assert_int_equal(bridge_busy(b), 1);
    Seen s = {0};
    int saw_running = 0;
    double end = timer_now() + 60;
    while (count(&s, BRIDGE_EV_FINISHED, c) == 0) {
        assert_true(timer_now() < end);
        pump(b, &s, 0.5);
        if (s.snap.running) {
            saw_running = 1;
            assert_true(s.snap.job == a || s.snap.job == c);
            assert_int_equal(s.snap.max_iter, s.snap.job == a ? 5 : 4);
        }
    }
    assert_true(saw_running);
    const BridgeEvent *fa = check_job(&s, a, RUN_DONE), *fc = check_job(&s, c, RUN_DONE);
    assert_true(fa->accuracy >= 0 && fa->accuracy <= 1);
    assert_true(fc->accuracy >= 0 && fc->accuracy <= 1);
    /* One at a time, in order. */
    assert_true(find(&s, BRIDGE_EV_FINISHED, a, 0) < find(&s, BRIDGE_EV_STARTED, c, 0));
    assert_string_not_equal(fa->run_dir, fc->run_dir);
    assert_non_null(strstr(s.ev[find(&s, BRIDGE_EV_QUEUED, c, 0)].text, "solver.max_iter=4"));
    /* The FINISHED of the last job and "idle" are seen together. */
    assert_int_equal(bridge_busy(b), 0);
    bridge_wait_idle(b);
    /* The snapshot still describes the last job, as of its last rows. */
    BridgeSnapshot snap;
    bridge_snapshot(b, &snap);
    assert_true(snap.generation > s.first_gen);
    assert_int_equal(snap.running, 0);
    assert_int_equal(snap.job, -1);
    assert_int_equal(snap.queued, 0);
    assert_string_equal(snap.run_dir, fc->run_dir);
    assert_non_null(strstr(snap.name, "tiny (solver.max_iter=4)"));
    const TrainRow *tr = last_row(&s, c, PHASE_TRAIN), *te = last_row(&s, c, PHASE_TEST);
    assert_non_null(te);
    assert_int_equal(snap.iter, tr->iter > te->iter ? tr->iter : te->iter);
    assert_int_equal(snap.max_iter, 4);
    /* The engine is quiet now: after a drain the pipe stays empty. */
    bridge_drain_wake(b);
    assert_false(readable(b));
    seen_free(&s);
    bridge_destroy(b);
}

static void test_bridge_stop_ends_only_the_running_job(void **state) {
    (void)state;
    Bridge *b = make_bridge();
    int a = enqueue(b, 1000000, ""), c = enqueue(b, 3, "");
    Seen s = {0};
    pump_until(b, &s, BRIDGE_EV_ROW, a, 3, 60);
    bridge_stop(b);
    pump_until(b, &s, BRIDGE_EV_FINISHED, c, 1, 60);
    const BridgeEvent *fa = check_job(&s, a, RUN_STOPPED);
    assert_true(fa->accuracy == -1);
    assert_string_equal(fa->text, "");
    assert_true(check_job(&s, c, RUN_DONE)->accuracy >= 0);
    RunStatus st;
    assert_int_equal(runstore_read_status(fa->run_dir, &st, NULL), ST_OK);
    assert_int_equal(st.state, RUN_STOPPED);
    assert_true(st.iter < 1000);
    /* Stopping while idle does not touch the next job. */
    bridge_stop(b);
    int d = enqueue(b, 2, "");
    pump_until(b, &s, BRIDGE_EV_FINISHED, d, 1, 60);
    check_job(&s, d, RUN_DONE);
    seen_free(&s);
    bridge_destroy(b);
}

static void test_bridge_pause_holds_rows_until_continue(void **state) {
    (void)state;
    Bridge *b = make_bridge();
    int a = enqueue(b, 30, "");
    Seen s = {0};
    pump_until(b, &s, BRIDGE_EV_ROW, a, 1, 60);
    bridge_pause(b, 1);
    bridge_snapshot(b, &s.snap);
    assert_int_equal(s.snap.pause_requested, 1);
    /* The job parks at the end of the iteration in progress. */
    double end = timer_now() + 30;
    while (!s.snap.paused) {
        assert_true(timer_now() < end);
        pump(b, &s, 0.2);
    }
    int rows = count(&s, BRIDGE_EV_ROW, a);
    assert_true(rows < 30);
    end = timer_now() + 0.3;
    while (timer_now() < end) pump(b, &s, 0.05);
    assert_int_equal(count(&s, BRIDGE_EV_ROW, a), rows);
    assert_int_equal(s.snap.paused, 1);
    assert_int_equal(s.snap.running, 1);
    assert_int_equal(bridge_busy(b), 1);
    bridge_pause(b, 0);
    pump_until(b, &s, BRIDGE_EV_FINISHED, a, 1, 60);
    assert_true(count(&s, BRIDGE_EV_ROW, a) > rows);
    check_job(&s, a, RUN_DONE);
    assert_int_equal(s.snap.paused, 0);
    assert_int_equal(s.snap.pause_requested, 0);
    seen_free(&s);
    bridge_destroy(b);
}

static void test_bridge_cancel_removes_a_queued_job(void **state) {
    (void)state;
    Bridge *b = make_bridge();
    int a = enqueue(b, 1000000, ""), c = enqueue(b, 2, ""), d = enqueue(b, 2, "");
    Seen s = {0};
    pump_until(b, &s, BRIDGE_EV_STARTED, a, 1, 60);
    assert_int_equal(s.snap.queued, 2);
    assert_int_equal(bridge_cancel(b, c), 1);
    assert_int_equal(bridge_cancel(b, c), 0);
    assert_int_equal(bridge_cancel(b, a), 0); /* running, not queued */
    bridge_snapshot(b, &s.snap);
    assert_int_equal(s.snap.queued, 1);
    bridge_stop(b);
    pump_until(b, &s, BRIDGE_EV_FINISHED, d, 1, 60);
    check_job(&s, a, RUN_STOPPED);
    check_job(&s, d, RUN_DONE);
    assert_int_equal(count(&s, BRIDGE_EV_QUEUED, c), 1);
    assert_int_equal(count(&s, BRIDGE_EV_STARTED, c), 0);
    assert_int_equal(count(&s, BRIDGE_EV_FINISHED, c), 0);
    seen_free(&s);
    bridge_destroy(b);
}

static void test_bridge_full_queue_is_refused(void **state) {
    (void)state;
    Bridge *b = make_bridge();
    int a = enqueue(b, 1000000, "");
    Seen s = {0};
    pump_until(b, &s, BRIDGE_EV_STARTED, a, 1, 60);
    Preset p;
    tiny(&p, 2);
    for (int i = 0; i < BRIDGE_QUEUE_MAX; i++)
        assert_int_equal(bridge_enqueue(b, &p, "", NULL, NULL), ST_OK);
    int job = -1;
    Error err = {0};
    assert_int_equal(bridge_enqueue(b, &p, "", &job, &err), ST_STATE);
    assert_int_equal(job, -1);
    assert_non_null(strstr(err.msg, "full"));
    bridge_snapshot(b, &s.snap);
    assert_int_equal(s.snap.queued, BRIDGE_QUEUE_MAX);
    /* Room again once one leaves. */
    assert_int_equal(bridge_cancel(b, a + 1), 1);
    assert_int_equal(bridge_enqueue(b, &p, "", &job, &err), ST_OK);
    assert_int_equal(job, a + BRIDGE_QUEUE_MAX + 1);
    seen_free(&s);
    bridge_destroy(b); /* drops the 64 queued jobs */
}

static void test_bridge_failed_job_reports_and_bridge_goes_on(void **state) {
    (void)state;
    Bridge *b = make_bridge();
    Preset p;
    tiny(&p, 2);
    assert_int_equal(preset_set(&p, "data.dataset=/nonexistent/birds", NULL), ST_OK);
    int a = -1;
    assert_int_equal(bridge_enqueue(b, &p, "", &a, NULL), ST_OK);
    int c = enqueue(b, 2, "");
    Seen s = {0};
    pump_until(b, &s, BRIDGE_EV_FINISHED, c, 1, 60);
    int fin = find(&s, BRIDGE_EV_FINISHED, a, 0);
    assert_true(fin >= 0);
    assert_int_equal(s.ev[fin].state, RUN_FAILED);
    assert_true(s.ev[fin].accuracy == -1);
    assert_non_null(strstr(s.ev[fin].text, "data.dataset: /nonexistent/birds"));
    /* Refused before its run directory was made: nothing started. */
    assert_string_equal(s.ev[fin].run_dir, "");
    assert_int_equal(count(&s, BRIDGE_EV_STARTED, a), 0);
    assert_int_equal(count(&s, BRIDGE_EV_ROW, a), 0);
    check_job(&s, c, RUN_DONE);
    seen_free(&s);
    bridge_destroy(b);
}

static void test_bridge_full_event_ring_keeps_starts_and_ends(void **state) {
    (void)state;
    Bridge *b = make_bridge();
    /* The cheapest iterations, each with a test and a train row. */
    Preset p;
    tiny(&p, 1000000);
    const char *sets[] = {"data.resize=32", "data.resolution=32", "solver.batch_size=1",
                          "solver.test_interval=1"};
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
        assert_int_equal(preset_set(&p, sets[i], NULL), ST_OK);
    int a = -1;
    assert_int_equal(bridge_enqueue(b, &p, "", &a, NULL), ST_OK);
    /* A UI that does not poll: rows and log lines pile up past the ring. */
    BridgeSnapshot snap = {0};
    double end = timer_now() + 120;
    while (snap.dropped < 100) {
        assert_true(timer_now() < end);
        assert_true(bridge_busy(b)); /* not failed */
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
        bridge_snapshot(b, &snap);
    }
    bridge_stop(b);
    bridge_wait_idle(b);
    assert_int_equal(bridge_busy(b), 0);
    Seen s = {0};
    pump(b, &s, 0);
    assert_int_equal(s.n, BRIDGE_EVENTS_MAX);
    assert_int_equal(s.ev[0].kind, BRIDGE_EV_QUEUED);
    assert_int_equal(s.ev[1].kind, BRIDGE_EV_STARTED);
    assert_int_equal(s.ev[s.n - 1].kind, BRIDGE_EV_FINISHED);
    assert_int_equal(s.ev[s.n - 1].state, RUN_STOPPED);
    /* The rows kept are the newest ones, without a gap, ending with the last. */
    const TrainRow *last = last_row(&s, a, PHASE_TRAIN);
    bridge_snapshot(b, &snap);
    assert_int_equal(last ? last->iter : -1, snap.iter);
    assert_true(snap.dropped > 0);
    int prev = -1, rows = 0;
    for (int i = 0; i < s.n; i++) {
        if (s.ev[i].kind != BRIDGE_EV_ROW || s.ev[i].row.phase != PHASE_TRAIN) continue;
        assert_true(prev < 0 || s.ev[i].row.iter == prev + 1);
        prev = s.ev[i].row.iter;
        rows++;
    }
    assert_true(rows > BRIDGE_EVENTS_MAX / 8); /* a quarter of the events are train rows */
    seen_free(&s);
    bridge_destroy(b);
}

static void test_bridge_destroy_while_running_is_prompt(void **state) {
    (void)state;
    Bridge *b = make_bridge();
    int a = enqueue(b, 1000000, "");
    enqueue(b, 2, "");
    Seen s = {0};
    pump_until(b, &s, BRIDGE_EV_ROW, a, 1, 60);
    int st_at = find(&s, BRIDGE_EV_STARTED, a, 0);
    char run_dir[1024];
    snprintf(run_dir, sizeof run_dir, "%s", s.ev[st_at].run_dir);
    double t0 = timer_now();
    bridge_destroy(b);
    assert_true(timer_now() - t0 < 5);
    RunStatus st;
    assert_int_equal(runstore_read_status(run_dir, &st, NULL), ST_OK);
    assert_int_equal(st.state, RUN_STOPPED);
    seen_free(&s);
    /* Destroying a paused bridge wakes the parked job too. */
    b = make_bridge();
    s = (Seen){0};
    a = enqueue(b, 1000000, "");
    pump_until(b, &s, BRIDGE_EV_ROW, a, 1, 60);
    bridge_pause(b, 1);
    double end = timer_now() + 30;
    while (!s.snap.paused) {
        assert_true(timer_now() < end);
        pump(b, &s, 0.2);
    }
    t0 = timer_now();
    bridge_destroy(b);
    assert_true(timer_now() - t0 < 5);
    seen_free(&s);
    bridge_destroy(NULL);
}

/* A range test: its points grow in the copy while it runs, one LRFIND
 * event ends it (no STARTED, no run), the copy keeps the whole curve, its
 * suggestions and times; a stop ends one stopped; a bad one fails. */
static void test_bridge_range_test_writes_no_run(void **state) {
    (void)state;
    Bridge *b = make_bridge();
    int runs = testlab_run_count(&lab);
    Preset p;
    tiny(&p, 5);
    LrFindOptions o = {.start = 1e-4, .end = 1e4, .iters = 60};
    int job = 0;
    Error err = {0};
    assert_int_equal(bridge_enqueue_lrfind(b, &p, &o, &job, &err), ST_OK);
    Seen s = {0};
    BridgeLrFind *l = malloc(sizeof *l);
    int grew = 0, last_n = 0;
    double end = timer_now() + 60;
    while (count(&s, BRIDGE_EV_LRFIND, job) == 0) {
        assert_true(timer_now() < end);
        pump(b, &s, 0.2);
        bridge_lrfind(b, l);
        if (l->job == job && l->result.curve.n > last_n) grew++, last_n = l->result.curve.n;
    }
    bridge_lrfind(b, l);
    assert_int_equal(l->job, job);
    assert_false(l->running);
    assert_int_equal(l->status, ST_OK);
    assert_string_equal(l->name, "tiny");
    assert_true(l->result.curve.n >= 2 && l->result.curve.n <= 60);
    assert_int_not_equal(l->result.curve.ended, LR_RANGE_RUNNING);
    assert_true(l->result.seconds_train > 0);
    assert_true(grew >= 1);
    assert_int_equal(count(&s, BRIDGE_EV_STARTED, job), 0);
    assert_int_equal(count(&s, BRIDGE_EV_FINISHED, job), 0);
    const BridgeEvent *e = &s.ev[find(&s, BRIDGE_EV_LRFIND, job, 0)];
    assert_int_equal(e->state, RUN_DONE);
    assert_true(strncmp(e->text, "stopped at iteration", 20) == 0 ||
                strncmp(e->text, "ran all 60", 10) == 0);
    assert_int_equal(bridge_busy(b), 0);
    assert_int_equal(testlab_run_count(&lab), runs);

    /* A stop while it runs (it waits behind a run, so the stop finds it). */
    o.end = 1e-2; /* never blows up: runs all 1000 iterations unless stopped */
    o.iters = 1000;
    int run = enqueue(b, 3, "");
    assert_int_equal(bridge_enqueue_lrfind(b, &p, &o, &job, &err), ST_OK);
    pump_until(b, &s, BRIDGE_EV_FINISHED, run, 1, 60);
    end = timer_now() + 60;
    do {
        assert_true(timer_now() < end);
        pump(b, &s, 0.05);
        bridge_lrfind(b, l);
    } while (l->job != job || l->result.curve.n < 3);
    bridge_stop(b);
    pump_until(b, &s, BRIDGE_EV_LRFIND, job, 1, 60);
    e = &s.ev[find(&s, BRIDGE_EV_LRFIND, job, 0)];
    assert_int_equal(e->state, RUN_STOPPED);
    assert_non_null(strstr(e->text, "stopped by the user"));

    /* A sweep fails as bad input, and says why. */
    testpreset_set(&p, "sweep.solver.weight_decay=0, 0.001");
    assert_int_equal(bridge_enqueue_lrfind(b, &p, &o, &job, &err), ST_OK);
    pump_until(b, &s, BRIDGE_EV_LRFIND, job, 1, 60);
    e = &s.ev[find(&s, BRIDGE_EV_LRFIND, job, 0)];
    assert_int_equal(e->state, RUN_FAILED);
    assert_non_null(strstr(e->text, "fix the swept keys with --set"));
    bridge_lrfind(b, l);
    assert_true(l->bad_input);
    assert_int_not_equal(l->status, ST_OK);
    free(l);
    seen_free(&s);
    bridge_destroy(b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bridge_runs_jobs_in_order),
        cmocka_unit_test(test_bridge_stop_ends_only_the_running_job),
        cmocka_unit_test(test_bridge_pause_holds_rows_until_continue),
        cmocka_unit_test(test_bridge_cancel_removes_a_queued_job),
        cmocka_unit_test(test_bridge_full_queue_is_refused),
        cmocka_unit_test(test_bridge_failed_job_reports_and_bridge_goes_on),
        cmocka_unit_test(test_bridge_full_event_ring_keeps_starts_and_ends),
        cmocka_unit_test(test_bridge_destroy_while_running_is_prompt),
        cmocka_unit_test(test_bridge_range_test_writes_no_run),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
