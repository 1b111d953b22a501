/*
 * test_halving_sweep — successive halving driven from the run store
 * (src/run/halving_sweep.c) without training anything: a sweep recorded
 * and loaded back, and halving_sweep_run on stores written by hand, where
 * every decision is read from status.ini and metrics.tsv -- who reached a
 * rung, who is promoted (the lines it says), who is marked pruned, where a
 * stop ends the sweep, and the tally and winner. A should_stop that is
 * called means the sweep wanted to train: the tests say when that is right.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/io/fileio.h"
#include "src/run/halving_sweep.h"
#include "src/run/runstore.h"
#include "tests/lib/testpreset.h"
#include "tests/lib/testutil.h"

typedef struct Lab {
    char root[256];
    char runs[300];
    Preset *p; /* 4 candidates, min_iter 10, eta 2, max_iter 40 */
    int stops; /* times should_stop was asked */
    char lines[8][200];
    int n_lines;
} Lab;

static int lab_setup(void **state) {
    Lab *l = calloc(1, sizeof *l);
    if (!l || !(l->p = malloc(sizeof *l->p)) ||
        testutil_tmpdir(l->root, sizeof l->root, "halving_sweep"))
        return -1;
    snprintf(l->runs, sizeof l->runs, "%s/runs", l->root);
    static const char *const sets[] = {
        "experiment.name=hs", "solver.max_iter=40", "sweep.strategy=halving",
        "sweep.min_iter=10",  "sweep.eta=2",        "sweep.model.bilinear_dim=16, 32, 64, 128",
    };
    preset_defaults(l->p);
    testpreset_apply(l->p, sets, sizeof sets / sizeof sets[0]);
    *state = l;
    return mkdir(l->runs, 0777);
}

static int lab_teardown(void **state) {
    Lab *l = *state;
    int rc = testutil_rmtree(l->root);
    free(l->p);
    free(l);
    return rc;
}

static int stop_always(void *ctx) {
    ((Lab *)ctx)->stops++;
    return 1;
}

static void on_line(void *ctx, const char *line) {
    Lab *l = ctx;
    if (l->n_lines < 8) snprintf(l->lines[l->n_lines++], sizeof l->lines[0], "%s", line);
}

/* Writes text as path (whole, replacing it). */
static void put(const char *path, const char *text) {
    Error err = {0};
    if (fileio_write_atomic(path, text, strlen(text), &err)) fail_msg("%s", err.msg);
}

/* One candidate's run: directory `id`, in sweep `sweep`, state at iter,
 * with a test row at each of the n iterations its[] with accuracy acc[]. */
typedef struct Cand {
    const char *id;
    int candidate;
    RunState state;
    int iter;
    int n;
    int its[3];
    double acc[3];
} Cand;

static void make_candidate(Lab *l, const char *sweep, const Cand *c) {
    char dir[600], path[700], text[4096];
    snprintf(dir, sizeof dir, "%s/%s", l->runs, c->id);
    assert_int_equal(mkdir(dir, 0777), 0);
    RunStatus st;
    runstatus_defaults(&st);
    st.state = c->state;
    st.iter = c->iter;
    snprintf(st.heldout, sizeof st.heldout, "test");
    snprintf(st.halving, sizeof st.halving, "%s", sweep);
    st.candidate = c->candidate;
    if (c->state == RUN_DONE) st.final_accuracy = c->acc[c->n - 1] - 0.01;
    assert_true(runstatus_format(&st, text, sizeof text) > 0);
    snprintf(path, sizeof path, "%s/status.ini", dir);
    put(path, text);
    int len = snprintf(text, sizeof text,
                       "iter\tphase\tloss\taccuracy\tlr\tseconds\timages_per_s\tdata_wait\n");
    for (int i = 0; i < c->n; i++)
        len += snprintf(text + len, sizeof text - (size_t)len, "%d\ttest\t1\t%.4f\t0.01\t1\t1\t0\n",
                        c->its[i], c->acc[i]);
    snprintf(path, sizeof path, "%s/metrics.tsv", dir);
    put(path, text);
}

static Status run_sweep(Lab *l, const char *id, HalvingOutcome *out, Error *err) {
    RunnerCallbacks cb = {.ctx = l, .should_stop = stop_always};
    return halving_sweep_run(l->p, id, l->runs, &cb, on_line, l, out, err);
}

