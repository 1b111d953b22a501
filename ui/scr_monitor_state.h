/*
 * scr_monitor_state — the Monitor screen's state: the run it shows and that
 * run's diagnosis, kept while the run stays as it was. The Monitor
 * (scr_monitor.c) owns it; other screens and the lab's events choose the
 * run (app_watch). UI thread only.
 */
#ifndef FINELAB_SCR_MONITOR_STATE_H
#define FINELAB_SCR_MONITOR_STATE_H

#include <stdlib.h>

#include "src/report/diagnosis.h"
#include "src/run/runstore.h"

typedef struct MonitorState {
    char dir[1600]; /* the run shown */
    /* Its diagnosis (relatives_diagnose reads the store), kept while the
     * run, its row count and state, and the store's listing stay as they
     * were when it was made. malloc'd; NULL: none yet. */
    Diagnosis *diag;
    char diag_dir[1600];
    int diag_rows;
    RunState diag_state;
    double diag_listed_at;
} MonitorState;

/* Frees what the state holds (its diagnosis). */
static inline void monitor_state_fini(MonitorState *m) {
    free(m->diag);
    m->diag = NULL;
}

#endif
