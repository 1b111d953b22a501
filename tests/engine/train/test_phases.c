/*
 * test_phases — a run says what it is doing from its first moment: the
 * phases in order (dataset, the feature cache, test passes, training,
 * snapshots) with their progress, in the callbacks and in status.ini
 * (state running from the start); a stop asked for during the cache (built,
 * or read from the store) or during a test pass takes effect at the next
 * batch, and the run resumes
 * to the same rows as one never stopped; a caller that parks in
 * should_stop (the lab's pause) is asked every batch of the cache.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/run/runner.h"
#include "tests/lib/testlab.h"
#include "tests/lib/testpreset.h"
#include "tests/lib/testutil.h"

static TestLab lab; /* a generated dataset and a run store, shared by the tests */

static int setup(void **state) {
    (void)state;
    return testlab_init(&lab, "phases", 3, 12);
}

static int teardown(void **state) {
    (void)state;
    return testlab_fini(&lab);
}

/* last_layer on a random frozen backbone with the feature cache: 18
 * training images x 2 views + 18 test images = 54 cached samples, batches
 * of 6; tests at 0, 8 and 16, snapshots every 8. */
static void cached(Preset *p) {
    const char *sets[] = {
        "model.width=0.0625",       "model.bilinear_dim=128", "model.weights=none",
        "transfer.mode=last_layer", "transfer.cache_views=2", "solver.max_iter=16",
        "solver.batch_size=6",      "solver.test_iter=3",     "solver.test_interval=8",
        "solver.display=4",         "solver.snapshot=8",      "solver.test_initialization=true",
    };
    testpreset_tiny(p, lab.data, sets, sizeof sets / sizeof sets[0]);
}

enum { MAX_SEEN = 4096 };

typedef struct Seen {
    char run_dir[1024];
    int n;
    RunStatus st[MAX_SEEN];   /* every progress report */
    RunStatus file[MAX_SEEN]; /* status.ini as read back at that report */
    int rows, train_rows;
    const char *stop_phase; /* stop once this phase is reported (NULL: never) */
    int asked_in_cache;     /* should_stop calls while the cache was building */
} Seen;

static void on_start(void *ctx, const char *run_dir, const RunStatus *st) {
    Seen *s = ctx;
    snprintf(s->run_dir, sizeof s->run_dir, "%s", run_dir);
    RunStatus file;
    assert_int_equal(runstore_read_status(run_dir, &file, NULL), ST_OK);
    assert_int_equal(file.state, RUN_RUNNING); /* running from the first moment */
    assert_int_equal(st->state, RUN_RUNNING);
}

static void on_progress(void *ctx, const RunStatus *st) {
    Seen *s = ctx;
    if (s->n == MAX_SEEN) return;
    s->st[s->n] = *st;
    /* The dataset is opened (and checked) before the run directory is made. */
    memset(&s->file[s->n], 0, sizeof s->file[s->n]);
    if (s->run_dir[0])
        assert_int_equal(runstore_read_status(s->run_dir, &s->file[s->n], NULL), ST_OK);
    else
        assert_string_equal(st->phase, "dataset");
    s->n++;
}

static void on_row(void *ctx, const TrainRow *row, const RunStatus *st) {
    (void)st;
    Seen *s = ctx;
    s->rows++;
    s->train_rows += row->phase == PHASE_TRAIN;
}

static int should_stop(void *ctx) {
    Seen *s = ctx;
    const RunStatus *last = s->n ? &s->st[s->n - 1] : NULL;
    if (last && strcmp(last->phase, "cache") == 0) s->asked_in_cache++;
    return s->stop_phase && last && strcmp(last->phase, s->stop_phase) == 0;
}

static RunnerCallbacks callbacks(Seen *s) {
    return (RunnerCallbacks){.ctx = s,
                             .on_start = on_start,
                             .on_row = on_row,
                             .on_progress = on_progress,
                             .should_stop = should_stop};
}

/* The index of the first report of phase at or after from, or -1. */
static int find_phase(const Seen *s, const char *phase, int from) {
    for (int i = from; i < s->n; i++)
        if (strcmp(s->st[i].phase, phase) == 0) return i;
    return -1;
}

/* Removes the run store's feature caches, so the next run builds its own. */
static void forget_caches(void) {
    char cache[200];
    snprintf(cache, sizeof cache, "%s/cache", lab.runs);
    assert_int_equal(testutil_rmtree(cache), 0);
}

/* Runs the cached preset, watched (stopping once stop_phase is reported
 * when not NULL), into res; returns what was seen (the caller frees it). */
static Seen *run_watched(const char *stop_phase, RunResult *res) {
    Preset p;
    cached(&p);
    Seen *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->stop_phase = stop_phase;
    RunnerCallbacks cb = callbacks(s);
    Error err = {0};
    assert_int_equal(runner_run(&p, "", lab.runs, &cb, res, &err), ST_OK);
    return s;
}

