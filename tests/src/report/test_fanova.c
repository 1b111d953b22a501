/*
 * test_fanova — the functional ANOVA of a random forest
 * (src/report/fanova.c): single trees decomposed by hand, then forests on
 * trials drawn from known functions of the keys (one key, two added, two
 * interacting, none, a categorical key), the result's determinism and the
 * input errors.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "src/report/fanova.h"
#include "tests/lib/testutil.h"

/* Trials drawn uniformly on the unit box (x, n x d) from seed. */
static void draw_box(Rng *r, double *x, int n, int d) {
    for (int i = 0; i < n * d; i++) x[i] = rng_uniform_double(r);
}

static FanovaInput input_of(int n, int d, const double *x, const double *y, unsigned long seed) {
    return (FanovaInput){.n = n, .d = d, .x = x, .y = y, .seed = seed};
}

static FanovaResult run_ok(const FanovaInput *in) {
    FanovaResult r;
    Error err = {0};
    Status st = fanova_run(in, &r, &err);
    if (st != ST_OK) fail_msg("fanova_run: %s", err.msg);
    return r;
}

/* Four trials on a 2 x 2 grid (centres 0.25, 0.75), one per cell:
 *
 *            x0 = .25  x0 = .75
 *   x1 = .25     0         4
 *   x1 = .75     1         7
 *
 * The root splits x0 at 0.5 (squared error 27 -> 5, against 27 -> 26 on
 * x1), each side then x1 at 0.5: four leaves, a quarter each, whose values
 * are the table. Mean 3, total variance (9 + 4 + 1 + 16) / 4 = 7.5. The
 * x0 marginal is 0.5 | 5.5, variance 2.5^2 = 6.25; the x1 marginal 2 | 4,
 * variance 1; the pair 7.5 - 6.25 - 1 = 0.25. Shares: 6.25 / 7.5 = 5/6,
 * 1 / 7.5 = 2/15, 0.25 / 7.5 = 1/30. */
static void test_fanova_tree_grid_by_hand(void **state) {
    (void)state;
    const double x[] = {0.25, 0.25, 0.75, 0.25, 0.25, 0.75, 0.75, 0.75};
    const double y[] = {0, 4, 1, 7};
    FanovaInput in = input_of(4, 2, x, y, 0);
    FanovaResult r;
    Error err = {0};
    assert_int_equal(fanova_tree_shares(&in, &r, &err), ST_OK);
    assert_int_equal(r.d, 2);
    assert_int_equal(r.trees_used, 1);
    assert_near(r.main[0], 5.0 / 6, 1e-12);
    assert_near(r.main[1], 2.0 / 15, 1e-12);
    assert_near(r.pair[0][1], 1.0 / 30, 1e-12);
    assert_near(r.pair[1][0], 1.0 / 30, 1e-12);
    assert_true(r.pair[0][0] == 0 && r.pair[1][1] == 0);
    assert_true(isnan(r.oob_r2));
}

/* Boxes of unequal widths, and a leaf that does not split on x1:
 *   (0.2, 0.2) -> 0, (0.2, 0.6) -> 2, (0.8, 0.4) -> 6.
 * The root splits x0 at 0.5 (centred y -8/3, -2/3, 10/3: a score of
 * (10/3)^2 / 2 + (10/3)^2 = 150/9, against 96/9 for x1 at 0.3), the left
 * side x1 at 0.4. Leaves: A = [0, .5] x [0, .4] -> 0 (volume .2),
 * B = [0, .5] x [.4, 1] -> 2 (.3), C = [.5, 1] x [0, 1] -> 6 (.5).
 * Mean 0.6 + 3 = 3.6; total .2 * 3.6^2 + .3 * 1.6^2 + .5 * 2.4^2 = 6.24.
 * x0's marginal: 0 * .4 + 2 * .6 = 1.2 on [0, .5], 6 on [.5, 1]: variance
 * .5 * 2.4^2 * 2 = 5.76. x1's: (0 + 6) * .5 = 3 on [0, .4], (2 + 6) * .5
 * = 4 on [.4, 1]: .4 * .36 + .6 * .16 = .24. Pair: 6.24 - 5.76 - .24 =
 * .24. Shares 12/13, 1/26, 1/26. */
static void test_fanova_tree_uneven_boxes_by_hand(void **state) {
    (void)state;
    const double x[] = {0.2, 0.2, 0.2, 0.6, 0.8, 0.4};
    const double y[] = {0, 2, 6};
    FanovaInput in = input_of(3, 2, x, y, 0);
    FanovaResult r;
    Error err = {0};
    assert_int_equal(fanova_tree_shares(&in, &r, &err), ST_OK);
    assert_int_equal(r.trees_used, 1);
    assert_near(r.main[0], 12.0 / 13, 1e-12);
    assert_near(r.main[1], 1.0 / 26, 1e-12);
    assert_near(r.pair[0][1], 1.0 / 26, 1e-12);
}

