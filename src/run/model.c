/*
 * model — a trained network for eval / predict / features. See model.h.
 *
 * Everything that decides what the network computes comes from
 * runner_config (the one place preset keys become engine settings) plus the
 * three fields trainer_create fills in: the largest batch, the class count
 * and the seed of the compact pooling's hashes / projections. Those hashes
 * are not parameters and are not in any weights file, so the seed must be
 * derived exactly as the trainer does; eval agreeing with a run's own final
 * test accuracy (tests/src/run/test_model.c) is what guards that. The input
 * convention (mean, scale, channel order) comes from preflight_input on the
 * weights file, as it did for the run. The classifier is checked for
 * before anything else is opened, so a backbone file given to eval fails at
 * once with the names of the tensors it lacks; a backbone_only model skips
 * the dataset too, whose only use up to the pooling is the class count.
 */
#include "src/run/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/blas.h"
#include "engine/base/parallel.h"
#include "engine/data/jpeg.h"
#include "engine/io/fileio.h"
#include "engine/io/safetensors.h"
#include "engine/nn/accuracy.h"
#include "engine/nn/softmax_loss.h"
#include "engine/train/weights.h"
#include "src/run/preflight.h"
#include "src/run/runner.h"
#include "src/run/runstore.h"

/* Reads the preset and picks the weights file of src into m. */
static Status model_locate(Model *m, const ModelSource *src, Error *err) {
    const char *runs_dir = src->runs_dir ? src->runs_dir : "runs";
    Error ignore = {0};
    Status s;
    if (runstore_resolve(runs_dir, src->spec, m->run_dir, sizeof m->run_dir, &ignore) == ST_OK) {
        char path[1200];
        snprintf(path, sizeof path, "%s/preset.ini", m->run_dir);
        if ((s = preset_load(&m->preset, path, err))) return s;
        if (!src->weights)
            return runstore_last_snapshot(m->run_dir, m->weights, sizeof m->weights, NULL, err);
    } else {
        m->run_dir[0] = '\0';
        if (!fileio_is_file(src->spec))
            return error_set(err, ST_IO, "%s: neither a run under %s nor a preset file", src->spec,
                             runs_dir);
        if ((s = preset_load(&m->preset, src->spec, err))) return s;
        if (!src->weights) {
            const char *backbone = preflight_backbone(&m->preset);
            if (!backbone)
                return error_set(err, ST_ARG,
                                 "%s: a preset needs --weights FILE when it loads no backbone "
                                 "(model.weights = none or transfer.mode = scratch)",
                                 src->spec);
            if (!fileio_is_file(backbone))
                return error_set(err, ST_IO, "%s: model.weights = %s: no such file", src->spec,
                                 backbone);
            snprintf(m->weights, sizeof m->weights, "%s", backbone);
            return ST_OK;
        }
    }
    if (!fileio_is_file(src->weights))
        return error_set(err, ST_IO, "%s: no such weights file", src->weights);
    snprintf(m->weights, sizeof m->weights, "%s", src->weights);
    return ST_OK;
}

static Status model_check_preset(const Model *m, const ModelSource *src, Error *err) {
    const char *name = m->run_dir[0] ? m->run_dir : src->spec;
    int combos = preset_sweep_count(&m->preset);
    if (combos > 1)
        return error_set(err, ST_ARG,
                         "%s: the preset has a [sweep] of %d combinations; name one of its "
                         "runs instead",
                         name, combos);
    return preset_validate(&m->preset, err);
}

