/*
 * weights — named parameters from safetensors files. See weights.h.
 */
#include "weights.h"

#include <stdio.h>
#include <string.h>

#include "safetensors.h"

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

static void weights_shape_text(const int64_t *shape, int ndim, char *buf, size_t cap) {
    size_t n = (size_t)snprintf(buf, cap, "[");
    for (int i = 0; i < ndim && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%lld", i ? ", " : "", (long long)shape[i]);
    if (n < cap) snprintf(buf + n, cap - n, "]");
}

Status weights_load(Param *const *ps, int n, const char *path, int with_history, Error *err) {
    SafeTensors *st;
    Status s = safetensors_open(path, &st, err);
    if (s) return s;
    for (int i = 0; i < n && !s; i++) {
        int64_t want[4];
        int nd = weights_shape(ps[i], want);
        for (int h = 0; h <= with_history && !s; h++) {
            char name[80];
            snprintf(name, sizeof name, "%s%s", ps[i]->name, h ? ".history" : "");
            const SafeTensorsInfo *info = safetensors_find(st, name);
            if (!info) {
                s = error_set(err, ST_FORMAT, "%s: tensor %s is missing", path, name);
                break;
            }
            if (info->count != tensor_count(&ps[i]->value)) {
                char got[96], need[96];
                weights_shape_text(info->shape, info->ndim, got, sizeof got);
                weights_shape_text(want, nd, need, sizeof need);
                s = error_set(err, ST_SHAPE, "%s: tensor %s has shape %s, the model needs %s", path,
                              name, got, need);
            }
        }
    }
    for (int i = 0; i < n && !s; i++) {
        s = safetensors_read_f32(st, ps[i]->name, ps[i]->value.data, tensor_count(&ps[i]->value),
                                 err);
        if (!s && with_history) {
            char name[80];
            snprintf(name, sizeof name, "%s.history", ps[i]->name);
            s = safetensors_read_f32(st, name, ps[i]->history.data, tensor_count(&ps[i]->history),
                                     err);
        }
    }
    safetensors_close(st);
    return s;
}