/* A key the tree cannot split on (one value) has no share, alone or in a
 * pair: the tree splits x0 alone (main 1). */
static void test_fanova_tree_unused_key(void **state) {
    (void)state;
    const double x[] = {0.1, 0.5, 0.4, 0.5, 0.7, 0.5, 0.9, 0.5};
    const double y[] = {1, 2, 3, 4};
    FanovaInput in = input_of(4, 2, x, y, 0);
    FanovaResult r;
    Error err = {0};
    assert_int_equal(fanova_tree_shares(&in, &r, &err), ST_OK);
    assert_near(r.main[0], 1, 1e-12);
    assert_true(r.main[1] == 0 && r.pair[0][1] == 0);
}

/* y = x0 + uniform noise of +-0.05 on 60 trials, two keys beside it that
 * do nothing. Over 200 draws of the trials: main[0] 0.988-0.996, the
 * others 0.002 at most, oob R^2 0.963-0.990. */
static void test_fanova_one_key_matters(void **state) {
    (void)state;
    double x[60 * 3], y[60];
    Rng rng;
    rng_seed(&rng, 11);
    draw_box(&rng, x, 60, 3);
    for (int i = 0; i < 60; i++) y[i] = x[i * 3] + 0.1 * (rng_uniform_double(&rng) - 0.5);
    FanovaInput in = input_of(60, 3, x, y, 1);
    FanovaResult r = run_ok(&in);
    printf("one key: main %.3f %.3f %.3f, pairs %.3f %.3f %.3f, oob r2 %.3f\n", r.main[0],
           r.main[1], r.main[2], r.pair[0][1], r.pair[0][2], r.pair[1][2], r.oob_r2);
    assert_int_equal(r.trees_used, FANOVA_TREES_DEFAULT);
    assert_true(r.main[0] > 0.9);
    assert_true(r.main[1] < 0.05 && r.main[2] < 0.05);
    assert_true(r.oob_r2 > 0.8);
}

/* y = 2 x0 + x1: under the uniform measure var(2 x0) = 4/12 and var(x1) =
 * 1/12, so the exact shares are 0.8 and 0.2 with no pair. The forest's
 * steps lose some of x1's finer variation (it splits x0 first and more
 * often) and their boxes add a little pair: over 200 draws of 200 trials
 * main[0] read 0.792-0.823, main[1] 0.158-0.187, the pair 0.017-0.024.
 * 0.05 holds for any of them and fails shares swapped or split evenly. */
static void test_fanova_additive(void **state) {
    (void)state;
    enum { N = 200 };
    double x[N * 2], y[N];
    Rng rng;
    rng_seed(&rng, 12);
    draw_box(&rng, x, N, 2);
    for (int i = 0; i < N; i++) y[i] = 2 * x[i * 2] + x[i * 2 + 1];
    FanovaInput in = input_of(N, 2, x, y, 2);
    FanovaResult r = run_ok(&in);
    printf("additive: main %.3f %.3f, pair %.3f, oob r2 %.3f\n", r.main[0], r.main[1], r.pair[0][1],
           r.oob_r2);
    assert_near(r.main[0], 0.8, 0.05);
    assert_near(r.main[1], 0.2, 0.05);
    assert_true(r.pair[0][1] < 0.05);
}

/* y = (x0 > .5) XOR (x1 > .5) with a third key of noise: neither key alone
 * moves the mean, the pair explains it all. No first split helps, so the
 * trees split at random near the root and need the trials to fit the
 * pair: over 200 draws of 400 trials the pair read 0.753-0.967 and each
 * main 0.026 at most (120 trials: a pair as low as 0.26). */
static void test_fanova_interaction(void **state) {
    (void)state;
    enum { N = 400 };
    double x[N * 3], y[N];
    Rng rng;
    rng_seed(&rng, 13);
    draw_box(&rng, x, N, 3);
    for (int i = 0; i < N; i++) y[i] = (x[i * 3] > 0.5) != (x[i * 3 + 1] > 0.5);
    FanovaInput in = input_of(N, 3, x, y, 3);
    FanovaResult r = run_ok(&in);
    printf("xor: main %.3f %.3f %.3f, pairs %.3f %.3f %.3f, oob r2 %.3f\n", r.main[0], r.main[1],
           r.main[2], r.pair[0][1], r.pair[0][2], r.pair[1][2], r.oob_r2);
    assert_true(r.pair[0][1] > 0.7);
    assert_true(r.main[0] < 0.15 && r.main[1] < 0.15);
    assert_true(r.pair[0][1] == r.pair[1][0]);
}