/* ST_FORMAT naming m->weights and each classifier tensor it lacks. */
static Status model_check_classifier(const Model *m, Error *err) {
    static const char *const names[] = {NET_CLASSIFIER ".weight", NET_CLASSIFIER ".bias"};
    SafeTensors *st;
    Status s = safetensors_open(m->weights, &st, err);
    if (s) return s;
    char missing[64] = "";
    int n = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (safetensors_find(st, names[i])) continue;
        size_t len = strlen(missing);
        snprintf(missing + len, sizeof missing - len, "%s%s", n++ ? " and " : "", names[i]);
    }
    safetensors_close(st);
    if (!n) return ST_OK;
    return error_set(err, ST_FORMAT,
                     "%s has no classifier (%s %s missing), and the logits need one: name a "
                     "trained RUN, or give --weights one of its snapshots "
                     "(runs/<id>/snapshots/iter_<N>.safetensors)",
                     m->weights, missing, n > 1 ? "are" : "is");
}

static Status model_open_dataset(Model *m, Error *err) {
    const Preset *p = &m->preset;
    DatasetOptions opt = {.format = (DatasetFormat)p->data.format,
                          .train_fraction = p->data.train_fraction,
                          .seed = (uint64_t)p->data.split_seed,
                          .skip_bad_images = p->data.skip_bad_images};
    return dataset_open(&m->ds, p->data.dataset, &opt, err);
}

/* Loads the backbone from m->weights, and the classifier unless
 * backbone_only (the classifier's parameters come last). */
static Status model_load_weights(Model *m, int backbone_only, Error *err) {
    int n;
    Param *const *all = net_params(m->net, &n);
    while (backbone_only && n > 0 &&
           strncmp(all[n - 1]->name, NET_CLASSIFIER ".", sizeof NET_CLASSIFIER) == 0)
        n--;
    return weights_load(all, n, m->weights, 0, err);
}

static Status model_build_net(Model *m, const ModelSource *src, Error *err) {
    runner_config(&m->preset, &m->ds, &m->cfg);
    /* The input convention as training chose it: a snapshot records it in
     * its metadata, which preflight_input reads for normalize = auto. */
    Status s = preflight_input(&m->preset, m->weights, &m->cfg.test_data.norm, &m->input_why, err);
    if (s) return s;
    m->cfg.train_data.norm = m->cfg.test_data.norm;
    m->batch = src->batch > 0 ? src->batch : m->preset.solver.batch_size;
    NetConfig *nc = &m->cfg.net;
    nc->batch = m->batch;
    nc->num_classes = nc->num_classes > 0 ? nc->num_classes : m->ds.num_classes;
    /* Without a dataset the unloaded classifier still needs a size: one output. */
    if (nc->num_classes < 1) nc->num_classes = 1;
    nc->pool_seed = trainer_pool_seed(m->cfg.seed);
    m->num_classes = src->backbone_only ? 0 : nc->num_classes;
    for (int i = 0; i < m->ds.n_items; i++)
        if (m->ds.items[i].label >= nc->num_classes)
            return error_set(err, ST_ARG, "%s: label %d does not fit num_classes = %d",
                             m->ds.items[i].path, m->ds.items[i].label + 1, nc->num_classes);
    if (m->cfg.blas_threads > 0) {
        blas_set_threads(m->cfg.blas_threads);
        parallel_set_threads(m->cfg.blas_threads);
    }
    if (!(m->net = net_create(nc, err))) return err ? err->status : ST_ARG;
    return model_load_weights(m, src->backbone_only, err);
}

Status model_open(Model *m, const ModelSource *src, Error *err) {
    memset(m, 0, sizeof *m);
    Status s = model_locate(m, src, err);
    if (!s) s = model_check_preset(m, src, err);
    if (!s && !src->backbone_only) s = model_check_classifier(m, err);
    if (!s && !src->backbone_only) s = model_open_dataset(m, err);
    if (!s) s = model_build_net(m, src, err);
    if (s) model_close(m);
    return s;
}

void model_close(Model *m) {
    if (!m) return;
    net_destroy(m->net);
    dataset_fini(&m->ds);
    memset(m, 0, sizeof *m);
}

