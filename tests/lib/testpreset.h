/*
 * testpreset — building presets in tests with the --set syntax: each
 * assignment is applied with preset_set and a bad one fails the test,
 * naming the assignment and the reason. Also the presets and values
 * several tests share: the tiny network the run tests train in a second,
 * and the tutorial's first-stage solver the preset and solver-import tests
 * both read back.
 */
#ifndef FINELAB_TESTPRESET_H
#define FINELAB_TESTPRESET_H

#include <stddef.h>

#include "src/preset/preset.h"

/* Applies the n "section.key=value" assignments in order. */
void testpreset_apply(Preset *p, const char *const *sets, size_t n);
/* Applies one printf-formatted assignment. */
void testpreset_set(Preset *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Fails the test unless p holds each of the n "section.key=value" values,
 * read back as the text a preset file would hold (schema_format): the
 * checking twin of testpreset_apply. */
void testpreset_expect(const Preset *p, const char *const *values, size_t n);

/* The defaults, then what every tiny test run shares (named "tiny", one BLAS
 * thread, the official split of dataset, 36 px resized to 32 px crops, from
 * scratch at base_lr 0.01), then the n assignments of sets in order. */
void testpreset_tiny(Preset *p, const char *dataset, const char *const *sets, size_t n);

/* Fails the test unless p holds the solver of the tutorial's first stage
 * (ft_last_layer): base_lr 0.1, multistep with gamma 0.25 over 4 steps,
 * 60000 iterations, momentum 0.9, no weight decay, iter_size 4. The step
 * values themselves are left to the caller. */
void testpreset_expect_stage1_solver(const Preset *p);

#endif
