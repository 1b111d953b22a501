/*
 * test_lr_range — the range test's arithmetic on synthetic and recorded
 * curves: the schedule is Caffe's exp policy from start to end; the
 * smoothing is the debiased EMA (worked by hand) with the first tenth
 * counted as its median, kept point by point equal to the whole-curve
 * function; the stop comes at the first point past 4x the best smoothed
 * loss after the first tenth, or at a NaN; each suggestion's rule against
 * curves whose answer is known; a large spike in the first tenth neither
 * stops the test nor moves a suggestion (while a plain EMA over the whole
 * curve is moved by it); and the recorded curves of the demo family
 * (tests/fixtures/lrfind/) replay to the smoothing, the stop and the
 * suggestions `finelab lr-find` printed, a spike added to the first tenth
 * of the one with a descent (stage 1) moving none of it, while the two
 * that never fall (stage 2, scratch) are told apart as flat.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/rng.h"
#include "engine/train/lr_range.h"
#include "tests/lib/testutil.h"

static void close_to(double got, double want, double rtol) {
    if (!(fabs(got - want) <= rtol * fmax(1e-300, fabs(want))))
        fail_msg("got %.17g, want %.17g", got, want);
}

static void test_lr_range_schedule_is_caffe_exp(void **state) {
    (void)state;
    LrRange *r = malloc(sizeof *r);
    assert_int_equal(lr_range_init(r, 1e-4, 1, 5, NULL), ST_OK);
    close_to(r->gamma, 10, 1e-12);
    const double want[5] = {1e-4, 1e-3, 1e-2, 1e-1, 1};
    for (int i = 0; i < 5; i++) close_to(lr_range_rate(r, i), want[i], 1e-12);
    /* The solver's own exp policy gives the same rates; the rest stays. */
    SolverConfig s = {.type = SOLVER_NESTEROV,
                      .momentum = 0.9,
                      .weight_decay = 5e-4,
                      .iter_size = 4,
                      .policy = SOLVER_MULTISTEP,
                      .base_lr = 0.1};
    lr_range_solver(r, &s);
    assert_int_equal(s.policy, SOLVER_EXP);
    assert_int_equal(s.max_iter, 5);
    assert_int_equal(s.type, SOLVER_NESTEROV);
    assert_true(s.momentum == 0.9 && s.weight_decay == 5e-4 && s.iter_size == 4);
    for (int i = 0; i < 5; i++) {
        int step = 0;
        assert_true(solver_rate(&s, i, &step) == lr_range_rate(r, i));
    }
    /* 100 iterations over nine decades: the first is start, the last end. */
    assert_int_equal(lr_range_init(r, 1e-6, 1e3, 100, NULL), ST_OK);
    close_to(r->gamma, pow(1e9, 1.0 / 99), 1e-15);
    assert_true(lr_range_rate(r, 0) == 1e-6);
    close_to(lr_range_rate(r, 99), 1e3, 1e-12);
    assert_int_equal(r->skip, 10);
    free(r);
}

static void test_lr_range_refuses_bad_ranges(void **state) {
    (void)state;
    LrRange *r = malloc(sizeof *r);
    Error err = {0};
    assert_int_equal(lr_range_init(r, 0, 1, 100, &err), ST_ARG);
    assert_non_null(strstr(err.msg, "0 < start < end"));
    assert_int_equal(lr_range_init(r, 1, 1, 100, NULL), ST_ARG);
    assert_int_equal(lr_range_init(r, 1, 0.5, 100, NULL), ST_ARG);
    assert_int_equal(lr_range_init(r, NAN, 1, 100, NULL), ST_ARG);
    assert_int_equal(lr_range_init(r, 1e-3, INFINITY, 100, NULL), ST_ARG);
    assert_int_equal(lr_range_init(r, 1e-3, 1, 1, &err), ST_ARG);
    assert_non_null(strstr(err.msg, "2 to 1000 iterations (got 1)"));
    assert_int_equal(lr_range_init(r, 1e-3, 1, LR_RANGE_MAX + 1, NULL), ST_ARG);
    free(r);
}

/* The debiased EMA worked out as a weighted mean: point i weighs
 * (1 - beta) beta^(t - i), divided by the weights' sum 1 - beta^(t + 1). */
static double ema_by_hand(const double *x, int t, double beta) {
    double sum = 0, w = 0;
    for (int i = 0; i <= t; i++) {
        sum += (1 - beta) * pow(beta, t - i) * x[i];
        w += (1 - beta) * pow(beta, t - i);
    }
    close_to(w, 1 - pow(beta, t + 1), 1e-12);
    return sum / w;
}

