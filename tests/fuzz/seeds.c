/*
 * seeds — writes the fuzz harnesses' seed corpora (tests/fuzz/corpus/<harness>/seed_*)
 * with the project's own writers, so every seed is a file finelab itself
 * makes or reads: safetensors from the writer (and the F16 / BF16 layouts
 * the reader converts, laid out by hand as the writer only writes F32),
 * caffemodels from the tests' writer (tests/lib/caffewrite.c) in each layer
 * encoding and blob layout, JPEGs from the synthetic birds through the
 * encoder and through libjpeg directly for the kinds finelab never writes
 * (greyscale, CMYK, progressive, restart markers), a synthetic CUB
 * dataset's text files, and a run store's status.ini and metrics.tsv.
 *
 * `make fuzz-seeds` runs it (and copies the preset files); the seeds are
 * committed, so this is how to remake them, not a step of any build. Each
 * kind is one cmocka test that also checks its seeds read back.
 * Usage: seeds CORPUS_DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "engine/data/dataset.h"
#include "engine/data/image.h"
#include "engine/data/jpeg.h"
#include "engine/io/caffemodel.h"
#include "engine/io/fileio.h"
#include "engine/io/safetensors.h"
#include "engine/synth/synth.h"
#include "src/run/runstore.h"
#include "src/run/study.h"
#include "tests/lib/caffewrite.h"
#include "tests/lib/pbuf.h"
#include "tests/lib/testutil.h"

static const char *corpus;

/* corpus/<harness>/seed_<name> */
static void seed_path(char *path, size_t cap, const char *harness, const char *name) {
    snprintf(path, cap, "%s/%s", corpus, harness);
    Error e = {0};
    assert_int_equal(fileio_mkdirs(path, &e), ST_OK);
    snprintf(path, cap, "%s/%s/seed_%s", corpus, harness, name);
}

static void seed_write(const char *harness, const char *name, const void *data, size_t len) {
    char path[1024];
    seed_path(path, sizeof path, harness, name);
    Error e = {0};
    if (fileio_write_atomic(path, data, len, &e)) fail_msg("%s", e.msg);
}

static char *read_text(const char *dir, const char *name, size_t *len) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    uint8_t *data;
    Error e = {0};
    if (fileio_read_all(path, &data, len, &e)) fail_msg("%s", e.msg);
    return (char *)data;
}

/* --- safetensors ---------------------------------------------------------- */

static void seeds_safetensors(void **state) {
    (void)state;
    char path[1024];
    float w[12], b[3], scalar = 0.5f;
    for (int i = 0; i < 12; i++) w[i] = (float)i / 4 - 1;
    for (int i = 0; i < 3; i++) b[i] = (float)i;
    SafeTensorsWriter *wr = safetensors_writer_create();
    assert_non_null(wr);
    int64_t ws[4] = {3, 1, 2, 2}, bs[1] = {3}, empty[2] = {0, 4};
    assert_int_equal(safetensors_writer_add(wr, "features.0.weight", ws, 4, w), ST_OK);
    assert_int_equal(safetensors_writer_add(wr, "features.0.bias", bs, 1, b), ST_OK);
    assert_int_equal(safetensors_writer_add(wr, "scalar", NULL, 0, &scalar), ST_OK);
    assert_int_equal(safetensors_writer_add(wr, "empty", empty, 2, NULL), ST_OK);
    assert_int_equal(safetensors_writer_meta(wr, "format", "torchvision"), ST_OK);
    assert_int_equal(safetensors_writer_meta(wr, "input", "rgb01std"), ST_OK);
    seed_path(path, sizeof path, "safetensors", "f32_meta.safetensors");
    Error e = {0};
    if (safetensors_writer_write(wr, path, &e)) fail_msg("%s", e.msg);
    safetensors_writer_destroy(wr);

    /* F16 and BF16 beside I64 and U8, which the reader lists but does not convert. */
    static const char header[] =
        "{\"h\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[0,8]},"
        "\"bf\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[8,14]},"
        "\"i\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[14,22]},"
        "\"u\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[22,24]},"
        "\"__metadata__\":{\"format\":\"caffe\"}}";
    static const uint8_t body[24] = {0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00, 0x00, 0x7c,
                                     0x80, 0x3f, 0x00, 0xc0, 0xc0, 0x7f, 5,    0,
                                     0,    0,    0,    0,    0,    0,    1,    2};
    uint8_t file[8 + sizeof header - 1 + sizeof body];
    uint64_t n = sizeof header - 1;
    for (int i = 0; i < 8; i++) file[i] = (uint8_t)(n >> (8 * i));
    memcpy(file + 8, header, n);
    memcpy(file + 8 + n, body, sizeof body);
    seed_write("safetensors", "f16_bf16.safetensors", file, sizeof file);
    seed_path(path, sizeof path, "safetensors", "f16_bf16.safetensors");
    SafeTensors *st;
    if (safetensors_open(path, &st, &e)) fail_msg("%s", e.msg);
    assert_int_equal(safetensors_count(st), 4);
    safetensors_close(st);
}