const char *model_class_name(const Model *m, int k, char *buf, size_t cap) {
    if (k >= 0 && k < m->ds.num_classes && m->ds.class_names) return m->ds.class_names[k];
    snprintf(buf, cap, "class %d", k);
    return buf;
}

/* --- images -------------------------------------------------------------------- */

Status model_images_open(ModelImages *mi, const char *const *paths, int n, Error *err) {
    memset(mi, 0, sizeof *mi);
    if (n < 1) return error_set(err, ST_ARG, "no image files given");
    Dataset *ds = &mi->ds;
    ds->format = DATASET_LIST;
    ds->root = strdup("(image files)");
    ds->items = calloc((size_t)n, sizeof *ds->items);
    ds->test = malloc(sizeof(int) * (size_t)n);
    Status s = ST_OK;
    if (!ds->root || !ds->items || !ds->test) {
        s = error_set(err, ST_NOMEM, "out of memory for %d image files", n);
        goto fail;
    }
    for (int i = 0; i < n; i++) {
        DatasetItem *it = &ds->items[i];
        if (!(it->path = strdup(paths[i]))) {
            s = error_set(err, ST_NOMEM, "%s: out of memory", paths[i]);
            goto fail;
        }
        ds->n_items = i + 1;
        if ((s = jpeg_probe_file(it->path, &it->w, &it->h, err))) goto fail;
        ds->test[i] = i;
    }
    ds->n_test = n;
    return ST_OK;
fail:
    dataset_fini(ds);
    return s;
}

Status model_images_start(ModelImages *mi, const Model *m, Error *err) {
    if (mi->ld || mi->ds.n_test < 1)
        return error_set(err, ST_STATE, "model images: already started or empty");
    LoaderConfig lc = m->cfg.test_data;
    lc.batch_size = m->batch;
    lc.one_pass = 1;
    lc.shuffle = 0;
    lc.first_batch = 0;
    mi->ld = loader_create(&mi->ds, mi->ds.test, mi->ds.n_test, &lc, err);
    return mi->ld ? ST_OK : err ? err->status : ST_STATE;
}

Status model_images_next(ModelImages *mi, LoaderBatch *b, Error *err) {
    if (!mi->ld) return error_set(err, ST_STATE, "model images: not started");
    return loader_next(mi->ld, b, err);
}

void model_images_close(ModelImages *mi) {
    if (!mi) return;
    loader_destroy(mi->ld);
    dataset_fini(&mi->ds);
    memset(mi, 0, sizeof *mi);
}

/* --- evaluation ---------------------------------------------------------------- */

static Status model_eval_alloc(ModelEval *ev, int n, int classes, Error *err) {
    ev->classes = classes;
    ev->truth = malloc(sizeof(int) * (size_t)n);
    ev->pred = malloc(sizeof(int) * (size_t)n);
    ev->class_total = calloc((size_t)classes, sizeof(int));
    ev->class_correct = calloc((size_t)classes, sizeof(int));
    if (!ev->truth || !ev->pred || !ev->class_total || !ev->class_correct)
        return error_set(err, ST_NOMEM, "eval: out of memory for %d images, %d classes", n,
                         classes);
    return ST_OK;
}

/* Adds one batch's logits to ev. */
static void model_eval_batch(ModelEval *ev, const Tensor *logits, const LoaderBatch *b,
                             Tensor *probs) {
    ev->loss += (double)softmax_loss_forward(logits, b->labels, probs) * b->n;
    for (int j = 0; j < b->n; j++) {
        int t = b->labels[j], p = accuracy_argmax(logits, j);
        ev->truth[ev->n] = t;
        ev->pred[ev->n] = p;
        ev->n++;
        ev->class_total[t]++;
        if (p == t) {
            ev->correct++;
            ev->class_correct[t]++;
        }
    }
}

