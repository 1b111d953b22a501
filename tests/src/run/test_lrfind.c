/*
 * test_lrfind — the range test of a preset never changes its run: on a
 * preset with a backbone file (last_layer, on the feature cache) and on one
 * with init_from a finished run (every layer, on the network), the weights
 * file, the finished run's snapshots and every other file of the run store
 * are byte for byte as they were and no run directory is made; two tests in
 * a row give the same curve (fresh weights and solver each time), at the
 * rates of Caffe's exp policy; a sweep, a bad range and a preset that would
 * fail its checks are refused as bad input; a stop ends the test where it
 * is asked; the default range takes more iterations on the feature cache.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/io/fileio.h"
#include "engine/train/weights.h"
#include "src/run/cachestore.h"
#include "src/run/lrfind.h"
#include "src/run/runner.h"
#include "tests/lib/testlab.h"
#include "tests/lib/testpreset.h"
#include "tests/lib/testutil.h"

static TestLab lab;
static char backbone[256]; /* a backbone file exported from the finished run */
static char finished[1024];

static void stage1(Preset *p, const char *const *sets, size_t n) {
    testpreset_tiny(p, lab.data, NULL, 0);
    const char *shared[] = {"experiment.name=tiny",  "model.width=0.0625", "model.bilinear_dim=64",
                            "solver.batch_size=4",   "solver.max_iter=6",  "solver.test_iter=2",
                            "solver.test_interval=6"};
    testpreset_apply(p, shared, sizeof shared / sizeof shared[0]);
    testpreset_apply(p, sets, n);
    assert_int_equal(preset_validate(p, NULL), ST_OK);
}

/* A finished tiny run in the store and its backbone as a weights file. */
static int setup(void **state) {
    (void)state;
    if (testlab_init(&lab, "lrfind", 3, 12)) return -1;
    Preset p;
    stage1(&p, NULL, 0);
    RunResult res;
    Error err = {0};
    if (runner_run(&p, "", lab.runs, NULL, &res, &err) || res.state != RUN_DONE) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return -1;
    }
    snprintf(finished, sizeof finished, "%s", res.run_dir);
    char snap[1200];
    snprintf(backbone, sizeof backbone, "%s/backbone.safetensors", lab.dir);
    int tensors;
    uint64_t floats;
    if (runstore_last_snapshot(finished, snap, sizeof snap, NULL, &err) ||
        weights_export_backbone(snap, backbone, NULL, 0, &tensors, &floats, &err)) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state) {
    (void)state;
    return testlab_fini(&lab);
}

/* --- every file of a tree, with its bytes' hash -------------------------------------- */

static char *tree_text; /* what tree_walk collects */
static size_t tree_len;

static int tree_visit(const char *path, const struct stat *sb, int type, struct FTW *ftw) {
    (void)sb;
    (void)ftw;
    if (strstr(path, "/runs/" CACHESTORE_DIR)) return 0; /* the shared features: a test may write */
    char line[1400];
    size_t n = 0;
    uint64_t h = 0xCBF29CE484222325ULL;
    if (type == FTW_F) {
        uint8_t *bytes = NULL;
        Error err = {0};
        assert_int_equal(fileio_read_all(path, &bytes, &n, &err), ST_OK);
        for (size_t i = 0; i < n; i++) h = (h ^ bytes[i]) * 0x100000001B3ULL;
        free(bytes);
    }
    int len =
        snprintf(line, sizeof line, "%s %d %zu %016llx\n", path, type, n, (unsigned long long)h);
    tree_text = realloc(tree_text, tree_len + (size_t)len + 1);
    memcpy(tree_text + tree_len, line, (size_t)len + 1);
    tree_len += (size_t)len;
    return 0;
}

/* Every directory and file under dir, each file with its size and FNV-1a
 * hash, one line each (malloc'd). */
static char *tree(const char *dir) {
    tree_text = NULL;
    tree_len = 0;
    assert_int_equal(nftw(dir, tree_visit, 16, FTW_PHYS), 0);
    return tree_text;
}

/* --- the tests ------------------------------------------------------------------- */

static void expect_same_curve(const LrFindResult *a, const LrFindResult *b) {
    assert_int_equal(a->curve.n, b->curve.n);
    assert_int_equal(a->curve.ended, b->curve.ended);
    for (int i = 0; i < a->curve.n; i++) {
        assert_true(a->curve.lr[i] == b->curve.lr[i]);
        if (a->curve.loss[i] != b->curve.loss[i])
            fail_msg("point %d: loss %.9g then %.9g", i, a->curve.loss[i], b->curve.loss[i]);
    }
    for (int k = 0; k < LR_RANGE_SUGGESTIONS; k++)
        assert_int_equal(a->suggest[k].index, b->suggest[k].index);
}

/* Runs the test of p twice and checks that nothing under the lab changed,
 * that both curves are the same, and that the rates are Caffe's exp. */
static void twice_unchanged(const Preset *p, const LrFindOptions *o, LrFindResult *res) {
    char *before = tree(lab.dir);
    LrFindResult *again = malloc(sizeof *again);
    Error err = {0};
    assert_int_equal(lrfind_run(p, lab.runs, o, NULL, res, &err), ST_OK);
    char *between = tree(lab.dir);
    assert_int_equal(lrfind_run(p, lab.runs, o, NULL, again, &err), ST_OK);
    char *after = tree(lab.dir);
    assert_string_equal(before, between);
    assert_string_equal(before, after);
    expect_same_curve(res, again);
    assert_true(res->curve.n >= 2);
    assert_int_not_equal(res->curve.ended, LR_RANGE_RUNNING);
    for (int i = 0; i < res->curve.n; i++)
        assert_true(res->curve.lr[i] == lr_range_rate(&res->curve, i));
    free(before);
    free(between);
    free(after);
    free(again);
}

