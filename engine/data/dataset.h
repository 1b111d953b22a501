/*
 * dataset — the index of an image classification dataset: which files,
 * which labels, which split, optional bounding boxes. Pixels are read later
 * by the loader; opening a dataset reads the text files and checks that
 * every image file exists and is a complete JPEG.
 *
 * Formats: `cub` (CUB-200-2011's images.txt, image_class_labels.txt,
 * train_test_split.txt, classes.txt, optional bounding_boxes.txt, images
 * under images/), `folder` (one subfolder per class, sorted names give class
 * indices), `list` (a text file of `<path> <label>` lines, labels from 0, as
 * Caffe's ImageData layer reads them; paths relative to the list file).
 * `auto` picks cub for a directory with images.txt, folder for any other
 * directory, list for a file.
 *
 * With index_only the text files are read and the split made, but no image
 * is opened: a quick check that the dataset is there and well formed, for
 * checks before a run (src/run/preflight.c).
 *
 * A Dataset is caller storage filled by dataset_open and freed by
 * dataset_fini; once open it is read-only and may be shared by threads.
 * Every error names the file and, for text files, the line.
 */
#ifndef FINELAB_DATASET_H
#define FINELAB_DATASET_H

#include <stdint.h>

#include "engine/base/error.h"

typedef enum DatasetFormat {
    DATASET_AUTO,
    DATASET_CUB,
    DATASET_FOLDER,
    DATASET_LIST,
} DatasetFormat;

typedef struct DatasetItem {
    char *path;    /* full path of the image file */
    int label;     /* class index, 0-based */
    int train;     /* 1 in the training split, 0 in the test split */
    int val;       /* 1 when held out of the training split for validation */
    int w, h;      /* image size from the JPEG header */
    int has_bbox;  /* 1 when bbox holds the object's box */
    float bbox[4]; /* x, y, width, height in pixels (CUB's convention) */
} DatasetItem;

typedef struct DatasetOptions {
    DatasetFormat format;
    double train_fraction; /* < 0: the dataset's own split (cub only); else random per class */
    uint64_t seed;         /* seed of the random split */
    int skip_bad_images;   /* 1: leave out unreadable images and count them; 0: fail */
    int index_only;        /* 1: read the index only; images are not opened (w, h stay 0) */
    /* Optional: told about each skipped image (message names file and reason). */
    void (*on_skip)(void *ctx, const char *message);
    void *ctx;
} DatasetOptions;

typedef struct Dataset {
    char *root;           /* the path given to dataset_open */
    DatasetFormat format; /* resolved format (never AUTO) */
    int num_classes;
    char **class_names; /* num_classes names */
    char *class_text;   /* the list format's names "class_<i>", one block they point into */
    DatasetItem *items; /* n_items usable images, in file order */
    int n_items;
    int *train, n_train; /* indices into items: the training split less validation */
    int *val, n_val;     /* the validation split (dataset_split_val; none by default) */
    int *test, n_test;
    int n_skipped; /* images left out as unreadable (skip mode) */
} Dataset;

/* Parses "auto", "cub", "folder" or "list"; returns 0 and sets *out, or -1. */
int dataset_format_parse(const char *s, DatasetFormat *out);
const char *dataset_format_name(DatasetFormat f);

/* Opens the dataset at path. On error ds is left empty (dataset_fini is
 * safe) and err names the file, line and problem. */
Status dataset_open(Dataset *ds, const char *path, const DatasetOptions *opt, Error *err);
/* Probes every image of a dataset opened with index_only (opt as given to
 * dataset_open, index_only ignored), leaving out unreadable ones or
 * failing on the first as dataset_open would, and makes the split again
 * over the images kept: ds is then what dataset_open without index_only
 * gives (a validation split is dropped; make it again). On error ds is
 * left empty, as dataset_open leaves it. */
Status dataset_probe(Dataset *ds, const DatasetOptions *opt, Error *err);
/* Holds out fraction (0 < fraction < 1) of each class's training images
 * for validation: per class, round(fraction x its training images) drawn
 * with seed (its own stream, apart from the train / test split's), so the
 * same seed picks the same images whatever else changes. ds->train loses
 * them and ds->val gets them, both in item order. ST_ARG naming the class
 * when a class with training images would keep none for training or get
 * none for validation; ds is unchanged then. */
Status dataset_split_val(Dataset *ds, double fraction, uint64_t seed, Error *err);
/* Frees everything ds owns; ds may be NULL or empty. */
void dataset_fini(Dataset *ds);

#endif
