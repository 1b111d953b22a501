/*
 * timer — CLOCK_MONOTONIC in seconds. See timer.h.
 */
#include "engine/base/timer.h"

#include <time.h>

double timer_now(void) {
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) return 0.0;
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