/* --- caffemodel ----------------------------------------------------------- */

static void seeds_caffemodel(void **state) {
    (void)state;
    static const char *const enc_name[3] = {"new", "v1", "v0"};
    const float w[8] = {1, -2, 3, -4, 5, -6, 7, -8}, bias[2] = {0.5f, -0.5f};
    const float *values[2] = {w, bias};
    const size_t counts[2] = {8, 2};
    char path[1024], name[64];
    for (int enc = CAFFEWRITE_NEW; enc <= CAFFEWRITE_V0; enc++) {
        /* A convolution per blob layout, then a ReLU without blobs. */
        PbBuf net = {0};
        pbuf_str(&net, 1, "seed");
        for (int mode = CAFFEWRITE_PACKED; mode <= CAFFEWRITE_DOUBLE_UNPACKED; mode++) {
            CaffewriteBlob blobs[2] = {{4, {2, 1, 2, 2}, mode % 2, mode, mode == 2},
                                       {1, {2}, enc == CAFFEWRITE_V0, (mode + 1) % 5, 0}};
            snprintf(name, sizeof name, "conv%d", mode);
            caffewrite_layer(&net, enc, name, "Convolution", 4, blobs, values, counts, 2);
        }
        caffewrite_layer(&net, enc, "relu", "ReLU", 18, NULL, NULL, NULL, 0);
        snprintf(name, sizeof name, "layers_%s.caffemodel", enc_name[enc]);
        seed_path(path, sizeof path, "caffemodel", name);
        pbuf_save(&net, path);
        free(net.d);
        Caffemodel *cm;
        Error e = {0};
        if (caffemodel_open(path, &cm, &e)) fail_msg("%s", e.msg);
        assert_int_equal(caffemodel_layer_count(cm), 6);
        caffemodel_close(cm);
    }
    /* A whole VGG-16 at width 1/64, which the converter takes. */
    seed_path(path, sizeof path, "caffemodel", "vgg16_w64.caffemodel");
    caffewrite_vgg(path, 1.0f / 64, CAFFEWRITE_NEW, &caffewrite_no_faults);
}

/* --- JPEG ----------------------------------------------------------------- */

