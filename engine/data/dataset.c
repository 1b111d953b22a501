/*
 * dataset — reading the CUB, folder and list layouts into one index, with
 * every image probed. See dataset.h.
 *
 * CUB files key everything by image id; ids are collected into a sorted
 * (id, item) table and looked up by binary search, so ids need not be dense
 * or start at 1. Text errors carry "file:line:". The random split is
 * stratified: each class is shuffled with its own stream derived from the
 * seed and its index, and its first round(fraction * count) images train.
 */
#include "engine/data/dataset.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "engine/base/rng.h"
#include "engine/data/jpeg.h"
#include "engine/io/fileio.h"

/* --- small helpers --------------------------------------------------------- */

static char *dataset_join(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    char *s = malloc(la + lb + 2);
    if (!s) return NULL;
    memcpy(s, a, la);
    size_t n = la;
    if (la && a[la - 1] != '/') s[n++] = '/';
    memcpy(s + n, b, lb + 1);
    return s;
}

static char *dataset_strdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

static int dataset_is_dir(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* A text file split into lines in place; blank lines are kept as "" so
 * line numbers stay true. */
typedef struct Lines {
    char *text;
    char **line;
    int n;
} Lines;

static void lines_free(Lines *l) {
    free(l->text);
    free(l->line);
    memset(l, 0, sizeof *l);
}

static Status lines_read(Lines *l, const char *path, Error *err) {
    memset(l, 0, sizeof *l);
    size_t len;
    Status st = fileio_read_all(path, (uint8_t **)&l->text, &len, err);
    if (st) return st;
    int cap = 1;
    for (size_t i = 0; i < len; i++) cap += l->text[i] == '\n';
    l->line = malloc(sizeof(char *) * (size_t)cap);
    if (!l->line) {
        lines_free(l);
        return error_set(err, ST_NOMEM, "%s: out of memory", path);
    }
    char *p = l->text, *end = l->text + len;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *stop = nl ? nl : end;
        *stop = '\0';
        if (stop > p && stop[-1] == '\r') stop[-1] = '\0';
        l->line[l->n++] = p;
        p = stop + 1;
    }
    return ST_OK;
}

static int line_blank(const char *s) {
    while (*s == ' ' || *s == '\t') s++;
    return *s == '\0';
}

/* Parses a whole decimal integer token at *s, advancing past it. */
static int parse_long(const char **s, long *out) {
    char *end;
    errno = 0;
    long v = strtol(*s, &end, 10);
    if (end == *s || errno || (*end && *end != ' ' && *end != '\t')) return -1;
    *out = v;
    *s = end;
    return 0;
}

static int parse_float(const char **s, float *out) {
    char *end;
    errno = 0;
    float v = strtof(*s, &end);
    if (end == *s || errno || (*end && *end != ' ' && *end != '\t')) return -1;
    *out = v;
    *s = end;
    return 0;
}

static const char *skip_space(const char *s) {
    while (*s == ' ' || *s == '\t') s++;
    return s;
}

/* Splits a CUB line "<id> <rest>": 1 for a blank line (to skip), 0 with *id
 * and *rest set (spaces skipped; rest may be ""), -1 when the line does not
 * start with a whole number. */
static int line_split_id(const char *line, long *id, const char **rest) {
    if (line_blank(line)) return 1;
    const char *s = skip_space(line);
    if (parse_long(&s, id)) return -1;
    *rest = skip_space(s);
    return 0;
}

/* Steps *i (start at -1) to the next line of l that is not blank: 1 with
 * *id and *rest set, *rest NULL when the line does not start with a whole
 * number; 0 past the last line. */
static int lines_next_id(const Lines *l, int *i, long *id, const char **rest) {
    while (++*i < l->n) {
        int r = line_split_id(l->line[*i], id, rest);
        if (r > 0) continue;
        if (r < 0) *rest = NULL;
        return 1;
    }
    return 0;
}

/* Reads path's lines into l and a zeroed array *arr of l->n + 1 elements of
 * size bytes: one for each line and an end. */
static Status lines_read_for(Lines *l, const char *path, void **arr, size_t size, Error *err) {
    Status st = lines_read(l, path, err);
    if (st) return st;
    if (!(*arr = calloc((size_t)l->n + 1, size)))
        return error_set(err, ST_NOMEM, "%s: out of memory", path);
    return ST_OK;
}

