/*
 * scr_grid_state — the Grid screen's state: the two swept keys it pivots on and
 * the selected cell. Only the Grid screen (scr_grid.c) reads and writes
 * it. UI thread only.
 */
#ifndef FINELAB_SCR_GRID_STATE_H
#define FINELAB_SCR_GRID_STATE_H

#include "src/report/study_importance.h"
#include "src/report/sweep_trials.h"

typedef struct GridState {
    int row_key, col_key;
    int sel_row, sel_col;
    StudyImportanceCache importance; /* the "what mattered" line's last forest */
    SweepTrialsCache sweep;          /* its sweep as of the runs' last listing */
} GridState;

#endif
