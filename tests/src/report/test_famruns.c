/*
 * test_famruns — a family's runs found in fixture stores written with the
 * store's own writer (tests/lib/testfamily.c): the newest finished run of each
 * preset is chosen, unfinished runs are left out (a running one is noted),
 * a sweep's combinations come from its preset file and its runs land on
 * them by sweep label with their values, runs are grouped by dataset (the
 * newest complete group by default, another by asking), stage 1's train
 * accuracy and the coach's reading come from its curves, and the family
 * table names what presets/ holds. With `--write-store DIR` it writes
 * the store of README's measured figures instead (see main).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/preset/preset.h"
#include "src/report/famruns.h"
#include "tests/lib/testfamily.h"
#include "tests/lib/testutil.h"

static const char stage1[] = "presets/demo/ft_last_layer.ini";

static FamGroup *find(const char *store, const char *dataset) {
    FamGroup *g = malloc(sizeof *g);
    assert_non_null(g);
    Error err = {0};
    if (famruns_find(g, FAMILY_DEMO, store, "presets", dataset, &err)) fail_msg("%s", err.msg);
    return g;
}

static void test_table_names_the_presets(void **state) {
    (void)state;
    Preset *p = malloc(sizeof *p);
    assert_non_null(p);
    for (int f = 0; f < FAMILY_COUNT; f++)
        for (int r = 0; r < FAM_ROLE_COUNT; r++) {
            char path[256];
            snprintf(path, sizeof path, "presets/%s/%s", famruns_family_name((Family)f),
                     famruns_role_file((FamRole)r));
            const char *name = famruns_role_name((Family)f, (FamRole)r);
            if (!name) { /* cub has no scratch */
                assert_int_equal(f, FAMILY_CUB);
                assert_int_equal(r, FAM_SCRATCH);
                continue;
            }
            Error err = {0};
            if (preset_load(p, path, &err)) fail_msg("%s", err.msg);
            assert_string_equal(p->experiment.name, name);
            assert_int_equal(preset_sweep_count(p) > 1, famruns_role_is_sweep((FamRole)r));
        }
    free(p);
}

static void test_newest_finished_run_chosen(void **state) {
    (void)state;
    char store[256], newest[1400];
    assert_int_equal(testutil_tmpdir(store, sizeof store, "famruns_newest"), 0);
    TestFamilyResult old = testfamily_done(0.60), mid = testfamily_done(0.65);
    TestFamilyResult running = testfamily_done(0.99), failed = testfamily_done(0.98);
    running.state = RUN_RUNNING;
    failed.state = RUN_FAILED;
    mid.test_images = 0; /* not recorded: the demo's 600 */
    mid.seconds = 48;
    testfamily_add(store, "20260101-000001", stage1, 0, NULL, &old, NULL, 0);
    testfamily_add(store, "20260101-000002", stage1, 0, NULL, &mid, newest, sizeof newest);
    testfamily_add(store, "20260101-000003", stage1, 0, NULL, &running, NULL, 0);
    testfamily_add(store, "20260101-000004", stage1, 0, NULL, &failed, NULL, 0);
    FamGroup *g = find(store, NULL);
    const FamRun *x = &g->slots[FAM_STAGE1].runs[0];
    assert_int_equal(g->slots[FAM_STAGE1].n, 1);
    assert_true(x->found);
    assert_string_equal(x->id, strrchr(newest, '/') + 1);
    assert_near(x->test, 0.65, 1e-9);
    assert_int_equal(x->n_test, FAM_TEST_IMAGES_DEFAULT);
    assert_true(x->running);      /* the running run is noted, not read */
    assert_true(isnan(x->train)); /* no rows */
    assert_int_equal(x->overfit, -1);
    assert_string_equal(g->dataset, "data/demo");
    assert_int_equal(g->n_found, 1);
    assert_false(g->complete);
    assert_false(g->slots[FAM_SCRATCH].runs[0].found);
    int runs, unrecorded;
    assert_near(famruns_seconds(g, &runs, &unrecorded), 48, 1e-9);
    assert_int_equal(runs, 1);
    assert_int_equal(unrecorded, 0);
    char line[2200];
    famruns_describe(g, line, sizeof line);
    assert_string_equal(line, "demo family on data/demo: 1 of 20 runs");
    free(g);
    assert_int_equal(testutil_rmtree(store), 0);
}

