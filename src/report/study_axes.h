/*
 * study_axes — where a trial stands on each swept key, the one rule the
 * Study screen's parallel coordinates and slices, the importance and the
 * pictures share. A key given as a list (a grid's values, a choice, or the
 * values a grid or random sweep's runs took) is a row of evenly spaced
 * levels, as Optuna's plots draw a categorical; a range is a continuous
 * axis from lo to hi, logarithmic where the range is drawn log-uniformly.
 * Pure functions; any thread.
 */
#ifndef FINELAB_STUDY_AXES_H
#define FINELAB_STUDY_AXES_H

#include <stddef.h>

#include "src/preset/preset.h"

/* "section.key" of swept key k into buf. */
void study_axis_name(const SweepKey *k, char *buf, size_t cap);
/* The position in [0, 1] of point value x (a list's index, a range's
 * value) on k's axis: level i of n at i / (n - 1) (one level: 0.5); a
 * range linearly or, for loguniform, by log. Clamped to [0, 1]. */
double study_axis_position(const SweepKey *k, double x);
/* The same, as the importance's unit box measures it: level i of n at the
 * centre of its share, (i + 0.5) / n, so each level weighs alike; a range
 * as study_axis_position. */
double study_axis_unit(const SweepKey *k, double x);
/* The value at position t in [0, 1] of a range axis, as text ("0.0123");
 * for a list, the level nearest t. */
void study_axis_label(const SweepKey *k, double t, char *buf, size_t cap);
/* Point value x as text: a list's value, a range's number. */
void study_axis_value(const SweepKey *k, double x, char *buf, size_t cap);

#endif
