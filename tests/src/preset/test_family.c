/*
 * test_family — a preset family is listed in the tutorial's order: stage 1,
 * stage 2, all at once, no bilinear, scratch, the two sweeps, then every
 * other file alphabetically; paths rank by their file name.
 */
#include <stdlib.h>
#include <string.h>

#include "src/preset/family.h"
#include "tests/lib/testutil.h"

static void test_family_rank(void **state) {
    (void)state;
    assert_int_equal(family_rank("ft_last_layer.ini"), 0);
    assert_int_equal(family_rank("ft_all.ini"), 1);
    assert_int_equal(family_rank("all_direct.ini"), 2);
    assert_int_equal(family_rank("no_bilinear.ini"), 3);
    assert_int_equal(family_rank("scratch.ini"), 4);
    assert_int_equal(family_rank("res_dim_sweep.ini"), 5);
    assert_int_equal(family_rank("weight_decay_sweep.ini"), 6);
    assert_int_equal(family_rank("optimizer_sweep.ini"), 7);
    assert_int_equal(family_rank("augment_off.ini"), 8);
    assert_int_equal(family_rank("augment_on.ini"), 9);
    assert_int_equal(family_rank("presets/cub/ft_all.ini"), 1);
    assert_int_equal(family_rank("tiny_scratch.ini"), -1);
    assert_int_equal(family_rank("ft_last_layer"), -1);
    assert_int_equal(family_rank("ft_last_layer.ini/x.ini"), -1);
    assert_int_equal(family_rank(""), -1);
}

static int by_family(const void *x, const void *y) {
    return family_compare(*(const char *const *)x, *(const char *const *)y);
}

/* presets/demo/ as readdir might give it, and a user's files beside. */
static void test_family_sorts_demo_in_tutorial_order(void **state) {
    (void)state;
    const char *names[] = {"all_direct.ini",         "zz_mine.ini",         "tiny_scratch.ini",
                           "augment_on.ini",         "ft_all.ini",          "scratch.ini",
                           "weight_decay_sweep.ini", "res_dim_sweep.ini",   "a_mine.ini",
                           "no_bilinear.ini",        "optimizer_sweep.ini", "augment_off.ini",
                           "ft_last_layer.ini",      "default.ini"};
    static const char *const want[] = {
        "ft_last_layer.ini",      "ft_all.ini",          "all_direct.ini",
        "no_bilinear.ini",        "scratch.ini",         "res_dim_sweep.ini",
        "weight_decay_sweep.ini", "optimizer_sweep.ini", "augment_off.ini",
        "augment_on.ini",         "a_mine.ini",          "default.ini",
        "tiny_scratch.ini",       "zz_mine.ini"};
    size_t n = sizeof names / sizeof names[0];
    qsort(names, n, sizeof names[0], by_family);
    for (size_t i = 0; i < n; i++) assert_string_equal(names[i], want[i]);
    assert_int_equal(family_compare("ft_all.ini", "ft_all.ini"), 0);
    assert_true(family_compare("x/b.ini", "a/c.ini") < 0); /* by file name, not path */
    assert_true(family_compare("scratch.ini", "a.ini") < 0);
    assert_true(family_compare("a.ini", "scratch.ini") > 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_family_rank),
        cmocka_unit_test(test_family_sorts_demo_in_tutorial_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