/* --- the item list ------------------------------------------------------------ */

typedef struct Builder {
    Dataset *ds;
    int cap;
} Builder;

static Status builder_add(Builder *b, char *path, int label, Error *err) {
    Dataset *ds = b->ds;
    if (ds->n_items == b->cap) {
        int cap = b->cap ? 2 * b->cap : 256;
        DatasetItem *p = realloc(ds->items, sizeof *p * (size_t)cap);
        if (!p) {
            free(path);
            return error_set(err, ST_NOMEM, "dataset %s: out of memory", ds->root);
        }
        ds->items = p;
        b->cap = cap;
    }
    DatasetItem *it = &ds->items[ds->n_items++];
    memset(it, 0, sizeof *it);
    it->path = path;
    it->label = label;
    it->train = 1;
    return ST_OK;
}

/* --- CUB ------------------------------------------------------------------------ */

typedef struct IdEntry {
    long id;
    int item;
    int line;
} IdEntry;

static int id_cmp(const void *a, const void *b) {
    long x = ((const IdEntry *)a)->id, y = ((const IdEntry *)b)->id;
    return (x > y) - (x < y);
}

static IdEntry *id_find(IdEntry *ids, int n, long id) {
    IdEntry key = {.id = id};
    return bsearch(&key, ids, (size_t)n, sizeof *ids, id_cmp);
}

static Status cub_read_classes(Dataset *ds, Error *err) {
    char *path = dataset_join(ds->root, "classes.txt");
    if (!path) return error_set(err, ST_NOMEM, "out of memory");
    Lines l;
    Status st = lines_read_for(&l, path, (void **)&ds->class_names, sizeof(char *), err);
    if (st) goto done;
    long id;
    const char *s;
    for (int i = -1; lines_next_id(&l, &i, &id, &s);) {
        if (!s || id != ds->num_classes + 1) {
            st = error_set(err, ST_FORMAT, "%s:%d: expected '<class id> <name>' with id %d", path,
                           i + 1, ds->num_classes + 1);
            goto done;
        }
        if (!*s) {
            st = error_set(err, ST_FORMAT, "%s:%d: class %ld has no name", path, i + 1, id);
            goto done;
        }
        if (!(ds->class_names[ds->num_classes++] = dataset_strdup(s))) {
            st = error_set(err, ST_NOMEM, "%s: out of memory", path);
            goto done;
        }
    }
    if (ds->num_classes == 0) st = error_set(err, ST_FORMAT, "%s: no classes", path);
done:
    lines_free(&l);
    free(path);
    return st;
}

/* Reads a CUB file of "<id> <rest>" lines, calling fn for each with the
 * id's table entry. A missing optional file is not an error. */
typedef Status (*CubLineFn)(Dataset *ds, IdEntry *e, const char *rest, const char *path, int line,
                            Error *err);

static Status cub_each_line(Dataset *ds, const char *name, int optional, IdEntry *ids, int n_ids,
                            CubLineFn fn, Error *err) {
    char *path = dataset_join(ds->root, name);
    if (!path) return error_set(err, ST_NOMEM, "out of memory");
    if (optional && !fileio_exists(path)) {
        free(path);
        return ST_OK;
    }
    Lines l;
    Status st = lines_read(&l, path, err);
    long id;
    const char *s;
    for (int i = -1; !st && lines_next_id(&l, &i, &id, &s);) {
        if (!s) {
            st = error_set(err, ST_FORMAT, "%s:%d: expected an image id first", path, i + 1);
            break;
        }
        IdEntry *e = id_find(ids, n_ids, id);
        if (!e) {
            st = error_set(err, ST_FORMAT, "%s:%d: image id %ld is not in images.txt", path, i + 1,
                           id);
            break;
        }
        st = fn(ds, e, s, path, i + 1, err);
    }
    lines_free(&l);
    free(path);
    return st;
}

static Status cub_label_line(Dataset *ds, IdEntry *e, const char *s, const char *path, int line,
                             Error *err) {
    long c;
    if (parse_long(&s, &c) || *skip_space(s))
        return error_set(err, ST_FORMAT, "%s:%d: expected '<image id> <class id>'", path, line);
    if (c < 1 || c > ds->num_classes)
        return error_set(err, ST_FORMAT, "%s:%d: class %ld out of range 1..%d (classes.txt)", path,
                         line, c, ds->num_classes);
    ds->items[e->item].label = (int)c - 1;
    return ST_OK;
}

