/*
 * test_halving — successive halving's rung schedule, its iteration count
 * and promotion on synthetic scores (no training).
 */
#include "src/search/halving.h"
#include "tests/lib/testutil.h"

static void test_halving_plan_demo(void **state) {
    (void)state;
    /* The demo's res_dim sweep: 12 candidates, 600 -> 1800 -> 3600. */
    HalvingPlan p;
    halving_plan(&p, 12, 600, 3, 3600);
    assert_int_equal(p.n_rungs, 3);
    assert_int_equal(p.iter[0], 600);
    assert_int_equal(p.keep[0], 12);
    assert_int_equal(p.iter[1], 1800);
    assert_int_equal(p.keep[1], 4);
    assert_int_equal(p.iter[2], 3600);
    assert_int_equal(p.keep[2], 1);
    assert_int_equal(halving_iterations(&p), 12 * 600 + 4 * 1200 + 1 * 1800);
    assert_int_equal(halving_grid_iterations(&p), 12 * 3600);
}

static void test_halving_plan_edges(void **state) {
    (void)state;
    HalvingPlan p;
    halving_plan(&p, 9, 100, 3, 10000); /* 9 -> 3 -> 1: the last survivor goes to max_iter */
    assert_int_equal(p.n_rungs, 3);
    assert_int_equal(p.iter[1], 300);
    assert_int_equal(p.iter[2], 10000);
    assert_int_equal(p.keep[2], 1);
    halving_plan(&p, 2, 10, 3, 40); /* floor(2/3) = 0 keeps one */
    assert_int_equal(p.n_rungs, 2);
    assert_int_equal(p.keep[1], 1);
    halving_plan(&p, 1, 10, 3, 40); /* one candidate: straight to max_iter */
    assert_int_equal(p.n_rungs, 1);
    assert_int_equal(p.iter[0], 40);
    halving_plan(&p, 5, 50, 2, 50); /* min_iter not below max_iter: the grid */
    assert_int_equal(p.n_rungs, 1);
    assert_int_equal(p.keep[0], 5);
    assert_int_equal(halving_iterations(&p), halving_grid_iterations(&p));
}

static void test_halving_promote_ties(void **state) {
    (void)state;
    HalvingScore s[6] = {
        {1, 0.50, 1.0}, {1, 0.70, 0.9}, {1, 0.70, 0.8}, /* 2 beats 1 on loss */
        {0, 0, 0},                                      /* failed: never promoted */
        {1, 0.60, 0.5}, {1, 0.60, 0.5},                 /* a full tie: the lower index */
    };
    int ids[6] = {0, 1, 2, 3, 4, 5}, order[6], out[6];
    halving_rank(s, ids, 6, order);
    int want[6] = {2, 1, 4, 5, 0, 3};
    for (int i = 0; i < 6; i++) assert_int_equal(order[i], want[i]);
    assert_int_equal(halving_promote(s, ids, 6, 3, out), 3);
    assert_int_equal(out[0], 1); /* candidate order */
    assert_int_equal(out[1], 2);
    assert_int_equal(out[2], 4);
    int few[2] = {3, 0}; /* keep more than are scored */
    assert_int_equal(halving_promote(s, few, 2, 2, out), 1);
    assert_int_equal(out[0], 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_halving_plan_demo),
        cmocka_unit_test(test_halving_plan_edges),
        cmocka_unit_test(test_halving_promote_ties),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
