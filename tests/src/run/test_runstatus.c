/*
 * test_runstatus — status.ini as one table (src/run/runstatus.c): every
 * field goes out and comes back, the halving fields only for a sweep's
 * runs, an older file without the newer keys reads their defaults (a held-
 * out curve on the test split, no validation), keys from a newer version
 * are skipped, a bad value names its key and line, and the test split's
 * figure of runs with and without a validation split.
 */
#include <stdio.h>
#include <string.h>

#include "src/run/runstatus.h"
#include "tests/lib/testutil.h"

/* A status with every field away from its default. */
static RunStatus filled(void) {
    RunStatus st;
    runstatus_defaults(&st);
    st.state = RUN_PRUNED;
    st.pid = 4242;
    st.iter = 600;
    st.max_iter = 3600;
    st.best_accuracy = 0.84125;
    st.final_accuracy = 0.8375;
    st.test_accuracy = 0.83625;
    st.test_loss = 0.5125;
    st.test_iter = 2400;
    st.final_loss = 0.25;
    st.seconds = 12.5;
    st.images_per_s = 2500.25;
    st.skipped_images = 3;
    st.train_images = 480;
    st.val_images = 120;
    st.test_images = 600;
    st.phase_done = 300;
    st.phase_total = 3600;
    st.phase_eta = 4.5;
    st.ranks = 2;
    st.candidate = 4;
    st.rung = 1;
    const struct {
        char *field;
        size_t cap;
        const char *text;
    } texts[] = {
        {st.preset, sizeof st.preset, "demo_lr_wd"},
        {st.sweep, sizeof st.sweep, "solver.base_lr=0.1, solver.weight_decay=0"},
        {st.started, sizeof st.started, "2026-12-06T10:00:00Z"},
        {st.updated, sizeof st.updated, "2026-12-06T10:01:00Z"},
        {st.heldout, sizeof st.heldout, "val"},
        {st.phase, sizeof st.phase, "train"},
        {st.error, sizeof st.error, "a path: cannot write"},
        {st.host, sizeof st.host, "node7"},
        {st.slurm, sizeof st.slurm, "17_3"},
        {st.cache, sizeof st.cache, "0123abcd 4567ef01"},
        {st.halving, sizeof st.halving, "20261206-100000-demo_lr_wd"},
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        snprintf(texts[i].field, texts[i].cap, "%s", texts[i].text);
    return st;
}

static void test_runstatus_round_trip(void **state) {
    (void)state;
    RunStatus st = filled(), back;
    char text[4096], bad[64];
    int len = runstatus_format(&st, text, sizeof text);
    assert_true(len > 0 && (size_t)len == strlen(text));
    assert_int_equal(runstatus_parse(text, (size_t)len, &back, bad, sizeof bad), 0);
    assert_memory_equal(&st, &back, sizeof st);
}

static void test_runstatus_halving_fields_only_in_a_sweep(void **state) {
    (void)state;
    RunStatus st = filled();
    st.halving[0] = '\0';
    char text[4096];
    assert_true(runstatus_format(&st, text, sizeof text) > 0);
    assert_null(strstr(text, "halving"));
    assert_null(strstr(text, "candidate"));
    assert_null(strstr(text, "rung"));
    assert_non_null(strstr(text, "\ntest_accuracy = 0.836250\n"));
}

static void test_runstatus_newlines_in_the_error(void **state) {
    (void)state;
    RunStatus st = filled();
    snprintf(st.error, sizeof st.error, "line one\nline two\r");
    char text[4096], bad[64];
    int len = runstatus_format(&st, text, sizeof text);
    assert_non_null(strstr(text, "\nerror = line one line two \n"));
    assert_string_equal(st.error, "line one\nline two\r"); /* the status is not changed */
    RunStatus back;
    assert_int_equal(runstatus_parse(text, (size_t)len, &back, bad, sizeof bad), 0);
    assert_string_equal(back.error, "line one line two");
}

static void test_runstatus_older_and_newer_files(void **state) {
    (void)state;
    char old[] = "[run]\nstate = done\npid = 12\niter = 40\nmax_iter = 40\n"
                 "best_accuracy = 0.5\nfinal_accuracy = 0.45\nfuture_key = whatever\n"
                 "[future_section]\nstate = nonsense\n";
    RunStatus st;
    char bad[64];
    assert_int_equal(runstatus_parse(old, strlen(old), &st, bad, sizeof bad), 0);
    assert_int_equal(st.state, RUN_DONE);
    assert_int_equal(st.iter, 40);
    assert_false(runstatus_has_val(&st));
    assert_string_equal(runstatus_heldout_name(&st), "test");
    assert_true(st.test_accuracy == -1 && st.test_iter == -1 && st.rung == -1);
    assert_true(st.ranks == 1 && st.train_images == 0);
    /* without a validation split, the test figure is the final accuracy */
    assert_true(runstatus_test_accuracy(&st) == 0.45);
    snprintf(st.heldout, sizeof st.heldout, "val");
    assert_true(runstatus_test_accuracy(&st) == -1);
    st.test_accuracy = 0.4;
    assert_true(runstatus_test_accuracy(&st) == 0.4);
    assert_string_equal(runstatus_heldout_name(&st), "val");
}

static void test_runstatus_bad_values(void **state) {
    (void)state;
    static const struct {
        const char *text;
        int line;
        const char *key;
    } cases[] = {
        {"[run]\nstate = sleeping\n", 2, "state"},
        {"[run]\nstate = done\niter = 4x\n", 3, "iter"},
        {"[run]\nbest_accuracy =\n", 2, "best_accuracy"},
        {"[run]\npid = 12\nno pair here\n", 3, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[256], bad[64];
        snprintf(text, sizeof text, "%s", cases[i].text);
        RunStatus st;
        assert_int_equal(runstatus_parse(text, strlen(text), &st, bad, sizeof bad), cases[i].line);
        assert_string_equal(bad, cases[i].key);
    }
}

static void test_runstatus_too_small_a_buffer(void **state) {
    (void)state;
    RunStatus st = filled();
    char text[64];
    assert_int_equal(runstatus_format(&st, text, sizeof text), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_runstatus_round_trip),
        cmocka_unit_test(test_runstatus_halving_fields_only_in_a_sweep),
        cmocka_unit_test(test_runstatus_newlines_in_the_error),
        cmocka_unit_test(test_runstatus_older_and_newer_files),
        cmocka_unit_test(test_runstatus_bad_values),
        cmocka_unit_test(test_runstatus_too_small_a_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