static Status cub_split_line(Dataset *ds, IdEntry *e, const char *s, const char *path, int line,
                             Error *err) {
    long t;
    if (parse_long(&s, &t) || *skip_space(s) || (t != 0 && t != 1))
        return error_set(err, ST_FORMAT, "%s:%d: expected '<image id> <1 train | 0 test>'", path,
                         line);
    ds->items[e->item].train = (int)t;
    return ST_OK;
}

static Status cub_bbox_line(Dataset *ds, IdEntry *e, const char *s, const char *path, int line,
                            Error *err) {
    float v[4];
    for (int k = 0; k < 4; k++) {
        s = skip_space(s);
        if (parse_float(&s, &v[k]))
            return error_set(err, ST_FORMAT, "%s:%d: expected '<image id> <x> <y> <w> <h>'", path,
                             line);
    }
    /* Written so that NaN fails too: it compares false with everything, and
     * would reach the loader's crop arithmetic as a box. */
    int finite = isfinite(v[0]) && isfinite(v[1]) && isfinite(v[2]) && isfinite(v[3]);
    if (*skip_space(s) || !finite || !(v[2] > 0) || !(v[3] > 0) || !(v[0] >= 0) || !(v[1] >= 0))
        return error_set(err, ST_FORMAT,
                         "%s:%d: bad bounding box (x, y >= 0 and width, height > 0, all finite)",
                         path, line);
    DatasetItem *it = &ds->items[e->item];
    memcpy(it->bbox, v, sizeof v);
    it->has_bbox = 1;
    return ST_OK;
}

static Status cub_open(Dataset *ds, int official_split, Error *err) {
    Status st = cub_read_classes(ds, err);
    if (st) return st;
    char *path = dataset_join(ds->root, "images.txt");
    char *images_dir = dataset_join(ds->root, "images");
    IdEntry *ids = NULL;
    Lines l = {0};
    Builder b = {ds, 0};
    if (!path || !images_dir) {
        st = error_set(err, ST_NOMEM, "out of memory");
        goto done;
    }
    if ((st = lines_read_for(&l, path, (void **)&ids, sizeof *ids, err))) goto done;
    long id;
    const char *s;
    for (int i = -1; lines_next_id(&l, &i, &id, &s);) {
        if (!s || !*s) {
            st = error_set(err, ST_FORMAT, "%s:%d: expected '<image id> <path>'", path, i + 1);
            goto done;
        }
        char *full = dataset_join(images_dir, s);
        if (!full || (st = builder_add(&b, full, -1, err))) {
            st = st ? st : error_set(err, ST_NOMEM, "out of memory");
            goto done;
        }
        ids[ds->n_items - 1] = (IdEntry){id, ds->n_items - 1, i + 1};
    }
    qsort(ids, (size_t)ds->n_items, sizeof *ids, id_cmp);
    for (int i = 1; i < ds->n_items; i++)
        if (ids[i].id == ids[i - 1].id) {
            st = error_set(err, ST_FORMAT, "%s:%d: image id %ld already used on line %d", path,
                           ids[i].line > ids[i - 1].line ? ids[i].line : ids[i - 1].line, ids[i].id,
                           ids[i].line > ids[i - 1].line ? ids[i - 1].line : ids[i].line);
            goto done;
        }
    if ((st = cub_each_line(ds, "image_class_labels.txt", 0, ids, ds->n_items, cub_label_line,
                            err)) ||
        (st = cub_each_line(ds, "bounding_boxes.txt", 1, ids, ds->n_items, cub_bbox_line, err)))
        goto done;
    if (official_split) {
        for (int i = 0; i < ds->n_items; i++) ds->items[i].train = -1;
        if ((st = cub_each_line(ds, "train_test_split.txt", 0, ids, ds->n_items, cub_split_line,
                                err)))
            goto done;
    }
    for (int i = 0; i < ds->n_items; i++) {
        const IdEntry *e = &ids[i];
        if (ds->items[e->item].label < 0) {
            st = error_set(err, ST_FORMAT, "%s:%d: image id %ld has no label in %s", path, e->line,
                           e->id, "image_class_labels.txt");
            goto done;
        }
        if (ds->items[e->item].train < 0) {
            st = error_set(err, ST_FORMAT, "%s:%d: image id %ld is in neither split of %s", path,
                           e->line, e->id, "train_test_split.txt");
            goto done;
        }
    }
done:
    free(ids);
    lines_free(&l);
    free(path);
    free(images_dir);
    return st;
}

