/*
 * test_timer — timer_now is CLOCK_MONOTONIC in seconds: it lies between
 * two direct reads of that clock, never goes back, and a sleep of 20 ms
 * advances it by at least that (and by less than seconds).
 */
#include <time.h>

#include "engine/base/timer.h"
#include "tests/lib/testutil.h"

static double clock_seconds(void) {
    struct timespec ts;
    assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void test_timer_is_the_monotonic_clock(void **state) {
    (void)state;
    double before = clock_seconds();
    double t = timer_now();
    double after = clock_seconds();
    /* 1 us of slack for the double's rounding of large uptimes. */
    assert_true(t >= before - 1e-6);
    assert_true(t <= after + 1e-6);
    assert_true(t > 0);
}

static void test_timer_never_goes_back(void **state) {
    (void)state;
    double last = timer_now();
    for (int i = 0; i < 100000; i++) {
        double t = timer_now();
        if (t < last) fail_msg("timer went back from %.9f to %.9f at call %d", last, t, i);
        last = t;
    }
}

static void test_timer_measures_a_sleep(void **state) {
    (void)state;
    double t0 = timer_now();
    struct timespec ts = {0, 20 * 1000 * 1000};
    while (nanosleep(&ts, &ts) != 0) continue;
    double dt = timer_now() - t0;
    assert_true(dt >= 0.020 - 1e-6);
    assert_true(dt < 5.0); /* a loaded machine may oversleep, not by seconds */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timer_is_the_monotonic_clock),
        cmocka_unit_test(test_timer_never_goes_back),
        cmocka_unit_test(test_timer_measures_a_sleep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