static void test_lr_range_smoothing(void **state) {
    (void)state;
    double x[40], out[40], median_x[40];
    Rng rng;
    rng_seed(&rng, 3);
    for (int i = 0; i < 40; i++) x[i] = 2 + rng_uniform_double(&rng);
    /* No skipped stretch: the plain debiased EMA; its first point is the loss. */
    lr_range_smooth(x, 40, 0, 0.98, out);
    assert_true(out[0] == x[0]);
    for (int t = 0; t < 40; t++) close_to(out[t], ema_by_hand(x, t, 0.98), 1e-12);
    /* With 4 skipped points: the EMA of the loss up to there, then of the
     * curve whose first 4 points are their median. */
    lr_range_smooth(x, 40, 4, 0.98, out);
    double sorted[4] = {x[0], x[1], x[2], x[3]};
    for (int i = 0; i < 4; i++)
        for (int j = i + 1; j < 4; j++)
            if (sorted[j] < sorted[i]) {
                double t = sorted[i];
                sorted[i] = sorted[j];
                sorted[j] = t;
            }
    double m = (sorted[1] + sorted[2]) / 2;
    memcpy(median_x, x, sizeof x);
    for (int i = 0; i < 4; i++) median_x[i] = m;
    for (int t = 0; t < 4; t++) close_to(out[t], ema_by_hand(x, t, 0.98), 1e-12);
    for (int t = 4; t < 40; t++) close_to(out[t], ema_by_hand(median_x, t, 0.98), 1e-12);
    /* A constant loss stays constant, skipped stretch or not. */
    for (int i = 0; i < 40; i++) x[i] = 1.5;
    lr_range_smooth(x, 40, 4, 0.98, out);
    for (int t = 0; t < 40; t++) close_to(out[t], 1.5, 1e-12);
}

/* A range test's raw loss at log10 rate x: flat near 3 at tiny rates,
 * falling by 2.5 around 10^xc (steepest there), blowing up past 10^1. */
static double curve(double x, double xc) {
    return 3.0 - 2.5 / (1 + exp(-(x - xc) / 0.3)) + exp((x - 1.0) * 2.5);
}

/* Feeds r the curve (xc = -2) over its schedule, times 1 + noise N(0,
 * sd), and spike_x the loss of iteration spike_at (-1: none); until it
 * stops. Returns how it ended. */
static LrRangeEnd feed(LrRange *r, double sd, int spike_at, double spike_x, uint64_t seed) {
    Rng rng;
    rng_seed(&rng, seed);
    LrRangeEnd e = LR_RANGE_RUNNING;
    for (int i = 0; i < r->iters && e == LR_RANGE_RUNNING; i++) {
        double lr = lr_range_rate(r, i), noise = 1 + sd * rng_normal(&rng);
        double loss = curve(log10(lr), -2) * noise * (i == spike_at ? spike_x : 1);
        e = lr_range_add(r, lr, loss);
    }
    return e;
}

static void test_lr_range_add_keeps_the_smoothing_and_stops(void **state) {
    (void)state;
    LrRange *r = malloc(sizeof *r);
    assert_int_equal(lr_range_init(r, 1e-6, 1e3, 100, NULL), ST_OK);
    assert_int_equal(feed(r, 0.05, -1, 1, 7), LR_RANGE_DIVERGED);
    /* Point by point, the same as the whole-curve function. */
    double whole[LR_RANGE_MAX];
    lr_range_smooth(r->loss, r->n, r->skip, LR_RANGE_BETA, whole);
    for (int i = 0; i < r->n; i++) close_to(r->smoothed[i], whole[i], 1e-12);
    /* It stopped at the first point past 4x the best since the first tenth. */
    double best = INFINITY;
    int first = -1;
    for (int i = r->skip; i < r->n && first < 0; i++) {
        best = fmin(best, whole[i]);
        if (whole[i] > 4 * best) first = i;
    }
    assert_int_equal(r->ended_iter, first);
    assert_int_equal(r->n, first + 1);
    assert_true(r->ended_lr == r->lr[first]);
    close_to(r->best, best, 1e-15);
    /* An ended test takes no more points. */
    assert_int_equal(lr_range_add(r, 1, 1), LR_RANGE_DIVERGED);
    assert_int_equal(r->n, first + 1);
    /* The window leaves out the blown-up end. */
    int from, to;
    lr_range_window(r, &from, &to);
    assert_int_equal(from, 10);
    assert_int_equal(to, r->n - LR_RANGE_SKIP_END);

    /* A NaN ends it without a point; a range that never blows up runs out. */
    assert_int_equal(lr_range_init(r, 1e-6, 1e-3, 20, NULL), ST_OK);
    assert_int_equal(lr_range_add(r, 1e-6, 2.0), LR_RANGE_RUNNING);
    assert_int_equal(lr_range_add(r, 2e-6, NAN), LR_RANGE_NONFINITE);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->ended_iter, 1);
    assert_int_equal(lr_range_init(r, 1e-6, 1e-3, 20, NULL), ST_OK);
    assert_int_equal(feed(r, 0.05, -1, 1, 7), LR_RANGE_DONE);
    assert_int_equal(r->n, 20);
    lr_range_window(r, &from, &to);
    assert_int_equal(to, 20);
    /* The caller's stop is kept, and a later end does not replace it. */
    assert_int_equal(lr_range_init(r, 1e-6, 1e-3, 20, NULL), ST_OK);
    lr_range_finish(r, LR_RANGE_STOPPED, 0, 1e-6);
    lr_range_finish(r, LR_RANGE_DONE, 5, 1e-5);
    assert_int_equal(r->ended, LR_RANGE_STOPPED);
    assert_int_equal(r->ended_iter, 0);
    free(r);
}

