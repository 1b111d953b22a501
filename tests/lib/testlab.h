/*
 * testlab — the scratch space of the tests that train: a fresh temporary
 * directory holding a generated bird dataset and the path of a run store
 * beside it. A test file keeps one TestLab, makes it in its cmocka group
 * setup and removes it in the teardown, so every test of the file shares
 * the dataset. Returns 0 / -1, as cmocka's setup and teardown expect.
 */
#ifndef FINELAB_TESTLAB_H
#define FINELAB_TESTLAB_H

#include "src/run/runner.h"

typedef struct TestLab {
    char dir[64];   /* /tmp/finelab_test_<name>_XXXXXX, made by testlab_init */
    char data[128]; /* dir/birds: the generated dataset */
    char runs[128]; /* dir/runs: a run store, made by whoever first writes a run */
} TestLab;

/* Makes the directory for test name and generates classes x per_class
 * images of 64 px (seed 5) in lab->data. Returns 0, or -1 when either
 * step fails (what was made is left for testlab_fini). */
int testlab_init(TestLab *lab, const char *name, int classes, int per_class);
/* Removes lab->dir and everything under it. Returns 0, or -1 on failure. */
int testlab_fini(const TestLab *lab);

/* The runs in lab->runs (0 before the first); fails the test when the
 * store cannot be listed. */
int testlab_run_count(const TestLab *lab);
/* run_dir's metrics.tsv rows without the timing columns (iteration, test,
 * loss, accuracy, lr), one line each, as one malloc'd string: what a
 * resumed run must reproduce. Fails the test when it cannot be read. */
char *testlab_rows(const char *run_dir);
/* Fails the test unless got_dir's rows (testlab_rows) are want_dir's. */
void testlab_expect_same_rows(const char *want_dir, const char *got_dir);

/* Stops a run as a user would: counts the rows it writes and asks it to
 * stop once stop_after of them came (0: never). */
typedef struct TestStopper {
    int rows, stop_after;
} TestStopper;
/* Runner callbacks (ctx s, on_row, should_stop) that do that. */
RunnerCallbacks testlab_stopper(TestStopper *s);

#endif