Status model_eval(Model *m, ModelEval *ev, Error *err) {
    memset(ev, 0, sizeof *ev);
    const Dataset *ds = &m->ds;
    if (m->num_classes < 1)
        return error_set(err, ST_STATE, "eval: the model was opened without its classifier");
    if (ds->n_test < 1) return error_set(err, ST_ARG, "%s: the test split is empty", ds->root);
    Tensor probs = {0};
    Loader *ld = NULL;
    Status s = model_eval_alloc(ev, ds->n_test, m->num_classes, err);
    if (!s && tensor_init(&probs, m->batch, m->num_classes, 1, 1))
        s = error_set(err, ST_NOMEM, "eval: out of memory");
    if (s) goto done;
    LoaderConfig lc = m->cfg.test_data;
    lc.batch_size = m->batch;
    lc.one_pass = 1;
    lc.shuffle = 0;
    lc.first_batch = 0;
    if (!(ld = loader_create(ds, ds->test, ds->n_test, &lc, err))) {
        s = err ? err->status : ST_STATE;
        goto done;
    }
    for (;;) {
        LoaderBatch b;
        if ((s = loader_next(ld, &b, err)) || b.n == 0) break;
        model_eval_batch(ev, net_forward(m->net, &b.x), &b, &probs);
    }
    if (!s) ev->loss /= ev->n;
done:
    loader_destroy(ld);
    tensor_fini(&probs);
    if (s) model_eval_fini(ev);
    return s;
}

void model_eval_fini(ModelEval *ev) {
    if (!ev) return;
    free(ev->truth);
    free(ev->pred);
    free(ev->class_total);
    free(ev->class_correct);
    memset(ev, 0, sizeof *ev);
}

static int model_cmp_pair(const void *a, const void *b) {
    const ModelConfusion *x = a, *y = b;
    if (x->truth != y->truth) return x->truth < y->truth ? -1 : 1;
    return (x->predicted > y->predicted) - (x->predicted < y->predicted);
}

static int model_cmp_count(const void *a, const void *b) {
    const ModelConfusion *x = a, *y = b;
    if (x->count != y->count) return x->count > y->count ? -1 : 1;
    return model_cmp_pair(a, b);
}

int model_eval_confused(const ModelEval *ev, ModelConfusion *out, int max) {
    int wrong = ev->n - ev->correct;
    if (wrong <= 0 || max <= 0) return 0;
    ModelConfusion *pairs = malloc(sizeof *pairs * (size_t)wrong);
    if (!pairs) return -1;
    int n = 0;
    for (int i = 0; i < ev->n; i++)
        if (ev->truth[i] != ev->pred[i])
            pairs[n++] = (ModelConfusion){.truth = ev->truth[i], .predicted = ev->pred[i]};
    qsort(pairs, (size_t)n, sizeof *pairs, model_cmp_pair);
    /* Run-length: equal pairs are adjacent now. */
    int runs = 0;
    for (int i = 0; i < n; i++) {
        if (runs && model_cmp_pair(&pairs[runs - 1], &pairs[i]) == 0) {
            pairs[runs - 1].count++;
        } else {
            pairs[runs] = pairs[i];
            pairs[runs++].count = 1;
        }
    }
    qsort(pairs, (size_t)runs, sizeof *pairs, model_cmp_count);
    int k = runs < max ? runs : max;
    memcpy(out, pairs, sizeof *pairs * (size_t)k);
    free(pairs);
    return k;
}

/* --- predictions and features -------------------------------------------------- */

void model_softmax(const Tensor *logits, int i, float *probs) {
    size_t K = tensor_sample_size(logits);
    const float *z = tensor_sample(logits, i);
    float top = z[0];
    for (size_t k = 1; k < K; k++)
        if (z[k] > top) top = z[k];
    double sum = 0;
    for (size_t k = 0; k < K; k++) sum += exp((double)z[k] - top);
    for (size_t k = 0; k < K; k++) probs[k] = (float)(exp((double)z[k] - top) / sum);
}

