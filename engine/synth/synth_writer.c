/*
 * synth_writer — writes a generated bird dataset in the CUB-200-2011
 * layout; the dataset part of synth.h. The species come from
 * synth_species.c, the pixels from synth_painter.c; this file validates
 * the config, splits each class into train and test images, encodes the
 * JPEGs and writes the text lists.
 *
 * The lists are built in memory while the images are written, then each is
 * replaced atomically; synth.txt is written first with "complete = 0" and
 * last with "complete = 1", so an interrupted run is recognisable.
 */
#include "engine/synth/synth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/rng.h"
#include "engine/base/strbuf.h"
#include "engine/base/timer.h"
#include "engine/data/jpeg.h"
#include "engine/io/fileio.h"
#include "engine/synth/seed.h"

Status synth_validate(const SynthConfig *cfg, Error *err) {
    if (cfg->classes < 1 || cfg->classes > SYNTH_MAX_CLASSES)
        return error_set(err, ST_ARG, "synth: classes = %d is out of range 1..%d", cfg->classes,
                         SYNTH_MAX_CLASSES);
    if (cfg->per_class < 1 || cfg->per_class > SYNTH_MAX_PER_CLASS)
        return error_set(err, ST_ARG, "synth: per_class = %d is out of range 1..%d", cfg->per_class,
                         SYNTH_MAX_PER_CLASS);
    if (cfg->size < SYNTH_MIN_SIZE || cfg->size > SYNTH_MAX_SIZE)
        return error_set(err, ST_ARG, "synth: size = %d is out of range %d..%d", cfg->size,
                         SYNTH_MIN_SIZE, SYNTH_MAX_SIZE);
    if (cfg->source != 0 && cfg->source != 1)
        return error_set(err, ST_ARG, "synth: source = %d must be 0 or 1", cfg->source);
    return ST_OK;
}

/* Everything synth_generate writes besides the images. */
typedef struct Lists {
    StrBuf classes, images, labels, split, boxes;
} Lists;

static void lists_free(Lists *l) {
    strbuf_fini(&l->classes);
    strbuf_fini(&l->images);
    strbuf_fini(&l->labels);
    strbuf_fini(&l->split);
    strbuf_fini(&l->boxes);
}

static Status write_text(const char *dir, const char *name, const StrBuf *t, Error *err) {
    if (t->failed) return error_set(err, ST_NOMEM, "synth: out of memory building %s", name);
    size_t n = strlen(dir) + strlen(name) + 2;
    char *path = malloc(n);
    if (!path) return error_set(err, ST_NOMEM, "synth: out of memory");
    snprintf(path, n, "%s/%s", dir, name);
    Status st = fileio_write_atomic(path, t->s ? t->s : "", t->len, err);
    free(path);
    return st;
}

static Status write_marker(const char *dir, const SynthConfig *cfg, int complete, Error *err) {
    StrBuf t = {0};
    strbuf_printf(&t,
                  "# finelab synth: a generated fine-grained bird dataset in the CUB-200-2011 "
                  "layout\ngenerator = finelab-synth 1\nclasses = %d\nper_class = %d\nsize = %d\n"
                  "seed = %llu\nsource = %d\ncomplete = %d\n",
                  cfg->classes, cfg->per_class, cfg->size, (unsigned long long)cfg->seed,
                  cfg->source, complete);
    Status st = write_text(dir, "synth.txt", &t, err);
    strbuf_fini(&t);
    return st;
}

/* Marks the first (m + 1) / 2 of a seeded permutation of a class's images
 * as training images: about half per class, as CUB's official split. */
