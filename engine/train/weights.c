/*
 * weights — named parameters from safetensors files. See weights.h.
 */
#include "engine/train/weights.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/tensor.h"
#include "engine/io/safetensors.h"

int weights_shape(const Param *p, int64_t shape[4]) {
    const Tensor *v = &p->value;
    shape[0] = v->n;
    if (v->h == 1 && v->w == 1) {
        if (v->c == 1 && strstr(p->name, ".bias")) return 1;
        shape[1] = v->c;
        return 2;
    }
    shape[1] = v->c;
    shape[2] = v->h;
    shape[3] = v->w;
    return 4;
}

/* Whether st holds tensor name with count elements in a dtype read as
 * float; want (nd dimensions) is the shape named in the message. */
static Status weights_check_one(const SafeTensors *st, const char *name, uint64_t count,
                                const int64_t *want, int nd, Error *err) {
    const char *path = safetensors_path(st);
    const SafeTensorsInfo *info = safetensors_find(st, name);
    if (!info) return error_set(err, ST_FORMAT, "%s: tensor %s is missing", path, name);
    if (info->count != count) {
        char got[96], need[96];
        tensor_shape_text(info->shape, info->ndim, got, sizeof got);
        tensor_shape_text(want, nd, need, sizeof need);
        return error_set(err, ST_SHAPE, "%s: tensor %s has shape %s, the model needs %s", path,
                         name, got, need);
    }
    if (strcmp(info->dtype, "F32") != 0 && strcmp(info->dtype, "F16") != 0 &&
        strcmp(info->dtype, "BF16") != 0)
        return error_set(err, ST_FORMAT, "%s: tensor %s is %s; only F32, F16 and BF16 load", path,
                         name, info->dtype);
    return ST_OK;
}

Status weights_check(const char *path, const NetConfig *cfg, int backbone_only, Error *err) {
    SafeTensors *st;
    Status s = safetensors_open(path, &st, err);
    if (s) return s;
    NetParamShape want[NET_PARAMS];
    net_param_shapes(cfg, want);
    for (int i = 0; i < NET_PARAMS && !s; i++) {
        if (backbone_only && strncmp(want[i].name, "features.", 9) != 0) continue;
        uint64_t count = 1;
        for (int d = 0; d < want[i].ndim; d++) count *= (uint64_t)want[i].shape[d];
        s = weights_check_one(st, want[i].name, count, want[i].shape, want[i].ndim, err);
    }
    safetensors_close(st);
    return s;
}

/* A parameter's tensors in a snapshot: its value, then its histories. */
static const char *const weights_suffix[3] = {"", ".history", ".history2"};

Status weights_load(Param *const *ps, int n, const char *path, int with_history, Error *err) {
    SafeTensors *st;
    Status s = safetensors_open(path, &st, err);
    if (s) return s;
    for (int i = 0; i < n && !s; i++) {
        int64_t want[4];
        int nd = weights_shape(ps[i], want);
        int parts = with_history ? (ps[i]->history2.data ? 3 : 2) : 1;
        for (int h = 0; h < parts && !s; h++) {
            char name[80];
            snprintf(name, sizeof name, "%s%s", ps[i]->name, weights_suffix[h]);
            s = weights_check_one(st, name, tensor_count(&ps[i]->value), want, nd, err);
        }
    }
    for (int i = 0; i < n && !s; i++) {
        float *into[3] = {ps[i]->value.data, ps[i]->history.data, ps[i]->history2.data};
        int parts = with_history ? (ps[i]->history2.data ? 3 : 2) : 1;
        for (int h = 0; h < parts && !s; h++) {
            char name[80];
            snprintf(name, sizeof name, "%s%s", ps[i]->name, weights_suffix[h]);
            s = safetensors_read_f32(st, name, into[h], tensor_count(&ps[i]->value), err);
        }
    }
    safetensors_close(st);
    return s;
}

Status weights_load_extra(Param *const *ps, int n, const char *path, const char *suffix,
                          float *const *into, Error *err) {
    SafeTensors *st;
    Status s = safetensors_open(path, &st, err);
    if (s) return s;
    for (int pass = 0; pass < 2 && !s; pass++) /* every check before any read */
        for (int i = 0; i < n && !s; i++) {
            if (!into[i]) continue;
            int64_t want[4];
            int nd = weights_shape(ps[i], want);
            char name[96];
            snprintf(name, sizeof name, "%s%s", ps[i]->name, suffix);
            size_t count = tensor_count(&ps[i]->value);
            s = pass == 0 ? weights_check_one(st, name, count, want, nd, err)
                          : safetensors_read_f32(st, name, into[i], count, err);
        }
    safetensors_close(st);
    return s;
}

/* "features.<digits>.weight" or "features.<digits>.bias", nothing more. */
static int weights_is_backbone(const char *name) {
    const char *p = name;
    if (strncmp(p, "features.", 9) != 0) return 0;
    p += 9;
    if (*p < '0' || *p > '9') return 0;
    while (*p >= '0' && *p <= '9') p++;
    return strcmp(p, ".weight") == 0 || strcmp(p, ".bias") == 0;
}

Status weights_export_backbone(const char *in, const char *out, const char *const *meta, int n_meta,
                               int *tensors, uint64_t *floats, Error *err) {
    SafeTensors *st = NULL;
    Status s = safetensors_open(in, &st, err);
    if (s) return s;
    size_t n = safetensors_count(st);
    float **data = calloc(n ? n : 1, sizeof *data);
    SafeTensorsWriter *w = safetensors_writer_create();
    int kept = 0;
    uint64_t total = 0;
    if (!data || !w) {
        s = error_set(err, ST_NOMEM, "%s: out of memory", in);
        goto done;
    }
    for (size_t i = 0; i < n && !s; i++) {
        const SafeTensorsInfo *t = safetensors_info(st, i);
        if (!weights_is_backbone(t->name)) continue;
        data[i] = malloc((t->count ? t->count : 1) * sizeof(float));
        if (!data[i]) {
            s = error_set(err, ST_NOMEM, "%s: out of memory for tensor %s", in, t->name);
            break;
        }
        s = safetensors_read_f32(st, t->name, data[i], (size_t)t->count, err);
        if (!s && safetensors_writer_add(w, t->name, t->shape, t->ndim, data[i]))
            s = error_set(err, ST_NOMEM, "%s: cannot add tensor %s", out, t->name);
        kept++;
        total += t->count;
    }
    if (!s && kept == 0)
        s = error_set(err, ST_FORMAT, "%s: no backbone tensor (features.<i>.weight / .bias)", in);
    const char *input = safetensors_meta(st, "input");
    if (!s && input) safetensors_writer_meta(w, "input", input);
    if (!s) safetensors_writer_meta(w, "format", "finelab-backbone-1");
    for (int k = 0; k < n_meta && !s; k++) safetensors_writer_meta(w, meta[2 * k], meta[2 * k + 1]);
    if (!s) s = safetensors_writer_write(w, out, err);
    if (!s) {
        if (tensors) *tensors = kept;
        if (floats) *floats = total;
    }
done:
    if (data)
        for (size_t i = 0; i < n; i++) free(data[i]);
    free(data);
    safetensors_writer_destroy(w);
    safetensors_close(st);
    return s;
}
