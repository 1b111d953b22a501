/*
 * test_score — a run's accuracy as every screen shows it
 * (src/report/score.c): the held-out split named beside the figure, the
 * test split's figure beside that in runs with a validation split, "-"
 * where there is none yet, and the short form for a table column.
 */
#include <stdio.h>
#include <string.h>

#include "src/report/score.h"
#include "tests/lib/testutil.h"

/* A status with held-out passes on split heldout ("val", "test" or "" as
 * older stores write), best and final accuracies and the test figure. */
static RunStatus status_of(const char *heldout, double best, double final_acc, double test) {
    RunStatus st;
    runstatus_defaults(&st);
    snprintf(st.heldout, sizeof st.heldout, "%s", heldout);
    double *const field[3] = {&st.best_accuracy, &st.final_accuracy, &st.test_accuracy};
    for (int i = 0; i < 3; i++) *field[i] = (double[3]){best, final_acc, test}[i];
    return st;
}

static void test_score_heldout_names_the_split(void **state) {
    (void)state;
    char buf[32];
    RunStatus val = status_of("val", 0.841666, 0.8, -1);
    score_heldout(&val, val.best_accuracy, buf, sizeof buf); /* 84.1666 -> 84.17 */
    assert_string_equal(buf, "val 84.17%");
    score_heldout(&val, 0.8, buf, sizeof buf);
    assert_string_equal(buf, "val 80.00%");
    RunStatus test = status_of("test", 0.676666, -1, -1);
    score_heldout(&test, test.best_accuracy, buf, sizeof buf); /* 67.6666 -> 67.67 */
    assert_string_equal(buf, "test 67.67%");
    RunStatus old = status_of("", 0.5, -1, -1); /* older stores: the test split */
    score_heldout(&old, old.best_accuracy, buf, sizeof buf);
    assert_string_equal(buf, "test 50.00%");
    score_heldout(&val, -1, buf, sizeof buf); /* before any pass */
    assert_string_equal(buf, "-");
    score_heldout(&val, 0, buf, sizeof buf); /* 0 is a figure, not "none" */
    assert_string_equal(buf, "val 0.00%");
}

static void test_score_test_figure(void **state) {
    (void)state;
    char buf[32];
    /* With a validation split: test_accuracy (0.836 -> 83.60%). */
    RunStatus val = status_of("val", 0.84, 0.83, 0.836);
    score_test(&val, buf, sizeof buf);
    assert_string_equal(buf, "83.60%");
    val.test_accuracy = -1; /* not yet: the run has not ended */
    score_test(&val, buf, sizeof buf);
    assert_string_equal(buf, "-");
    /* Without one: the final held-out (test) accuracy, 0.7125 -> 71.25%. */
    RunStatus test = status_of("test", 0.75, 0.7125, 0.99);
    score_test(&test, buf, sizeof buf);
    assert_string_equal(buf, "71.25%");
    test.final_accuracy = -1;
    score_test(&test, buf, sizeof buf);
    assert_string_equal(buf, "-");
}

static void test_score_line(void **state) {
    (void)state;
    char buf[64];
    RunStatus val = status_of("val", 0.8417, 0.83, 0.836);
    score_line(&val, buf, sizeof buf);
    assert_string_equal(buf, "val 84.17%  test 83.60%");
    val.test_accuracy = -1;
    score_line(&val, buf, sizeof buf);
    assert_string_equal(buf, "val 84.17%  test -");
    RunStatus test = status_of("test", 0.6767, 0.66, -1); /* the best test pass */
    score_line(&test, buf, sizeof buf);
    assert_string_equal(buf, "test 67.67%");
    RunStatus none = status_of("test", -1, -1, -1);
    score_line(&none, buf, sizeof buf);
    assert_string_equal(buf, "-");
    RunStatus none_val = status_of("val", -1, -1, -1);
    score_line(&none_val, buf, sizeof buf);
    assert_string_equal(buf, "-  test -");
}

static void test_score_short_fits_eleven_cells(void **state) {
    (void)state;
    char buf[12]; /* 11 cells and the NUL */
    RunStatus val = status_of("val", 0.8417, 0.83, 0.836);
    score_short(&val, buf, sizeof buf); /* 84.17 -> 84.2, 83.6 */
    assert_string_equal(buf, "v84.2 t83.6");
    val.test_accuracy = -1;
    score_short(&val, buf, sizeof buf);
    assert_string_equal(buf, "v84.2 t-");
    val.best_accuracy = 0.05; /* one digit before the point: 5.0 and 3.0 */
    val.test_accuracy = 0.03;
    score_short(&val, buf, sizeof buf);
    assert_string_equal(buf, "v5.0 t3.0");
    val.best_accuracy = 1.0; /* 100% as "100", not "100.0": still at most 11 cells */
    val.test_accuracy = 0.9996;
    score_short(&val, buf, sizeof buf);
    assert_string_equal(buf, "v100 t100");
    val.test_accuracy = 0.9994;
    score_short(&val, buf, sizeof buf);
    assert_string_equal(buf, "v100 t99.9");
    RunStatus test = status_of("test", 0.6767, 0.66, -1);
    score_short(&test, buf, sizeof buf);
    assert_string_equal(buf, "67.67%");
    test.best_accuracy = -1;
    score_short(&test, buf, sizeof buf);
    assert_string_equal(buf, "-");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_score_heldout_names_the_split),
        cmocka_unit_test(test_score_test_figure),
        cmocka_unit_test(test_score_line),
        cmocka_unit_test(test_score_short_fits_eleven_cells),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
