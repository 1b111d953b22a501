/*
 * fuzz_dataset — the dataset index (engine/data/dataset.c) on any text
 * files: CUB-200-2011's classes.txt, images.txt, image_class_labels.txt,
 * train_test_split.txt and bounding_boxes.txt, and a Caffe list file.
 *
 * The input is split at NUL bytes into those six files, in that order (a
 * missing part is an empty file; bounding_boxes.txt is left out unless the
 * input has its part, as it is optional). They are written to a CUB folder
 * in the scratch folder whose images/ holds two valid 64 x 64 JPEGs, a.jpg
 * and b/c.jpg, so that listed images may exist. Each layout is opened as
 * `finelab run` does: the index alone (the checks before a run), then with
 * every image probed, skipping bad ones or not, with the official split
 * and a random one. What opens must keep dataset.h's promises (labels in
 * range, splits that cover every item, boxes of finite positive size); a
 * failure must say why.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/data/dataset.h"
#include "engine/data/image.h"
#include "engine/data/jpeg.h"
#include "tests/fuzz/fuzz.h"

enum { PARTS = 6, BBOX_PART = 4, LIST_PART = 5 };

static const char *const part_names[PARTS] = {
    "classes.txt",          "images.txt",         "image_class_labels.txt",
    "train_test_split.txt", "bounding_boxes.txt", "list.txt"};

static char cub[256], list[256];

/* The CUB folder with its two images, made once per process. */
static void make_folder(void) {
    if (cub[0]) return;
    fuzz_path(cub, sizeof cub, "cub");
    fuzz_path(list, sizeof list, "cub/list.txt");
    fuzz_mkdir(cub);
    char dir[300], file[320];
    snprintf(dir, sizeof dir, "%s/images", cub);
    fuzz_mkdir(dir);
    snprintf(file, sizeof file, "%s/b", dir);
    fuzz_mkdir(file);
    Image img = {0};
    FUZZ_CHECK(image_init(&img, 64, 64) == ST_OK, "out of memory");
    for (size_t i = 0; i < 64 * 64 * 3; i++) img.rgb[i] = (uint8_t)(i * 7);
    uint8_t *jpg;
    size_t len;
    Error e = {0};
    FUZZ_CHECK(jpeg_encode_mem(&img, 80, &jpg, &len, &e) == ST_OK, e.msg);
    snprintf(file, sizeof file, "%s/a.jpg", dir);
    fuzz_write(file, jpg, len);
    snprintf(file, sizeof file, "%s/b/c.jpg", dir);
    fuzz_write(file, jpg, len);
    free(jpg);
    image_fini(&img);
}

/* dataset.h's promises about an open dataset. */
static void check_open(const Dataset *ds, int index_only) {
    FUZZ_CHECK(ds->num_classes >= 1 && ds->n_items >= 1, ds->root);
    FUZZ_CHECK(ds->n_train >= 1 && ds->n_test >= 1, ds->root);
    FUZZ_CHECK(ds->n_train + ds->n_test == ds->n_items, ds->root);
    for (int c = 0; c < ds->num_classes; c++) FUZZ_CHECK(ds->class_names[c], ds->root);
    for (int i = 0; i < ds->n_items; i++) {
        const DatasetItem *it = &ds->items[i];
        FUZZ_CHECK(it->path && it->label >= 0 && it->label < ds->num_classes, it->path);
        FUZZ_CHECK(index_only || (it->w > 0 && it->h > 0), it->path);
        if (!it->has_bbox) continue;
        for (int k = 0; k < 4; k++) FUZZ_CHECK(isfinite(it->bbox[k]), "a box is not finite");
        FUZZ_CHECK(it->bbox[0] >= 0 && it->bbox[1] >= 0 && it->bbox[2] > 0 && it->bbox[3] > 0,
                   it->path);
    }
    for (int i = 0; i < ds->n_train; i++)
        FUZZ_CHECK(ds->train[i] >= 0 && ds->train[i] < ds->n_items && ds->items[ds->train[i]].train,
                   ds->root);
    for (int i = 0; i < ds->n_test; i++)
        FUZZ_CHECK(ds->test[i] >= 0 && ds->test[i] < ds->n_items && !ds->items[ds->test[i]].train,
                   ds->root);
}

static void open_one(const char *path, DatasetFormat format, double fraction, int index_only,
                     int skip) {
    DatasetOptions opt = {.format = format,
                          .train_fraction = fraction,
                          .seed = 7,
                          .skip_bad_images = skip,
                          .index_only = index_only};
    Dataset ds;
    Error e = {0};
    if (dataset_open(&ds, path, &opt, &e) == ST_OK) {
        check_open(&ds, index_only);
    } else {
        FUZZ_CHECK(e.msg[0], "a dataset failed to open without a message");
        FUZZ_CHECK(ds.n_items == 0 && !ds.items && !ds.root, "a failed open left items");
    }
    dataset_fini(&ds);
}

FUZZ_TARGET(fuzz_dataset) {
    make_folder();
    const uint8_t *part[PARTS];
    size_t len[PARTS];
    int n = fuzz_split(data, size, 0, part, len, PARTS);
    for (int i = 0; i < PARTS; i++) {
        char path[320];
        snprintf(path, sizeof path, "%s/%s", cub, part_names[i]);
        if (i == BBOX_PART && i >= n)
            unlink(path);
        else
            fuzz_write(path, i < n ? part[i] : (const uint8_t *)"", i < n ? len[i] : 0);
    }
    open_one(cub, DATASET_AUTO, -1, 1, 0);
    open_one(cub, DATASET_CUB, -1, 0, 0);
    open_one(cub, DATASET_CUB, 0.5, 0, 1);
    open_one(list, DATASET_AUTO, 0.5, 1, 0);
    open_one(list, DATASET_LIST, 0.5, 0, 1);
    return 0;
}