static void test_unfinished_runs_ignored(void **state) {
    (void)state;
    char store[256];
    assert_int_equal(testutil_tmpdir(store, sizeof store, "famruns_unfinished"), 0);
    TestFamilyResult stopped = testfamily_done(0.7), diverged = testfamily_done(0.1);
    stopped.state = RUN_STOPPED;
    diverged.state = RUN_DIVERGED;
    testfamily_add(store, "20260101-000001", "presets/demo/scratch.ini", 0, NULL, &stopped, NULL,
                   0);
    testfamily_add(store, "20260101-000002", "presets/demo/scratch.ini", 0, NULL, &diverged, NULL,
                   0);
    FamGroup *g = find(store, NULL);
    assert_false(g->slots[FAM_SCRATCH].runs[0].found);
    assert_false(g->slots[FAM_SCRATCH].runs[0].running);
    assert_int_equal(g->n_found, 0);
    assert_int_equal(g->n_datasets, 0);
    /* With no finished run: the presets' own dataset. */
    assert_string_equal(g->dataset, "data/demo");
    free(g);
    assert_int_equal(testutil_rmtree(store), 0);
}

static double acc_by_role(int role, int k) {
    return 0.50 + 0.02 * role + 0.001 * k;
}

static void test_sweep_members_by_label(void **state) {
    (void)state;
    char store[256];
    assert_int_equal(testutil_tmpdir(store, sizeof store, "famruns_sweep"), 0);
    TestFamilyResult r = testfamily_done(0.5);
    r.test = 0.61;
    testfamily_add(store, "20260101-000001", "presets/demo/res_dim_sweep.ini", 5, NULL, &r, NULL,
                   0);
    FamGroup *g = find(store, NULL);
    const FamSlot *s = &g->slots[FAM_RES_DIM];
    assert_int_equal(s->n, 12); /* 224 / 168 / 112 px x d 8192 / 4096 / 2048 / 1024 */
    for (int k = 0; k < s->n; k++) {
        assert_int_equal(s->runs[k].index, k);
        assert_int_equal(s->runs[k].found, k == 5);
    }
    /* The last key varies fastest: 5 is 168 px at d 4096. */
    assert_string_equal(s->runs[5].label, "data.resolution=168, model.bilinear_dim=4096");
    assert_int_equal(s->runs[5].resolution, 168);
    assert_int_equal(s->runs[5].dim, 4096);
    assert_near(s->runs[5].test, 0.61, 1e-9);
    assert_int_equal(s->runs[0].resolution, 224);
    assert_int_equal(s->runs[11].dim, 1024);
    const FamSlot *wd = &g->slots[FAM_WEIGHT_DECAY];
    assert_int_equal(wd->n, 3);
    assert_near(wd->runs[0].wd, 0, 0);
    assert_near(wd->runs[1].wd, 0.00001, 1e-12);
    assert_near(wd->runs[2].wd, 0.001, 1e-12);
    free(g);
    assert_int_equal(testutil_rmtree(store), 0);
}

/* Runs of a preset on another dataset are another group: the complete
 * group is shown before a newer incomplete one, and --dataset shows that. */
static void test_dataset_grouping(void **state) {
    (void)state;
    char store[256];
    assert_int_equal(testutil_tmpdir(store, sizeof store, "famruns_groups"), 0);
    testfamily_demo(store, "20260101", NULL, acc_by_role);
    TestFamilyResult seed = testfamily_done(0.42);
    testfamily_add(store, "20260102-000001", stage1, 0, "data/x/", &seed, NULL, 0);
    testfamily_add(store, "20260102-000002", "presets/demo/scratch.ini", 0, "./data/x", &seed, NULL,
                   0);

    FamGroup *g = find(store, NULL);
    assert_string_equal(g->dataset, "data/demo");
    assert_true(g->complete);
    assert_int_equal(g->n_found, 20);
    assert_near(g->slots[FAM_STAGE1].runs[0].test, 0.50, 1e-9);
    assert_near(g->slots[FAM_WEIGHT_DECAY].runs[2].test, 0.50 + 0.12 + 0.002, 1e-9);
    assert_int_equal(g->n_datasets, 2); /* newest group first */
    assert_string_equal(g->datasets[0], "data/x");
    assert_string_equal(g->datasets[1], "data/demo");
    int runs, unrecorded;
    assert_near(famruns_seconds(g, &runs, &unrecorded), 20 * 60, 1e-9);
    free(g);

    g = find(store, "./data/x/");
    assert_string_equal(g->dataset, "data/x");
    assert_int_equal(g->n_found, 2);
    assert_false(g->complete);
    assert_near(g->slots[FAM_STAGE1].runs[0].test, 0.42, 1e-9);
    assert_true(g->slots[FAM_SCRATCH].runs[0].found);
    assert_false(g->slots[FAM_STAGE2].runs[0].found);
    assert_string_equal(g->preset_dataset, "data/demo");
    free(g);

    /* Once data/x is complete and newer, it is the one shown. */
    testfamily_demo(store, "20260103", "data/x", acc_by_role);
    g = find(store, NULL);
    assert_string_equal(g->dataset, "data/x");
    assert_true(g->complete);
    free(g);
    assert_int_equal(testutil_rmtree(store), 0);
}

