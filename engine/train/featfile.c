/*
 * featfile — a feature cache level's file. See featfile.h.
 *
 * The metadata is one table (featfile_text: key, where it lives in
 * FeatFileInfo, how long it may be) written and read from the same rows;
 * the numbers (items, views) and the checksum are checked against what
 * the reader expects, so a file of another shape is never taken. The
 * checksum covers the tensor's bytes exactly as written: XXH64 (hash.h)
 * reads them at many GB/s, a small share of reading them at all.
 */
#include "engine/train/featfile.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/io/safetensors.h"

#define FEATFILE_FORMAT "finelab-featcache-1"
#define FEATFILE_TENSOR "features"

/* The text fields of the metadata, beside format, key, level, items,
 * views and checksum. */
static const struct {
    const char *key;
    size_t offset, cap;
} featfile_text[] = {
#define TEXT(k, f)                                                                                 \
    { k, offsetof(FeatFileInfo, f), sizeof(((FeatFileInfo *)0)->f) }
    TEXT("part", part),          TEXT("created", created),        TEXT("dataset", inputs.dataset),
    TEXT("image", inputs.image), TEXT("view_list", inputs.views), TEXT("backbone", inputs.backbone),
    TEXT("head", inputs.head),
#undef TEXT
};

size_t featfile_count(const FeatFileShape *s) {
    size_t n = (size_t)s->items * (size_t)s->views;
    for (int d = 0; d < s->ndim; d++) n *= (size_t)s->dims[d];
    return n;
}

