/*
 * scr_study_state — the Study screen's state: the view it shows, the
 * order of its axes, the brush on each, the selected axis and trial, and
 * the sweep they are for (a new sweep starts them afresh). Only the Study
 * screen (scr_study.c) reads and writes it. UI thread only.
 */
#ifndef FINELAB_SCR_STUDY_STATE_H
#define FINELAB_SCR_STUDY_STATE_H

#include "src/preset/preset.h"
#include "src/report/study_importance.h"
#include "src/report/sweep_trials.h"

/* An axis per swept key, then the held-out and the test accuracy. */
enum { STUDY_AXES_MAX = PRESET_SWEEP_KEYS_MAX + 2 };

typedef enum StudyView {
    STUDY_VIEW_PARALLEL,   /* parallel coordinates and the kept trials */
    STUDY_VIEW_SLICE,      /* accuracy against the selected key */
    STUDY_VIEW_HISTORY,    /* best so far against trials and iterations */
    STUDY_VIEW_IMPORTANCE, /* fANOVA's shares */
    STUDY_VIEWS
} StudyView;

typedef struct StudyState {
    char id[256]; /* the sweep the rest is for ("": none yet) */
    StudyView view;
    int n_axes;                /* axes of that sweep */
    int order[STUDY_AXES_MAX]; /* axis ids, left to right */
    int axis;                  /* the selected axis: a place in order */
    double lo[STUDY_AXES_MAX]; /* per axis id: its brush, places kept */
    double hi[STUDY_AXES_MAX];
    int sel;                         /* the selected trial: a row of the kept ones, best first */
    StudyImportanceCache importance; /* the importance view's last forest */
    SweepTrialsCache sweep;          /* the sweep as of the runs' last listing */
} StudyState;

#endif
