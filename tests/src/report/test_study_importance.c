/*
 * test_study_importance — fANOVA over a study's trials
 * (src/report/study_importance.c): the rung it explains (the furthest with
 * at least 6 scored trials and 3 a key; failed trials not counted), a key
 * that matters ranked first, too few trials and noise said and not
 * ranked, the pairs largest first, and the cache (the same trials: the same
 * result without a forest; a score changed: computed again).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "src/preset/schema.h"
#include "src/report/study_importance.h"
#include "tests/lib/testutil.h"

enum { N = 40 };

/* Two list keys of 4 levels; trial i at levels (i % 4, i / 4 % 4). */
static void study(PresetSweep *sw, StudyTrial *t, int n, AshaRungs *r) {
    memset(sw, 0, sizeof *sw);
    sw->n_keys = 2;
    const char *keys[2] = {"data.resolution", "solver.base_lr"};
    for (int j = 0; j < 2; j++) {
        sw->keys[j].key = schema_index(schema_find_dotted(keys[j]));
        sw->keys[j].dist = SWEEP_LIST;
        sw->keys[j].n_values = 4;
        for (int v = 0; v < 4; v++) snprintf(sw->keys[j].values[v], 16, "%d", v + 1);
    }
    memset(t, 0, sizeof *t * (size_t)n);
    for (int i = 0; i < n; i++) {
        t[i].n_x = 2;
        t[i].x[0] = i % 4;
        t[i].x[1] = i / 4 % 4;
        t[i].state = TRIAL_COMPLETE;
    }
    *r = (AshaRungs){.n_rungs = 2, .iter = {10, 30}};
}

static void score(StudyTrial *t, int k, double acc) {
    t->asha.reported[k] = 1;
    t->asha.score[k] = (HalvingScore){1, acc, 0};
}

static void test_study_importance_ranks_the_key_that_matters(void **state) {
    (void)state;
    PresetSweep sw;
    StudyTrial t[N];
    AshaRungs r;
    study(&sw, t, N, &r);
    for (int i = 0; i < N; i++) score(&t[i], 1, 0.5 + 0.1 * t[i].x[0] + 0.001 * (i % 3));
    StudyImportance imp;
    assert_int_equal(study_importance(&sw, t, N, &r, &imp, NULL), ST_OK);
    assert_true(imp.ranked);
    assert_int_equal(imp.rung, 1);
    assert_int_equal(imp.n_trials, N);
    assert_int_equal(imp.order[0], 0);
    assert_true(imp.share[0] > 0.9);
    assert_true(imp.share[1] < 0.05);
    assert_true(imp.oob_r2 > 0.5);
    int i, j;
    study_importance_top_pair(&imp, &i, &j);
    assert_int_equal(i, 0);
    assert_int_equal(j, 1);
}

static void test_study_importance_takes_the_furthest_rung_with_enough(void **state) {
    (void)state;
    PresetSweep sw;
    StudyTrial t[N];
    AshaRungs r;
    study(&sw, t, N, &r);
    for (int i = 0; i < N; i++) score(&t[i], 0, 0.5 + 0.1 * t[i].x[1]);
    for (int i = 0; i < 5; i++) score(&t[i], 1, 0.9); /* 5 at rung 1: under 6 */
    StudyImportance imp;
    assert_int_equal(study_importance(&sw, t, N, &r, &imp, NULL), ST_OK);
    assert_int_equal(imp.rung, 0);
    assert_int_equal(imp.order[0], 1); /* rung 0's scores follow key 1 */
    score(&t[5], 1, 0.9);
    t[6].state = TRIAL_FAILED; /* a failed trial's score is not counted */
    score(&t[6], 1, 0.9);
    assert_int_equal(study_importance(&sw, t, N, &r, &imp, NULL), ST_OK);
    assert_int_equal(imp.rung, 1);
    assert_int_equal(imp.n_trials, 6);
}

static void test_study_importance_says_too_few_and_noise(void **state) {
    (void)state;
    PresetSweep sw;
    StudyTrial t[N];
    AshaRungs r;
    study(&sw, t, N, &r);
    for (int i = 0; i < 5; i++) score(&t[i], 1, 0.5 + 0.1 * i);
    StudyImportance imp;
    assert_int_equal(study_importance(&sw, t, N, &r, &imp, NULL), ST_OK);
    assert_false(imp.ranked);
    assert_int_equal(imp.rung, -1);
    assert_string_equal(imp.why, "too few trials for the importance: 5 scored at one rung, fANOVA "
                                 "here wants 6 (3 a key, at least 6)");
    /* accuracies drawn apart from the keys: a fixed draw of a small LCG */
    unsigned long long s = 12345;
    for (int i = 0; i < N; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        score(&t[i], 1, 0.5 + (double)(s >> 40) / (double)(1ULL << 24) / 10);
    }
    assert_int_equal(study_importance(&sw, t, N, &r, &imp, NULL), ST_OK);
    assert_false(imp.ranked);
    assert_true(imp.oob_r2 < FANOVA_NOISE_R2);
    assert_non_null(strstr(imp.why, "the accuracies look like noise around the keys"));
}

static void test_study_importance_cache(void **state) {
    (void)state;
    PresetSweep sw;
    StudyTrial t[N];
    AshaRungs r;
    study(&sw, t, N, &r);
    for (int i = 0; i < N; i++) score(&t[i], 1, 0.5 + 0.1 * t[i].x[0]);
    StudyImportanceCache cache = {0};
    StudyImportance a, b;
    assert_int_equal(study_importance_cached(&cache, &sw, t, N, &r, &a, NULL), ST_OK);
    assert_true(cache.valid);
    cache.imp.share[0] = 0.123; /* a cached result is handed back as it is */
    assert_int_equal(study_importance_cached(&cache, &sw, t, N, &r, &b, NULL), ST_OK);
    assert_near(b.share[0], 0.123, 0);
    for (int i = 0; i < N; i++) score(&t[i], 1, 0.5 + 0.1 * t[i].x[1]); /* now key 1 matters */
    assert_int_equal(study_importance_cached(&cache, &sw, t, N, &r, &b, NULL), ST_OK);
    assert_int_equal(b.order[0], 1);
    assert_true(b.share[1] > 0.9);
}

static void test_study_importance_pairs_largest_first(void **state) {
    (void)state;
    StudyImportance imp = {.d = 3};
    imp.pair[0][1] = 0.02, imp.pair[0][2] = 0.10, imp.pair[1][2] = 0.05;
    int p[3][2];
    assert_int_equal(study_importance_pairs(&imp, p, 3), 3);
    assert_int_equal(p[0][0], 0), assert_int_equal(p[0][1], 2);
    assert_int_equal(p[1][0], 1), assert_int_equal(p[1][1], 2);
    assert_int_equal(p[2][0], 0), assert_int_equal(p[2][1], 1);
    assert_int_equal(study_importance_pairs(&imp, p, 1), 1); /* cap: the largest kept */
    assert_int_equal(p[0][1], 2);
    int i, j;
    study_importance_top_pair(&imp, &i, &j);
    assert_int_equal(i, 0), assert_int_equal(j, 2);
    imp.d = 1;
    assert_int_equal(study_importance_pairs(&imp, p, 3), 0);
    study_importance_top_pair(&imp, &i, &j);
    assert_int_equal(i, -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_study_importance_ranks_the_key_that_matters),
        cmocka_unit_test(test_study_importance_takes_the_furthest_rung_with_enough),
        cmocka_unit_test(test_study_importance_says_too_few_and_noise),
        cmocka_unit_test(test_study_importance_cache),
        cmocka_unit_test(test_study_importance_pairs_largest_first),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