static RunStatus status_of(Lab *l, const char *id) {
    char dir[600];
    snprintf(dir, sizeof dir, "%s/%s", l->runs, id);
    RunStatus st;
    Error err = {0};
    if (runstore_read_status(dir, &st, &err)) fail_msg("%s", err.msg);
    return st;
}

static void test_halving_sweep_create_and_load(void **state) {
    Lab *l = *state;
    char id[256], id2[256];
    Error err = {0};
    assert_int_equal(halving_sweep_create(l->p, l->runs, id, sizeof id, &err), ST_OK);
    /* halving-<yyyymmdd-hhmmss>-<name> */
    assert_int_equal(strncmp(id, "halving-", 8), 0);
    assert_int_equal(strlen(id), 8 + 15 + 1 + 2);
    assert_string_equal(id + 24, "hs");
    char path[800];
    snprintf(path, sizeof path, "%s/halving/%s/preset.ini", l->runs, id);
    assert_int_equal(access(path, F_OK), 0);
    Preset *back = malloc(sizeof *back);
    assert_non_null(back);
    assert_int_equal(halving_sweep_load(l->runs, id, back, &err), ST_OK);
    assert_int_equal(back->sweep.strategy, SWEEP_HALVING); /* the [sweep] is recorded */
    assert_int_equal(back->sweep.min_iter, 10);
    assert_int_equal(back->sweep.eta, 2);
    assert_int_equal(preset_sweep_count(back), 4);
    assert_int_equal(back->solver.max_iter, 40);
    free(back);
    /* A second in the same second gets -2 (else a later stamp). */
    assert_int_equal(halving_sweep_create(l->p, l->runs, id2, sizeof id2, &err), ST_OK);
    assert_string_not_equal(id, id2);
    if (strncmp(id, id2, 23) == 0) {
        char want[300];
        snprintf(want, sizeof want, "%s-2", id);
        assert_string_equal(id2, want);
    }
    Preset p;
    assert_int_equal(halving_sweep_load(l->runs, "halving-nope", &p, &err), ST_IO);
    assert_string_equal(err.msg, "halving-nope: no run or halving sweep of that name");
}

static void test_halving_sweep_finished_store(void **state) {
    Lab *l = *state;
    const char *sw = "halving-x";
    /* Rung 0 (10): 0.10 0.20 0.50 0.60 -> 2 and 3 go on; rung 1 (20): 2
     * at 0.55, 3 at 0.65 -> 3 goes on and finishes at 40 with 0.70. An
     * older failed run of candidate 3 and a run of another sweep are
     * passed over. */
    static const Cand cands[] = {
        {"20260101-000000-old3", 3, RUN_FAILED, 5, 0, {0}, {0}},
        {"20260101-000001-c0", 0, RUN_PRUNED, 10, 1, {10}, {0.10}},
        {"20260101-000002-c1", 1, RUN_PRUNED, 10, 1, {10}, {0.20}},
        {"20260101-000003-c2", 2, RUN_PRUNED, 20, 2, {10, 20}, {0.50, 0.55}},
        {"20260101-000004-c3", 3, RUN_DONE, 40, 3, {10, 20, 40}, {0.60, 0.65, 0.70}},
    };
    for (size_t i = 0; i < sizeof cands / sizeof cands[0]; i++) make_candidate(l, sw, &cands[i]);
    make_candidate(l, "halving-other",
                   &(Cand){"20260101-000005-z", 0, RUN_DONE, 40, 1, {40}, {0.99}});
    HalvingOutcome out;
    Error err = {0};
    assert_int_equal(run_sweep(l, sw, &out, &err), ST_OK);
    assert_int_equal(l->stops, 0); /* nothing left to train */
    assert_int_equal(out.stopped, 0);
    assert_int_equal(out.plan.n_rungs, 3); /* 4 @ 10, 2 @ 20, 1 @ 40 */
    assert_int_equal(out.plan.iter[1], 20);
    assert_int_equal(out.best, 3);
    assert_near(out.best_accuracy, 0.70, 1e-12);
    assert_near(out.best_test, 0.69, 1e-12); /* its final (test split) accuracy */
    assert_string_equal(out.heldout, "test");
    assert_int_equal(out.iterations, 10 + 10 + 20 + 40);
    assert_int_equal(out.pruned, 3);
    assert_int_equal(out.done, 1);
    assert_int_equal(out.failed, 0);
    assert_int_equal(l->n_lines, 2);
    assert_string_equal(l->lines[0],
                        "halving rung 1/3 at iteration 10: 2 of 4 go on: 2 (50.00%), 3 (60.00%)");
    assert_string_equal(l->lines[1], "halving rung 2/3 at iteration 20: 1 of 2 go on: 3 (65.00%)");
}