static void split_class(const SynthConfig *cfg, int cls, int m, int *perm, uint8_t *train) {
    Rng r;
    rng_seed(&r, seed_hash2(seed_stream(cfg->seed, cfg->source, SEED_SPLIT), (uint64_t)cls));
    for (int i = 0; i < m; i++) perm[i] = i;
    for (int i = m - 1; i > 0; i--) {
        int j = (int)rng_below(&r, (uint32_t)i + 1), t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    for (int i = 0; i < m; i++) train[perm[i]] = i < (m + 1) / 2;
}

/* Renders and writes the images of class cls, appending to the lists. */
static Status generate_class(const SynthConfig *cfg, const char *out_dir, const SynthClass *cls,
                             int ci, SynthRenderer *rd, Image *img, char *path, size_t path_cap,
                             int *perm, uint8_t *train, Lists *l, SynthReport *rep, Error *err) {
    char dirname[96];
    snprintf(dirname, sizeof dirname, "%03d.%s", ci + 1, cls->name);
    strbuf_printf(&l->classes, "%d %s\n", ci + 1, dirname);
    snprintf(path, path_cap, "%s/images/%s", out_dir, dirname);
    Status st = fileio_mkdirs(path, err);
    if (st) return st;
    split_class(cfg, ci, cfg->per_class, perm, train);
    for (int k = 0; k < cfg->per_class; k++) {
        int id = ci * cfg->per_class + k + 1;
        SynthSample s;
        double t0 = timer_now();
        st = synth_render(rd, cls, synth_image_seed(cfg, ci, k), cfg->size, img, &s, err);
        if (st) return st;
        double t1 = timer_now();
        char file[128];
        snprintf(file, sizeof file, "%s_%04d_%d.jpg", cls->name, k + 1, id);
        snprintf(path, path_cap, "%s/images/%s/%s", out_dir, dirname, file);
        st = jpeg_encode_file(path, img, s.quality, err);
        if (st) return st;
        rep->draw_seconds += t1 - t0;
        rep->write_seconds += timer_now() - t1;
        rep->part_fraction += s.part_fraction;
        rep->images++;
        rep->train += train[k];
        strbuf_printf(&l->images, "%d %s/%s\n", id, dirname, file);
        strbuf_printf(&l->labels, "%d %d\n", id, ci + 1);
        strbuf_printf(&l->split, "%d %d\n", id, train[k]);
        strbuf_printf(&l->boxes, "%d %.1f %.1f %.1f %.1f\n", id, (double)s.bbox[0],
                      (double)s.bbox[1], (double)s.bbox[2], (double)s.bbox[3]);
        if (cfg->progress &&
            cfg->progress(cfg->progress_user, id, cfg->classes * cfg->per_class) != 0)
            return error_set(err, ST_STATE, "synth: stopped after %d images", id);
    }
    return ST_OK;
}

Status synth_generate(const SynthConfig *cfg, const char *out_dir, SynthReport *report,
                      Error *err) {
    double start = timer_now();
    SynthReport rep = {0};
    Status st = synth_validate(cfg, err);
    if (st) return st;
    size_t path_cap = strlen(out_dir) + 256;
    char *path = malloc(path_cap);
    SynthClass *cls = malloc(sizeof *cls * (size_t)cfg->classes);
    int *perm = malloc(sizeof *perm * (size_t)cfg->per_class);
    uint8_t *train = malloc((size_t)cfg->per_class);
    Lists l = {0};
    SynthRenderer rd;
    synth_renderer_init(&rd);
    Image img = {0};
    if (!path || !cls || !perm || !train) {
        st = error_set(err, ST_NOMEM, "synth: out of memory");
        goto done;
    }
    snprintf(path, path_cap, "%s/images", out_dir);
    if ((st = fileio_mkdirs(path, err))) goto done;
    if ((st = write_marker(out_dir, cfg, 0, err))) goto done;
    if ((st = synth_classes(cfg->classes, cfg->seed, cfg->source, cls, err))) goto done;
    for (int ci = 0; ci < cfg->classes; ci++) {
        st = generate_class(cfg, out_dir, &cls[ci], ci, &rd, &img, path, path_cap, perm, train, &l,
                            &rep, err);
        if (st) goto done;
    }
    if ((st = write_text(out_dir, "classes.txt", &l.classes, err)) ||
        (st = write_text(out_dir, "images.txt", &l.images, err)) ||
        (st = write_text(out_dir, "image_class_labels.txt", &l.labels, err)) ||
        (st = write_text(out_dir, "train_test_split.txt", &l.split, err)) ||
        (st = write_text(out_dir, "bounding_boxes.txt", &l.boxes, err)) ||
        (st = write_marker(out_dir, cfg, 1, err)))
        goto done;
done:
    rep.classes = cfg->classes;
    if (rep.images > 0) rep.part_fraction /= rep.images;
    rep.seconds = timer_now() - start;
    if (report) *report = rep;
    image_fini(&img);
    synth_renderer_fini(&rd);
    lists_free(&l);
    free(train);
    free(perm);
    free(cls);
    free(path);
    return st;
}
