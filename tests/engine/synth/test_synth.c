/*
 * test_synth — the generated bird dataset: the CUB-200-2011 layout line by
 * line (and through the CUB reader), same config -> same bytes, source and
 * target species disjoint, global colour alone near chance (the task is
 * fine-grained), the telling parts' area in range, errors, and the
 * `finelab synth` command's argument and directory checks. Every dataset
 * goes into a mkdtemp directory under /tmp that the teardown removes, also
 * when the test fails.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/data/dataset.h"
#include "engine/data/jpeg.h"
#include "engine/io/fileio.h"
#include "engine/synth/synth.h"
#include "src/cli/cmd_synth.h"
#include "tests/lib/testutil.h"

/* ------------------------------------------------------------ helpers */

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Each test that writes files gets a fresh mkdtemp directory as *state;
 * the teardown removes it even when the test failed. */
static int tmp_setup(void **state) {
    char *dir = strdup("/tmp/finelab_test_synth_XXXXXX");
    if (!dir || !mkdtemp(dir)) {
        free(dir);
        return -1;
    }
    *state = dir;
    return 0;
}

static int tmp_teardown(void **state) {
    int rc = nftw(*state, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(*state);
    return rc;
}

static void generate(const SynthConfig *cfg, const char *dir, SynthReport *rep) {
    Error err = {0};
    Status st = synth_generate(cfg, dir, rep, &err);
    if (st) fail_msg("synth_generate: %s", err.msg);
}

/* The lines of dir/name (each must end with '\n'); free with free_lines. */
typedef struct Lines {
    char *buf;
    char **line;
    int n;
} Lines;

static Lines read_lines(const char *dir, const char *name) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    Lines l = {0};
    size_t len;
    Error err = {0};
    if (fileio_read_all(path, (uint8_t **)&l.buf, &len, &err)) fail_msg("%s", err.msg);
    assert_true(len > 0 && l.buf[len - 1] == '\n');
    for (size_t i = 0; i < len; i++) l.n += l.buf[i] == '\n';
    l.line = malloc(sizeof(char *) * (size_t)l.n);
    assert_non_null(l.line);
    char *p = l.buf;
    for (int i = 0; i < l.n; i++) {
        char *nl = strchr(p, '\n');
        *nl = '\0';
        l.line[i] = p;
        p = nl + 1;
    }
    return l;
}

static void free_lines(Lines *l) {
    free(l->buf);
    free(l->line);
}

/* "<id> <int>" with nothing after; returns the int. */
static int id_int_line(const char *s, int id) {
    int got_id, v, end = -1;
    assert_int_equal(sscanf(s, "%d %d%n", &got_id, &v, &end), 2);
    assert_int_equal((int)strlen(s), end);
    assert_int_equal(got_id, id);
    return v;
}

/* ------------------------------------------------------------- layout */

