/*
 * sampler — the random draws of a [sweep] (strategy random, or halving with
 * samples): draw k gives every swept key one value, a pure function of
 * (sweep seed, k, key position), so `--sweep-index K` and a Slurm array
 * task rebuild combination K of the seeded draw alone, in any order, on any
 * machine. A list (or choice(...)) picks one of its values uniformly; a
 * range draws uniform(lo, hi) or loguniform(lo, hi) (uniform in log space)
 * and writes the number with 4 significant digits, so labels stay readable;
 * a whole-number key takes the rounded value, which its range check
 * (schema_parse) validates like any other. Reentrant; no state.
 */
#ifndef FINELAB_SAMPLER_H
#define FINELAB_SAMPLER_H

#include <stddef.h>

#include "src/preset/preset.h"

/* Writes the value of swept key j in draw k of sw into buf (cap bytes), as
 * text for schema_parse; integer_key: the key holds whole numbers (rounded).
 * Returns the length, or -1 when it did not fit. */
int sampler_value(const PresetSweep *sw, int k, int j, int integer_key, char *buf, size_t cap);

/* Draw k of swept key j as a number: a list's index, or the range's value
 * rounded as its text is written (sampler_round). */
double sampler_draw(const PresetSweep *sw, int k, int j, int integer_key);
/* v as the text of a range's value will give it back: 4 significant
 * digits, or a whole number inside the range for an integer key. */
double sampler_round(const SweepKey *key, double v, int integer_key);
/* The text of value x of key (a list's value at index x, or the number);
 * its length, or -1 when it does not fit or x is not an index. */
int sampler_text(const SweepKey *key, double x, int integer_key, char *buf, size_t cap);

/* Parses "uniform(lo, hi)" or "loguniform(lo, hi)" in text: 1 with *dist,
 * *lo, *hi set; 0 when text is not a range at all; -1 with *why when it is
 * one but malformed (lo >= hi, loguniform with lo <= 0, not two numbers). */
int sampler_parse_range(const char *text, int *dist, double *lo, double *hi, const char **why);

/* The inside of "choice(a, b, c)" (a pointer into text, *len its length),
 * or NULL when text is not a choice(...). */
const char *sampler_choice(const char *text, size_t *len);

#endif
