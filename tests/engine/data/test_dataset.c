/*
 * test_dataset — the CUB, folder and list readers on small datasets written
 * here (each image with its size and time), the random and official
 * splits, and every malformed case: each
 * error must name the file (and line) at fault; the index alone (index_only)
 * opens no image but still checks the text files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/data/dataset.h"
#include "engine/data/jpeg.h"
#include "engine/io/fileio.h"
#include "tests/lib/testutil.h"

static char dir[64];

static int setup_dir(void **state) {
    (void)state;
    return testutil_tmpdir(dir, sizeof dir, "dataset");
}

static int remove_dir(void **state) {
    (void)state;
    return testutil_rmtree(dir);
}

static void write_text(const char *root, const char *name, const char *text) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root, name);
    assert_int_equal(fileio_write_atomic(path, text, strlen(text), NULL), ST_OK);
}

static void write_jpeg(const char *root, const char *name, int w, int h) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root, name);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    assert_int_equal(fileio_mkdirs(path, NULL), ST_OK);
    *slash = '/';
    Image img;
    assert_int_equal(image_init(&img, w, h), ST_OK);
    for (size_t i = 0; i < (size_t)w * h * 3; i++) img.rgb[i] = (uint8_t)(i * 13);
    assert_int_equal(jpeg_encode_file(path, &img, 90, NULL), ST_OK);
    image_fini(&img);
}

/* A CUB-layout dataset under dir/folder (its path into root, cap bytes):
 * 2 classes x 3 images, ids 1..6 (class 1: 1-3). */
static void make_cub(char *root, size_t cap, const char *folder) {
    snprintf(root, cap, "%s/%s", dir, folder);
    assert_int_equal(fileio_mkdirs(root, NULL), ST_OK);
    write_text(root, "classes.txt", "1 001.Red_bird\n2 002.Blue_bird\n");
    char images[512] = "", labels[256] = "", split[256] = "", boxes[512] = "";
    for (int id = 1; id <= 6; id++) {
        int cls = id <= 3 ? 1 : 2;
        char name[128], line[160];
        snprintf(name, sizeof name, "00%d.%s/img_%d.jpg", cls, cls == 1 ? "Red_bird" : "Blue_bird",
                 id);
        char full[160];
        snprintf(full, sizeof full, "images/%s", name);
        write_jpeg(root, full, 40 + id, 30);
        snprintf(line, sizeof line, "%d %s\n", id, name);
        strcat(images, line);
        snprintf(line, sizeof line, "%d %d\n", id, cls);
        strcat(labels, line);
        snprintf(line, sizeof line, "%d %d\n", id, id % 3 != 0);
        strcat(split, line);
        snprintf(line, sizeof line, "%d 2.0 3.0 %d.5 20.0\n", id, 30 + id);
        strcat(boxes, line);
    }
    write_text(root, "images.txt", images);
    write_text(root, "image_class_labels.txt", labels);
    write_text(root, "train_test_split.txt", split);
    write_text(root, "bounding_boxes.txt", boxes);
}

/* The path of make_cub's image 5 (class 2, a training image) into img. */
static void cub_image5(char *img, size_t cap, const char *root) {
    snprintf(img, cap, "%s/images/002.Blue_bird/img_5.jpg", root);
}

static DatasetOptions official(void) {
    return (DatasetOptions){.format = DATASET_AUTO, .train_fraction = -1};
}

