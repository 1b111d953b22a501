/*
 * test_preflight — the checks before a run, each problem named by its key
 * and its file: a missing dataset, a malformed index, too few classes,
 * missing weights, weights of another width (ignored in scratch mode), an
 * init_from that resolves to nothing or to a network of another head, and
 * the one bad combination of a sweep; a good preset, and a stage 2 from
 * its stage 1 run, pass. Nothing is written to the run store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/io/fileio.h"
#include "src/run/preflight.h"
#include "src/run/runner.h"
#include "tests/lib/testlab.h"
#include "tests/lib/testpreset.h"
#include "tests/lib/testutil.h"
#include "tests/lib/testweights.h"

static TestLab lab;
static char weights[200]; /* a backbone of width 1/16 */

/* Writes the backbone of width (F32 zeros) to path. */
static void write_backbone(const char *path, float width) {
    NetConfig c = net_config_default();
    c.width = width;
    testweights_write(path, &c, 1);
}

static int setup(void **state) {
    (void)state;
    if (testlab_init(&lab, "preflight", 3, 6)) return -1;
    snprintf(weights, sizeof weights, "%s/w0625.safetensors", lab.dir);
    write_backbone(weights, 0.0625f);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    return testlab_fini(&lab);
}

static void tiny(Preset *p) {
    const char *sets[] = {"model.width=0.0625",    "model.bilinear_dim=64", "data.loader_threads=1",
                          "solver.batch_size=4",   "solver.max_iter=2",     "solver.test_iter=1",
                          "solver.test_interval=0"};
    testpreset_tiny(p, lab.data, sets, sizeof sets / sizeof sets[0]);
}

/* Expects preflight_check to fail on key with a message holding frag. */
static void expect_problem(const Preset *p, const char *want_key, const char *frag) {
    const char *key = "unset";
    Error err = {0};
    assert_int_not_equal(preflight_check(p, lab.runs, &key, &err), ST_OK);
    if (!key || strcmp(key, want_key) != 0) fail_msg("key %s, expected %s", key, want_key);
    if (strncmp(err.msg, want_key, strlen(want_key)) != 0)
        fail_msg("'%s' does not start with %s", err.msg, want_key);
    if (!strstr(err.msg, frag)) fail_msg("'%s' lacks '%s'", err.msg, frag);
}

static void test_preflight_good_preset_passes(void **state) {
    (void)state;
    Preset p;
    tiny(&p);
    const char *key = "unset";
    Error err = {0};
    assert_int_equal(preflight_check(&p, lab.runs, &key, &err), ST_OK);
    assert_null(key);
    testpreset_set(&p, "transfer.mode=last_layer");
    testpreset_set(&p, "model.weights=%s", weights);
    assert_int_equal(preflight_check(&p, lab.runs, &key, &err), ST_OK);
    assert_int_equal(testlab_run_count(&lab), 0);
}

static void test_preflight_dataset_problems(void **state) {
    (void)state;
    Preset p;
    tiny(&p);
    testpreset_set(&p, "data.dataset=%s/missing", lab.dir);
    expect_problem(&p, "data.dataset", "/missing: no such file or directory");
    /* A malformed index is found without opening an image. */
    char root[200], path[300];
    snprintf(root, sizeof root, "%s/broken", lab.dir);
    assert_int_equal(fileio_mkdirs(root, NULL), ST_OK);
    snprintf(path, sizeof path, "%s/images.txt", root);
    assert_int_equal(fileio_write_atomic(path, "1 a.jpg\nnonsense\n", 17, NULL), ST_OK);
    testpreset_set(&p, "data.dataset=%s", root);
    expect_problem(&p, "data.dataset", "broken/classes.txt");
    tiny(&p);
    testpreset_set(&p, "model.num_classes=2");
    expect_problem(&p, "model.num_classes", "2 is fewer than the 3 classes");
    /* A validation fraction that leaves a class without validation images
     * (3 training images a class: 0.1 x 3 rounds to 0), or without
     * training images, is the key's problem, naming the class. */
    tiny(&p);
    testpreset_set(&p, "data.val=0.1");
    expect_problem(&p, "data.val", "class 1 (");
    expect_problem(&p, "data.val",
                   "has 3 training images: a validation fraction of 0.1 gives it "
                   "no validation image");
    testpreset_set(&p, "data.val=0.9");
    expect_problem(&p, "data.val", "leaves it none to train on");
    testpreset_set(&p, "data.val=0.34");
    assert_int_equal(preflight_check(&p, lab.runs, NULL, NULL), ST_OK);
}

