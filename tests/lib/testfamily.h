/*
 * testfamily — run stores of a preset family for the tests of the lessons
 * (test_famruns, test_lessons), written the way the store writes them
 * (runstore_create, the status table's writer, metrics rows through
 * runstore_append_row), not by training: a run of a preset file (one
 * combination of a sweep, with its sweep label) with the figures a test
 * asks for. Run ids are <stamp>-<name>, so a test says which is newer.
 * Any failure fails the calling test (cmocka).
 */
#ifndef FINELAB_TESTFAMILY_H
#define FINELAB_TESTFAMILY_H

#include <stddef.h>

#include "src/run/runstatus.h"

/* How a fixture run ended. */
typedef struct TestFamilyResult {
    RunState state;  /* RUN_DONE; RUN_RUNNING stays running while the test process lives */
    double test;     /* final (and best) test accuracy, a fraction */
    int test_images; /* status test_images; 0: not recorded */
    double seconds;  /* status seconds; 0: not recorded */
    /* Train accuracy of its train rows (with test rows at the final test
     * accuracy, enough for the coach to read the curves); < 0: no rows. */
    double train;
} TestFamilyResult;

/* A finished run at test accuracy test (600 test images, 60 s, no rows). */
TestFamilyResult testfamily_done(double test);

/* Writes into store (made when missing) a run of combination k (0
 * outside a sweep) of the preset file, on dataset (NULL: the preset's
 * own), as <stamp>-<experiment name>, ending as res says; its directory
 * goes to dir (cap bytes; dir may be NULL). */
void testfamily_add(const char *store, const char *stamp, const char *file, int k,
                    const char *dataset, const TestFamilyResult *res, char *dir, size_t cap);

/* Every run of the demo family (presets/demo: the five experiments and
 * every combination of the two sweeps) finished on dataset (NULL: the
 * presets' own) with stamps <prefix>-<two digits>, each at test accuracy
 * acc(role, combination index) of the caller's. */
void testfamily_demo(const char *store, const char *prefix, const char *dataset,
                     double (*acc)(int role, int k));

/* The figures README's "What the demo family shows" measured with the
 * presets as shipped (2026-12-01; stage 2 as re-run on 2026-12-06), as
 * a store: the five experiments with their wall times, the seven
 * res x dim combinations and the three weight decays that were measured
 * (no wall time recorded per sweep run, no curves). What README's
 * lessons block was first generated from. */
void testfamily_measured(const char *store);

#endif