/* Accuracy independent of the keys: the out-of-bag R^2 says so, on every
 * one of ten draws of 60 trials (-0.41 to -0.01 here; over 1000 draws
 * median -0.25, 99% below 0.05, 3 above FANOVA_NOISE_R2). */
static void test_fanova_noise(void **state) {
    (void)state;
    double x[60 * 3], y[60];
    printf("noise: oob r2");
    for (int s = 0; s < 10; s++) {
        Rng rng;
        rng_seed(&rng, 100 + (uint64_t)s);
        draw_box(&rng, x, 60, 3);
        for (int i = 0; i < 60; i++) y[i] = 0.7 + 0.05 * rng_uniform_double(&rng);
        FanovaInput in = input_of(60, 3, x, y, (unsigned long)s);
        FanovaResult r = run_ok(&in);
        printf(" %.3f", r.oob_r2);
        assert_true(r.oob_r2 <= FANOVA_NOISE_R2);
    }
    printf("\n");
}

/* The same input and seed give the same bits; another seed, other
 * bootstraps, close shares. */
static void test_fanova_deterministic(void **state) {
    (void)state;
    double x[60 * 3], y[60];
    Rng rng;
    rng_seed(&rng, 14);
    draw_box(&rng, x, 60, 3);
    for (int i = 0; i < 60; i++) y[i] = x[i * 3] + 0.5 * x[i * 3 + 1] * x[i * 3 + 2];
    FanovaInput in = input_of(60, 3, x, y, 5);
    FanovaResult a = run_ok(&in), b = run_ok(&in);
    assert_memory_equal(a.main, b.main, sizeof a.main);
    assert_memory_equal(a.pair, b.pair, sizeof a.pair);
    assert_memory_equal(&a.oob_r2, &b.oob_r2, sizeof a.oob_r2);
    assert_int_equal(a.trees_used, b.trees_used);
    in.seed = 6;
    FanovaResult c = run_ok(&in);
    printf("seeds 5 / 6: main %.3f %.3f %.3f / %.3f %.3f %.3f, pair12 %.3f / %.3f\n", a.main[0],
           a.main[1], a.main[2], c.main[0], c.main[1], c.main[2], a.pair[1][2], c.pair[1][2]);
    assert_true(memcmp(a.main, c.main, sizeof a.main) != 0);
    for (int k = 0; k < 3; k++) assert_near(c.main[k], a.main[k], 0.05);
    assert_near(c.pair[1][2], a.pair[1][2], 0.05);
    assert_near(c.oob_r2, a.oob_r2, 0.05);
}

/* Two keys with the same value in every trial: every split ties between
 * them, and the node's drawn key order breaks the tie, so the two share
 * the importance instead of the first key taking it all (main[0] 1). A
 * tree gives most of it to the key its root drew, so the shares average
 * out slowly: 1000 trees, whose two mains read 0.45-0.50 over 20 draws of
 * the trials (64 trees: 0.32-0.62). */
static void test_fanova_ties_shared(void **state) {
    (void)state;
    enum { N = 60 };
    double x[N * 2], y[N];
    Rng rng;
    rng_seed(&rng, 16);
    for (int i = 0; i < N; i++) {
        x[i * 2] = x[i * 2 + 1] = rng_uniform_double(&rng);
        y[i] = x[i * 2];
    }
    FanovaInput in = input_of(N, 2, x, y, 8);
    in.trees = 1000;
    FanovaResult r = run_ok(&in);
    printf("copies: main %.3f %.3f, pair %.3f\n", r.main[0], r.main[1], r.pair[0][1]);
    assert_true(r.main[0] > 0.2 && r.main[1] > 0.2);
    assert_near(r.main[0], r.main[1], 0.1);
}

/* A key of 3 levels encoded at their centres 1/6, 1/2, 5/6, only the last
 * of which moves the accuracy, beside a continuous key of small noise:
 * the split between levels 1 and 2 falls on their boundary 2/3. */
