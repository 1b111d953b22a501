/*
 * preflight — checks before a run. See preflight.h.
 *
 * Each check asks the module that will later do the work (dataset_open on
 * the index alone, weights_check on the header with the shapes net_create
 * will make), so a preset that passes here does not fail the same way once
 * training starts, and the messages are the ones the run would give, with
 * the key in front. The network's shapes depend on four keys only (width,
 * pooling, bilinear_dim, num_classes), read here as runner_config reads them.
 * What a check resolves it keeps in the plan, so the run uses it as it is:
 * the dataset is opened once (its index, then its images), init_from
 * resolved once, "does this run load a backbone" decided once.
 */
#include "src/run/preflight.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/io/fileio.h"
#include "engine/io/safetensors.h"
#include "engine/train/weights.h"
#include "src/run/runstore.h"

/* The dataset options of p (index_only as asked). */
static DatasetOptions preflight_options(const Preset *p, int index_only,
                                        void (*on_skip)(void *, const char *), void *ctx) {
    return (DatasetOptions){.format = (DatasetFormat)p->data.format,
                            .train_fraction = p->data.train_fraction,
                            .seed = (uint64_t)p->data.split_seed,
                            .skip_bad_images = p->data.skip_bad_images,
                            .index_only = index_only,
                            .on_skip = on_skip,
                            .ctx = ctx};
}

/* p's validation split of ds (none at data.val = 0). */
static Status preflight_val(const Preset *p, Dataset *ds, Error *err) {
    if (p->data.val_fraction <= 0) return ST_OK;
    return dataset_split_val(ds, p->data.val_fraction, (uint64_t)p->data.val_seed, err);
}

Status preflight_dataset(const Preset *p, Dataset *ds, Error *err) {
    DatasetOptions opt = preflight_options(p, 1, NULL, NULL);
    Status s = dataset_open(ds, p->data.dataset, &opt, err);
    if (!s && (s = preflight_val(p, ds, err))) dataset_fini(ds);
    return s;
}

const char *preflight_backbone(const Preset *p) {
    int scratch = p->transfer.mode == TRANSFER_SCRATCH;
    return !scratch && strcmp(p->model.weights, "none") != 0 ? p->model.weights : NULL;
}

Status preflight_input(const Preset *p, const char *file, Normalize *out, const char **why,
                       Error *err) {
    Normalize manual = {.bgr = p->data.bgr, .scale = p->data.scale};
    memcpy(manual.mean, p->data.mean, sizeof manual.mean);
    memcpy(manual.std, p->data.std, sizeof manual.std);
    switch (p->data.normalize) {
    case NORM_MANUAL:
        *out = manual, *why = "data.normalize = manual";
        return ST_OK;
    case NORM_CAFFE:
        *out = image_normalize_caffe(), *why = "data.normalize = caffe";
        return ST_OK;
    case NORM_TORCHVISION:
        *out = image_normalize_torchvision(), *why = "data.normalize = torchvision";
        return ST_OK;
    default:
        break;
    }
    if (!file) {
        *out = manual, *why = "no weights file: data.mean/std/scale/channel_order";
        return ST_OK;
    }
    SafeTensors *st;
    Status s = safetensors_open(file, &st, err);
    if (s) return s;
    const char *input = safetensors_meta(st, "input");
    if (input && image_normalize_parse(input, out) == 0) {
        *why = "the weights file's input metadata";
    } else if (p->model.weights_format == WEIGHTS_CAFFE) {
        *out = image_normalize_caffe(), *why = "model.weights_format = caffe";
    } else {
        *out = image_normalize_torchvision();
        *why = p->model.weights_format == WEIGHTS_TORCHVISION
                   ? "model.weights_format = torchvision"
                   : "a weights file without input metadata: torchvision's convention";
    }
    safetensors_close(st);
    return ST_OK;
}

/* The newest finished run of preset `name` under runs_dir, into dir. */
static int preflight_newest_done(const char *runs_dir, const char *name, char *dir, size_t cap) {
    char **ids;
    int n, found = 0;
    if (runstore_list(runs_dir, &ids, &n, NULL)) return 0;
    for (int i = n - 1; i >= 0 && !found; i--) { /* ids sort oldest first */
        char d[1200];
        RunStatus st;
        snprintf(d, sizeof d, "%s/%s", runs_dir, ids[i]);
        if (runstore_read_status(d, &st, NULL) == ST_OK && st.state == RUN_DONE &&
            strcmp(st.preset, name) == 0) {
            snprintf(dir, cap, "%s", d);
            found = 1;
        }
    }
    runstore_free_list(ids, n);
    return found;
}

Status preflight_init_from(const Preset *p, const char *runs_dir, char *out, size_t cap,
                           Error *err) {
    const char *v = p->transfer.init_from;
    out[0] = '\0';
    if (!v[0]) return ST_OK;
    char dir[1200];
    Error e = {0};
    if (runstore_resolve(runs_dir, v, dir, sizeof dir, &e) == ST_OK ||
        (!strchr(v, '/') && preflight_newest_done(runs_dir, v, dir, sizeof dir))) {
        Status s = runstore_last_snapshot(dir, out, cap, NULL, &e);
        return s ? error_set(err, s, "transfer.init_from: %s", e.msg) : ST_OK;
    }
    if (!fileio_exists(v))
        return error_set(err, ST_IO,
                         "transfer.init_from: '%s' is neither a run, a preset with a finished "
                         "run under %s, nor a file",
                         v, runs_dir);
    snprintf(out, cap, "%s", v);
    return ST_OK;
}