static void check_name(const char *name) {
    assert_true(strlen(name) > 0);
    for (const char *p = name; *p; p++)
        assert_true((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                    (*p >= '0' && *p <= '9') || *p == '_');
}

static void test_layout_is_cub(void **state) {
    const char *dir = *state;
    SynthConfig cfg = {.classes = 4, .per_class = 3, .size = 96, .seed = 3};
    SynthReport rep;
    generate(&cfg, dir, &rep);
    assert_int_equal(rep.images, 12);
    assert_int_equal(rep.classes, 4);
    assert_int_equal(rep.train, 8);

    Lines classes = read_lines(dir, "classes.txt");
    assert_int_equal(classes.n, 4);
    char dirs[4][96];
    for (int i = 0; i < 4; i++) {
        int id, num, end = -1;
        char name[80];
        assert_int_equal(sscanf(classes.line[i], "%d %d.%79s%n", &id, &num, name, &end), 3);
        assert_int_equal((int)strlen(classes.line[i]), end);
        assert_int_equal(id, i + 1);
        assert_int_equal(num, i + 1);
        check_name(name);
        snprintf(dirs[i], sizeof dirs[i], "%03d.%s", i + 1, name);
        assert_string_equal(strchr(classes.line[i], ' ') + 1, dirs[i]);
    }

    Lines images = read_lines(dir, "images.txt"),
          labels = read_lines(dir, "image_class_labels.txt");
    Lines split = read_lines(dir, "train_test_split.txt");
    Lines boxes = read_lines(dir, "bounding_boxes.txt");
    assert_int_equal(images.n, 12);
    assert_int_equal(labels.n, 12);
    assert_int_equal(split.n, 12);
    assert_int_equal(boxes.n, 12);
    int per_class[4] = {0}, train_per_class[4] = {0};
    for (int i = 0; i < 12; i++) {
        int id = i + 1;
        int label = id_int_line(labels.line[i], id);
        assert_true(label >= 1 && label <= 4);
        int train = id_int_line(split.line[i], id);
        assert_true(train == 0 || train == 1);
        per_class[label - 1]++;
        train_per_class[label - 1] += train;

        /* "<id> NNN.Name/Name_KKKK_<id>.jpg" in the class's directory */
        int got_id, end = -1;
        char rel[256];
        assert_int_equal(sscanf(images.line[i], "%d %255s%n", &got_id, rel, &end), 2);
        assert_int_equal((int)strlen(images.line[i]), end);
        assert_int_equal(got_id, id);
        size_t dl = strlen(dirs[label - 1]);
        assert_memory_equal(rel, dirs[label - 1], dl);
        assert_int_equal(rel[dl], '/');
        const char *file = rel + dl + 1, *cname = dirs[label - 1] + 4;
        char expect[200];
        snprintf(expect, sizeof expect, "%s_%04d_%d.jpg", cname, per_class[label - 1], id);
        assert_string_equal(file, expect);

        char path[512];
        snprintf(path, sizeof path, "%s/images/%s", dir, rel);
        Image img = {0};
        Error err = {0};
        if (jpeg_decode_file(path, 0, &img, &err)) fail_msg("%s", err.msg);
        /* Longer side 0.75-1.1 x size, aspect ratio at most 1.55. */
        int longer = img.w > img.h ? img.w : img.h, shorter = img.w + img.h - longer;
        assert_true(longer >= 96 * 3 / 4 - 1 && longer <= 96 * 11 / 10 + 1);
        assert_true(shorter * 155 >= longer * 100 - 155);

        float x, y, w, h;
        end = -1;
        assert_int_equal(sscanf(boxes.line[i], "%d %f %f %f %f%n", &got_id, &x, &y, &w, &h, &end),
                         5);
        assert_int_equal((int)strlen(boxes.line[i]), end);
        assert_int_equal(got_id, id);
        assert_true(x >= 0 && y >= 0 && w > 0 && h > 0);
        assert_true(x + w <= (float)img.w && y + h <= (float)img.h);
        /* The bird spans 35-80% of the width, less when height-limited. */
        assert_true(w >= 0.2f * (float)img.w && w <= 0.85f * (float)img.w);
        image_fini(&img);
    }
    for (int c = 0; c < 4; c++) {
        assert_int_equal(per_class[c], 3);
        assert_int_equal(train_per_class[c], 2);
    }
    Lines marker = read_lines(dir, "synth.txt");
    int complete = 0;
    for (int i = 0; i < marker.n; i++) complete |= strcmp(marker.line[i], "complete = 1") == 0;
    assert_true(complete);

    /* The CUB reader takes it as it is, boxes and official split included. */
    Dataset ds;
    Error err = {0};
    DatasetOptions opt = {.format = DATASET_CUB, .train_fraction = -1.0};
    if (dataset_open(&ds, dir, &opt, &err)) fail_msg("dataset_open: %s", err.msg);
    assert_int_equal(ds.num_classes, 4);
    assert_int_equal(ds.n_items, 12);
    assert_int_equal(ds.n_train, 8);
    assert_int_equal(ds.n_test, 4);
    for (int i = 0; i < 12; i++) assert_true(ds.items[i].has_bbox);
    dataset_fini(&ds);

    free_lines(&classes);
    free_lines(&images);
    free_lines(&labels);
    free_lines(&split);
    free_lines(&boxes);
    free_lines(&marker);
}

/* -------------------------------------------------------- determinism */

static const char *compare_a, *compare_b;

/* Compares the file at path under compare_a with the same file under compare_b. */
static int compare_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)ftw;
    if (flag != FTW_F) return 0;
    char other[512];
    snprintf(other, sizeof other, "%s%s", compare_b, path + strlen(compare_a));
    uint8_t *a, *b;
    size_t la, lb;
    Error err = {0};
    if (fileio_read_all(path, &a, &la, &err)) fail_msg("%s", err.msg);
    if (fileio_read_all(other, &b, &lb, &err)) fail_msg("%s", err.msg);
    int same = la == lb && memcmp(a, b, la) == 0;
    free(a);
    free(b);
    if (!same) fail_msg("%s and %s differ", path, other);
    return 0;
}