static void test_dataset_cub_reads_everything(void **state) {
    (void)state;
    char root[128];
    make_cub(root, sizeof root, "cub_ok");
    Dataset ds;
    DatasetOptions opt = official();
    Error err = {0};
    assert_int_equal(dataset_open(&ds, root, &opt, &err), ST_OK);
    assert_int_equal(ds.format, DATASET_CUB);
    assert_int_equal(ds.num_classes, 2);
    assert_string_equal(ds.class_names[1], "002.Blue_bird");
    assert_int_equal(ds.n_items, 6);
    assert_int_equal(ds.n_train, 4); /* ids 3 and 6 are test */
    assert_int_equal(ds.n_test, 2);
    assert_int_equal(ds.items[ds.test[0]].label, 0);
    assert_int_equal(ds.items[ds.test[1]].label, 1);
    assert_int_equal(ds.items[4].w, 45);
    assert_int_equal(ds.items[4].h, 30);
    assert_true(ds.items[4].has_bbox);
    assert_true(ds.items[4].bbox[2] == 35.5f);
    assert_non_null(strstr(ds.items[5].path, "images/002.Blue_bird/img_6.jpg"));
    /* Each image's size and time, as stat(2) has them (the cache's key). */
    struct stat sb;
    assert_int_equal(stat(ds.items[5].path, &sb), 0);
    assert_true(ds.items[5].size == (int64_t)sb.st_size && sb.st_size > 0);
    assert_true(ds.items[5].mtime_ns ==
                (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec);
    dataset_fini(&ds);
    dataset_fini(&ds);
}

/* Writes a fresh CUB copy, applies one change, and expects an error whose
 * message contains each of the given fragments. */
static void expect_cub_error(const char *label, const char *file, const char *text, Status want,
                             const char *frag1, const char *frag2) {
    char root[160], name[64];
    snprintf(name, sizeof name, "cub_%s", label);
    make_cub(root, sizeof root, name);
    if (file) write_text(root, file, text);
    Dataset ds;
    DatasetOptions opt = official();
    Error err = {0};
    Status st = dataset_open(&ds, root, &opt, &err);
    if (st != want) fail_msg("%s: status %d (%s), expected %d", label, st, err.msg, want);
    if (frag1 && !strstr(err.msg, frag1)) fail_msg("%s: '%s' lacks '%s'", label, err.msg, frag1);
    if (frag2 && !strstr(err.msg, frag2)) fail_msg("%s: '%s' lacks '%s'", label, err.msg, frag2);
    assert_null(ds.items);
}

static void test_dataset_cub_errors_name_file_and_line(void **state) {
    (void)state;
    /* Malformed index files: a format error. label, the file replaced, its
     * new text, two parts of the message. */
    static const struct {
        const char *label, *file, *text, *frag1, *frag2;
    } cases[] = {
        {"nolabel", "image_class_labels.txt", "1 1\n2 1\n3 1\n4 2\n6 2\n",
         "images.txt:5:", "image id 5 has no label"},
        {"range", "image_class_labels.txt", "1 1\n2 1\n3 3\n4 2\n5 2\n6 2\n",
         "image_class_labels.txt:3:", "class 3 out of range 1..2"},
        {"zero", "image_class_labels.txt", "1 0\n", "image_class_labels.txt:1:", "out of range"},
        {"unknown_id", "image_class_labels.txt", "1 1\n9 1\n",
         "image_class_labels.txt:2:", "image id 9 is not in images.txt"},
        {"dup", "images.txt",
         "1 001.Red_bird/img_1.jpg\n2 001.Red_bird/img_2.jpg\n1 001.Red_bird/img_3.jpg\n",
         "images.txt:3:", "already used on line 1"},
        {"garbage", "images.txt", "1 001.Red_bird/img_1.jpg\nhello\n",
         "images.txt:2:", "expected '<image id> <path>'"},
        {"split", "train_test_split.txt", "1 1\n2 1\n3 2\n",
         "train_test_split.txt:3:", "1 train | 0 test"},
        {"nosplit", "train_test_split.txt", "1 1\n2 1\n3 0\n4 1\n5 1\n",
         "images.txt:6:", "neither split"},
        {"bbox", "bounding_boxes.txt", "1 2 3 oops 4\n", "bounding_boxes.txt:1:", NULL},
        /* NaN compares false with every bound (found by fuzz_dataset). */
        {"bbox_nan", "bounding_boxes.txt", "1 2 3 4 5\n2 nan 3 4 5\n",
         "bounding_boxes.txt:2:", "bad bounding box"},
        {"bbox_inf", "bounding_boxes.txt", "1 2 3 inf 5\n", "bounding_boxes.txt:1:", "finite"},
        {"bbox_out", "bounding_boxes.txt", "2 10 3 200 4\n", "img_2.jpg", "outside"},
        {"classes", "classes.txt", "1 001.Red_bird\n3 002.Blue_bird\n",
         "classes.txt:2:", "with id 2"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_cub_error(cases[i].label, cases[i].file, cases[i].text, ST_FORMAT, cases[i].frag1,
                         cases[i].frag2);
    /* An image the index names but the disk lacks: an I/O error. */
    expect_cub_error("missing", "images.txt",
                     "1 001.Red_bird/img_1.jpg\n2 001.Red_bird/nope.jpg\n3 001.Red_bird/img_3.jpg\n"
                     "4 002.Blue_bird/img_4.jpg\n5 002.Blue_bird/img_5.jpg\n"
                     "6 002.Blue_bird/img_6.jpg\n",
                     ST_IO, "nope.jpg", NULL);
}

static void test_dataset_bad_jpeg_fails_or_is_skipped(void **state) {
    (void)state;
    char root[128], img[256];
    make_cub(root, sizeof root, "cub_badjpeg");
    cub_image5(img, sizeof img, root);
    uint8_t *data;
    size_t len;
    assert_int_equal(fileio_read_all(img, &data, &len, NULL), ST_OK);
    assert_int_equal(fileio_write_atomic(img, data, len / 2, NULL), ST_OK); /* truncate */
    free(data);
    Dataset ds;
    DatasetOptions opt = official();
    Error err = {0};
    assert_int_equal(dataset_open(&ds, root, &opt, &err), ST_FORMAT);
    assert_non_null(strstr(err.msg, "img_5.jpg"));
    assert_non_null(strstr(err.msg, "truncated"));
    opt.skip_bad_images = 1;
    assert_int_equal(dataset_open(&ds, root, &opt, &err), ST_OK);
    assert_int_equal(ds.n_skipped, 1);
    assert_int_equal(ds.n_items, 5);
    for (int i = 0; i < ds.n_items; i++) assert_null(strstr(ds.items[i].path, "img_5"));
    dataset_fini(&ds);
    /* The index alone opens no image: the truncated one is still listed. */
    opt.skip_bad_images = 0;
    opt.index_only = 1;
    assert_int_equal(dataset_open(&ds, root, &opt, &err), ST_OK);
    assert_int_equal(ds.n_items, 6);
    assert_int_equal(ds.num_classes, 2);
    assert_int_equal(ds.items[0].w, 0);
    dataset_fini(&ds);
}

static void test_dataset_index_only_still_checks_the_index(void **state) {
    (void)state;
    char root[128];
    make_cub(root, sizeof root, "cub_index");
    write_text(root, "image_class_labels.txt", "1 1\n2 1\n3 3\n4 2\n5 2\n6 2\n");
    Dataset ds;
    DatasetOptions opt = official();
    opt.index_only = 1;
    Error err = {0};
    assert_int_equal(dataset_open(&ds, root, &opt, &err), ST_FORMAT);
    assert_non_null(strstr(err.msg, "image_class_labels.txt:3:"));
    assert_int_equal(dataset_open(&ds, "/nonexistent/finelab", &opt, &err), ST_IO);
    assert_non_null(strstr(err.msg, "/nonexistent/finelab"));
}

static void test_dataset_folder_and_random_split(void **state) {
    (void)state;
    char root[128];
    snprintf(root, sizeof root, "%s/folder", dir);
    const char *classes[3] = {"b_sparrow", "a_finch", "c_wren"};
    for (int c = 0; c < 3; c++)
        for (int i = 0; i < 10; i++) {
            char name[64];
            snprintf(name, sizeof name, "%s/%02d.JPG", classes[c], i);
            write_jpeg(root, name, 16, 16);
        }
    write_text(root, "a_finch/readme.txt", "not an image");
    Dataset ds, again;
    DatasetOptions opt = {.format = DATASET_AUTO, .train_fraction = 0.7, .seed = 5};
    assert_int_equal(dataset_open(&ds, root, &opt, NULL), ST_OK);
    assert_int_equal(ds.format, DATASET_FOLDER);
    assert_int_equal(ds.num_classes, 3);
    assert_string_equal(ds.class_names[0], "a_finch"); /* sorted names */
    assert_int_equal(ds.n_items, 30);
    assert_int_equal(ds.n_train, 21); /* 7 per class: stratified */
    int per_class[3] = {0};
    for (int i = 0; i < ds.n_train; i++) per_class[ds.items[ds.train[i]].label]++;
    for (int c = 0; c < 3; c++) assert_int_equal(per_class[c], 7);
    /* Same seed, same split; another seed, another split. */
    assert_int_equal(dataset_open(&again, root, &opt, NULL), ST_OK);
    assert_memory_equal(ds.train, again.train, sizeof(int) * 21);
    dataset_fini(&again);
    opt.seed = 6;
    assert_int_equal(dataset_open(&again, root, &opt, NULL), ST_OK);
    assert_true(memcmp(ds.train, again.train, sizeof(int) * 21) != 0);
    dataset_fini(&again);
    /* official needs a cub dataset */
    opt.train_fraction = -1;
    Error err = {0};
    assert_int_equal(dataset_open(&again, root, &opt, &err), ST_ARG);
    assert_non_null(strstr(err.msg, "random:"));
    dataset_fini(&ds);
}

static void test_dataset_list_file(void **state) {
    (void)state;
    char root[128];
    snprintf(root, sizeof root, "%s/list", dir);
    assert_int_equal(fileio_mkdirs(root, NULL), ST_OK);
    write_jpeg(root, "imgs/my bird 1.jpg", 20, 10);
    write_jpeg(root, "imgs/b.jpg", 20, 10);
    write_jpeg(root, "imgs/c.jpg", 20, 10);
    write_jpeg(root, "imgs/d.jpg", 20, 10);
    write_text(root, "train.txt",
               "imgs/my bird 1.jpg 0\nimgs/b.jpg 2\n\nimgs/c.jpg 2\nimgs/d.jpg 0\n");
    char list[160];
    snprintf(list, sizeof list, "%s/train.txt", root);
    Dataset ds;
    DatasetOptions opt = {.format = DATASET_AUTO, .train_fraction = 0.5, .seed = 1};
    assert_int_equal(dataset_open(&ds, list, &opt, NULL), ST_OK);
    assert_int_equal(ds.format, DATASET_LIST);
    assert_int_equal(ds.num_classes, 3);
    assert_int_equal(ds.n_items, 4);
    assert_non_null(strstr(ds.items[0].path, "imgs/my bird 1.jpg"));
    assert_int_equal(ds.items[1].label, 2);
    dataset_fini(&ds);
    write_text(root, "bad.txt", "imgs/b.jpg 1\nimgs/c.jpg two\n");
    snprintf(list, sizeof list, "%s/bad.txt", root);
    Error err = {0};
    assert_int_equal(dataset_open(&ds, list, &opt, &err), ST_FORMAT);
    assert_non_null(strstr(err.msg, "bad.txt:2:"));
    write_text(root, "neg.txt", "imgs/b.jpg -1\n");
    snprintf(list, sizeof list, "%s/neg.txt", root);
    assert_int_equal(dataset_open(&ds, list, &opt, &err), ST_FORMAT);
    assert_non_null(strstr(err.msg, "neg.txt:1:"));
    /* Labels up to 1000000 (Caffe's range) split in one pass, as a random
     * split's classes are its labels (found slow by fuzz_dataset). */
    write_text(root, "wide.txt", "imgs/b.jpg 999999\nimgs/c.jpg 999999\nimgs/d.jpg 3\n");
    snprintf(list, sizeof list, "%s/wide.txt", root);
    assert_int_equal(dataset_open(&ds, list, &opt, &err), ST_OK);
    assert_int_equal(ds.num_classes, 1000000);
    assert_string_equal(ds.class_names[0], "class_0");
    assert_string_equal(ds.class_names[999999], "class_999999");
    assert_int_equal(ds.n_train, 2); /* round(0.5 * 2) + round(0.5 * 1) */
    assert_int_equal(ds.items[ds.test[0]].label, 999999);
    dataset_fini(&ds);
    /* Wrong format for the path kind, and a missing path. */
    opt.format = DATASET_CUB;
    assert_int_equal(dataset_open(&ds, list, &opt, &err), ST_ARG);
    assert_int_equal(dataset_open(&ds, "/nonexistent/finelab", &opt, &err), ST_IO);
    assert_non_null(strstr(err.msg, "/nonexistent/finelab"));
}

/* A folder dataset of classes x per images (16 px JPEGs) under dir/name. */
static void make_folder(char *root, size_t cap, const char *name, int classes, int per) {
    snprintf(root, cap, "%s/%s", dir, name);
    for (int c = 0; c < classes; c++)
        for (int i = 0; i < per; i++) {
            char file[64];
            snprintf(file, sizeof file, "class_%d/%02d.jpg", c, i);
            write_jpeg(root, file, 16, 16);
        }
}

/* Whether items a[0..n) and b[0..n) are the same indices. */
static int same_items(const int *a, const int *b, int n) {
    return memcmp(a, b, sizeof(int) * (size_t)n) == 0;
}

static void test_dataset_val_split_per_class_and_seed(void **state) {
    (void)state;
    char root[128];
    make_folder(root, sizeof root, "val", 3, 10);
    DatasetOptions opt = {.format = DATASET_AUTO, .train_fraction = 0.8, .seed = 5};
    Dataset ds, again;
    assert_int_equal(dataset_open(&ds, root, &opt, NULL), ST_OK);
    int train_before[24];
    memcpy(train_before, ds.train, sizeof(int) * 24);
    assert_int_equal(ds.n_train, 24); /* 8 of each class's 10 */
    assert_int_equal(dataset_split_val(&ds, 0.25, 7, NULL), ST_OK);
    /* round(0.25 x 8) = 2 of each class's training images, never a test one */
    assert_int_equal(ds.n_val, 6);
    assert_int_equal(ds.n_train, 18);
    assert_int_equal(ds.n_test, 6);
    int per_class[3] = {0}, seen[30] = {0};
    for (int i = 0; i < ds.n_val; i++) {
        const DatasetItem *it = &ds.items[ds.val[i]];
        per_class[it->label]++;
        assert_true(it->train && it->val);
        seen[ds.val[i]]++;
    }
    for (int c = 0; c < 3; c++) assert_int_equal(per_class[c], 2);
    for (int i = 0; i < ds.n_train; i++) {
        assert_false(ds.items[ds.train[i]].val);
        seen[ds.train[i]]++;
    }
    /* train and val are the old training split, each image once, in item order */
    for (int i = 0; i < 24; i++) assert_int_equal(seen[train_before[i]], 1);
    for (int i = 1; i < ds.n_val; i++) assert_true(ds.val[i - 1] < ds.val[i]);
    /* The same seed draws the same images; another seed others. */
    assert_int_equal(dataset_open(&again, root, &opt, NULL), ST_OK);
    assert_int_equal(dataset_split_val(&again, 0.25, 7, NULL), ST_OK);
    assert_true(same_items(ds.val, again.val, 6) && same_items(ds.train, again.train, 18));
    dataset_fini(&again);
    assert_int_equal(dataset_open(&again, root, &opt, NULL), ST_OK);
    assert_int_equal(dataset_split_val(&again, 0.25, 8, NULL), ST_OK);
    assert_false(same_items(ds.val, again.val, 6));
    dataset_fini(&again);
    dataset_fini(&ds);
}

static void test_dataset_val_split_refuses_empty_sides(void **state) {
    (void)state;
    char root[128];
    make_folder(root, sizeof root, "val_small", 2, 4);
    DatasetOptions opt = {.format = DATASET_AUTO, .train_fraction = 0.5, .seed = 1};
    Dataset ds;
    Error err = {0};
    assert_int_equal(dataset_open(&ds, root, &opt, NULL), ST_OK); /* 2 training images a class */
    /* 0.1 x 2 rounds to none: named with the class */
    assert_int_equal(dataset_split_val(&ds, 0.1, 1, &err), ST_ARG);
    assert_non_null(strstr(err.msg, "class 1 (class_0) has 2 training images"));
    assert_non_null(strstr(err.msg, "no validation image"));
    assert_int_equal(ds.n_val, 0); /* unchanged */
    assert_int_equal(ds.n_train, 4);
    /* 0.9 x 2 rounds to both: none left to train on */
    assert_int_equal(dataset_split_val(&ds, 0.9, 1, &err), ST_ARG);
    assert_non_null(strstr(err.msg, "leaves it none to train on"));
    assert_int_equal(dataset_split_val(&ds, 0, 1, &err), ST_ARG);
    assert_int_equal(dataset_split_val(&ds, 0.5, 1, &err), ST_OK);
    assert_int_equal(ds.n_val, 2);
    dataset_fini(&ds);
}

static void test_dataset_probe_after_the_index(void **state) {
    (void)state;
    char root[128], img[256];
    make_cub(root, sizeof root, "cub_probe");
    cub_image5(img, sizeof img, root);
    assert_int_equal(fileio_write_atomic(img, "not a jpeg", 10, NULL), ST_OK);
    DatasetOptions opt = official();
    opt.index_only = 1;
    opt.skip_bad_images = 1;
    Dataset ds, direct;
    assert_int_equal(dataset_open(&ds, root, &opt, NULL), ST_OK);
    assert_int_equal(dataset_split_val(&ds, 0.5, 1, NULL), ST_OK);
    assert_int_equal(ds.n_items, 6);
    assert_int_equal(dataset_probe(&ds, &opt, NULL), ST_OK);
    opt.index_only = 0;
    assert_int_equal(dataset_open(&direct, root, &opt, NULL), ST_OK);
    /* what a direct open gives, the validation split dropped */
    assert_int_equal(ds.n_items, 5);
    assert_int_equal(ds.n_skipped, 1);
    assert_int_equal(ds.n_val, 0);
    assert_int_equal(ds.n_train, direct.n_train);
    assert_int_equal(ds.n_test, direct.n_test);
    assert_true(same_items(ds.train, direct.train, ds.n_train));
    assert_int_equal(ds.items[0].w, direct.items[0].w);
    dataset_fini(&direct);
    dataset_fini(&ds);
    /* Without skipping, the bad image fails the probe and ds is emptied. */
    opt.index_only = 1;
    opt.skip_bad_images = 0;
    Error err = {0};
    assert_int_equal(dataset_open(&ds, root, &opt, NULL), ST_OK);
    assert_int_not_equal(dataset_probe(&ds, &opt, &err), ST_OK);
    assert_non_null(strstr(err.msg, "img_5.jpg"));
    assert_int_equal(ds.n_items, 0);
    dataset_fini(&ds);
}

static void test_dataset_format_names(void **state) {
    (void)state;
    DatasetFormat f;
    assert_int_equal(dataset_format_parse("folder", &f), 0);
    assert_int_equal(f, DATASET_FOLDER);
    assert_int_equal(dataset_format_parse("imagenet", &f), -1);
    assert_string_equal(dataset_format_name(DATASET_CUB), "cub");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dataset_cub_reads_everything),
        cmocka_unit_test(test_dataset_cub_errors_name_file_and_line),
        cmocka_unit_test(test_dataset_bad_jpeg_fails_or_is_skipped),
        cmocka_unit_test(test_dataset_index_only_still_checks_the_index),
        cmocka_unit_test(test_dataset_folder_and_random_split),
        cmocka_unit_test(test_dataset_list_file),
        cmocka_unit_test(test_dataset_val_split_per_class_and_seed),
        cmocka_unit_test(test_dataset_val_split_refuses_empty_sides),
        cmocka_unit_test(test_dataset_probe_after_the_index),
        cmocka_unit_test(test_dataset_format_names),
    };
    return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