static void test_fanova_categorical(void **state) {
    (void)state;
    enum { N = 45 };
    double x[N * 2], y[N];
    Rng rng;
    rng_seed(&rng, 15);
    for (int i = 0; i < N; i++) {
        int level = i % 3;
        x[i * 2] = (level + 0.5) / 3;
        x[i * 2 + 1] = rng_uniform_double(&rng);
        y[i] = (level == 2 ? 0.8 : 0.6) + 0.01 * (rng_uniform_double(&rng) - 0.5);
    }
    FanovaInput in = input_of(N, 2, x, y, 7);
    FanovaResult r = run_ok(&in);
    printf("categorical: main %.3f %.3f, pair %.3f, oob r2 %.3f\n", r.main[0], r.main[1],
           r.pair[0][1], r.oob_r2);
    assert_true(r.main[0] > 0.95);
    /* Without the noise every tree is the one split at 2/3: the level
     * share is exactly the whole. */
    for (int i = 0; i < N; i++) y[i] = (i % 3 == 2) ? 0.8 : 0.6;
    r = run_ok(&in);
    assert_near(r.main[0], 1, 1e-12);
    assert_true(r.main[1] == 0);
}

/* Accuracies all equal: every tree is flat, nothing to share. */
static void test_fanova_flat(void **state) {
    (void)state;
    const double x[] = {0.1, 0.5, 0.9, 0.3};
    const double y[] = {0.5, 0.5, 0.5, 0.5};
    FanovaInput in = input_of(4, 1, x, y, 1);
    FanovaResult r = run_ok(&in);
    assert_int_equal(r.trees_used, 0);
    assert_true(r.main[0] == 0);
    assert_true(isnan(r.oob_r2));
}

/* Two leaves whose means are equal but for rounding, (0.1 + 0.2) / 2 and
 * (0 + 0.3) / 2, one ulp apart: a variance of rounding alone, which would
 * give the key the whole of it; the tree counts as flat. */
static void test_fanova_flat_but_for_rounding(void **state) {
    (void)state;
    const double x[] = {0.2, 0.2, 0.8, 0.8};
    const double y[] = {0.1, 0.2, 0.0, 0.3};
    assert_true((y[0] + y[1]) / 2 != (y[2] + y[3]) / 2);
    FanovaInput in = input_of(4, 1, x, y, 1);
    FanovaResult r;
    Error err = {0};
    assert_int_equal(fanova_tree_shares(&in, &r, &err), ST_OK);
    assert_int_equal(r.trees_used, 0);
    assert_true(r.main[0] == 0);
}

static void expect_error(const FanovaInput *in, const char *msg) {
    FanovaResult r;
    Error err = {0};
    assert_int_equal(fanova_run(in, &r, &err), ST_ARG);
    assert_string_equal(err.msg, msg);
}

static void test_fanova_bad_input(void **state) {
    (void)state;
    double x[] = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6};
    double y[] = {1, 2, 3};
    FanovaInput in = input_of(3, 2, x, y, 0);
    in.n = 1;
    expect_error(&in, "fanova needs 2 trials or more (got 1)");
    in.n = 3;
    in.d = 0;
    expect_error(&in, "fanova takes 1 to 16 keys (got 0)");
    in.d = 17;
    expect_error(&in, "fanova takes 1 to 16 keys (got 17)");
    in.d = 2;
    in.trees = -1;
    expect_error(&in, "fanova grows 1 to 4096 trees, 0 for 64 (got -1)");
    in.trees = 0;
    x[3] = 1.5;
    expect_error(&in, "trial 1, key 1: x = 1.5 is not in [0, 1]");
    x[3] = NAN;
    expect_error(&in, "trial 1, key 1: x = nan is not in [0, 1]");
    x[3] = 0.4;
    x[4] = -0.0;
    y[2] = INFINITY;
    expect_error(&in, "trial 2: y = inf is not finite");
    y[2] = 3;
    in.y = NULL;
    expect_error(&in, "fanova was given no trials (its input, x or y is NULL)");
    in.y = y;
    FanovaResult r;
    Error err = {0};
    assert_int_equal(fanova_run(&in, &r, &err), ST_OK); /* -0 is in [0, 1] */
    assert_int_equal(fanova_tree_shares(&in, &r, &err), ST_OK);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fanova_tree_grid_by_hand),
        cmocka_unit_test(test_fanova_tree_uneven_boxes_by_hand),
        cmocka_unit_test(test_fanova_tree_unused_key),
        cmocka_unit_test(test_fanova_one_key_matters),
        cmocka_unit_test(test_fanova_additive),
        cmocka_unit_test(test_fanova_interaction),
        cmocka_unit_test(test_fanova_noise),
        cmocka_unit_test(test_fanova_deterministic),
        cmocka_unit_test(test_fanova_ties_shared),
        cmocka_unit_test(test_fanova_categorical),
        cmocka_unit_test(test_fanova_flat),
        cmocka_unit_test(test_fanova_flat_but_for_rounding),
        cmocka_unit_test(test_fanova_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