static int file_count;

static int count_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)path;
    (void)sb;
    (void)ftw;
    file_count += flag == FTW_F;
    return 0;
}

static int count_files(const char *dir) {
    file_count = 0;
    assert_int_equal(nftw(dir, count_entry, 16, FTW_PHYS), 0);
    return file_count;
}

static void test_same_config_same_bytes(void **state) {
    char a[128], b[128], c[128];
    snprintf(a, sizeof a, "%s/a", (const char *)*state);
    snprintf(b, sizeof b, "%s/b", (const char *)*state);
    snprintf(c, sizeof c, "%s/c", (const char *)*state);
    SynthConfig cfg = {.classes = 3, .per_class = 4, .size = 80, .seed = 11};
    generate(&cfg, a, NULL);
    generate(&cfg, b, NULL);
    /* Every file of a, byte for byte, in b. */
    assert_int_equal(count_files(a), count_files(b));
    assert_int_equal(count_files(a), 12 + 6);
    compare_a = a;
    compare_b = b;
    assert_int_equal(nftw(a, compare_entry, 16, FTW_PHYS), 0);

    /* Image k of a class is a function of (seed, class, k) alone. */
    SynthClass cls[3];
    assert_int_equal(synth_classes(3, cfg.seed, 0, cls, NULL), ST_OK);
    SynthRenderer rd;
    synth_renderer_init(&rd);
    Image img = {0};
    SynthSample s;
    assert_int_equal(
        synth_render(&rd, &cls[2], synth_image_seed(&cfg, 2, 1), cfg.size, &img, &s, NULL), ST_OK);
    uint8_t *jpg, *file;
    size_t jlen, flen;
    assert_int_equal(jpeg_encode_mem(&img, s.quality, &jpg, &jlen, NULL), ST_OK);
    char path[512];
    snprintf(path, sizeof path, "%s/images/003.%s/%s_0002_10.jpg", a, cls[2].name, cls[2].name);
    assert_int_equal(fileio_read_all(path, &file, &flen, NULL), ST_OK);
    assert_int_equal(jlen, flen);
    assert_memory_equal(jpg, file, jlen);
    free(jpg);
    free(file);
    image_fini(&img);
    synth_renderer_fini(&rd);

    /* Another seed: other species and other pixels. */
    cfg.seed = 12;
    generate(&cfg, c, NULL);
    Lines la = read_lines(a, "classes.txt"), lc = read_lines(c, "classes.txt");
    int differ = 0;
    for (int i = 0; i < 3; i++) differ += strcmp(la.line[i], lc.line[i]) != 0;
    assert_true(differ > 0);
    Lines ia = read_lines(a, "images.txt"), ic = read_lines(c, "images.txt");
    char pa[512], pc[512];
    snprintf(pa, sizeof pa, "%s/images/%s", a, strchr(ia.line[0], ' ') + 1);
    snprintf(pc, sizeof pc, "%s/images/%s", c, strchr(ic.line[0], ' ') + 1);
    uint8_t *da, *dc;
    size_t na, nc;
    assert_int_equal(fileio_read_all(pa, &da, &na, NULL), ST_OK);
    assert_int_equal(fileio_read_all(pc, &dc, &nc, NULL), ST_OK);
    assert_true(na != nc || memcmp(da, dc, na) != 0);
    free(da);
    free(dc);
    free_lines(&la);
    free_lines(&lc);
    free_lines(&ia);
    free_lines(&ic);
}