/* --- folder ---------------------------------------------------------------------- */

static int dataset_is_jpeg_name(const char *name) {
    const char *dot = strrchr(name, '.');
    return dot && (strcasecmp(dot, ".jpg") == 0 || strcasecmp(dot, ".jpeg") == 0);
}

static int name_cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of the entries of dir for which keep(full path, name) holds. */
static Status list_dir(const char *dir, int (*keep)(const char *full, const char *name),
                       char ***names, int *n, Error *err) {
    *names = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) return error_set(err, ST_IO, "%s: cannot open directory: %s", dir, strerror(errno));
    int cap = 0;
    Status st = ST_OK;
    struct dirent *e;
    while (!st && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char *full = dataset_join(dir, e->d_name);
        if (!full) {
            st = error_set(err, ST_NOMEM, "out of memory");
            break;
        }
        int ok = keep(full, e->d_name);
        free(full);
        if (!ok) continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 64;
            char **p = realloc(*names, sizeof(char *) * (size_t)cap);
            if (!p) {
                st = error_set(err, ST_NOMEM, "out of memory");
                break;
            }
            *names = p;
        }
        if (!((*names)[*n] = dataset_strdup(e->d_name)))
            st = error_set(err, ST_NOMEM, "out of memory");
        else
            (*n)++;
    }
    closedir(d);
    if (*n) qsort(*names, (size_t)*n, sizeof(char *), name_cmp);
    return st;
}

static int keep_dir(const char *full, const char *name) {
    (void)name;
    return dataset_is_dir(full);
}

static int keep_jpeg(const char *full, const char *name) {
    return dataset_is_jpeg_name(name) && !dataset_is_dir(full);
}

static void free_names(char **names, int n) {
    for (int i = 0; i < n; i++) free(names[i]);
    free(names);
}

static Status folder_open(Dataset *ds, Error *err) {
    char **classes;
    int nc;
    Status st = list_dir(ds->root, keep_dir, &classes, &nc, err);
    if (st) return st;
    if (nc == 0) {
        free(classes);
        return error_set(err, ST_FORMAT, "%s: no class subfolders", ds->root);
    }
    ds->class_names = classes;
    ds->num_classes = nc;
    Builder b = {ds, 0};
    for (int c = 0; !st && c < nc; c++) {
        char *cdir = dataset_join(ds->root, classes[c]);
        char **files = NULL;
        int nf = 0;
        if (!cdir) return error_set(err, ST_NOMEM, "out of memory");
        st = list_dir(cdir, keep_jpeg, &files, &nf, err);
        for (int f = 0; !st && f < nf; f++) {
            char *full = dataset_join(cdir, files[f]);
            st = full ? builder_add(&b, full, c, err) : error_set(err, ST_NOMEM, "out of memory");
        }
        free_names(files, nf);
        free(cdir);
    }
    if (!st && ds->n_items == 0)
        st = error_set(err, ST_FORMAT, "%s: no .jpg files in the class subfolders", ds->root);
    return st;
}

/* --- list ------------------------------------------------------------------------ */

/* Names class_0 ... class_<n-1> in one block (ds->class_text): labels go
 * up to 1000000, and as many mallocs and printfs took a second. */
static Status list_class_names(Dataset *ds, Error *err) {
    size_t n = (size_t)ds->num_classes;
    ds->class_names = calloc(n, sizeof(char *));
    ds->class_text = malloc(n * sizeof "class_1000000");
    if (!ds->class_names || !ds->class_text) return error_set(err, ST_NOMEM, "out of memory");
    char *p = ds->class_text;
    for (size_t c = 0; c < n; c++) {
        char digits[24];
        int k = 0;
        size_t v = c;
        do digits[k++] = (char)('0' + v % 10);
        while ((v /= 10) > 0);
        ds->class_names[c] = p;
        memcpy(p, "class_", 6);
        p += 6;
        while (k > 0) *p++ = digits[--k];
        *p++ = '\0';
    }
    return ST_OK;
}

