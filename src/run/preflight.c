/*
 * preflight — checks before a run. See preflight.h.
 *
 * Each check asks the module that will later do the work (dataset_open on
 * the index alone, weights_check on the header with the shapes net_create
 * will make), so a preset that passes here does not fail the same way once
 * training starts, and the messages are the ones the run would give, with
 * the key in front. The network's shapes depend on four keys only (width,
 * pooling, bilinear_dim, num_classes), read here as runner_config reads them.
 */
#include "src/run/preflight.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/io/fileio.h"
#include "engine/train/weights.h"
#include "src/run/runstore.h"

Status preflight_dataset(const Preset *p, int index_only, void (*on_skip)(void *, const char *),
                         void *ctx, Dataset *ds, Error *err) {
    DatasetOptions opt = {.format = (DatasetFormat)p->data.format,
                          .train_fraction = p->data.train_fraction,
                          .seed = (uint64_t)p->data.split_seed,
                          .skip_bad_images = p->data.skip_bad_images,
                          .index_only = index_only,
                          .on_skip = on_skip,
                          .ctx = ctx};
    return dataset_open(ds, p->data.dataset, &opt, err);
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
    net->pooling = (NetPool)p->model.pooling;
    net->bilinear_dim = p->model.bilinear_dim;
    net->num_classes = classes > 0 ? classes : ds->num_classes; /* the trainer's rule */
    return ST_OK;
}

Status preflight_check(const Preset *p, const char *runs_dir, const char **key, Error *err) {
    if (key) *key = NULL;
    Error e = {0};
    Dataset ds;
    if (preflight_dataset(p, 1, NULL, NULL, &ds, &e))
        return preflight_fail(err, key, "data.dataset", &e);
    NetConfig net;
    Status s = preflight_classes(p, &ds, &net, &e);
    dataset_fini(&ds);
    if (s) return preflight_fail(err, key, "model.num_classes", &e);
    const char *weights = p->model.weights;
    if (p->transfer.mode != TRANSFER_SCRATCH && strcmp(weights, "none") != 0 &&
        weights_check(weights, &net, 1, &e)) {
        if (e.status == ST_SHAPE)
            snprintf(e.msg + strlen(e.msg), sizeof e.msg - strlen(e.msg), " (model.width = %g)",
                     (double)p->model.width);
        return preflight_fail(err, key, "model.weights", &e);
    }
    char init[1200];
    if ((s = preflight_init_from(p, runs_dir, init, sizeof init, err))) {
        if (key) *key = "transfer.init_from";
        return s;
    }
    if (init[0] && weights_check(init, &net, 0, &e))
        return preflight_fail(err, key, "transfer.init_from", &e);
    return ST_OK;
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