/* ------------------------------------------------------------ species */

static void check_set(const SynthClass *cls, int n, int source) {
    for (int i = 0; i < n; i++) {
        assert_int_equal(synth_source_bit(&cls[i]), source);
        check_name(cls[i].name);
        for (int a = 0; a < SYNTH_ATTRS; a++)
            assert_true(cls[i].attr[a] < synth_attr_values((SynthAttr)a));
        for (int j = 0; j < i; j++) {
            assert_true(synth_part_distance(&cls[i], &cls[j]) >= 2);
            assert_true(strcmp(cls[i].name, cls[j].name) != 0);
        }
    }
}

static void test_source_and_target_disjoint(void **state) {
    (void)state;
    enum { N = 300 };
    SynthClass *target = malloc(sizeof(SynthClass) * N);
    SynthClass *source = malloc(sizeof(SynthClass) * N);
    SynthClass *source2 = malloc(sizeof(SynthClass) * N);
    SynthClass first[10];
    assert_non_null(target);
    assert_non_null(source);
    assert_non_null(source2);
    assert_int_equal(synth_classes(N, 1, 0, target, NULL), ST_OK);
    assert_int_equal(synth_classes(N, 1, 1, source, NULL), ST_OK);
    assert_int_equal(synth_classes(N, 2, 1, source2, NULL), ST_OK);
    check_set(target, N, 0);
    check_set(source, N, 1);
    check_set(source2, N, 1);
    /* No small-part combination is both a target and a source species,
     * whatever the seeds. */
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            assert_true(synth_part_distance(&target[i], &source[j]) > 0);
            assert_true(synth_part_distance(&target[i], &source2[j]) > 0);
        }
    /* Body-colour families are shared by many species. */
    int fam[5] = {0};
    for (int i = 0; i < N; i++) fam[target[i].attr[SYNTH_FAMILY]]++;
    for (int f = 0; f < 5; f++) assert_true(fam[f] >= N / 10);
    /* Fewer species are a prefix of more. */
    assert_int_equal(synth_classes(10, 1, 0, first, NULL), ST_OK);
    assert_memory_equal(first, target, sizeof first);
    free(target);
    free(source);
    free(source2);
}

/* ------------------------------------------------------ fine-grained */

enum { BINS = 8 * 8 * 8 };

static void histogram(const Image *img, double *h) {
    size_t n = (size_t)img->w * (size_t)img->h;
    memset(h, 0, sizeof(double) * BINS);
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = img->rgb + 3 * i;
        h[(p[0] >> 5) * 64 + (p[1] >> 5) * 8 + (p[2] >> 5)] += 1.0 / (double)n;
    }
}

static void test_colour_histogram_is_near_chance(void **state) {
    enum { C = 20, M = 16 };
    const char *dir = *state;
    SynthConfig cfg = {.classes = C, .per_class = M, .size = 96, .seed = 5};
    generate(&cfg, dir, NULL);
    Lines images = read_lines(dir, "images.txt"),
          labels = read_lines(dir, "image_class_labels.txt");
    Lines split = read_lines(dir, "train_test_split.txt");
    double *h = malloc(sizeof(double) * BINS * C * M), *cent = calloc(BINS * C, sizeof(double));
    int *label = malloc(sizeof(int) * C * M), *train = malloc(sizeof(int) * C * M);
    int ntrain[C] = {0};
    assert_non_null(h);
    assert_non_null(cent);
    assert_non_null(label);
    assert_non_null(train);
    Image img = {0};
    for (int i = 0; i < C * M; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/images/%s", dir, strchr(images.line[i], ' ') + 1);
        assert_int_equal(jpeg_decode_file(path, 0, &img, NULL), ST_OK);
        histogram(&img, h + (size_t)i * BINS);
        label[i] = id_int_line(labels.line[i], i + 1) - 1;
        train[i] = id_int_line(split.line[i], i + 1);
        if (!train[i]) continue;
        ntrain[label[i]]++;
        for (int b = 0; b < BINS; b++) cent[label[i] * BINS + b] += h[(size_t)i * BINS + b];
    }
    for (int c = 0; c < C; c++)
        for (int b = 0; b < BINS; b++) cent[c * BINS + b] /= ntrain[c];
    int right = 0, tested = 0;
    for (int i = 0; i < C * M; i++) {
        if (train[i]) continue;
        int best = -1;
        double best_d = INFINITY;
        for (int c = 0; c < C; c++) {
            double d = 0.0;
            for (int b = 0; b < BINS; b++) {
                double e = h[(size_t)i * BINS + b] - cent[c * BINS + b];
                d += e * e;
            }
            if (d < best_d) {
                best_d = d;
                best = c;
            }
        }
        right += best == label[i];
        tested++;
    }
    double acc = (double)right / tested, chance = 1.0 / C;
    print_message(
        "colour-histogram nearest centroid: %.3f accuracy, chance %.3f (%d test images)\n", acc,
        chance, tested);
    assert_true(acc < 3.0 * chance);
    image_fini(&img);
    free(h);
    free(cent);
    free(label);
    free(train);
    free_lines(&images);
    free_lines(&labels);
    free_lines(&split);
}

