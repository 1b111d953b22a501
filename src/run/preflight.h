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
 * probed when a run makes its plan (preflight_plan without index_only),
 * still before its run directory exists, and what the checks resolved
 * (the open dataset, the files, the input convention) is handed to the run
 * as its plan rather than resolved again. Nothing here writes. Reentrant; any thread.
 * A problem comes back as a Status and an Error whose message starts with
 * the key at fault and names the file ("data.dataset: data/x: no such file
 * or directory"); *key, when asked for, is that "section.key".
 */
#ifndef FINELAB_PREFLIGHT_H
#define FINELAB_PREFLIGHT_H

#include <stddef.h>

#include "engine/base/error.h"
#include "engine/data/dataset.h"
#include "engine/data/image.h"
#include "engine/nn/net.h"
#include "src/preset/preset.h"

/* What a run of a preset reads, resolved once by the checks and handed on
 * as it is (the runner, the range test, the editor's estimate): the open
 * dataset with its validation split, the backbone file, the init_from
 * file, the network's shapes and the input convention. Caller storage;
 * free with preflight_plan_fini. */
typedef struct RunPlan {
    Dataset ds;           /* open (index only when made so: no image probed) */
    const char *backbone; /* model.weights, NULL when the run loads none (points into p) */
    char init_from[1200]; /* the file transfer.init_from resolves to, "" none */
    NetConfig net;        /* the network's shapes (width, pooling, dim, classes) */
    Normalize norm;       /* the input convention (data.normalize, else the weights') */
    const char *norm_why; /* why that convention (static text, for the log) */
} RunPlan;

/* Checks the concrete preset p (sweep already expanded, preset_validate
 * passed) against the files it names and resolves them, in this order:
 * data.dataset (the index), data.val (every class keeps training images
 * and gets validation ones), model.num_classes (fits every label),
 * model.weights (unless none or transfer.mode = scratch: the
 * `features.<i>` tensors of model.width), transfer.init_from (resolves
 * under runs_dir; the file holds every parameter of the network), the
 * input convention; then, unless index_only, every image is probed
 * (on_skip, may be NULL, hears of each one left out) and the splits made
 * over the images kept. ST_OK with *plan filled, or the first problem with
 * plan empty (preflight_plan_fini is safe): the message starts with the
 * key at fault and *key (key may be NULL) is its "section.key", NULL when
 * there is none. */
Status preflight_plan(RunPlan *plan, const Preset *p, const char *runs_dir, int index_only,
                      void (*on_skip)(void *, const char *), void *ctx, const char **key,
                      Error *err);
void preflight_plan_fini(RunPlan *plan);

/* The backbone file a run of p loads before training ([model] weights), or
 * NULL when it loads none (weights = none, or transfer.mode = scratch).
 * Points into p. */
const char *preflight_backbone(const Preset *p);

/* The input convention of a run of p: [data] normalize, and for auto the
 * convention of file (the weights or init_from file; NULL: none): its
 * "input" metadata, else [model] weights_format (auto: torchvision); with
 * no file, the manual mean/std/scale/channel_order keys. *why says which
 * (for the log). ST_IO / ST_FORMAT name an unreadable file. */
Status preflight_input(const Preset *p, const char *file, Normalize *out, const char **why,
                       Error *err);

/* Opens p's dataset index into ds with the preset's format and split, and
 * its validation split (data.val): the counts the editor shows, without
 * probing images. dataset_open's and dataset_split_val's errors. */
Status preflight_dataset(const Preset *p, Dataset *ds, Error *err);

/* The file transfer.init_from names, into out (cap bytes; "" when the key
 * is empty): a run id or run directory (its last snapshot), the name of a
 * preset (its newest finished run under runs_dir: the tutorial's stage 2
 * says init_from = ft_last_layer), or a safetensors file. ST_IO, the
 * message starting "transfer.init_from: ", when it is none of these. */
Status preflight_init_from(const Preset *p, const char *runs_dir, char *out, size_t cap,
                           Error *err);

/* preflight_plan with index_only, the plan freed: ST_OK or the first
 * problem, as preflight_plan reports it. */
Status preflight_check(const Preset *p, const char *runs_dir, const char **key, Error *err);

/* preset_validate and preflight_check on every combination of p's sweep
 * (p itself without one), stopping at the first problem; in a sweep of
 * more than one its message starts with the combination ("sweep 2/3
 * (model.weights=x.safetensors): model.weights: ..."). *key as
 * preflight_check (NULL for a problem preset_validate finds). */
Status preflight_sweep(const Preset *p, const char *runs_dir, const char **key, Error *err);

#endif