/* a ranks above b: larger, with NaN below every number. */
static int model_better(float a, float b) {
    return a > b || (isnan(b) && !isnan(a));
}

int model_top_k(const float *scores, int K, int k, int *idx) {
    int n = 0;
    if (k > K) k = K;
    for (int j = 0; j < K && k > 0; j++) {
        if (n == k && !model_better(scores[j], scores[idx[k - 1]])) continue;
        /* Insert, dropping the last when full; an equal score stays behind
         * the earlier index. */
        int at = n < k ? n : k - 1;
        while (at > 0 && model_better(scores[j], scores[idx[at - 1]])) {
            idx[at] = idx[at - 1];
            at--;
        }
        idx[at] = j;
        if (n < k) n++;
    }
    return n;
}

static const char *const model_layer_names[MODEL_LAYER_COUNT_] = {"conv5_3", "pool", "logits"};

int model_layer_parse(const char *s, ModelLayer *out) {
    for (int i = 0; i < MODEL_LAYER_COUNT_; i++)
        if (strcmp(s, model_layer_names[i]) == 0) {
            *out = (ModelLayer)i;
            return 0;
        }
    return -1;
}

const char *model_layer_name(ModelLayer l) {
    return (unsigned)l < MODEL_LAYER_COUNT_ ? model_layer_names[l] : "?";
}

int model_layer_shape(const Model *m, ModelLayer l, int64_t dims[3]) {
    if (l == MODEL_LAYER_LOGITS) {
        dims[0] = m->num_classes;
        return 1;
    }
    const Tensor *t = net_layer_output(m->net, l == MODEL_LAYER_CONV5_3 ? "relu5_3" : "pool");
    CHECK(t != NULL);
    if (l == MODEL_LAYER_POOL) {
        dims[0] = (int64_t)tensor_sample_size(t);
        return 1;
    }
    dims[0] = t->c;
    dims[1] = t->h;
    dims[2] = t->w;
    return 3;
}

const Tensor *model_forward_layer(Model *m, const Tensor *x, ModelLayer l) {
    if (l == MODEL_LAYER_LOGITS) {
        CHECK(m->num_classes > 0);
        return net_forward(m->net, x);
    }
    net_forward_features(m->net, x);
    return net_layer_output(m->net, l == MODEL_LAYER_CONV5_3 ? "relu5_3" : "pool");
}

Status model_features(Model *m, ModelImages *mi, ModelLayer l, float **out, int64_t shape[4],
                      int *ndim, Error *err) {
    *out = NULL;
    if (l == MODEL_LAYER_LOGITS && m->num_classes < 1)
        return error_set(err, ST_STATE, "features: the model was opened without its classifier");
    int64_t dims[3];
    int nd = model_layer_shape(m, l, dims);
    size_t per = 1, n = (size_t)mi->ds.n_test;
    for (int i = 0; i < nd; i++) per *= (size_t)dims[i];
    if (per > SIZE_MAX / sizeof(float) / n)
        return error_set(err, ST_NOMEM, "features: %zu images x %zu values do not fit memory", n,
                         per);
    float *buf = malloc(n * per * sizeof(float));
    if (!buf) return error_set(err, ST_NOMEM, "features: out of memory for %zu images", n);
    Status s;
    for (;;) {
        LoaderBatch b;
        if ((s = model_images_next(mi, &b, err)) || b.n == 0) break;
        const Tensor *y = model_forward_layer(m, &b.x, l);
        CHECK(tensor_sample_size(y) == per && y->n == b.n);
        for (int j = 0; j < b.n; j++)
            memcpy(buf + (size_t)b.items[j] * per, tensor_sample(y, j), per * sizeof(float));
    }
    if (s) {
        free(buf);
        return s;
    }
    shape[0] = (int64_t)n;
    for (int i = 0; i < nd; i++) shape[i + 1] = dims[i];
    *ndim = nd + 1;
    *out = buf;
    return ST_OK;
}
