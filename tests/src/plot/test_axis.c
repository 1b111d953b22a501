/*
 * test_axis — the arithmetic of a figure's axes (src/plot/axis.c): linear
 * ticks at 1, 2 or 5 times a power of ten inside the range, log ticks at
 * the decades (with 2s and 5s in a short range, linear steps inside one
 * decade), labels as short as the step allows, ranges fitted around data
 * (padded, 0 kept as the floor, constants widened, log ranges positive),
 * categorical axes and where a value falls.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "src/plot/axis.h"
#include "tests/lib/testutil.h"

/* The ticks of a linear or log axis over lo .. hi as labels joined by
 * spaces. */
static void ticks_text(double lo, double hi, int log, int target, char *buf, size_t cap) {
    Axis a = {.min = lo, .max = hi, .log = log};
    double t[AXIS_TICKS_MAX], step;
    int n = axis_ticks(&a, target, t, AXIS_TICKS_MAX, &step);
    buf[0] = '\0';
    for (int i = 0; i < n; i++) {
        char one[32];
        axis_label(t[i], step, log, one, sizeof one);
        size_t len = strlen(buf);
        snprintf(buf + len, cap - len, "%s%s", i ? " " : "", one);
    }
}

static void test_axis_linear_ticks_are_round(void **state) {
    (void)state;
    char buf[256];
    ticks_text(0, 1000, 0, 5, buf, sizeof buf);
    assert_string_equal(buf, "0 200 400 600 800 1000");
    ticks_text(0.43, 0.87, 0, 5, buf, sizeof buf); /* inside the range only */
    assert_string_equal(buf, "0.5 0.6 0.7 0.8");
    ticks_text(-1.2, 1.3, 0, 5, buf, sizeof buf); /* through 0, never "-0" */
    assert_string_equal(buf, "-1.0 -0.5 0.0 0.5 1.0");
    ticks_text(0, 0.001, 0, 4, buf, sizeof buf); /* tiny steps in e-notation, 0 plain */
    assert_string_equal(buf, "0 2e-04 4e-04 6e-04 8e-04 1e-03");
    ticks_text(0, 3e6, 0, 3, buf, sizeof buf); /* e-notation beyond 1e5 */
    assert_string_equal(buf, "0 1e+06 2e+06 3e+06");
}

static void test_axis_log_ticks(void **state) {
    (void)state;
    char buf[256];
    ticks_text(0.0009, 20, 1, 6, buf, sizeof buf); /* decades */
    assert_string_equal(buf, "0.001 0.01 0.1 1 10");
    ticks_text(0.4, 3.1, 1, 6, buf, sizeof buf); /* a short range: 2s and 5s too */
    assert_string_equal(buf, "0.5 1 2");
    ticks_text(1.2, 1.8, 1, 4, buf, sizeof buf); /* inside a decade: linear steps */
    assert_string_equal(buf, "1.2 1.4 1.6 1.8");
    ticks_text(1e-6, 1e6, 1, 4, buf, sizeof buf); /* many decades: every few */
    assert_string_equal(buf, "1e-06 0.001 1 1000 1e+06");
}

static void test_axis_labels(void **state) {
    (void)state;
    char buf[32];
    axis_label(0.25, 0.05, 0, buf, sizeof buf);
    assert_string_equal(buf, "0.25");
    axis_label(1500, 500, 0, buf, sizeof buf);
    assert_string_equal(buf, "1500");
    axis_label(2.5e-4, 1e-4, 0, buf, sizeof buf);
    assert_string_equal(buf, "2.5e-04");
    axis_label(0, 0.1, 0, buf, sizeof buf);
    assert_string_equal(buf, "0.0");
    axis_label(0.02, 2, 1, buf, sizeof buf);
    assert_string_equal(buf, "0.02");
}

static void test_axis_fit(void **state) {
    (void)state;
    Axis a;
    const double loss[] = {3.0, 2.0, NAN, 0.5}, acc[] = {10, 90};
    axis_fit(&a, loss, 4, 0, 0);
    axis_fit(&a, acc, 2, 0, 1); /* grows over a second series */
    axis_fit_done(&a);
    assert_near(a.min, 0, 1e-12); /* 0.5 - 4% of 89.5 would cross 0: 0 is the floor */
    assert_near(a.max, 90 + 0.04 * 89.5, 1e-9);
    const double flat[] = {0.7, 0.7};
    axis_fit(&a, flat, 2, 0, 0);
    axis_fit_done(&a);
    assert_true(a.min < 0.7 && a.max > 0.7);
    axis_fit(&a, NULL, 0, 0, 0); /* nothing: 0 .. 1 */
    axis_fit_done(&a);
    assert_near(a.min, 0, 0);
    assert_near(a.max, 1, 0);
    const double pos[] = {-1, 0, 0.01, 10};
    axis_fit(&a, pos, 4, 1, 0); /* log: the positive values alone */
    axis_fit_done(&a);
    assert_true(a.min > 0 && a.min < 0.01 && a.max > 10 && a.max < 20);
}

static void test_axis_frac_and_categories(void **state) {
    (void)state;
    Axis a = {.min = 0, .max = 200};
    assert_near(axis_frac(&a, 50), 0.25, 1e-12);
    a.reverse = 1;
    assert_near(axis_frac(&a, 50), 0.75, 1e-12);
    Axis l = {.min = 1, .max = 100, .log = 1};
    assert_near(axis_frac(&l, 10), 0.5, 1e-12);
    assert_true(isnan(axis_frac(&l, 0)));
    assert_true(isnan(axis_frac(&a, NAN)));
    const char *const names[3] = {"448", "336", "224"};
    Axis c = {0};
    axis_categories(&c, names, 3);
    assert_near(axis_frac(&c, 0), 1.0 / 6, 1e-12); /* the middle of the first third */
    double t[AXIS_TICKS_MAX], step;
    assert_int_equal(axis_ticks(&c, 10, t, AXIS_TICKS_MAX, &step), 3);
    assert_near(t[2], 2, 0);
    assert_int_equal(axis_ticks(&c, 2, t, 2, &step), 2); /* every other one when crowded */
    assert_near(t[1], 2, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_axis_linear_ticks_are_round),
        cmocka_unit_test(test_axis_log_ticks),
        cmocka_unit_test(test_axis_labels),
        cmocka_unit_test(test_axis_fit),
        cmocka_unit_test(test_axis_frac_and_categories),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