static void test_preflight_weights_problems(void **state) {
    (void)state;
    Preset p;
    tiny(&p);
    testpreset_set(&p, "transfer.mode=last_layer");
    testpreset_set(&p, "model.weights=%s/nope.safetensors", lab.dir);
    expect_problem(&p, "model.weights", "nope.safetensors: cannot open");
    testpreset_set(&p, "model.weights=%s", weights);
    testpreset_set(&p, "model.width=0.125");
    expect_problem(&p, "model.weights",
                   "features.0.weight has shape [4, 3, 3, 3], the model needs");
    expect_problem(&p, "model.weights", "(model.width = 0.125)");
    /* From scratch the weights are not used, so not checked. */
    testpreset_set(&p, "transfer.mode=scratch");
    assert_int_equal(preflight_check(&p, lab.runs, NULL, NULL), ST_OK);
}

static void test_preflight_init_from(void **state) {
    (void)state;
    Preset first, second;
    tiny(&first);
    testpreset_set(&first, "experiment.name=stage1");
    tiny(&second);
    testpreset_set(&second, "experiment.name=stage2");
    testpreset_set(&second, "transfer.mode=all");
    testpreset_set(&second, "transfer.init_from=stage1");
    expect_problem(&second, "transfer.init_from", "'stage1' is neither a run");
    RunResult r1;
    assert_int_equal(runner_run(&first, "", lab.runs, NULL, &r1, NULL), ST_OK);
    const char *key = "unset";
    Error err = {0};
    assert_int_equal(preflight_check(&second, lab.runs, &key, &err), ST_OK);
    char snap[1200];
    assert_int_equal(preflight_init_from(&second, lab.runs, snap, sizeof snap, NULL), ST_OK);
    assert_non_null(strstr(snap, "/snapshots/iter_2.safetensors"));
    /* Another head: stage 1's classifier does not fit. */
    testpreset_set(&second, "model.bilinear_dim=128");
    expect_problem(&second, "transfer.init_from", "head.fc.weight has shape [3, 64]");
    /* A backbone-only file lacks the classifier init_from loads. */
    testpreset_set(&second, "transfer.init_from=%s", weights);
    expect_problem(&second, "transfer.init_from", "head.fc.weight is missing");
    testpreset_set(&second, "transfer.init_from=%s/gone", lab.runs);
    expect_problem(&second, "transfer.init_from", "gone");
}

static void test_preflight_sweep_names_the_bad_combination(void **state) {
    (void)state;
    Preset p;
    tiny(&p);
    testpreset_set(&p, "transfer.mode=last_layer");
    testpreset_set(&p, "sweep.model.weights=none, %s/nope.safetensors", lab.dir);
    const char *key = "unset";
    Error err = {0};
    assert_int_not_equal(preflight_sweep(&p, lab.runs, &key, &err), ST_OK);
    assert_string_equal(key, "model.weights");
    assert_non_null(strstr(err.msg, "sweep 2/2 (model.weights="));
    assert_non_null(strstr(err.msg, "): model.weights: "));
    assert_non_null(strstr(err.msg, "nope.safetensors: cannot open"));
    testpreset_set(&p, "sweep.model.weights=none, %s", weights);
    assert_int_equal(preflight_sweep(&p, lab.runs, &key, &err), ST_OK);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_preflight_good_preset_passes),
        cmocka_unit_test(test_preflight_dataset_problems),
        cmocka_unit_test(test_preflight_weights_problems),
        cmocka_unit_test(test_preflight_init_from),
        cmocka_unit_test(test_preflight_sweep_names_the_bad_combination),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