Status featfile_write(const char *path, const HashKey *key, FeatLevel level, const char *part,
                      const FeatFileShape *shape, const float *data, const FeatInputs *in,
                      Error *err) {
    FeatFileInfo info = {.key = *key, .level = level, .shape = *shape};
    snprintf(info.part, sizeof info.part, "%s", part);
    info.inputs = *in;
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(info.created, sizeof info.created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    int64_t dims[4] = {(int64_t)shape->items * shape->views};
    memcpy(dims + 1, shape->dims, sizeof(int64_t) * (size_t)shape->ndim);
    char hex[HASH_HEX], sum[24], items[24], views[24];
    hash_hex(key, hex);
    uint64_t c = hash_checksum(data, sizeof(float) * featfile_count(shape), 0);
    snprintf(sum, sizeof sum, "%016" PRIx64, c);
    snprintf(items, sizeof items, "%d", shape->items);
    snprintf(views, sizeof views, "%d", shape->views);
    SafeTensorsWriter *w = safetensors_writer_create();
    if (!w) return error_set(err, ST_NOMEM, "%s: out of memory", path);
    Status s = safetensors_writer_add(w, FEATFILE_TENSOR, dims, 1 + shape->ndim, data);
    const char *pairs[][2] = {{"format", FEATFILE_FORMAT},
                              {"key", hex},
                              {"level", featkey_level_name(level)},
                              {"items", items},
                              {"views", views},
                              {"checksum", sum}};
    for (size_t i = 0; !s && i < sizeof pairs / sizeof pairs[0]; i++)
        s = safetensors_writer_meta(w, pairs[i][0], pairs[i][1]);
    for (size_t i = 0; !s && i < sizeof featfile_text / sizeof featfile_text[0]; i++)
        s = safetensors_writer_meta(w, featfile_text[i].key,
                                    (const char *)&info + featfile_text[i].offset);
    s = safetensors_writer_write(w, path, err); /* or the first error above, naming path */
    safetensors_writer_destroy(w);
    return s;
}

/* The metadata value key of st, or an error naming the file. */
static Status featfile_meta(const SafeTensors *st, const char *key, const char **out, Error *err) {
    *out = safetensors_meta(st, key);
    if (*out) return ST_OK;
    return error_set(err, ST_FORMAT, "%s: no %s in its metadata (not a finelab feature cache?)",
                     safetensors_path(st), key);
}

/* A positive decimal count in the metadata. */
static Status featfile_count_meta(const SafeTensors *st, const char *key, int *out, Error *err) {
    const char *v;
    Status s = featfile_meta(st, key, &v, err);
    if (s) return s;
    char *end;
    long n = strtol(v, &end, 10);
    if (end == v || *end || n < 1 || n > 1000000000L)
        return error_set(err, ST_FORMAT, "%s: metadata %s = '%.40s' is not a count",
                         safetensors_path(st), key, v);
    *out = (int)n;
    return ST_OK;
}

/* Everything the header says (the tensor's shape included). */
static Status featfile_header(const SafeTensors *st, FeatFileInfo *info, Error *err) {
    const char *path = safetensors_path(st), *v;
    memset(info, 0, sizeof *info);
    Status s = featfile_meta(st, "format", &v, err);
    if (s) return s;
    if (strcmp(v, FEATFILE_FORMAT) != 0)
        return error_set(err, ST_FORMAT, "%s: format '%.40s' is not %s", path, v, FEATFILE_FORMAT);
    if ((s = featfile_meta(st, "key", &v, err))) return s;
    if (hash_parse(v, &info->key))
        return error_set(err, ST_FORMAT, "%s: key '%.40s' is not 32 hex digits", path, v);
    if ((s = featfile_meta(st, "level", &v, err))) return s;
    if (featkey_level_parse(v, &info->level))
        return error_set(err, ST_FORMAT, "%s: level '%.40s' is none of backbone, pooled", path, v);
    if ((s = featfile_count_meta(st, "items", &info->shape.items, err)) ||
        (s = featfile_count_meta(st, "views", &info->shape.views, err)))
        return s;
    for (size_t i = 0; i < sizeof featfile_text / sizeof featfile_text[0]; i++) {
        v = safetensors_meta(st, featfile_text[i].key); /* words: absent is empty */
        snprintf((char *)info + featfile_text[i].offset, featfile_text[i].cap, "%s", v ? v : "");
    }
    const SafeTensorsInfo *t = safetensors_find(st, FEATFILE_TENSOR);
    if (!t || safetensors_count(st) != 1)
        return error_set(err, ST_FORMAT, "%s: not the one tensor '%s' a feature cache holds", path,
                         FEATFILE_TENSOR);
    if (strcmp(t->dtype, "F32") != 0 || (t->ndim != 2 && t->ndim != 4))
        return error_set(err, ST_FORMAT,
                         "%s: tensor '%s' is %s of %d dimensions, not F32 of 2 or 4", path,
                         FEATFILE_TENSOR, t->dtype, t->ndim);
    if (t->shape[0] != (int64_t)info->shape.items * info->shape.views)
        return error_set(err, ST_FORMAT, "%s: %" PRId64 " samples, not items x views = %d x %d",
                         path, t->shape[0], info->shape.items, info->shape.views);
    info->shape.ndim = t->ndim - 1;
    memcpy(info->shape.dims, t->shape + 1, sizeof(int64_t) * (size_t)info->shape.ndim);
    return ST_OK;
}

Status featfile_info(const char *path, FeatFileInfo *info, Error *err) {
    SafeTensors *st;
    Status s = safetensors_open(path, &st, err);
    if (s) return s;
    s = featfile_header(st, info, err);
    safetensors_close(st);
    return s;
}

/* The header's shape against the one wanted. */
static Status featfile_fits(const char *path, const FeatFileShape *got, const FeatFileShape *want,
                            Error *err) {
    int same = got->items == want->items && got->views == want->views && got->ndim == want->ndim;
    for (int d = 0; same && d < want->ndim; d++) same = got->dims[d] == want->dims[d];
    if (same) return ST_OK;
    char g[64], w[64];
    return error_set(err, ST_FORMAT, "%s: holds %d items x %d views of %s, not %d x %d of %s", path,
                     got->items, got->views, tensor_shape_text(got->dims, got->ndim, g, sizeof g),
                     want->items, want->views,
                     tensor_shape_text(want->dims, want->ndim, w, sizeof w));
}

Status featfile_read(const char *path, const HashKey *key, FeatLevel level,
                     const FeatFileShape *want, float *dst, Error *err) {
    SafeTensors *st;
    Status s = safetensors_open(path, &st, err);
    if (s) return s;
    FeatFileInfo info;
    char hex[HASH_HEX], got[HASH_HEX];
    if ((s = featfile_header(st, &info, err))) goto done;
    if (memcmp(info.key.b, key->b, sizeof key->b) != 0 || info.level != level) {
        hash_hex(key, hex);
        hash_hex(&info.key, got);
        s = error_set(err, ST_FORMAT, "%s: holds the %s level of key %s, not the %s level of %s",
                      path, featkey_level_name(info.level), got, featkey_level_name(level), hex);
        goto done;
    }
    if ((s = featfile_fits(path, &info.shape, want, err))) goto done;
    const char *sum;
    if ((s = featfile_meta(st, "checksum", &sum, err))) goto done;
    size_t count = featfile_count(want);
    if ((s = safetensors_read_f32(st, FEATFILE_TENSOR, dst, count, err))) goto done;
    char mine[24];
    snprintf(mine, sizeof mine, "%016" PRIx64, hash_checksum(dst, sizeof(float) * count, 0));
    if (strcmp(sum, mine) != 0)
        s = error_set(err, ST_FORMAT,
                      "%s: the data's checksum is %s, not the %.20s it was written with (changed "
                      "since)",
                      path, mine, sum);
done:
    safetensors_close(st);
    return s;
}
