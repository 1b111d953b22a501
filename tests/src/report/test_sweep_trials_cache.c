/*
 * test_sweep_trials_cache — a screen's copy of a sweep read as trials
 * (sweep_trials_cached): the same sweep at the same stamp is the copy
 * held, the store not read again (a run added since is not seen); a new
 * stamp reads it again and sees the run; a sweep that cannot be read
 * gives NULL with its reason and leaves nothing held; freeing twice is
 * harmless.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/report/sweep_trials.h"
#include "tests/lib/testfamily.h"
#include "tests/lib/testutil.h"

static const char sweep_file[] = "presets/demo/res_dim_sweep.ini", sweep_name[] = "demo_res_dim";

static void add_run(const char *store, const char *stamp, int k) {
    TestFamilyResult r = testfamily_done(0.6 + 0.01 * k);
    testfamily_add(store, stamp, sweep_file, k, NULL, &r, NULL, 0);
}

static void test_sweep_read_again_on_a_new_stamp(void **state) {
    (void)state;
    char store[256];
    assert_int_equal(testutil_tmpdir(store, sizeof store, "sweep_trials_cache"), 0);
    add_run(store, "20261201-000001", 0);
    add_run(store, "20261201-000002", 1);
    SweepTrialsCache c = {0};
    Error err = {0};
    const SweepTrials *s = sweep_trials_cached(&c, store, sweep_name, 1.0, &err);
    if (!s) fail_msg("%s", err.msg);
    assert_int_equal(s->n, 2);

    add_run(store, "20261201-000003", 2);
    assert_ptr_equal(sweep_trials_cached(&c, store, sweep_name, 1.0, &err), s);
    assert_int_equal(s->n, 2); /* as of stamp 1: not read again */
    s = sweep_trials_cached(&c, store, sweep_name, 2.0, &err);
    if (!s) fail_msg("%s", err.msg);
    assert_int_equal(s->n, 3);

    assert_null(sweep_trials_cached(&c, store, "no_such_sweep", 2.0, &err));
    assert_non_null(strstr(err.msg, "no_such_sweep"));
    assert_int_equal(c.loaded, 0);
    s = sweep_trials_cached(&c, store, sweep_name, 2.0, &err);
    if (!s) fail_msg("%s", err.msg);
    assert_int_equal(s->n, 3);
    sweep_trials_cache_free(&c);
    sweep_trials_cache_free(&c);
    assert_int_equal(c.loaded, 0);
    testutil_rmtree(store);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sweep_read_again_on_a_new_stamp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