static void test_lr_range_rules_on_known_curves(void **state) {
    (void)state;
    LrSuggestion s[LR_RANGE_SUGGESTIONS];
    double lr[64], y[64];
    for (int i = 0; i < 64; i++) lr[i] = pow(10, -6 + i * 0.1);
    /* The curve itself (no noise, no smoothing): the steepest fall is at
     * 10^-2, the lowest loss just before the blow-up. */
    for (int i = 0; i < 64; i++) y[i] = curve(log10(lr[i]), -2);
    lr_range_suggest_curve(lr, y, 0, 64, s);
    assert_string_equal(s[LR_SUGGEST_STEEPEST].name, "steepest");
    assert_true(s[LR_SUGGEST_STEEPEST].found);
    assert_int_equal(s[LR_SUGGEST_STEEPEST].index, 40);
    close_to(s[LR_SUGGEST_STEEPEST].lr, 1e-2, 1e-9);
    int low = 0;
    for (int i = 0; i < 64; i++)
        if (y[i] < y[low]) low = i;
    assert_string_equal(s[LR_SUGGEST_MINIMUM].name, "min/10");
    assert_int_equal(s[LR_SUGGEST_MINIMUM].index, low);
    close_to(s[LR_SUGGEST_MINIMUM].lr, lr[low] / 10, 1e-15);
    close_to(s[LR_SUGGEST_MINIMUM].loss, y[low], 1e-15);
    /* Valley: the longest falling sequence of 5 4 6 3 2 7 1 8 is 5 4 3 2 1
     * (L = 5, ending at 6); fastai's point is 6 - 5 + 5/3 + 5/6 = 2. */
    const double v[8] = {5, 4, 6, 3, 2, 7, 1, 8};
    lr_range_suggest_curve(lr, v, 0, 8, s);
    assert_string_equal(s[LR_SUGGEST_VALLEY].name, "valley");
    assert_int_equal(s[LR_SUGGEST_VALLEY].index, 2);
    assert_true(s[LR_SUGGEST_VALLEY].lr == lr[2]);
    assert_int_equal(s[LR_SUGGEST_MINIMUM].index, 6);
    /* A parabola falling over 21 points (0 .. 20) of a window from 10: the
     * point is 20 - 21 + 7 + 3 past the window's start, about halfway. */
    for (int i = 0; i < 41; i++) y[10 + i] = (i - 20) * (i - 20);
    lr_range_suggest_curve(lr, y, 10, 51, s);
    assert_int_equal(s[LR_SUGGEST_VALLEY].index, 19);
    assert_int_equal(s[LR_SUGGEST_MINIMUM].index, 30);
    /* Rising all the way: no steepest fall, no valley; min/10 at the start. */
    for (int i = 0; i < 10; i++) y[i] = 1 + i;
    lr_range_suggest_curve(lr, y, 0, 10, s);
    assert_false(s[LR_SUGGEST_STEEPEST].found);
    assert_false(s[LR_SUGGEST_VALLEY].found);
    assert_true(isnan(s[LR_SUGGEST_STEEPEST].lr));
    assert_int_equal(s[LR_SUGGEST_MINIMUM].index, 0);
    /* How far a window falls: its lowest against its first point. */
    LrRange *f = malloc(sizeof *f);
    assert_int_equal(lr_range_init(f, 1e-3, 1, 20, NULL), ST_OK);
    for (int i = 0; i < 20; i++) lr_range_add(f, lr_range_rate(f, i), i < 10 ? 2.0 : 1.0);
    double fall = 1 - f->smoothed[19] / f->smoothed[2];
    close_to(lr_range_fall(f), fall, 1e-12);
    assert_true(fall > LR_RANGE_FLAT);
    assert_int_equal(lr_range_init(f, 1e-3, 1, 20, NULL), ST_OK);
    for (int i = 0; i < 20; i++) lr_range_add(f, lr_range_rate(f, i), 2.0 + 0.01 * i);
    assert_true(lr_range_fall(f) == 0);
    free(f);
    /* Too few points: nothing. */
    lr_range_suggest_curve(lr, y, 0, LR_RANGE_MIN_WINDOW - 1, s);
    for (int k = 0; k < LR_RANGE_SUGGESTIONS; k++) {
        assert_false(s[k].found);
        assert_non_null(s[k].rule);
    }
}