/* img (RGB) through libjpeg with the options finelab's encoder never uses. */
static void jpeg_seed(const char *name, const Image *img, J_COLOR_SPACE space, int progressive,
                      int restart) {
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr jerr;
    unsigned char *buf = NULL;
    unsigned long len = 0;
    c.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&c);
    jpeg_mem_dest(&c, &buf, &len);
    int comps = space == JCS_GRAYSCALE ? 1 : space == JCS_CMYK ? 4 : 3;
    c.image_width = (JDIMENSION)img->w;
    c.image_height = (JDIMENSION)img->h;
    c.input_components = comps;
    c.in_color_space = space;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, 60, TRUE);
    if (progressive) jpeg_simple_progression(&c);
    c.restart_interval = (unsigned)restart;
    jpeg_start_compress(&c, TRUE);
    uint8_t *row = malloc((size_t)img->w * 4);
    assert_non_null(row);
    while (c.next_scanline < c.image_height) {
        const uint8_t *src = img->rgb + (size_t)c.next_scanline * (size_t)img->w * 3;
        for (int x = 0; x < img->w; x++)
            for (int k = 0; k < comps; k++)
                row[x * comps + k] = comps == 1 ? src[3 * x + 1] : k < 3 ? src[3 * x + k] : 40;
        JSAMPROW rows[1] = {row};
        jpeg_write_scanlines(&c, rows, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    free(row);
    seed_write("jpeg", name, buf, len);
    Image back = {0};
    Error e = {0};
    if (jpeg_decode_mem(buf, len, name, 0, &back, &e)) fail_msg("%s", e.msg);
    assert_int_equal(back.w, img->w);
    image_fini(&back);
    free(buf);
}

static void seeds_jpeg(void **state) {
    (void)state;
    SynthClass cls;
    Error e = {0};
    assert_int_equal(synth_classes(1, 3, 0, &cls, &e), ST_OK);
    SynthRenderer r;
    synth_renderer_init(&r);
    Image img = {0};
    SynthSample s;
    assert_int_equal(synth_render(&r, &cls, 11, 64, &img, &s, &e), ST_OK);
    uint8_t *buf;
    size_t len;
    Image small = {0};
    assert_int_equal(image_resize(&img, &small, 40, 30, RESIZE_AREA), ST_OK);
    assert_int_equal(jpeg_encode_mem(&small, 75, &buf, &len, &e), ST_OK);
    seed_write("jpeg", "bird_40x30.jpg", buf, len);
    free(buf);
    assert_int_equal(jpeg_encode_mem(&img, 20, &buf, &len, &e), ST_OK);
    seed_write("jpeg", "bird_q20.jpg", buf, len);
    free(buf);
    jpeg_seed("grey.jpg", &small, JCS_GRAYSCALE, 0, 0);
    jpeg_seed("cmyk.jpg", &small, JCS_CMYK, 0, 0);
    jpeg_seed("progressive.jpg", &small, JCS_RGB, 1, 0);
    jpeg_seed("restart.jpg", &small, JCS_RGB, 0, 2);
    image_fini(&small);
    image_fini(&img);
    synth_renderer_fini(&r);
}

/* --- the dataset index ---------------------------------------------------- */

/* The synthetic CUB text files with their images renamed to the two the
 * harness provides (a.jpg, b/c.jpg), joined at NULs as fuzz_dataset splits. */
static void seeds_dataset(void **state) {
    (void)state;
    char dir[256];
    assert_int_equal(testutil_tmpdir(dir, sizeof dir, "fuzz_seeds"), 0);
    SynthConfig cfg = {.classes = 2, .per_class = 3, .size = 64, .seed = 5};
    Error e = {0};
    if (synth_generate(&cfg, dir, NULL, &e)) fail_msg("%s", e.msg);
    static const char *const files[5] = {"classes.txt", "images.txt", "image_class_labels.txt",
                                         "train_test_split.txt", "bounding_boxes.txt"};
    char *text[5];
    size_t len[5];
    for (int i = 0; i < 5; i++) text[i] = read_text(dir, files[i], &len[i]);
    char images[512] = "", list[512] = "";
    int id, n = 0;
    for (const char *p = text[1]; sscanf(p, "%d", &id) == 1; n++) {
        const char *img = n % 2 ? "b/c.jpg" : "a.jpg";
        size_t used = strlen(images), lused = strlen(list);
        snprintf(images + used, sizeof images - used, "%d %s\n", id, img);
        snprintf(list + lused, sizeof list - lused, "images/%s %d\n", img, n % 2);
        p = strchr(p, '\n');
        if (!p) break;
        p++;
    }
    text[1] = (free(text[1]), strdup(images));
    len[1] = strlen(images);
    for (int parts = 4; parts <= 6; parts++) {
        PbBuf all = {0};
        for (int i = 0; i < parts; i++) {
            if (i) pbuf_put(&all, "", 1);
            if (i < 5) pbuf_put(&all, text[i], len[i]);
            if (i == 5) pbuf_put(&all, list, strlen(list));
        }
        char name[32];
        snprintf(name, sizeof name, "cub_%d_files", parts);
        seed_write("dataset", name, all.d, all.n);
        free(all.d);
    }
    for (int i = 0; i < 5; i++) free(text[i]);
    assert_int_equal(testutil_rmtree(dir), 0);
}

/* --- the run store -------------------------------------------------------- */

static void seeds_runstore(void **state) {
    (void)state;
    char dir[256];
    assert_int_equal(testutil_tmpdir(dir, sizeof dir, "fuzz_seeds"), 0);
    for (int halving = 0; halving < 2; halving++) {
        RunWriter w;
        Error e = {0};
        if (runstore_create(&w, dir, "seed", "[solver]\nmax_iter = 40\n", &e))
            fail_msg("%s", e.msg);
        RunStatus *st = &w.status;
        st->state = halving ? RUN_PRUNED : RUN_RUNNING;
        st->iter = 30;
        st->max_iter = 40;
        st->best_accuracy = 0.5;
        snprintf(st->phase, sizeof st->phase, "train");
        st->phase_done = 30;
        st->phase_total = 40;
        st->phase_eta = 12.5;
        snprintf(st->sweep, sizeof st->sweep, "solver.base_lr=0.01");
        if (halving) {
            snprintf(st->halving, sizeof st->halving, "20250101T000000-sweep");
            st->candidate = 2;
            st->rung = 1;
        }
        assert_int_equal(runstore_write_status(&w, &e), ST_OK);
        for (int i = 0; i < 8; i++) {
            TrainRow row = {.iter = 5 * (i + 1),
                            .phase = i % 3 == 2 ? PHASE_TEST : PHASE_TRAIN,
                            .loss = 2.0 / (i + 1),
                            .accuracy = 0.1 * i,
                            .lr = 0.01,
                            .seconds = i,
                            .images_per_s = 30,
                            .data_wait = 0.1};
            assert_int_equal(runstore_append_row(&w, &row, &e), ST_OK);
        }
        size_t ls, lm;
        char *status = read_text(w.dir, "status.ini", &ls);
        char *metrics = read_text(w.dir, "metrics.tsv", &lm);
        runstore_close(&w);
        PbBuf all = {0};
        pbuf_put(&all, status, ls);
        pbuf_put(&all, "", 1);
        pbuf_put(&all, metrics, lm);
        seed_write("runstore", halving ? "pruned" : "running", all.d, all.n);
        seed_write("runstore", halving ? "pruned_status_only" : "running_status_only", status, ls);
        free(all.d);
        free(status);
        free(metrics);
    }
    assert_int_equal(testutil_rmtree(dir), 0);
}

/* --- a study's journal ------------------------------------------------------ */

static void seeds_journal(void **state) {
    (void)state;
    char dir[256];
    assert_int_equal(testutil_tmpdir(dir, sizeof dir, "fuzz_seeds"), 0);
    Preset p;
    preset_defaults(&p);
    char id[256];
    Study st;
    Error e = {0};
    if (study_create(&p, dir, id, sizeof id, &e) || study_open(&st, dir, id, &p, &e))
        fail_msg("%s", e.msg);
    /* Two trials: one promoted and complete, one failed; a dead worker's
     * trial released; every kind of line. */
    JournalRecord r[] = {
        {.kind = JOURNAL_TRIAL,
         .trial = 0,
         .seed = 1,
         .point = "0.001;1",
         .params = "solver.base_lr=0.001, model.width=0.125"},
        {.kind = JOURNAL_START, .trial = 0, .rung = 0},
        {.kind = JOURNAL_REPORT,
         .trial = 0,
         .rung = 0,
         .iter = 10,
         .accuracy = 0.5,
         .loss = 1.2,
         .run = "runs/20261207-000000-f"},
        {.kind = JOURNAL_TRIAL,
         .trial = 1,
         .seed = 1,
         .point = "0.5;0",
         .params = "solver.base_lr=0.5, model.width=0.0625"},
        {.kind = JOURNAL_START, .trial = 1, .rung = 0},
        {.kind = JOURNAL_REPORT, .trial = 1, .rung = 0, .iter = 10, .accuracy = -1, .loss = -1},
        {.kind = JOURNAL_START, .trial = 0, .rung = 1, .run = "runs/20261207-000000-f"},
        {.kind = JOURNAL_RELEASE, .trial = 0, .why = "worker vm:12 is gone"},
        {.kind = JOURNAL_START, .trial = 0, .rung = 1, .run = "runs/20261207-000000-f"},
        {.kind = JOURNAL_REPORT, .trial = 0, .rung = 1, .iter = 30, .accuracy = 0.75, .loss = 0.8},
        {.kind = JOURNAL_END, .trial = 0, .state = "complete"},
    };
    if (study_append(&st, r, (int)(sizeof r / sizeof r[0]), &e)) fail_msg("%s", e.msg);
    assert_int_equal(study_read(&st, &e), ST_OK);
    assert_int_equal(st.n, 2);
    study_close(&st);
    char studies[600];
    snprintf(studies, sizeof studies, "%s/studies/%s", dir, id);
    size_t len;
    char *text = read_text(studies, "journal.tsv", &len);
    seed_write("journal", "study", text, len);
    free(text);
    assert_int_equal(testutil_rmtree(dir), 0);
}

/* --- solver prototxt ------------------------------------------------------ */

static void seeds_solver(void **state) {
    (void)state;
    static const char tutorial[] = "# ft_last_layer\n"
                                   "net: \"ft_last_layer/train_val.prototxt\"\n"
                                   "test_iter: 1192\ntest_interval: 1000\n"
                                   "test_initialization: false\ndisplay: 100\n"
                                   "average_loss: 100\nbase_lr: 0.1\nlr_policy: \"multistep\"\n"
                                   "gamma: 0.25\nstepvalue: 20000\nstepvalue: 30000\n"
                                   "max_iter: 60000\nmomentum: 0.9\nweight_decay: 0\n"
                                   "iter_size: 4\nsnapshot: 10000\n"
                                   "snapshot_prefix: \"snapshots/ft\"\nsolver_mode: CPU\n";
    static const char adam[] = "base_lr: 1e-3\nlr_policy: 'inv'\ngamma: 0.0001\npower: 0.75\n"
                               "stepvalue: [100, 200]\nmax_iter:400\n"
                               "train_state {  # training\n  stage: \"{ not a brace }\"\n}\n"
                               "test_state { stage: 'val' }\nsolver_type: ADAM\n"
                               "momentum2: 0.999\ndelta: 1e-8\nrandom_seed: -1\n"
                               "regularization_type: \"L1\"\nclip_gradients: 10\n";
    static const char old_enum[] = "base_lr: 0.01\nlr_policy: \"step\"\nstepsize: 100\n"
                                   "gamma: 0.1\nsolver_type: 2\ndelta: 1e-6\n";
    seed_write("solver_import", "tutorial.prototxt", tutorial, sizeof tutorial - 1);
    seed_write("solver_import", "adam.prototxt", adam, sizeof adam - 1);
    seed_write("solver_import", "old_enum.prototxt", old_enum, sizeof old_enum - 1);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    corpus = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(seeds_safetensors), cmocka_unit_test(seeds_caffemodel),
        cmocka_unit_test(seeds_jpeg),        cmocka_unit_test(seeds_dataset),
        cmocka_unit_test(seeds_runstore),    cmocka_unit_test(seeds_solver),
        cmocka_unit_test(seeds_journal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
