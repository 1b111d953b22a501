/*
 * test_tpe — the Parzen estimators' values (a density that integrates to
 * 1, the prior alone, a category's smoothed counts), the startup rule,
 * draws that stay in their range, the ranking (constant liar, pruned
 * trials), and TPE against random search on known objectives at a fixed
 * budget, over seeds: it must find better points on the mean.
 */
#include <math.h>
#include <string.h>

#include "src/search/tpe.h"
#include "tests/lib/testutil.h"

static void close_to(double a, double b, double tol) {
    if (fabs(a - b) > tol) fail_msg("%.9g is not %.9g (+- %g)", a, b, tol);
}

/* The density of a range integrates to 1 over it, with and without
 * observations; with none it is the prior, a normal at the middle as wide
 * as the range, truncated to it. */
static void test_tpe_density_of_a_range(void **state) {
    (void)state;
    TpeDim u = {.kind = TPE_UNIFORM, .lo = 0, .hi = 1};
    double z = erf(0.5 / sqrt(2.0)); /* the prior's mass inside: Phi(0.5) - Phi(-0.5) */
    close_to(tpe_log_density(&u, NULL, 0, 0.5), log(1 / sqrt(2 * M_PI) / z), 1e-12);
    double obs[] = {0.1, 0.15, 0.8, 0.82, 0.83};
    for (int m = 0; m <= 5; m++) {
        double sum = 0;
        for (int i = 0; i < 20000; i++) sum += exp(tpe_log_density(&u, obs, m, (i + 0.5) / 20000));
        close_to(sum / 20000, 1.0, 1e-6);
    }
    /* Mass gathers at the observations. */
    assert_true(tpe_log_density(&u, obs, 5, 0.82) > tpe_log_density(&u, obs, 5, 0.5));
    /* A loguniform range is modelled in log space: its density in log(x)
     * integrates to 1 too. */
    TpeDim l = {.kind = TPE_LOGUNIFORM, .lo = 1e-4, .hi = 1};
    double lobs[] = {1e-3, 2e-3};
    double sum = 0, a = log(1e-4), b = 0;
    for (int i = 0; i < 20000; i++)
        sum += exp(tpe_log_density(&l, lobs, 2, exp(a + (b - a) * (i + 0.5) / 20000)));
    close_to(sum * (b - a) / 20000, 1.0, 1e-6);
}

/* Whole numbers: each one's bin, so the masses of 1..5 sum to 1. */
static void test_tpe_density_of_integers(void **state) {
    (void)state;
    TpeDim d = {.kind = TPE_UNIFORM, .lo = 1, .hi = 5, .integer = 1};
    double obs[] = {2, 2, 4};
    double sum = 0;
    for (int v = 1; v <= 5; v++) sum += exp(tpe_log_density(&d, obs, 3, v));
    close_to(sum, 1.0, 1e-12);
    assert_true(tpe_log_density(&d, obs, 3, 2) > tpe_log_density(&d, obs, 3, 5));
}

/* A category: one observation of choice 2 of 4, mixed half and half with
 * the uniform prior; its row puts 1 + 1/2 on its own choice and 1/2 on
 * every one: 0.5 x 1.5 / 3 + 0.5 / 4 = 0.375, the others 0.5 x 0.5 / 3 +
 * 0.125. */
static void test_tpe_density_of_a_category(void **state) {
    (void)state;
    TpeDim d = {.kind = TPE_CATEGORICAL, .n_choices = 4};
    double obs[] = {2};
    close_to(exp(tpe_log_density(&d, obs, 1, 2)), 0.375, 1e-12);
    close_to(exp(tpe_log_density(&d, obs, 1, 0)), 0.5 * 0.5 / 3 + 0.125, 1e-12);
    close_to(exp(tpe_log_density(&d, NULL, 0, 3)), 0.25, 1e-12);
}

static TpeDim space[3] = {
    {.kind = TPE_LOGUNIFORM, .lo = 1e-4, .hi = 10},
    {.kind = TPE_UNIFORM, .lo = 0, .hi = 1},
    {.kind = TPE_CATEGORICAL, .n_choices = 4},
};

/* Fewer than TPE_STARTUP finished trials: no TPE draw (running ones do not
 * count); then every draw lies in its range. */
static void test_tpe_startup_and_ranges(void **state) {
    (void)state;
    TpeTrial t[40];
    memset(t, 0, sizeof t);
    Rng r;
    rng_seed(&r, 7);
    for (int i = 0; i < 40; i++) {
        tpe_random(space, 3, &r, t[i].x);
        t[i].value = -fabs(log10(t[i].x[0]) + 2);
        t[i].state = i < 9 ? TPE_COMPLETE : TPE_RUNNING;
    }
    double x[3] = {-1, -1, -1};
    assert_int_equal(tpe_suggest(space, 3, t, 12, &r, x), 0);
    assert_true(x[0] == -1);
    t[9].state = TPE_PRUNED;
    assert_int_equal(tpe_finished(t, 12), 10);
    for (int k = 0; k < 200; k++) {
        assert_int_equal(tpe_suggest(space, 3, t, 12, &r, x), 1);
        assert_true(x[0] >= 1e-4 && x[0] <= 10 && x[1] >= 0 && x[1] <= 1);
        assert_true(x[2] == 0 || x[2] == 1 || x[2] == 2 || x[2] == 3);
    }
}