/* Records the problem e of key into err (the key in front) and *key. */
static Status preflight_fail(Error *err, const char **key, const char *name, const Error *e) {
    if (key) *key = name;
    return error_set(err, e->status, "%s: %s", name, e->msg);
}

/* Whether the labels of ds fit p's classifier; the network p builds for ds
 * (its parameter shapes) into net. */
static Status preflight_classes(const Preset *p, const Dataset *ds, NetConfig *net, Error *err) {
    int top = 0;
    for (int i = 0; i < ds->n_items; i++)
        if (ds->items[i].label + 1 > top) top = ds->items[i].label + 1;
    int classes = p->model.num_classes;
    if (classes > 0 && top > classes)
        return error_set(err, ST_ARG, "%d is fewer than the %d classes of %s", classes, top,
                         p->data.dataset);
    *net = net_config_default();
    net->width = p->model.width;
    net->pooling = p->model.pooling;
    net->bilinear_dim = p->model.bilinear_dim;
    net->num_classes = classes > 0 ? classes : ds->num_classes; /* the trainer's rule */
    return ST_OK;
}

/* The files of the plan: the backbone (unless none), init_from resolved
 * and both checked against the network, the input convention. */
static Status preflight_files(RunPlan *plan, const Preset *p, const char *runs_dir,
                              const char **key, Error *err) {
    Error e = {0};
    plan->backbone = preflight_backbone(p);
    if (plan->backbone && weights_check(plan->backbone, &plan->net, 1, &e)) {
        if (e.status == ST_SHAPE)
            snprintf(e.msg + strlen(e.msg), sizeof e.msg - strlen(e.msg), " (model.width = %g)",
                     (double)p->model.width);
        return preflight_fail(err, key, "model.weights", &e);
    }
    Status s = preflight_init_from(p, runs_dir, plan->init_from, sizeof plan->init_from, err);
    if (s) {
        if (key) *key = "transfer.init_from";
        return s;
    }
    if (plan->init_from[0] && weights_check(plan->init_from, &plan->net, 0, &e))
        return preflight_fail(err, key, "transfer.init_from", &e);
    const char *file = plan->backbone       ? plan->backbone
                       : plan->init_from[0] ? plan->init_from
                                            : NULL;
    if (preflight_input(p, file, &plan->norm, &plan->norm_why, &e))
        return preflight_fail(err, key, plan->backbone ? "model.weights" : "transfer.init_from",
                              &e);
    return ST_OK;
}

Status preflight_plan(RunPlan *plan, const Preset *p, const char *runs_dir, int index_only,
                      void (*on_skip)(void *, const char *), void *ctx, const char **key,
                      Error *err) {
    memset(plan, 0, sizeof *plan);
    if (key) *key = NULL;
    Error e = {0};
    DatasetOptions opt = preflight_options(p, 1, on_skip, ctx);
    if (dataset_open(&plan->ds, p->data.dataset, &opt, &e))
        return preflight_fail(err, key, "data.dataset", &e);
    Status s = ST_OK;
    if (preflight_val(p, &plan->ds, &e))
        s = preflight_fail(err, key, "data.val", &e);
    else if (preflight_classes(p, &plan->ds, &plan->net, &e))
        s = preflight_fail(err, key, "model.num_classes", &e);
    else if (!(s = preflight_files(plan, p, runs_dir, key, err)) && !index_only) {
        opt.index_only = 0;
        if (dataset_probe(&plan->ds, &opt, &e))
            s = preflight_fail(err, key, "data.dataset", &e);
        else if (preflight_val(p, &plan->ds, &e))
            s = preflight_fail(err, key, "data.val", &e);
    }
    if (s) preflight_plan_fini(plan);
    return s;
}

void preflight_plan_fini(RunPlan *plan) {
    if (!plan) return;
    dataset_fini(&plan->ds);
    memset(plan, 0, sizeof *plan);
}

Status preflight_check(const Preset *p, const char *runs_dir, const char **key, Error *err) {
    RunPlan plan;
    Status s = preflight_plan(&plan, p, runs_dir, 1, NULL, NULL, key, err);
    preflight_plan_fini(&plan);
    return s;
}

Status preflight_sweep(const Preset *p, const char *runs_dir, const char **key, Error *err) {
    if (key) *key = NULL;
    Preset *one = malloc(sizeof *one);
    if (!one) return error_set(err, ST_NOMEM, "out of memory");
    int total = preset_sweep_count(p);
    Status s = ST_OK;
    for (int k = 0; k < total && !s; k++) {
        char label[512] = "";
        Error e = {0};
        s = preset_sweep_item(p, k, one, label, sizeof label, &e);
        if (!s) s = preset_validate(one, &e);
        if (!s) s = preflight_check(one, runs_dir, key, &e);
        if (s && total > 1)
            error_set(err, s, "sweep %d/%d (%s): %s", k + 1, total, label, e.msg);
        else if (s)
            error_set(err, s, "%s", e.msg);
    }
    free(one);
    return s;
}