/* Without a complete group, the one with the most runs. */
static void test_fullest_group_without_a_complete_one(void **state) {
    (void)state;
    char store[256];
    assert_int_equal(testutil_tmpdir(store, sizeof store, "famruns_fullest"), 0);
    TestFamilyResult r = testfamily_done(0.5);
    testfamily_add(store, "20260101-000001", stage1, 0, "data/a", &r, NULL, 0);
    testfamily_add(store, "20260101-000002", "presets/demo/ft_all.ini", 0, "data/a", &r, NULL, 0);
    testfamily_add(store, "20260101-000003", stage1, 0, "data/b", &r, NULL, 0);
    FamGroup *g = find(store, NULL);
    assert_string_equal(g->dataset, "data/a");
    assert_int_equal(g->n_found, 2);
    free(g);
    assert_int_equal(testutil_rmtree(store), 0);
}

static void test_stage1_curves(void **state) {
    (void)state;
    char store[256];
    assert_int_equal(testutil_tmpdir(store, sizeof store, "famruns_curves"), 0);
    TestFamilyResult over = testfamily_done(0.70), fit = testfamily_done(0.70);
    over.train = 0.95;
    fit.train = 0.71;
    testfamily_add(store, "20260101-000001", stage1, 0, "data/over", &over, NULL, 0);
    testfamily_add(store, "20260101-000002", stage1, 0, "data/fit", &fit, NULL, 0);
    FamGroup *g = find(store, "data/over");
    assert_near(g->slots[FAM_STAGE1].runs[0].train, 0.95, 1e-9);
    assert_int_equal(g->slots[FAM_STAGE1].runs[0].overfit, 1);
    free(g);
    g = find(store, "data/fit");
    assert_near(g->slots[FAM_STAGE1].runs[0].train, 0.71, 1e-9);
    assert_int_equal(g->slots[FAM_STAGE1].runs[0].overfit, 0);
    free(g);
    assert_int_equal(testutil_rmtree(store), 0);
}

/* The mean of the last five train rows' accuracies, test rows aside. */
static void test_train_accuracy(void **state) {
    (void)state;
    RunRow rows[8] = {
        {.iter = 0, .accuracy = 0.1},  {.iter = 10, .accuracy = 0.5},
        {.iter = 20, .accuracy = 0.6}, {.iter = 20, .heldout = 1, .accuracy = 0.2},
        {.iter = 30, .accuracy = 0.7}, {.iter = 40, .accuracy = NAN},
        {.iter = 50, .accuracy = 0.8}, {.iter = 60, .accuracy = 0.9},
    };
    assert_near(famruns_train_accuracy(rows, 8), (0.5 + 0.6 + 0.7 + 0.8 + 0.9) / 5, 1e-12);
    assert_near(famruns_train_accuracy(rows, 2), 0.3, 1e-12);
    assert_true(isnan(famruns_train_accuracy(rows + 3, 1)));
    assert_true(isnan(famruns_train_accuracy(rows, 0)));
}

static void test_same_dataset(void **state) {
    (void)state;
    assert_true(famruns_same_dataset("data/demo", "./data/demo/"));
    assert_true(famruns_same_dataset("/data//", "/data"));
    assert_false(famruns_same_dataset("data/demo", "data/x"));
    assert_false(famruns_same_dataset("", "data/x"));
    /* Two spellings of one directory. */
    assert_true(famruns_same_dataset("presets/demo", "presets/../presets/demo"));
}

/* `test_famruns --write-store DIR` writes the store of the figures README
 * measured (testfamily_measured) into DIR instead of testing: the fixture
 * tests/src/cli/test_lessons_cli.sh reads, and what README's lessons block was
 * first generated from (make readme-lessons RUNS=DIR). */
int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "--write-store") == 0) {
        testfamily_measured(argv[2]);
        return 0;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_names_the_presets),
        cmocka_unit_test(test_newest_finished_run_chosen),
        cmocka_unit_test(test_unfinished_runs_ignored),
        cmocka_unit_test(test_sweep_members_by_label),
        cmocka_unit_test(test_dataset_grouping),
        cmocka_unit_test(test_fullest_group_without_a_complete_one),
        cmocka_unit_test(test_stage1_curves),
        cmocka_unit_test(test_train_accuracy),
        cmocka_unit_test(test_same_dataset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
