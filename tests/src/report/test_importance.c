/*
 * test_importance — which swept key mattered (src/report/importance.c):
 * runs grouped by each key's value, the mean best accuracy per value, the
 * key's spread (highest mean - lowest), keys ranked by it; runs without an
 * accuracy and keys with one value left out, and the sentence it makes.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "src/report/importance.h"
#include "tests/lib/testutil.h"

/* The tutorial's 2 x 2 sweep: resolution moves the mean by 10 points,
 * the bilinear dimension by 2 (keys in the order given). */
static const char *const res_dim[] = {
    "data.resolution=224, model.bilinear_dim=1024",
    "data.resolution=224, model.bilinear_dim=8192",
    "data.resolution=448, model.bilinear_dim=1024",
    "data.resolution=448, model.bilinear_dim=8192",
};
static const double res_dim_best[] = {0.70, 0.72, 0.80, 0.82};

static void expect_key(const ImportanceKey *k, const char *key, int n_values, const char *low,
                       double low_mean, const char *high, double high_mean) {
    assert_string_equal(k->key, key);
    assert_int_equal(k->n_values, n_values);
    assert_string_equal(k->low, low);
    assert_near(k->low_mean, low_mean, 1e-12);
    assert_string_equal(k->high, high);
    assert_near(k->high_mean, high_mean, 1e-12);
    assert_near(k->spread, high_mean - low_mean, 1e-12);
}

static void test_importance_ranks_by_spread(void **state) {
    (void)state;
    ImportanceKey out[4];
    assert_int_equal(importance_rank(res_dim, res_dim_best, 4, out, 4), 2);
    /* resolution: 224 -> (0.70 + 0.72) / 2 = 0.71, 448 -> (0.80 + 0.82) / 2
     * = 0.81, spread 0.10; dim: 1024 -> (0.70 + 0.80) / 2 = 0.75, 8192 ->
     * (0.72 + 0.82) / 2 = 0.77, spread 0.02. */
    expect_key(&out[0], "data.resolution", 2, "224", 0.71, "448", 0.81);
    expect_key(&out[1], "model.bilinear_dim", 2, "1024", 0.75, "8192", 0.77);
    char buf[256];
    importance_format(out, 2, buf, sizeof buf);
    assert_string_equal(buf, "data.resolution 10.0 points (224 71.0% .. 448 81.0%), "
                             "model.bilinear_dim 2.0 points (1024 75.0% .. 8192 77.0%)");
}

static void test_importance_unequal_groups(void **state) {
    (void)state;
    /* x=1 three runs (0.5, 0.6, 0.7: mean 0.6), x=2 one (0.9), x=3 two
     * (0.4, 0.5: mean 0.45): low 3 at 0.45, high 2 at 0.9, spread 0.45. */
    const char *labels[] = {"x=1", "x=2", "x=1", "x=3", "x=1", "x=3"};
    const double best[] = {0.5, 0.9, 0.6, 0.4, 0.7, 0.5};
    ImportanceKey out[2];
    assert_int_equal(importance_rank(labels, best, 6, out, 2), 1);
    expect_key(&out[0], "x", 3, "3", 0.45, "2", 0.9);
}

static void test_importance_leaves_out_runs_without_accuracy(void **state) {
    (void)state;
    /* NaN, negative (no held-out pass yet) and a NULL label count for
     * nothing: without them x=2 has only 0.6 and x=1 only 0.8. */
    const char *labels[] = {"x=1", "x=2", "x=2", "x=1", NULL, "x=2"};
    const double best[] = {0.8, NAN, 0.6, -1, 0.0, -0.5};
    ImportanceKey out[2];
    assert_int_equal(importance_rank(labels, best, 6, out, 2), 1);
    expect_key(&out[0], "x", 2, "2", 0.6, "1", 0.8);
    /* A best of exactly 0 is an accuracy. */
    const char *zero[] = {"y=a", "y=b"};
    const double zbest[] = {0.0, 0.25};
    assert_int_equal(importance_rank(zero, zbest, 2, out, 2), 1);
    expect_key(&out[0], "y", 2, "a", 0.0, "b", 0.25);
}

