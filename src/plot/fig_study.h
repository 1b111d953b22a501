/*
 * fig_study — the Study screen's views as pictures (a sweep read as a
 * study, src/report/sweep_trials.h):
 *   - parallel coordinates: an axis per swept key (study_axes.h's places,
 *     each axis labelled with its values) and the held-out and test
 *     accuracy, a line per trial coloured by its held-out accuracy
 *     (viridis, with its colour bar), the pruned, failed and running ones
 *     grey and dashed, the best thick and black with markers, so the
 *     figure reads without colour; an axis order and brushes as the
 *     screen has them (the trials outside a brush left out);
 *   - a slice: the held-out accuracy against one key, a marker per trial;
 *   - the history: the best held-out accuracy so far against the trials
 *     and against the iterations spent, each trial's own as a marker;
 *   - the importance: fANOVA's share of the variance per key and of the
 *     largest pair as bars (study_importance.h), or why it is not ranked.
 * The file is written whole or not at all (canvas.h). Any thread.
 */
#ifndef FINELAB_FIG_STUDY_H
#define FINELAB_FIG_STUDY_H

#include "engine/base/error.h"
#include "src/report/sweep_trials.h"

typedef enum FigStudyKind {
    FIG_STUDY_PARALLEL,
    FIG_STUDY_SLICE,
    FIG_STUDY_HISTORY,
    FIG_STUDY_IMPORTANCE,
    FIG_STUDY_KINDS
} FigStudyKind;

enum { FIG_STUDY_AXES_MAX = PRESET_SWEEP_KEYS_MAX + 2 }; /* the keys, held-out, test */

typedef struct FigStudyOptions {
    FigStudyKind kind;
    int key;                       /* a slice's swept key (its index in the [sweep]) */
    int order[FIG_STUDY_AXES_MAX]; /* the parallel axes left to right; n_order 0: as swept */
    int n_order;
    double lo[FIG_STUDY_AXES_MAX], hi[FIG_STUDY_AXES_MAX]; /* per axis: the places kept */
    int brushed;                                           /* 1: lo and hi hold; 0: no brush */
    int width, height; /* the file's size (canvas_create); 0 x 0: the default */
} FigStudyOptions;

/* Parallel coordinates, first key, no brush, the default size. */
FigStudyOptions fig_study_defaults(void);
/* "parallel", "slice", "history", "importance"; the kind called name or -1. */
const char *fig_study_kind_name(FigStudyKind kind);
int fig_study_kind_of(const char *name);

/* Draws view o->kind of study s into path. ST_ARG for a study without
 * trials or keys, or a bad key or order; canvas_create's and
 * canvas_finish's errors; path is then as it was. */
Status fig_study_write(const char *path, const SweepTrials *s, const FigStudyOptions *o,
                       Error *err);

#endif
