/*
 * compare — the side-by-side table of runs: one column per run, one row
 * per preset key (only the keys whose values differ, unless all are asked
 * for), then the results: best and final held-out accuracy (the validation
 * split's, named in the cell, where the run has one), the test split's, what the diagnosis
 * (diagnosis.h) finds in the curves, train accuracy,
 * final train loss, training time and images/s. `finelab compare` prints
 * it as text, CSV or Markdown; the TUI's Compare screen draws the same
 * table. Reads only the run store, so any thread or process may build one.
 */
#ifndef FINELAB_COMPARE_H
#define FINELAB_COMPARE_H

#include "engine/base/error.h"
#include "src/preset/preset.h"
#include "src/run/runstore.h"

typedef enum CompareFormat { COMPARE_TEXT, COMPARE_CSV, COMPARE_MD } CompareFormat;

typedef struct CompareRun {
    char id[1024];
    char dir[1024];
    Preset preset;
    RunStatus status;
    double train_accuracy; /* last train row's accuracy, -1 without one */
    char diagnosis[160];   /* what diagnosis.h finds ("overfitting; plateau", "none", "-") */
} CompareRun;

typedef struct CompareRow {
    char label[80]; /* "data.resolution", or a result such as "best held-out" */
    char **cells;   /* one formatted value per run */
    double *values; /* numeric value per run (NAN when not a number) */
    int differs;    /* 1 when not every run has the same text */
    int result;     /* 1 for result rows (below the preset keys) */
} CompareRow;

typedef struct CompareTable {
    int n_runs;
    CompareRun *runs;
    int n_rows;
    CompareRow *rows;
} CompareTable;

/* Loads the n runs (ids under runs_dir or run directories) and builds the
 * rows; all_keys 1 keeps keys whose values agree. err names a missing or
 * unreadable run. */
Status compare_load(CompareTable *t, const char *runs_dir, char *const *runs, int n, int all_keys,
                    Error *err);
/* The table as text (aligned columns), CSV or Markdown; malloc'd, NULL on
 * out of memory. */
char *compare_format(const CompareTable *t, CompareFormat fmt);
void compare_fini(CompareTable *t);

#endif