static void test_part_fraction_in_range(void **state) {
    const char *dir = *state;
    SynthConfig cfg = {.classes = 8, .per_class = 4, .size = 160, .seed = 2};
    SynthReport rep;
    generate(&cfg, dir, &rep);
    print_message("telling parts: %.2f%% of the image (size 160)\n", 100.0 * rep.part_fraction);
    assert_true(rep.part_fraction >= 0.01 && rep.part_fraction <= 0.06);
    assert_true(rep.seconds >= rep.draw_seconds + rep.write_seconds - 1e-9);
    /* The same at the product's 448 px, rendered in memory. */
    SynthClass cls[6];
    assert_int_equal(synth_classes(6, 9, 0, cls, NULL), ST_OK);
    SynthRenderer rd;
    synth_renderer_init(&rd);
    Image img = {0};
    double sum = 0.0;
    cfg.seed = 9;
    for (int i = 0; i < 12; i++) {
        SynthSample s;
        assert_int_equal(synth_render(&rd, &cls[i % 6], synth_image_seed(&cfg, i % 6, i / 6), 448,
                                      &img, &s, NULL),
                         ST_OK);
        assert_true(s.quality >= 70 && s.quality <= 95);
        assert_true(s.part_fraction > 0.0 && s.part_fraction < 0.2);
        sum += s.part_fraction;
    }
    print_message("telling parts: %.2f%% of the image (size 448)\n", 100.0 * sum / 12);
    assert_true(sum / 12 >= 0.01 && sum / 12 <= 0.06);
    image_fini(&img);
    synth_renderer_fini(&rd);
}

/* ------------------------------------------------------------- errors */

static int stop_after_two(void *user, int done, int total) {
    (void)total;
    *(int *)user = done;
    return done >= 2;
}

static void test_errors(void **state) {
    const char *dir = *state;
    Error err = {0};
    SynthConfig ok = {.classes = 2, .per_class = 2, .size = 64, .seed = 1};
    assert_int_equal(synth_validate(&ok, &err), ST_OK);
    SynthConfig bad = ok;
    bad.classes = 0;
    assert_int_equal(synth_validate(&bad, &err), ST_ARG);
    assert_non_null(strstr(err.msg, "classes"));
    bad = ok;
    bad.per_class = SYNTH_MAX_PER_CLASS + 1;
    assert_int_equal(synth_validate(&bad, &err), ST_ARG);
    assert_non_null(strstr(err.msg, "per_class"));
    bad = ok;
    bad.size = 10;
    assert_int_equal(synth_validate(&bad, &err), ST_ARG);
    assert_non_null(strstr(err.msg, "size"));
    bad = ok;
    bad.source = 2;
    assert_int_equal(synth_validate(&bad, &err), ST_ARG);
    assert_int_equal(synth_classes(SYNTH_MAX_CLASSES + 1, 1, 0, NULL, &err), ST_ARG);

    char path[128];
    /* An output path below a regular file cannot be created. */
    snprintf(path, sizeof path, "%s/file", dir);
    assert_int_equal(fileio_write_atomic(path, "x", 1, NULL), ST_OK);
    snprintf(path, sizeof path, "%s/file/out", dir);
    assert_int_equal(synth_generate(&ok, path, NULL, &err), ST_IO);
    assert_non_null(strstr(err.msg, "file"));
    /* The progress callback can stop the work. */
    int seen = 0;
    SynthConfig stop = ok;
    stop.progress = stop_after_two;
    stop.progress_user = &seen;
    snprintf(path, sizeof path, "%s/stopped", dir);
    SynthReport rep;
    assert_int_equal(synth_generate(&stop, path, &rep, &err), ST_STATE);
    assert_int_equal(seen, 2);
    assert_int_equal(rep.images, 2);
}