static void test_lrfind_backbone_last_layer_on_the_cache(void **state) {
    (void)state;
    Preset p;
    stage1(&p, NULL, 0);
    testpreset_set(&p, "model.weights=%s", backbone);
    testpreset_apply(&p, (const char *const[]){"transfer.mode=last_layer"}, 1);
    LrFindOptions o = {.start = 1e-4, .end = 1e3, .iters = 60};
    LrFindResult *res = malloc(sizeof *res);
    int runs = testlab_run_count(&lab);
    twice_unchanged(&p, &o, res);
    assert_int_equal(testlab_run_count(&lab), runs);
    assert_true(res->cached);
    assert_string_equal(res->weights, backbone);
    assert_string_equal(res->init_from, "");
    assert_true(res->seconds_cache > 0 && res->seconds_train > 0);
    /* A classifier on frozen features blows up well inside this range. */
    assert_int_equal(res->curve.ended, LR_RANGE_DIVERGED);
    assert_true(res->suggest[LR_SUGGEST_MINIMUM].found);
    free(res);
}

static void test_lrfind_init_from_a_run_on_the_network(void **state) {
    (void)state;
    Preset p;
    stage1(&p, (const char *const[]){"transfer.mode=all", "transfer.init_from=tiny"}, 2);
    LrFindOptions o = {.start = 1e-5, .end = 10, .iters = 25};
    LrFindResult *res = malloc(sizeof *res);
    int runs = testlab_run_count(&lab);
    twice_unchanged(&p, &o, res);
    assert_int_equal(testlab_run_count(&lab), runs);
    assert_false(res->cached);
    assert_true(res->seconds_cache == 0);
    assert_non_null(strstr(res->init_from, finished));
    assert_non_null(strstr(res->init_from, "/snapshots/iter_6.safetensors"));
    free(res);
}

static int stop_after; /* points before the stop */
static int points_seen;
static void count_point(void *ctx, const LrRange *c) {
    (void)ctx;
    points_seen = c->n;
}
static int stop_when(void *ctx) {
    (void)ctx;
    return points_seen >= stop_after;
}

static void test_lrfind_stops_when_asked(void **state) {
    (void)state;
    Preset p;
    stage1(&p, NULL, 0);
    LrFindOptions o = {.start = 1e-5, .end = 1e-3, .iters = 30};
    LrFindCallbacks cb = {.on_point = count_point, .should_stop = stop_when};
    LrFindResult *res = malloc(sizeof *res);
    stop_after = 12;
    points_seen = 0;
    Error err = {0};
    assert_int_equal(lrfind_run(&p, lab.runs, &o, &cb, res, &err), ST_OK);
    assert_int_equal(res->curve.ended, LR_RANGE_STOPPED);
    assert_int_equal(res->curve.n, 12);
    free(res);
}

/* Expects the test of p to be refused as bad input naming frag, with
 * nothing under the lab changed. */
static void expect_refused(const Preset *p, const LrFindOptions *o, const char *frag) {
    char *before = tree(lab.dir);
    LrFindResult *res = malloc(sizeof *res);
    Error err = {0};
    assert_int_not_equal(lrfind_run(p, lab.runs, o, NULL, res, &err), ST_OK);
    assert_true(res->bad_input);
    if (!strstr(err.msg, frag)) fail_msg("'%s' lacks '%s'", err.msg, frag);
    char *after = tree(lab.dir);
    assert_string_equal(before, after);
    free(before);
    free(after);
    free(res);
}

/* The default range; more iterations where they cost milliseconds. */
static void test_lrfind_default_range(void **state) {
    (void)state;
    Preset p;
    stage1(&p, NULL, 0);
    LrFindOptions o = lrfind_options_default(&p);
    assert_true(o.start == 1e-5 && o.end == 1e3);
    assert_int_equal(o.iters, 100);
    testpreset_apply(&p, (const char *const[]){"transfer.mode=last_layer"}, 1);
    assert_int_equal(lrfind_options_default(&p).iters, 300);
    testpreset_apply(&p, (const char *const[]){"transfer.feature_cache=off"}, 1);
    assert_int_equal(lrfind_options_default(&p).iters, 100);
}

static void test_lrfind_refuses_what_a_run_refuses(void **state) {
    (void)state;
    Preset p;
    stage1(&p, NULL, 0);
    LrFindOptions o = lrfind_options_default(&p);
    testpreset_set(&p, "sweep.solver.weight_decay=0, 0.001");
    expect_refused(&p, &o, "fix the swept keys with --set");
    stage1(&p, NULL, 0);
    LrFindOptions bad = {.start = 1, .end = 0.1, .iters = 100};
    expect_refused(&p, &bad, "0 < start < end");
    stage1(&p, (const char *const[]){"transfer.mode=all", "transfer.init_from=nothing_here"}, 2);
    expect_refused(&p, &o, "transfer.init_from: 'nothing_here'");
    stage1(&p, (const char *const[]){"transfer.mode=last_layer"}, 1);
    testpreset_set(&p, "model.weights=%s/missing.safetensors", lab.dir);
    expect_refused(&p, &o, "model.weights: ");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lrfind_backbone_last_layer_on_the_cache),
        cmocka_unit_test(test_lrfind_init_from_a_run_on_the_network),
        cmocka_unit_test(test_lrfind_stops_when_asked),
        cmocka_unit_test(test_lrfind_default_range),
        cmocka_unit_test(test_lrfind_refuses_what_a_run_refuses),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
