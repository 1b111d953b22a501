/*
 * test_display — Caffe's smoothed loss worked by hand (the running mean
 * while the window fills, then slot iter % average_loss replaced), that it
 * stays the window's mean over many iterations, a window of one, the
 * interval's accuracy and its reset, and a restore from a snapshot's
 * window continuing as the run that never stopped.
 */
#include <math.h>

#include "engine/base/rng.h"
#include "engine/train/display.h"
#include "tests/lib/testutil.h"

static void test_display_init_sizes_window(void **state) {
    (void)state;
    TrainDisplay d;
    assert_int_equal(display_init(&d, 4, NULL), ST_OK);
    assert_int_equal(d.average_loss, 4);
    assert_int_equal(d.window_n, 0);
    assert_true(d.smoothed == 0 && d.correct == 0 && d.seen == 0 && d.iters == 0);
    for (int i = 0; i < 4; i++) assert_true(d.window[i] == 0);
    display_fini(&d);
    assert_null(d.window);
    display_fini(NULL);
    /* 0 and negative windows are one slot. */
    for (int a = -3; a <= 0; a++) {
        assert_int_equal(display_init(&d, a, NULL), ST_OK);
        assert_int_equal(d.average_loss, 1);
        display_fini(&d);
    }
}

static void test_display_smooth_by_hand(void **state) {
    (void)state;
    TrainDisplay d;
    assert_int_equal(display_init(&d, 3, NULL), ST_OK);
    /* Filling: 1 -> 1; 1, 2 -> 1.5; 1, 2, 3 -> 2. */
    display_smooth(&d, 0, 1.0);
    assert_near(d.smoothed, 1.0, 1e-12);
    display_smooth(&d, 1, 2.0);
    assert_near(d.smoothed, 1.5, 1e-12);
    display_smooth(&d, 2, 3.0);
    assert_near(d.smoothed, 2.0, 1e-12);
    assert_int_equal(d.window_n, 3);
    /* Full: iteration 3 replaces slot 0 (the 1): 7, 2, 3 -> 4; iteration 4
     * slot 1 (the 2): 7, 5, 3 -> 5; iteration 5 slot 2: 7, 5, -3 -> 3. */
    display_smooth(&d, 3, 7.0);
    assert_near(d.smoothed, 4.0, 1e-12);
    assert_true(d.window[0] == 7.0);
    display_smooth(&d, 4, 5.0);
    assert_near(d.smoothed, 5.0, 1e-12);
    display_smooth(&d, 5, -3.0);
    assert_near(d.smoothed, 3.0, 1e-12);
    assert_true(d.window[1] == 5.0 && d.window[2] == -3.0);
    assert_int_equal(d.window_n, 3);
    display_fini(&d);
}

static void test_display_smooth_is_window_mean(void **state) {
    (void)state;
    TrainDisplay d, one;
    assert_int_equal(display_init(&d, 10, NULL), ST_OK);
    assert_int_equal(display_init(&one, 1, NULL), ST_OK);
    Rng r;
    rng_seed(&r, 5);
    double last[10] = {0};
    for (int it = 0; it < 2000; it++) {
        double loss = 5.0 * rng_uniform(&r);
        last[it % 10] = loss;
        display_smooth(&d, it, loss);
        display_smooth(&one, it, loss);
        int n = it < 10 ? it + 1 : 10;
        double mean = 0;
        for (int i = 0; i < n; i++) mean += last[i];
        assert_near(d.smoothed, mean / n, 1e-9);
        assert_near(one.smoothed, loss, 1e-12);
    }
    display_fini(&d);
    display_fini(&one);
}

static void test_display_accuracy_and_next(void **state) {
    (void)state;
    TrainDisplay d;
    assert_int_equal(display_init(&d, 2, NULL), ST_OK);
    assert_true(display_accuracy(&d) == 0); /* no sample yet: 0, not NaN */
    d.correct = 3;
    d.seen = 8;
    d.images = 8;
    d.wait = 0.5;
    d.iters = 2;
    assert_near(display_accuracy(&d), 0.375, 1e-15);
    display_smooth(&d, 0, 4.0);
    display_next(&d, 12.5);
    assert_true(d.correct == 0 && d.seen == 0 && d.images == 0 && d.wait == 0 && d.iters == 0);
    assert_true(d.t0 == 12.5);
    /* The smoothed loss spans intervals. */
    assert_int_equal(d.window_n, 1);
    assert_near(d.smoothed, 4.0, 1e-12);
    display_fini(&d);
}

static void test_display_restore_continues(void **state) {
    (void)state;
    /* A run of window 4 through iteration 9, and one restored from its
     * state after iteration 5, then both given iterations 6..9. */
    const double losses[10] = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3};
    TrainDisplay a, b;
    assert_int_equal(display_init(&a, 4, NULL), ST_OK);
    assert_int_equal(display_init(&b, 4, NULL), ST_OK);
    for (int it = 0; it < 6; it++) display_smooth(&a, it, losses[it]);
    /* Window now 5, 9, 4, 1 (slots 0, 1 replaced at 4, 5): mean 19 / 4. */
    assert_near(a.smoothed, 4.75, 1e-12);
    display_restore(&b, a.window, a.window_n, a.smoothed, 7, 10, 100.0);
    assert_int_equal(b.window_n, 4);
    assert_true(b.correct == 7 && b.seen == 10 && b.t0 == 100.0);
    assert_near(display_accuracy(&b), 0.7, 1e-15);
    for (int it = 6; it < 10; it++) {
        display_smooth(&a, it, losses[it]);
        display_smooth(&b, it, losses[it]);
        assert_true(a.smoothed == b.smoothed);
    }
    assert_near(b.smoothed, (2 + 6 + 5 + 3) / 4.0, 1e-12);
    /* A window restored before it filled goes on filling. */
    TrainDisplay c;
    assert_int_equal(display_init(&c, 4, NULL), ST_OK);
    const double two[2] = {2.0, 4.0};
    display_restore(&c, two, 2, 3.0, 0, 0, 0.0);
    display_smooth(&c, 2, 6.0);
    assert_int_equal(c.window_n, 3);
    assert_near(c.smoothed, 4.0, 1e-12);
    display_fini(&a);
    display_fini(&b);
    display_fini(&c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_display_init_sizes_window),
        cmocka_unit_test(test_display_smooth_by_hand),
        cmocka_unit_test(test_display_smooth_is_window_mean),
        cmocka_unit_test(test_display_accuracy_and_next),
        cmocka_unit_test(test_display_restore_continues),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
