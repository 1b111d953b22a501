/*
 * test_study_axes — a trial's place on a swept key's axis
 * (src/report/study_axes.c): a list's levels evenly spaced (one level in
 * the middle) and, for the importance, at the centres of equal shares; a
 * range linear or, drawn log-uniformly, by log; clamped to [0, 1]; the
 * labels at a place and of a value.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "src/preset/schema.h"
#include "src/report/study_axes.h"
#include "tests/lib/testutil.h"

static SweepKey list_key(const char *dotted, int n, const char *const *values) {
    SweepKey k = {
        .key = schema_index(schema_find_dotted(dotted)), .dist = SWEEP_LIST, .n_values = n};
    for (int i = 0; i < n; i++) snprintf(k.values[i], sizeof k.values[i], "%s", values[i]);
    return k;
}

static SweepKey range_key(SweepDist dist, double lo, double hi) {
    return (SweepKey){.key = schema_index(schema_find_dotted("solver.base_lr")),
                      .dist = dist,
                      .n_values = 1,
                      .lo = lo,
                      .hi = hi};
}

static void test_study_axes_list_levels(void **state) {
    (void)state;
    static const char *const res[] = {"224", "336", "448"};
    SweepKey k = list_key("data.resolution", 3, res);
    assert_near(study_axis_position(&k, 0), 0.0, 1e-12);
    assert_near(study_axis_position(&k, 1), 0.5, 1e-12);
    assert_near(study_axis_position(&k, 2), 1.0, 1e-12);
    /* the importance's measure: each of 3 levels a third, at its centre */
    assert_near(study_axis_unit(&k, 0), 1.0 / 6, 1e-12);
    assert_near(study_axis_unit(&k, 1), 0.5, 1e-12);
    assert_near(study_axis_unit(&k, 2), 5.0 / 6, 1e-12);
    char buf[32];
    study_axis_label(&k, 1, buf, sizeof buf);
    assert_string_equal(buf, "448");
    study_axis_label(&k, 0.4, buf, sizeof buf); /* the nearest level */
    assert_string_equal(buf, "336");
    study_axis_value(&k, 0, buf, sizeof buf);
    assert_string_equal(buf, "224");
    study_axis_value(&k, 7, buf, sizeof buf);
    assert_string_equal(buf, "?");
    study_axis_name(&k, buf, sizeof buf);
    assert_string_equal(buf, "data.resolution");
    SweepKey one = list_key("data.resolution", 1, res);
    assert_near(study_axis_position(&one, 0), 0.5, 1e-12);
    assert_near(study_axis_unit(&one, 0), 0.5, 1e-12);
}

static void test_study_axes_ranges(void **state) {
    (void)state;
    SweepKey lin = range_key(SWEEP_UNIFORM, 0.1, 0.5), lg = range_key(SWEEP_LOGUNIFORM, 1e-3, 10);
    assert_near(study_axis_position(&lin, 0.2), 0.25, 1e-12);
    assert_near(study_axis_unit(&lin, 0.2), 0.25, 1e-12);
    /* 1e-3 .. 10 is four decades: 0.01 is a quarter of the way, 1 three */
    assert_near(study_axis_position(&lg, 0.01), 0.25, 1e-12);
    assert_near(study_axis_position(&lg, 1), 0.75, 1e-12);
    assert_near(study_axis_unit(&lg, 1), 0.75, 1e-12);
    assert_near(study_axis_position(&lg, 100), 1.0, 1e-12); /* clamped */
    assert_near(study_axis_position(&lin, -1), 0.0, 1e-12);
    char buf[32];
    study_axis_label(&lg, 0.5, buf, sizeof buf);
    assert_string_equal(buf, "0.1");
    study_axis_label(&lin, 0.5, buf, sizeof buf);
    assert_string_equal(buf, "0.3");
    study_axis_value(&lg, 0.0123456, buf, sizeof buf);
    assert_string_equal(buf, "0.0123");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_study_axes_list_levels),
        cmocka_unit_test(test_study_axes_ranges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
