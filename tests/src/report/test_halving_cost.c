/*
 * test_halving_cost — the Grid's and Compare's account of a halving sweep:
 * pruned runs counted, iterations against the full grid, nothing said
 * without a halving run; an asha study's runs counted as trials against
 * every trial in full.
 */
#include <string.h>

#include "src/report/halving_cost.h"
#include "tests/lib/testutil.h"

static RunStatus status(const char *halving, RunState state, int iter, int max_iter) {
    RunStatus st;
    memset(&st, 0, sizeof st);
    snprintf(st.halving, sizeof st.halving, "%s", halving);
    st.state = state;
    st.iter = iter;
    st.max_iter = max_iter;
    return st;
}

static void test_halving_cost_counts_the_sweep(void **state) {
    (void)state;
    HalvingCost c = {0};
    RunStatus runs[] = {status("h1", RUN_DONE, 3600, 3600), status("h1", RUN_PRUNED, 600, 3600),
                        status("h1", RUN_PRUNED, 1800, 3600), status("h1", RUN_PRUNED, 600, 3600),
                        status("", RUN_DONE, 3600, 3600)}; /* not of the sweep */
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) halving_cost_add(&c, &runs[i]);
    assert_int_equal(c.halving, 4);
    assert_int_equal(c.pruned, 3);
    assert_int_equal(c.spent, 6600);
    assert_int_equal(c.full, 14400);
    char text[256];
    assert_int_equal(halving_cost_text(&c, text, sizeof text), 1);
    assert_string_equal(text, "halving: 3 of 4 runs pruned (dim, @ iteration); 6600 of the full "
                              "grid's 14400 iterations (46%)");
}

static void test_halving_cost_names_an_asha_study(void **state) {
    (void)state;
    HalvingCost c = {0};
    RunStatus runs[] = {status("study-20261207-1-s", RUN_DONE, 1200, 1200),
                        status("study-20261207-1-s", RUN_PRUNED, 400, 1200),
                        status("study-20261207-1-s", RUN_PRUNED, 400, 1200)};
    for (size_t i = 0; i < 3; i++) halving_cost_add(&c, &runs[i]);
    assert_int_equal(c.asha, 3);
    char text[256];
    assert_int_equal(halving_cost_text(&c, text, sizeof text), 1);
    assert_string_equal(text, "asha: 2 of 3 trials pruned (dim, @ iteration); 2000 of the 3600 "
                              "iterations of every trial in full (56%)");
    /* With a halving sweep's runs beside them: the halving account. */
    RunStatus h = status("halving-20261207-1-h", RUN_DONE, 1200, 1200);
    halving_cost_add(&c, &h);
    assert_int_equal(halving_cost_text(&c, text, sizeof text), 1);
    assert_non_null(strstr(text, "halving: 2 of 4 runs pruned"));
}

static void test_halving_cost_silent_without_a_sweep(void **state) {
    (void)state;
    HalvingCost c = {0};
    RunStatus st = status("", RUN_DONE, 10, 10);
    halving_cost_add(&c, &st);
    char text[64] = "x";
    assert_int_equal(halving_cost_text(&c, text, sizeof text), 0);
    assert_string_equal(text, "");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_halving_cost_counts_the_sweep),
        cmocka_unit_test(test_halving_cost_names_an_asha_study),
        cmocka_unit_test(test_halving_cost_silent_without_a_sweep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
