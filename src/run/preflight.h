/*
 * preflight — every check on a preset that can be made before a run
 * starts, in one place, so that nothing is written to the run store for a
 * preset that cannot train: the dataset's index reads, the weights file
 * holds the backbone of the preset's width, init_from resolves to weights
 * that fit the whole network, num_classes fits the labels, and every
 * combination of a sweep is valid. `finelab run` checks every combination
 * before the first run, runner_run checks again when a run (or a queued
 * job) starts, and the lab's editor shows the problem on its key.
 *
 * The checks read text files and safetensors headers, never images or
 * tensor data, so they are quick enough for the UI thread; the images are
 * probed when the run opens its dataset (preflight_dataset), still before
 * its run directory exists. Nothing here writes. Reentrant; any thread.
 * A problem comes back as a Status and an Error whose message starts with
 * the key at fault and names the file ("data.dataset: data/x: no such file
 * or directory"); *key, when asked for, is that "section.key".
 */
#ifndef FINELAB_PREFLIGHT_H
#define FINELAB_PREFLIGHT_H

#include <stddef.h>

#include "engine/base/error.h"
#include "engine/data/dataset.h"
#include "src/preset/preset.h"

/* Opens p's dataset into ds with the preset's format, split and bad-image
 * rule (index_only: the index files only, no image opened); on_skip (may
 * be NULL) hears of each image left out. dataset_open's errors. */
Status preflight_dataset(const Preset *p, int index_only, void (*on_skip)(void *, const char *),
                         void *ctx, Dataset *ds, Error *err);

/* The file transfer.init_from names, into out (cap bytes; "" when the key
 * is empty): a run id or run directory (its last snapshot), the name of a
 * preset (its newest finished run under runs_dir: the tutorial's stage 2
 * says init_from = ft_last_layer), or a safetensors file. ST_IO, the
 * message starting "transfer.init_from: ", when it is none of these. */
Status preflight_init_from(const Preset *p, const char *runs_dir, char *out, size_t cap,
                           Error *err);

/* Checks the concrete preset p (sweep already expanded, preset_validate
 * passed) against the files it names, in this order: data.dataset (the
 * index), model.num_classes (fits every label), model.weights (unless
 * none or transfer.mode = scratch: the `features.<i>` tensors of
 * model.width), transfer.init_from (resolves under runs_dir; the file
 * holds every parameter of the network the run builds). ST_OK, or the
 * first problem; *key (key may be NULL) is its "section.key", NULL when
 * there is none. */
Status preflight_check(const Preset *p, const char *runs_dir, const char **key, Error *err);

/* preset_validate and preflight_check on every combination of p's sweep
 * (p itself without one), stopping at the first problem; in a sweep of
 * more than one its message starts with the combination ("sweep 2/3
 * (model.weights=x.safetensors): model.weights: ..."). *key as
 * preflight_check (NULL for a problem preset_validate finds). */
Status preflight_sweep(const Preset *p, const char *runs_dir, const char **key, Error *err);

#endif
