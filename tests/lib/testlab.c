/*
 * testlab — a temporary directory with a generated dataset. See testlab.h.
 */
#include "tests/lib/testlab.h"

#include <stdio.h>
#include <stdlib.h>

#include "engine/synth/synth.h"
#include "src/run/runstore.h"
#include "tests/lib/testutil.h"

int testlab_init(TestLab *lab, const char *name, int classes, int per_class) {
    if (testutil_tmpdir(lab->dir, sizeof lab->dir, name)) return -1;
    snprintf(lab->data, sizeof lab->data, "%s/birds", lab->dir);
    snprintf(lab->runs, sizeof lab->runs, "%s/runs", lab->dir);
    SynthConfig sc = {.classes = classes, .per_class = per_class, .size = 64, .seed = 5};
    return synth_generate(&sc, lab->data, NULL, NULL) == ST_OK ? 0 : -1;
}

int testlab_fini(const TestLab *lab) {
    return testutil_rmtree(lab->dir);
}

int testlab_run_count(const TestLab *lab) {
    char **ids;
    int n;
    assert_int_equal(runstore_list(lab->runs, &ids, &n, NULL), ST_OK);
    runstore_free_list(ids, n);
    return n;
}

char *testlab_rows(const char *run_dir) {
    RunRow *rows;
    int n;
    assert_int_equal(runstore_read_metrics(run_dir, &rows, &n, NULL), ST_OK);
    char *out = malloc((size_t)n * 96 + 1);
    assert_non_null(out);
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; i < n; i++)
        len += (size_t)sprintf(out + len, "%d %d %.9g %.9g %.9g\n", rows[i].iter, rows[i].heldout,
                               rows[i].loss, rows[i].accuracy, rows[i].lr);
    free(rows);
    return out;
}

void testlab_expect_same_rows(const char *want_dir, const char *got_dir) {
    char *want = testlab_rows(want_dir), *got = testlab_rows(got_dir);
    assert_string_equal(want, got);
    free(want);
    free(got);
}

static void testlab_count_row(void *ctx, const TrainRow *row, const RunStatus *st) {
    (void)row;
    (void)st;
    ((TestStopper *)ctx)->rows++;
}

static int testlab_stop_now(void *ctx) {
    TestStopper *s = ctx;
    return s->stop_after && s->rows >= s->stop_after;
}

RunnerCallbacks testlab_stopper(TestStopper *s) {
    return (RunnerCallbacks){
        .ctx = s, .on_row = testlab_count_row, .should_stop = testlab_stop_now};
}