/* Of 100 TPE draws from the 12 trials t, how many fall within a decade of
 * 1e-2. */
static int draws_near(const TpeDim *d, const TpeTrial *t) {
    Rng r;
    rng_seed(&r, 3);
    int near = 0;
    for (int k = 0; k < 100; k++) {
        double x;
        assert_int_equal(tpe_suggest(d, 1, t, 12, &r, &x), 1);
        near += fabs(log10(x) + 2) < 1;
    }
    return near;
}

/* The good group is the best tenth of the trials, complete before pruned
 * (a later rung first), running last: eleven trials far from 1e-2 and one
 * at it; TPE draws near the one ranked best. A running trial at 1e-2 is not
 * good (the liar), nor is a pruned one with a better value but an earlier
 * rung than another pruned one. */
static void test_tpe_ranking(void **state) {
    (void)state;
    TpeDim d = {.kind = TPE_LOGUNIFORM, .lo = 1e-6, .hi = 1};
    TpeTrial t[12];
    memset(t, 0, sizeof t);
    for (int i = 0; i < 12; i++) {
        t[i].x[0] = i % 2 ? 1e-5 : 0.5;
        t[i].value = 0.1;
        t[i].state = TPE_COMPLETE;
    }
    /* Draws near 1e-2 (within a decade) when trial 5, there, is the best. */
    struct {
        TpeState state;
        int step;
        double value;
        int near;
    } cases[] = {
        {TPE_COMPLETE, 0, 0.9, 1}, /* the best complete trial */
        {TPE_RUNNING, 0, 0.9, 0},  /* running: ranked last whatever it holds */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        t[5].x[0] = 1e-2;
        t[5].state = cases[c].state;
        t[5].step = cases[c].step;
        t[5].value = cases[c].value;
        int near = draws_near(&d, t);
        if (cases[c].near)
            assert_true(near > 80);
        else
            assert_true(near < 20);
    }
    /* Pruned: the one that got to rung 2 outranks one at rung 1 with a
     * better value there. */
    for (int i = 0; i < 12; i++) t[i].state = TPE_PRUNED, t[i].step = 0;
    t[5].step = 2;
    t[5].value = 0.2;
    t[7].x[0] = 0.5;
    t[7].step = 1;
    t[7].value = 0.99;
    assert_true(draws_near(&d, t) > 80);
}

/* A known objective: a learning rate that matters (best at 10^-2, on a log
 * scale), a weight decay-like number that matters less, a category with
 * one good choice. */
static double objective(const double *x) {
    double a = log10(x[0]) + 2, b = x[1] - 0.7;
    return -(a * a + 4 * b * b + (x[2] == 1 ? 0 : 0.5));
}

/* The best objective after budget trials, drawn by TPE (tpe = 1) or at
 * random, one at a time. */
static double search(int tpe, int budget, uint64_t seed) {
    TpeTrial t[64];
    double best = -INFINITY;
    for (int i = 0; i < budget; i++) {
        Rng r;
        rng_seed(&r, seed * 1000 + (uint64_t)i); /* draw i's stream, as the sweep seeds it */
        if (!tpe || !tpe_suggest(space, 3, t, i, &r, t[i].x)) tpe_random(space, 3, &r, t[i].x);
        t[i].value = objective(t[i].x);
        t[i].state = TPE_COMPLETE;
        if (t[i].value > best) best = t[i].value;
    }
    return best;
}

/* At 40 trials, over 20 seeds, TPE's mean best is better than random's,
 * and it is better on most seeds. */
static void test_tpe_beats_random(void **state) {
    (void)state;
    double sum_tpe = 0, sum_random = 0;
    int wins = 0;
    for (uint64_t s = 1; s <= 20; s++) {
        double a = search(1, 40, s), b = search(0, 40, s);
        sum_tpe += a;
        sum_random += b;
        wins += a > b;
    }
    print_message("mean best over 20 seeds at 40 trials: TPE %.4f, random %.4f; TPE better on %d\n",
                  sum_tpe / 20, sum_random / 20, wins);
    assert_true(sum_tpe > sum_random);
    assert_true(wins >= 12);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tpe_density_of_a_range),
        cmocka_unit_test(test_tpe_density_of_integers),
        cmocka_unit_test(test_tpe_density_of_a_category),
        cmocka_unit_test(test_tpe_startup_and_ranges),
        cmocka_unit_test(test_tpe_ranking),
        cmocka_unit_test(test_tpe_beats_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
