/*
 * test_progress — a run's progress as the run list and the lab print it
 * (src/report/progress.c): the ETA's text for every magnitude, including
 * the values a damaged status.ini can hold (found by fuzz_runstore: a
 * phase_eta of 6e48 overflowed the conversion to whole seconds), and the
 * phase and fraction of a running and a finished run.
 */
#include <math.h>
#include <string.h>

#include "src/report/progress.h"
#include "tests/lib/testutil.h"

static void test_progress_eta_text(void **state) {
    (void)state;
    static const struct {
        double s;
        const char *text;
    } cases[] = {
        {-1, "-"},
        {NAN, "-"},
        {-INFINITY, "-"},
        {0, "0s"},
        {41.6, "42s"},
        {185, "3m05s"},
        {7800, "2h10m"},
        {3599.4, "59m59s"},
        {3.6e9, "1000000h00m"},
        {6.2e48, "1000000h00m"},
        {INFINITY, "1000000h00m"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[32];
        progress_eta_text(cases[i].s, buf, sizeof buf);
        assert_string_equal(buf, cases[i].text);
    }
}

static void test_progress_of_running_and_done(void **state) {
    (void)state;
    RunStatus st;
    memset(&st, 0, sizeof st);
    st.state = RUN_RUNNING;
    snprintf(st.phase, sizeof st.phase, "cache");
    st.phase_done = 600;
    st.phase_total = 1800;
    st.phase_eta = 30;
    RunProgress pr;
    progress_of(&st, &pr);
    assert_string_equal(pr.phase, "cache");
    assert_string_equal(pr.count, "600/1800");
    assert_true(fabs(pr.fraction - 1.0 / 3) < 1e-12 && pr.eta == 30);
    st.state = RUN_DONE;
    st.iter = st.max_iter = 40;
    progress_of(&st, &pr);
    assert_string_equal(pr.phase, "done");
    assert_string_equal(pr.count, "40/40");
    assert_true(pr.fraction == 1 && pr.eta == -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_progress_eta_text),
        cmocka_unit_test(test_progress_of_running_and_done),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