static void test_halving_sweep_prunes_and_stops(void **state) {
    Lab *l = *state;
    const char *sw = "halving-y";
    /* Rung 0: all stopped at 10 but 1, which failed with no score; 2 and 3
     * are best, so 0 is marked pruned at rung 0; 1 stays failed. Rung 1
     * wants to train 2 further: the stop ends the sweep there. */
    static const Cand cands[] = {
        {"20260101-000001-c0", 0, RUN_STOPPED, 10, 1, {10}, {0.30}},
        {"20260101-000002-c1", 1, RUN_FAILED, 5, 0, {0}, {0}},
        {"20260101-000003-c2", 2, RUN_STOPPED, 10, 1, {10}, {0.40}},
        {"20260101-000004-c3", 3, RUN_STOPPED, 10, 1, {10}, {0.40}},
    };
    for (size_t i = 0; i < sizeof cands / sizeof cands[0]; i++) make_candidate(l, sw, &cands[i]);
    HalvingOutcome out;
    Error err = {0};
    assert_int_equal(run_sweep(l, sw, &out, &err), ST_OK);
    assert_int_equal(out.stopped, 1);
    assert_int_equal(l->stops, 1);
    RunStatus c0 = status_of(l, cands[0].id), c2 = status_of(l, cands[2].id);
    assert_int_equal(c0.state, RUN_PRUNED);
    assert_int_equal(c0.rung, 0);
    assert_int_equal(c2.state, RUN_STOPPED); /* promoted: waits for rung 1 */
    assert_int_equal(status_of(l, cands[1].id).state, RUN_FAILED);
    assert_string_equal(l->lines[0],
                        "halving rung 1/3 at iteration 10: 2 of 4 go on: 2 (40.00%), 3 (40.00%)");
    assert_int_equal(l->n_lines, 1);
    assert_int_equal(out.best, -1);
    assert_true(out.best_test == -1);
    assert_int_equal(out.pruned, 1);
    assert_int_equal(out.failed, 1);
    assert_int_equal(out.done, 0);
    assert_int_equal(out.iterations, 10 + 5 + 10 + 10);
}

static void test_halving_sweep_stops_before_the_first_run(void **state) {
    Lab *l = *state;
    HalvingOutcome out;
    Error err = {0};
    /* An empty store: candidate 0 would be trained first; the stop is
     * asked before any run is made. */
    assert_int_equal(run_sweep(l, "halving-z", &out, &err), ST_OK);
    assert_int_equal(out.stopped, 1);
    assert_int_equal(l->stops, 1);
    assert_int_equal(l->n_lines, 0);
    char **ids;
    int n;
    assert_int_equal(runstore_list(l->runs, &ids, &n, &err), ST_OK);
    assert_int_equal(n, 0);
    assert_int_equal(out.iterations, 0);
}

static void test_halving_sweep_unreadable_store(void **state) {
    Lab *l = *state;
    char file[400];
    snprintf(file, sizeof file, "%s/plainfile", l->root);
    put(file, "x");
    HalvingOutcome out;
    Error err = {0};
    RunnerCallbacks cb = {.ctx = l, .should_stop = stop_always};
    assert_int_equal(halving_sweep_run(l->p, "halving-q", file, &cb, NULL, NULL, &out, &err),
                     ST_IO);
    assert_non_null(strstr(err.msg, file));
    assert_int_equal(l->stops, 0);
    /* Recording a sweep there fails too, naming the path. */
    char id[256];
    assert_int_equal(halving_sweep_create(l->p, file, id, sizeof id, &err), ST_IO);
    assert_non_null(strstr(err.msg, "plainfile"));
}

#define T(f) cmocka_unit_test_setup_teardown(f, lab_setup, lab_teardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        T(test_halving_sweep_create_and_load),  T(test_halving_sweep_finished_store),
        T(test_halving_sweep_prunes_and_stops), T(test_halving_sweep_stops_before_the_first_run),
        T(test_halving_sweep_unreadable_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
