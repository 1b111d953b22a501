/*
 * mattered — the one "what mattered" line of a sweep that the Grid (screen
 * and picture) and `finelab show` print: fANOVA's share of the variance
 * per key and of the largest pair where study_importance ranks the sweep's
 * trials, else the range of the mean best accuracy over each key's values
 * (importance.h) with why fANOVA was not used, in brief. Pure; any thread.
 */
#ifndef FINELAB_MATTERED_H
#define FINELAB_MATTERED_H

#include <stddef.h>

#include "src/report/study_importance.h"

/* "what mattered (fANOVA over 12 runs, share of variance): data.resolution
 * 93%, model.bilinear_dim 5%; together 2%" into buf when imp ranks the
 * keys of sw (returns 1); else "" (returns 0). */
int mattered_fanova(const PresetSweep *sw, const StudyImportance *imp, char *buf, size_t cap);

/* The range-of-means line over n labels and best accuracies (split: the
 * held-out split's name, "" for none): "what mattered (range of the mean
 * best <split> accuracy per key): <importance_format's text>", with
 * "; too few runs for fANOVA" or "; noise to fANOVA" after it when imp
 * (may be NULL) says why it was not ranked. Returns 0 and "" when no key
 * has two values with an accuracy. */
int mattered_range(const char *const *labels, const double *best, int n, const char *split,
                   const StudyImportance *imp, char *buf, size_t cap);

#endif