static Status list_open(Dataset *ds, Error *err) {
    Lines l;
    Status st = lines_read(&l, ds->root, err);
    if (st) return st;
    char *base = dataset_strdup(ds->root);
    if (!base) {
        lines_free(&l);
        return error_set(err, ST_NOMEM, "out of memory");
    }
    char *slash = strrchr(base, '/');
    if (slash)
        slash[1] = '\0';
    else
        strcpy(base, "./");
    Builder b = {ds, 0};
    int max_label = -1;
    for (int i = 0; !st && i < l.n; i++) {
        if (line_blank(l.line[i])) continue;
        /* As Caffe's ImageData: the label follows the last space. */
        char *line = l.line[i];
        char *sp = strrchr(line, ' ');
        long label;
        const char *ls = sp ? sp + 1 : NULL;
        if (!sp || sp == line || parse_long(&ls, &label) || *ls) {
            st = error_set(err, ST_FORMAT, "%s:%d: expected '<path> <label>'", ds->root, i + 1);
            break;
        }
        if (label < 0 || label > 1000000) {
            st = error_set(err, ST_FORMAT, "%s:%d: label %ld out of range 0..1000000", ds->root,
                           i + 1, label);
            break;
        }
        *sp = '\0';
        char *full = line[0] == '/' ? dataset_strdup(line) : dataset_join(base, line);
        st = full ? builder_add(&b, full, (int)label, err)
                  : error_set(err, ST_NOMEM, "out of memory");
        if (label > max_label) max_label = (int)label;
    }
    free(base);
    lines_free(&l);
    if (st) return st;
    if (ds->n_items == 0) return error_set(err, ST_FORMAT, "%s: no images listed", ds->root);
    ds->num_classes = max_label + 1;
    return list_class_names(ds, err);
}

/* --- checks and split -------------------------------------------------------- */

/* Probes every image (and takes its size and time), compacting the kept
 * items to the front. On error the
 * items not yet looked at are freed too, so items[0..n_items) stays exact. */
static Status dataset_check_images(Dataset *ds, const DatasetOptions *opt, Error *err) {
    int kept = 0, i;
    Status st = ST_OK;
    for (i = 0; i < ds->n_items; i++) {
        DatasetItem *it = &ds->items[i];
        Error e = {0};
        struct stat sb;
        if (stat(it->path, &sb) == 0) {
            it->size = (int64_t)sb.st_size;
            it->mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
        }
        if (jpeg_probe_file(it->path, &it->w, &it->h, &e) == ST_OK) {
            if (it->has_bbox && (it->bbox[0] + it->bbox[2] > it->w + 1.0f ||
                                 it->bbox[1] + it->bbox[3] > it->h + 1.0f)) {
                st = error_set(err, ST_FORMAT,
                               "%s: bounding box %.0f,%.0f %.0fx%.0f lies outside the %dx%d "
                               "image (bounding_boxes.txt)",
                               it->path, it->bbox[0], it->bbox[1], it->bbox[2], it->bbox[3], it->w,
                               it->h);
                break;
            }
            ds->items[kept++] = *it;
            continue;
        }
        if (!opt->skip_bad_images) {
            st = error_set(err, e.status, "%s", e.msg);
            break;
        }
        ds->n_skipped++;
        if (opt->on_skip) opt->on_skip(opt->ctx, e.msg);
        free(it->path);
    }
    for (; i < ds->n_items; i++) free(ds->items[i].path);
    ds->n_items = kept;
    if (!st && kept == 0) st = error_set(err, ST_FORMAT, "%s: no readable images", ds->root);
    return st;
}

/* Each class's members come from one counting sort of the items by label
 * (item order kept within a class), not from a scan of every item per
 * class: a list file's labels go up to 1000000, and classes x items scans
 * took seconds on a few hundred lines. The draws are the same either way. */
