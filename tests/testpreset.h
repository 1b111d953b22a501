/*
 * testpreset — building presets in tests with the --set syntax: each
 * assignment is applied with preset_set and a bad one fails the test,
 * naming the assignment and the reason.
 */
#ifndef FINELAB_TESTPRESET_H
#define FINELAB_TESTPRESET_H

#include <stddef.h>

#include "src/preset/preset.h"

/* Applies the n "section.key=value" assignments in order. */
void testpreset_apply(Preset *p, const char *const *sets, size_t n);
/* Applies one printf-formatted assignment. */
void testpreset_set(Preset *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
