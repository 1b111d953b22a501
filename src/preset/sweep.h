/*
 * sweep — a preset's [sweep]: its keys (each a SweepKey: a list of values
 * or a range to draw from), its settings (strategy, samples, seed,
 * min_iter, eta), the checks between them, the [sweep] section as text,
 * and the concrete presets it expands to (preset_sweep_count and
 * preset_sweep_item in preset.h). The reader (preset.c) calls these with
 * each [sweep] line; every problem comes back as text for it to place at
 * the line.
 */
#ifndef FINELAB_SWEEP_H
#define FINELAB_SWEEP_H

#include <stddef.h>

#include "engine/base/strbuf.h"
#include "src/preset/preset.h"
#include "src/preset/schema.h"

/* The [sweep] settings that are not preset keys. */
enum {
    SWEEP_SET_STRATEGY,
    SWEEP_SET_SAMPLES,
    SWEEP_SET_SEED,
    SWEEP_SET_MIN_ITER,
    SWEEP_SET_ETA,
    SWEEP_SET_SAMPLER,
    SWEEP_SETTINGS
};

/* No keys, the settings' defaults (grid, seed 1, eta 3): a concrete preset. */
void sweep_defaults(PresetSweep *sw);

/* Checks the [sweep] value list (or range) for key k and appends it to sw.
 * Returns NULL, or what is wrong (in msg, without file and key), sw
 * unchanged then. scratch: a preset the values are parsed into. */
const char *sweep_add(PresetSweep *sw, const SchemaKey *k, const char *list, Preset *scratch,
                      char *msg, size_t cap);
/* The index in sw of schema key `key`, or -1. */
int sweep_find(const PresetSweep *sw, int key);
/* Removes sw's key j. */
void sweep_remove(PresetSweep *sw, int j);
/* 1 when swept key k holds whole numbers (its schema type is int). */
int sweep_key_integer(const SweepKey *k);

/* The setting called name (SWEEP_SET_*), or -1; its name. */
int sweep_setting_find(const char *name);
const char *sweep_setting_name(int setting);
/* Sets a setting from text; NULL, or what is wrong (in msg). */
const char *sweep_setting_set(PresetSweep *sw, int setting, const char *text, char *msg,
                              size_t cap);

/* The settings that contradict each other or the keys: NULL, or what is
 * wrong in msg, with *which the key at fault (j >= 0) or -1 - the setting. */
const char *sweep_check(const PresetSweep *sw, int *which, char *msg, size_t cap);

/* Appends the [sweep] section (nothing for a concrete preset); sets
 * t->failed for a key that is not in the schema. */
void sweep_format(const PresetSweep *sw, StrBuf *t);

#endif