static Status dataset_random_split(Dataset *ds, double fraction, uint64_t seed, Error *err) {
    int *members = malloc(sizeof(int) * (size_t)ds->n_items);
    int *start = calloc((size_t)ds->num_classes + 1, sizeof(int));
    int *next = malloc(sizeof(int) * (size_t)ds->num_classes);
    if (!members || !start || !next) {
        free(members);
        free(start);
        free(next);
        return error_set(err, ST_NOMEM, "out of memory");
    }
    for (int i = 0; i < ds->n_items; i++) start[ds->items[i].label + 1]++;
    for (int c = 0; c < ds->num_classes; c++) start[c + 1] += start[c];
    memcpy(next, start, sizeof(int) * (size_t)ds->num_classes);
    for (int i = 0; i < ds->n_items; i++) members[next[ds->items[i].label]++] = i;
    for (int c = 0; c < ds->num_classes; c++) {
        int n = start[c + 1] - start[c], *m = members + start[c];
        if (n == 0) continue;
        Rng r;
        rng_seed(&r, seed * 0x9E3779B97F4A7C15ULL + (uint64_t)c);
        for (int i = n - 1; i > 0; i--) {
            int j = (int)rng_below(&r, (uint32_t)i + 1);
            int t = m[i];
            m[i] = m[j];
            m[j] = t;
        }
        int n_train = (int)(fraction * n + 0.5);
        for (int k = 0; k < n; k++) ds->items[m[k]].train = k < n_train;
    }
    free(members);
    free(start);
    free(next);
    return ST_OK;
}

static Status dataset_index_split(Dataset *ds, Error *err) {
    ds->train = malloc(sizeof(int) * (size_t)ds->n_items);
    ds->test = malloc(sizeof(int) * (size_t)ds->n_items);
    if (!ds->train || !ds->test) return error_set(err, ST_NOMEM, "out of memory");
    for (int i = 0; i < ds->n_items; i++) {
        if (ds->items[i].train)
            ds->train[ds->n_train++] = i;
        else
            ds->test[ds->n_test++] = i;
    }
    if (ds->n_train == 0)
        return error_set(err, ST_FORMAT, "%s: the training split is empty", ds->root);
    if (ds->n_test == 0) return error_set(err, ST_FORMAT, "%s: the test split is empty", ds->root);
    return ST_OK;
}

/* Class c's training items (in item order) into m; returns how many. */
static int dataset_class_train(const Dataset *ds, int c, int *m) {
    int n = 0;
    for (int i = 0; i < ds->n_train; i++)
        if (ds->items[ds->train[i]].label == c) m[n++] = ds->train[i];
    return n;
}

/* How many of a class's n training images go to validation, or an error
 * naming the class when that leaves either side empty. */
static Status dataset_val_count(const Dataset *ds, int c, int n, double fraction, int *k,
                                Error *err) {
    *k = (int)(fraction * n + 0.5);
    const char *name = ds->class_names ? ds->class_names[c] : "?";
    if (*k == 0)
        return error_set(err, ST_ARG,
                         "%s: class %d (%s) has %d training image%s: a validation fraction of %g "
                         "gives it no validation image",
                         ds->root, c + 1, name, n, n == 1 ? "" : "s", fraction);
    if (*k == n)
        return error_set(err, ST_ARG,
                         "%s: class %d (%s) has %d training image%s: a validation fraction of %g "
                         "leaves it none to train on",
                         ds->root, c + 1, name, n, n == 1 ? "" : "s", fraction);
    return ST_OK;
}

Status dataset_split_val(Dataset *ds, double fraction, uint64_t seed, Error *err) {
    if (!(fraction > 0 && fraction < 1))
        return error_set(err, ST_ARG, "validation fraction %g is not between 0 and 1", fraction);
    int *m = malloc(sizeof(int) * (size_t)(ds->n_train ? ds->n_train : 1));
    char *pick = calloc((size_t)ds->n_items + 1, 1);
    int *val = malloc(sizeof(int) * (size_t)(ds->n_train ? ds->n_train : 1));
    Status s = m && pick && val ? ST_OK : error_set(err, ST_NOMEM, "out of memory");
    for (int c = 0; c < ds->num_classes && !s; c++) {
        int n = dataset_class_train(ds, c, m), k;
        if (n == 0) continue;
        if ((s = dataset_val_count(ds, c, n, fraction, &k, err))) break;
        Rng r; /* a stream of its own: the train/test split's is seed x golden + c */
        rng_seed(&r, (seed ^ 0x76616C5F73706C74ULL) * 0xBF58476D1CE4E5B9ULL + (uint64_t)c);
        for (int i = 0; i < k; i++) { /* a partial Fisher-Yates: the first k drawn */
            int j = i + (int)rng_below(&r, (uint32_t)(n - i));
            int t = m[i];
            m[i] = m[j];
            m[j] = t;
            pick[m[i]] = 1;
        }
    }
    if (!s) {
        int nt = 0, nv = 0;
        for (int i = 0; i < ds->n_train; i++) {
            int it = ds->train[i];
            if (pick[it])
                val[nv++] = it;
            else
                ds->train[nt++] = it;
            ds->items[it].val = pick[it];
        }
        free(ds->val);
        ds->val = val;
        ds->n_val = nv;
        ds->n_train = nt;
        val = NULL;
    }
    free(m);
    free(pick);
    free(val);
    return s;
}

