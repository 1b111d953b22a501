/*
 * timer — monotonic wall-clock seconds, for throughput figures, ETAs and
 * benchmarks. Thread-safe; never fails in practice (returns 0 if the clock
 * is unavailable).
 */
#ifndef FINELAB_TIMER_H
#define FINELAB_TIMER_H

/* Seconds since an arbitrary fixed point (CLOCK_MONOTONIC). */
double timer_now(void);

#endif