static void test_phases_in_order_with_progress(void **state) {
    (void)state;
    RunResult res;
    Seen *s = run_watched(NULL, &res);
    assert_int_equal(res.state, RUN_DONE);
    int d = find_phase(s, "dataset", 0), c = find_phase(s, "cache", 0);
    int t = find_phase(s, "test", c), tr = find_phase(s, "train", c);
    int sn = find_phase(s, "snapshot", tr);
    assert_true(d == 0 && c > d && t > c && tr > t && sn > tr);
    /* The cache counts its 54 samples up to the end, and status.ini agrees. */
    long last = -1;
    for (int i = c; i < s->n && strcmp(s->st[i].phase, "cache") == 0; i++) {
        assert_int_equal(s->st[i].phase_total, 54);
        assert_true(s->st[i].phase_done >= last);
        last = s->st[i].phase_done;
        assert_string_equal(s->file[i].phase, "cache");
        assert_int_equal(s->file[i].phase_done, s->st[i].phase_done);
        assert_int_equal(s->file[i].state, RUN_RUNNING);
    }
    assert_int_equal(last, 54);
    /* Training counts iterations of max_iter; the last report of it has an ETA. */
    int last_train = -1;
    for (int i = tr; i < s->n; i++)
        if (strcmp(s->st[i].phase, "train") == 0) {
            assert_int_equal(s->st[i].phase_total, 16);
            last_train = i;
        }
    assert_int_equal(s->st[last_train].phase_done, 16);
    assert_true(s->st[last_train].phase_eta >= 0);
    RunStatus fin;
    assert_int_equal(runstore_read_status(res.run_dir, &fin, NULL), ST_OK);
    assert_int_equal(fin.state, RUN_DONE);
    assert_true(fin.phase[0] != '\0'); /* the last phase stays recorded */
    free(s);
}

/* Stops as soon as phase is reported (progress reports come when a phase
 * starts and then at most every RUNNER_PROGRESS_SECONDS, so a tiny run
 * sees the start and the end); the run ends stopped within one batch (no
 * row after it), its status says so, and resuming gives the rows of a run
 * that was never stopped. */
static void stop_in(const char *phase, int rows_before, int built) {
    Preset p;
    cached(&p);
    RunResult full, part, rest;
    Error err = {0};
    assert_int_equal(runner_run(&p, "", lab.runs, NULL, &full, &err), ST_OK);
    if (built) forget_caches(); /* else the stop comes while the store's cache is read */
    Seen *s = run_watched(phase, &part);
    assert_int_equal(part.state, RUN_STOPPED);
    assert_int_equal(s->rows, rows_before);
    /* Nothing of that phase ran past the batch after the stop. */
    long most = 0;
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->st[i].phase, phase) == 0 && s->st[i].phase_done > most)
            most = s->st[i].phase_done;
    assert_true(most <= 6);
    RunStatus st;
    assert_int_equal(runstore_read_status(part.run_dir, &st, NULL), ST_OK);
    assert_int_equal(st.state, RUN_STOPPED);
    assert_int_equal(runner_resume(part.run_dir, lab.runs, NULL, &rest, &err), ST_OK);
    assert_int_equal(rest.state, RUN_DONE);
    char *a = testlab_rows(full.run_dir), *b = testlab_rows(part.run_dir);
    assert_string_equal(a, b);
    assert_true(rest.final_accuracy == full.final_accuracy);
    free(a);
    free(b);
    free(s);
}

static void test_stop_during_the_cache(void **state) {
    (void)state;
    stop_in("cache", 0, 1); /* at most a batch into 54 samples: no row yet */
}

static void test_stop_while_the_stored_cache_is_read(void **state) {
    (void)state;
    stop_in("cache", 0, 0); /* the phase is reported, and a stop taken, there too */
}

static void test_stop_during_a_test_pass(void **state) {
    (void)state;
    stop_in("test", 0, 0); /* in the first test (iteration 0): no row */
}

static void test_pause_is_asked_every_cache_batch(void **state) {
    (void)state;
    RunResult res;
    forget_caches(); /* a build, batch by batch */
    Seen *s = run_watched(NULL, &res);
    assert_true(s->asked_in_cache >= 54 / 6); /* every batch of the 54 samples */
    free(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_phases_in_order_with_progress),
        cmocka_unit_test(test_stop_during_the_cache),
        cmocka_unit_test(test_stop_while_the_stored_cache_is_read),
        cmocka_unit_test(test_stop_during_a_test_pass),
        cmocka_unit_test(test_pause_is_asked_every_cache_batch),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