/* The suggestions of the noisy curve, its first tenth spiked or not. */
static void suggest_noisy(int spike_at, double spike_x, LrSuggestion out[3], LrRangeEnd *e) {
    LrRange *r = malloc(sizeof *r);
    assert_int_equal(lr_range_init(r, 1e-6, 1e3, 100, NULL), ST_OK);
    *e = feed(r, 0.1, spike_at, spike_x, 11);
    lr_range_suggest(r, out);
    free(r);
}

static void test_lr_range_early_spike_moves_nothing(void **state) {
    (void)state;
    LrSuggestion plain[3], spiked[3];
    LrRangeEnd e1, e2;
    suggest_noisy(-1, 1, plain, &e1);
    suggest_noisy(3, 30, spiked, &e2); /* 30x the loss at iteration 3 */
    assert_int_equal(e1, LR_RANGE_DIVERGED);
    assert_int_equal(e2, LR_RANGE_DIVERGED); /* not stopped by the spike */
    for (int k = 0; k < 3; k++) {
        assert_true(plain[k].found && spiked[k].found);
        if (plain[k].index != spiked[k].index)
            fail_msg("%s moved from %d to %d", plain[k].name, plain[k].index, spiked[k].index);
        /* Each within a decade or so of the fall around 1e-2 (the smoothed
         * curve lags the raw one: its minimum is past the raw minimum). */
        assert_true(plain[k].lr > 1e-3 && plain[k].lr < 10);
    }
    /* A plain EMA over the whole curve (no median) keeps the spike's tail
     * and its steepest fall is the tail fading at the window's start. */
    LrRange *r = malloc(sizeof *r);
    assert_int_equal(lr_range_init(r, 1e-6, 1e3, 100, NULL), ST_OK);
    feed(r, 0.1, 3, 30, 11);
    double s[LR_RANGE_MAX];
    lr_range_smooth(r->loss, r->n, 0, LR_RANGE_BETA, s);
    LrSuggestion naive[3];
    int from, to;
    lr_range_window(r, &from, &to);
    lr_range_suggest_curve(r->lr, s, from, to, naive);
    assert_true(naive[LR_SUGGEST_STEEPEST].index < from + 3);
    assert_true(naive[LR_SUGGEST_STEEPEST].index != plain[LR_SUGGEST_STEEPEST].index);
    free(r);
}

/* --- recorded curves ---------------------------------------------------------------- */

/* A recorded test (tests/fixtures/lrfind/<name>.csv) and what the command
 * printed of it. */
typedef struct Recorded {
    const char *name;
    int iters;              /* the schedule's, 1e-5 .. 1e3 */
    LrRangeEnd ended;       /* DIVERGED: at the last row; NONFINITE: the row after */
    const char *suggest[3]; /* steepest, valley, min/10 as printed (%.2g) */
    int flat;               /* the smoothed loss never falls (lr_range_fall) */
} Recorded;

static const Recorded recorded[] = {
    {"demo_ft_last_layer", 300, LR_RANGE_DIVERGED, {"1.9", "0.027", "0.87"}, 0},
    {"demo_ft_all", 100, LR_RANGE_NONFINITE, {"0.00041", "0.00034", "6.4e-06"}, 1},
    {"demo_scratch", 100, LR_RANGE_NONFINITE, {"0.23", "0.036", "6.4e-06"}, 1},
};

