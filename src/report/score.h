/*
 * score — how a run's accuracy reads wherever it is shown: the held-out
 * split it was chosen on (its validation split, or the test split in runs
 * without one) named beside the figure, and the test split's figure beside
 * that ("val 84.17%  test 83.60%"), so that no screen or command shows a
 * validation figure as a test figure or hides which one chose.
 *
 * Pure functions of a RunStatus; any thread.
 */
#ifndef FINELAB_SCORE_H
#define FINELAB_SCORE_H

#include <stddef.h>

#include "src/run/runstatus.h"

/* acc (one of st's held-out figures: best_accuracy, final_accuracy) as
 * "val 84.17%" or "test 67.67%"; "-" when below 0. */
void score_heldout(const RunStatus *st, double acc, char *buf, size_t cap);
/* The test split's figure of st (runstatus_test_accuracy) as "83.60%",
 * "-" while there is none. */
void score_test(const RunStatus *st, char *buf, size_t cap);
/* The run's result in one phrase: "val 84.17%  test 83.60%" (best
 * validation pass, and the test split on its weights; "test -" until the
 * run ends), or "test 67.67%" (best test pass) in runs without a
 * validation split; "-" before any held-out pass. */
void score_line(const RunStatus *st, char *buf, size_t cap);

/* The same in at most 11 cells, for a table column: "84.17%" in runs
 * without a validation split (the best test pass), "v84.2 t83.6" with
 * one (v: best validation pass, t: the test split on its weights; "t-"
 * until the run ends; 100% as "100"); "-" before any held-out pass. */
void score_short(const RunStatus *st, char *buf, size_t cap);

#endif