static void test_importance_leaves_out_single_valued_keys(void **state) {
    (void)state;
    /* base_lr is the same in every label; an item without '=' is skipped. */
    const char *labels[] = {"solver.base_lr=0.1, junk, x=1", "solver.base_lr=0.1, x=2"};
    const double best[] = {0.3, 0.4};
    ImportanceKey out[4];
    assert_int_equal(importance_rank(labels, best, 2, out, 4), 1);
    assert_string_equal(out[0].key, "x");
    assert_int_equal(importance_rank(labels, best, 0, out, 4), 0); /* no runs */
    char buf[16] = "stale";
    importance_format(out, 0, buf, sizeof buf);
    assert_string_equal(buf, "");
}

static void test_importance_ties_by_key_name(void **state) {
    (void)state;
    /* b and a both move the mean by 0.2 (0.4 -> 0.6): a first. */
    const char *labels[] = {"b=1, a=1", "b=2, a=2"};
    const double best[] = {0.4, 0.6};
    ImportanceKey out[2];
    assert_int_equal(importance_rank(labels, best, 2, out, 2), 2);
    assert_string_equal(out[0].key, "a");
    assert_string_equal(out[1].key, "b");
}

static void test_importance_caps_values_per_key(void **state) {
    (void)state;
    /* 33 values of v, value i with best i / 100, except the 33rd (32)
     * with 0.99: only the first 32 are counted, so the high is 31 at
     * 0.31 and the low 0 at 0. */
    char names[33][16];
    const char *labels[33];
    double best[33];
    for (int i = 0; i < 33; i++) {
        snprintf(names[i], sizeof names[i], "v=%d", i);
        labels[i] = names[i];
        best[i] = i == 32 ? 0.99 : i / 100.0;
    }
    ImportanceKey out[1];
    assert_int_equal(importance_rank(labels, best, 33, out, 1), 1);
    expect_key(&out[0], "v", 32, "0", 0.0, "31", 0.31);
}

static void test_importance_format_cut_to_the_buffer(void **state) {
    (void)state;
    ImportanceKey out[2];
    assert_int_equal(importance_rank(res_dim, res_dim_best, 4, out, 2), 2);
    char buf[20];
    importance_format(out, 2, buf, sizeof buf);
    assert_string_equal(buf, "data.resolution 10."); /* 19 bytes and the NUL */
}

/* The cap keeps the largest spreads, whatever order the keys come in. */
static void test_importance_cap_keeps_the_largest(void **state) {
    (void)state;
    const char *const dim_first[] = {
        "model.bilinear_dim=1024, data.resolution=224",
        "model.bilinear_dim=8192, data.resolution=224",
        "model.bilinear_dim=1024, data.resolution=448",
        "model.bilinear_dim=8192, data.resolution=448",
    };
    ImportanceKey out[1];
    assert_int_equal(importance_rank(dim_first, res_dim_best, 4, out, 1), 1);
    expect_key(&out[0], "data.resolution", 2, "224", 0.71, "448", 0.81);
    assert_int_equal(importance_rank(dim_first, res_dim_best, 4, out, 0), 0);
}

/* A list value is written "(100, 200)" in a sweep label: its comma does
 * not split it. stepvalue (100, 200) -> 0.6, (100, 300) -> 0.8. */
static void test_importance_list_values_stay_whole(void **state) {
    (void)state;
    const char *labels[] = {"solver.stepvalue=(100, 200), solver.base_lr=0.1",
                            "solver.stepvalue=(100, 300), solver.base_lr=0.1"};
    const double best[] = {0.6, 0.8};
    ImportanceKey out[2];
    assert_int_equal(importance_rank(labels, best, 2, out, 2), 1); /* base_lr: one value */
    expect_key(&out[0], "solver.stepvalue", 2, "(100, 200)", 0.6, "(100, 300)", 0.8);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_importance_ranks_by_spread),
        cmocka_unit_test(test_importance_unequal_groups),
        cmocka_unit_test(test_importance_leaves_out_runs_without_accuracy),
        cmocka_unit_test(test_importance_leaves_out_single_valued_keys),
        cmocka_unit_test(test_importance_ties_by_key_name),
        cmocka_unit_test(test_importance_caps_values_per_key),
        cmocka_unit_test(test_importance_format_cut_to_the_buffer),
        cmocka_unit_test(test_importance_cap_keeps_the_largest),
        cmocka_unit_test(test_importance_list_values_stay_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