/* Reads the rows of a recorded CSV into lr, loss, smoothed; returns how many. */
static int read_csv(const char *name, double *lr, double *loss, double *smoothed) {
    char path[256], line[256];
    snprintf(path, sizeof path, "tests/fixtures/lrfind/%s.csv", name);
    FILE *f = fopen(path, "r");
    if (!f) fail_msg("cannot open %s", path);
    int n = 0, iter;
    assert_non_null(fgets(line, sizeof line, f));
    assert_string_equal(line, "iter,lr,loss,smoothed\n");
    while (n < LR_RANGE_MAX && fgets(line, sizeof line, f)) {
        assert_int_equal(sscanf(line, "%d,%lf,%lf,%lf", &iter, &lr[n], &loss[n], &smoothed[n]), 4);
        assert_int_equal(iter, n);
        n++;
    }
    fclose(f);
    return n;
}

/* Replays the raw losses (the one at spike_at times 20; -1: none) through
 * a test of rec's schedule, ending it as the recording ended. */
static void replay(const Recorded *rec, const double *loss, int n, int spike_at, LrRange *r) {
    assert_int_equal(lr_range_init(r, 1e-5, 1e3, rec->iters, NULL), ST_OK);
    for (int i = 0; i < n; i++) {
        LrRangeEnd e = lr_range_add(r, lr_range_rate(r, i), loss[i] * (i == spike_at ? 20 : 1));
        assert_int_equal(e, i + 1 < n || rec->ended != LR_RANGE_DIVERGED ? LR_RANGE_RUNNING
                                                                         : LR_RANGE_DIVERGED);
    }
    if (rec->ended == LR_RANGE_NONFINITE) lr_range_add(r, lr_range_rate(r, n), NAN);
    assert_int_equal(r->ended, rec->ended);
}

static void test_lr_range_recorded_curves(void **state) {
    (void)state;
    double *lr = malloc(3 * sizeof(double) * LR_RANGE_MAX), *loss = lr + LR_RANGE_MAX,
           *smoothed = loss + LR_RANGE_MAX;
    LrRange *r = malloc(sizeof *r), *spiked = malloc(sizeof *spiked);
    for (size_t k = 0; k < sizeof recorded / sizeof recorded[0]; k++) {
        const Recorded *rec = &recorded[k];
        int n = read_csv(rec->name, lr, loss, smoothed);
        replay(rec, loss, n, -1, r);
        assert_int_equal(r->n, n);
        for (int i = 0; i < n; i++) {
            close_to(r->lr[i], lr[i], 1e-8); /* the CSV keeps 9 digits */
            close_to(r->smoothed[i], smoothed[i], 1e-8);
        }
        LrSuggestion s[3], t[3];
        lr_range_suggest(r, s);
        for (int j = 0; j < 3; j++) {
            char got[32];
            snprintf(got, sizeof got, "%.2g", s[j].lr);
            if (strcmp(got, rec->suggest[j]) != 0)
                fail_msg("%s: %s is %s, printed %s", rec->name, s[j].name, got, rec->suggest[j]);
        }
        /* 20x the loss at the sixth point: the same stop, the same suggestions. */
        replay(rec, loss, n, 5, spiked);
        assert_int_equal(spiked->n, n);
        assert_true(spiked->smoothed[5] > 2 * r->smoothed[5]);
        lr_range_suggest(spiked, t);
        /* A flat curve (no descent to read) has its rules read noise, which
         * any change moves; a curve with a descent keeps every suggestion. */
        assert_int_equal(lr_range_fall(r) < LR_RANGE_FLAT, rec->flat);
        for (int j = 0; j < 3 && !rec->flat; j++)
            if (s[j].index != t[j].index)
                fail_msg("%s: %s moved from %d to %d", rec->name, s[j].name, s[j].index,
                         t[j].index);
    }
    free(lr);
    free(r);
    free(spiked);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lr_range_schedule_is_caffe_exp),
        cmocka_unit_test(test_lr_range_refuses_bad_ranges),
        cmocka_unit_test(test_lr_range_smoothing),
        cmocka_unit_test(test_lr_range_add_keeps_the_smoothing_and_stops),
        cmocka_unit_test(test_lr_range_rules_on_known_curves),
        cmocka_unit_test(test_lr_range_early_spike_moves_nothing),
        cmocka_unit_test(test_lr_range_recorded_curves),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
