/*
 * test_curve — a run's rows split into the train and test curves
 * (src/report/curve.c), in file order with every column, and the reads the
 * diagnosis makes: the point at or before an iteration, the first at or
 * after one, a mean that passes over NaN and Inf.
 */
#include <math.h>

#include "src/report/curve.h"
#include "tests/lib/testutil.h"

static void test_curve_split(void **state) {
    (void)state;
    const RunRow rows[] = {
        {.iter = 0, .heldout = 1, .loss = 3.1, .accuracy = 0.05, .lr = 0.1},
        {.iter = 0, .heldout = 0, .loss = 3.0, .accuracy = 0.1, .lr = 0.1},
        {.iter = 100, .heldout = 0, .loss = 2.0, .accuracy = 0.4, .lr = 0.1},
        {.iter = 200, .heldout = 1, .loss = 1.6, .accuracy = 0.5, .lr = 0.01},
        {.iter = 200, .heldout = 0, .loss = 1.5, .accuracy = 0.55, .lr = 0.01},
    };
    Curve train, test;
    assert_int_equal(curve_split(rows, 5, &train, &test), ST_OK);
    assert_int_equal(train.n, 3);
    assert_int_equal(test.n, 2);
    assert_true(train.iter[1] == 100 && train.loss[1] == 2.0 && train.acc[1] == 0.4);
    assert_true(train.lr[2] == 0.01 && test.lr[0] == 0.1);
    assert_true(test.iter[1] == 200 && test.loss[1] == 1.6 && test.acc[1] == 0.5);
    assert_int_equal(curve_at(&train, 150), 1);
    assert_int_equal(curve_at(&train, 200), 2);
    assert_int_equal(curve_at(&train, -1), -1);
    assert_int_equal(curve_from(&train, 150), 2);
    assert_int_equal(curve_from(&train, 100), 1);
    assert_int_equal(curve_from(&train, 201), 3);
    curve_fini(&train);
    curve_fini(&test);
    assert_null(train.iter);
    curve_fini(NULL);
    /* No rows: two empty curves. */
    assert_int_equal(curve_split(rows, 0, &train, &test), ST_OK);
    assert_int_equal(train.n + test.n, 0);
    assert_int_equal(curve_from(&train, 0), 0);
    curve_fini(&train);
    curve_fini(&test);
}

static void test_curve_mean(void **state) {
    (void)state;
    const double v[] = {1, NAN, 3, INFINITY, 5};
    assert_true(curve_mean(v, 0, 4) == 3);
    assert_true(curve_mean(v, -2, 1) == 1); /* from clamped at 0 */
    assert_true(curve_mean(v, 2, 2) == 3);
    assert_true(isnan(curve_mean(v, 1, 1)));
    assert_true(isnan(curve_mean(v, 3, 2)));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_curve_split),
        cmocka_unit_test(test_curve_mean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