/* ------------------------------------------------------------ command */

/* cmd_synth on writable copies of argv, as main would pass them. */
static int run_cmd(int argc, const char **argv) {
    char *copy[16];
    assert_true(argc <= 16);
    for (int i = 0; i < argc; i++) assert_non_null(copy[i] = strdup(argv[i]));
    int rc = cmd_synth(argc, copy);
    for (int i = 0; i < argc; i++) free(copy[i]);
    return rc;
}

static void test_cmd_synth(void **state) {
    const char *dir = *state;
    char out[128], other[128];
    snprintf(out, sizeof out, "%s/birds", dir);
    snprintf(other, sizeof other, "%s/other", dir);
    const char *no_out[] = {"synth"};
    assert_int_equal(run_cmd(1, no_out), 2);
    const char *bad_classes[] = {"synth", out, "--classes", "1000"};
    assert_int_equal(run_cmd(4, bad_classes), 2);
    const char *bad_size[] = {"synth", out, "--size", "12x"};
    assert_int_equal(run_cmd(4, bad_size), 2);
    const char *missing[] = {"synth", out, "--seed"};
    assert_int_equal(run_cmd(3, missing), 2);
    const char *unknown[] = {"synth", out, "--colour"};
    assert_int_equal(run_cmd(3, unknown), 2);
    const char *two[] = {"synth", out, other};
    assert_int_equal(run_cmd(3, two), 2);
    assert_false(fileio_exists(out));

    const char *good[] = {"synth",  out,  "--classes", "2", "--per-class", "2",
                          "--size", "64", "--seed",    "4", "--source"};
    assert_int_equal(run_cmd(11, good), 0);
    char marker[256];
    snprintf(marker, sizeof marker, "%s/bounding_boxes.txt", out);
    assert_true(fileio_exists(marker));
    /* A previous synth output may be regenerated ... */
    assert_int_equal(run_cmd(11, good), 0);
    /* ... but not a directory holding something else. */
    assert_int_equal(fileio_mkdirs(other, NULL), ST_OK);
    snprintf(marker, sizeof marker, "%s/notes.txt", other);
    assert_int_equal(fileio_write_atomic(marker, "keep", 4, NULL), ST_OK);
    const char *foreign[] = {"synth", other, "--classes", "2", "--per-class", "1"};
    assert_int_equal(run_cmd(6, foreign), 2);
    snprintf(marker, sizeof marker, "%s/images", other);
    assert_false(fileio_exists(marker));
    /* OUT that cannot be a directory is bad input too. */
    snprintf(marker, sizeof marker, "%s/notes.txt/out", other);
    const char *under_file[] = {"synth", marker, "--classes", "1", "--per-class", "1"};
    assert_int_equal(run_cmd(6, under_file), 2);
    const char *help[] = {"synth", "--help"};
    assert_int_equal(run_cmd(2, help), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_layout_is_cub, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(test_same_config_same_bytes, tmp_setup, tmp_teardown),
        cmocka_unit_test(test_source_and_target_disjoint),
        cmocka_unit_test_setup_teardown(test_colour_histogram_is_near_chance, tmp_setup,
                                        tmp_teardown),
        cmocka_unit_test_setup_teardown(test_part_fraction_in_range, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(test_errors, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(test_cmd_synth, tmp_setup, tmp_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