/* --- public -------------------------------------------------------------------- */

static const char *const format_names[] = {"auto", "cub", "folder", "list"};

int dataset_format_parse(const char *s, DatasetFormat *out) {
    for (int i = 0; i < 4; i++)
        if (strcmp(s, format_names[i]) == 0) {
            *out = (DatasetFormat)i;
            return 0;
        }
    return -1;
}

const char *dataset_format_name(DatasetFormat f) {
    return (unsigned)f < 4 ? format_names[f] : "?";
}

Status dataset_open(Dataset *ds, const char *path, const DatasetOptions *opt, Error *err) {
    memset(ds, 0, sizeof *ds);
    if (!(ds->root = dataset_strdup(path))) return error_set(err, ST_NOMEM, "out of memory");
    DatasetFormat f = opt->format;
    if (!fileio_exists(path)) {
        dataset_fini(ds);
        return error_set(err, ST_IO, "%s: no such file or directory", path);
    }
    if (f == DATASET_AUTO) {
        char *images = dataset_join(path, "images.txt");
        if (!images) {
            dataset_fini(ds);
            return error_set(err, ST_NOMEM, "out of memory");
        }
        f = !dataset_is_dir(path)   ? DATASET_LIST
            : fileio_exists(images) ? DATASET_CUB
                                    : DATASET_FOLDER;
        free(images);
    }
    ds->format = f;
    int official = opt->train_fraction < 0;
    Status st;
    if (official && f != DATASET_CUB)
        st = error_set(err, ST_ARG,
                       "%s: split = official needs a cub dataset; a %s dataset needs "
                       "split = random:<train fraction>",
                       path, dataset_format_name(f));
    else if ((f == DATASET_LIST) == dataset_is_dir(path))
        st = error_set(err, ST_ARG, "%s: format %s expects a %s", path, dataset_format_name(f),
                       f == DATASET_LIST ? "list file" : "directory");
    else if (f == DATASET_CUB)
        st = cub_open(ds, official, err);
    else if (f == DATASET_FOLDER)
        st = folder_open(ds, err);
    else
        st = list_open(ds, err);
    if (!st && !opt->index_only) st = dataset_check_images(ds, opt, err);
    if (!st && !official) st = dataset_random_split(ds, opt->train_fraction, opt->seed, err);
    if (!st) st = dataset_index_split(ds, err);
    if (st) dataset_fini(ds);
    return st;
}

Status dataset_probe(Dataset *ds, const DatasetOptions *opt, Error *err) {
    free(ds->train);
    free(ds->val);
    free(ds->test);
    ds->train = ds->val = ds->test = NULL;
    ds->n_train = ds->n_val = ds->n_test = 0;
    for (int i = 0; i < ds->n_items; i++) ds->items[i].val = 0;
    Status st = dataset_check_images(ds, opt, err);
    if (!st && opt->train_fraction >= 0)
        st = dataset_random_split(ds, opt->train_fraction, opt->seed, err);
    if (!st) st = dataset_index_split(ds, err);
    if (st) dataset_fini(ds);
    return st;
}

void dataset_fini(Dataset *ds) {
    if (!ds) return;
    for (int i = 0; i < ds->n_items; i++) free(ds->items[i].path);
    free(ds->items);
    if (ds->class_names && !ds->class_text)
        for (int c = 0; c < ds->num_classes; c++) free(ds->class_names[c]);
    free(ds->class_names);
    free(ds->class_text);
    free(ds->train);
    free(ds->val);
    free(ds->test);
    free(ds->root);
    memset(ds, 0, sizeof *ds);
}
