/*
 * test_model — using a trained model: the .npy writer's header read back
 * byte by byte; weights saved to safetensors and loaded into a second
 * VGG-16-shaped net give bit-identical logits; export keeps exactly the
 * backbone tensors of a snapshot; eval over a tiny trained
 * run agrees exactly with the run's own final test accuracy when its test
 * pass covered the split once (from-scratch and last_layer with the
 * feature cache); image files go through exactly the test loader's
 * pipeline; predict's probabilities are a sorted distribution; features
 * have the documented shapes; a backbone file without a dataset gives a
 * run's conv5_3 and pool exactly, and the classifier tensors it lacks are
 * named; bad input names the file, run or tensor.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/base/timer.h"
#include "engine/io/fileio.h"
#include "engine/io/npy.h"
#include "engine/io/safetensors.h"
#include "engine/nn/accuracy.h"
#include "engine/train/weights.h"
#include "src/run/model.h"
#include "src/run/runner.h"
#include "tests/lib/testlab.h"
#include "tests/lib/testpreset.h"
#include "tests/lib/testutil.h"

static TestLab lab;
static int n_test;
static RunResult scratch_run, cached_run;

/* --- fixtures ------------------------------------------------------------------ */

/* What the model tests' runs set beyond testpreset_tiny: 12 iterations
 * with a test pass every 6, a snapshot only at the end, a fixed seed. */
static const char *const tiny_sets[] = {
    "data.loader_threads=2", "model.width=0.0625",     "model.bilinear_dim=128",
    "solver.max_iter=12",    "solver.test_interval=6", "solver.display=4",
    "solver.snapshot=0",     "solver.random_seed=7",
};

/* A tiny run whose test pass is test_iter batches of batch images. */
static void tiny(Preset *p, int batch, int test_iter) {
    testpreset_tiny(p, lab.data, tiny_sets, sizeof tiny_sets / sizeof tiny_sets[0]);
    testpreset_set(p, "solver.batch_size=%d", batch);
    testpreset_set(p, "solver.test_iter=%d", test_iter);
    assert_int_equal(preset_validate(p, NULL), ST_OK);
}

/* A batch size that splits the test set into >= 2 full batches when it can. */
static int test_batch(void) {
    for (int k = 2; k <= n_test; k++)
        if (n_test % k == 0 && n_test / k <= 8) return n_test / k;
    return n_test;
}

static int setup(void **state) {
    (void)state;
    if (testlab_init(&lab, "model", 3, 12)) return -1;
    Dataset ds;
    DatasetOptions opt = {.train_fraction = -1};
    if (dataset_open(&ds, lab.data, &opt, NULL)) return -1;
    n_test = ds.n_test;
    dataset_fini(&ds);
    /* Two runs whose test passes cover the test split exactly once. */
    int batch = test_batch();
    Preset p;
    tiny(&p, batch, n_test / batch);
    if (runner_run(&p, "", lab.runs, NULL, &scratch_run, NULL) || scratch_run.state != RUN_DONE)
        return -1;
    if (preset_set(&p, "transfer.mode=last_layer", NULL) ||
        preset_set(&p, "solver.base_lr=1", NULL) || preset_set(&p, "experiment.name=cached", NULL))
        return -1;
    if (runner_run(&p, "", lab.runs, NULL, &cached_run, NULL) || cached_run.state != RUN_DONE)
        return -1;
    return 0;
}

static int teardown(void **state) {
    (void)state;
    return testlab_fini(&lab);
}

static void open_run(Model *m, const char *run_dir, int batch) {
    Error err = {0};
    ModelSource src = {.spec = run_dir, .runs_dir = lab.runs, .batch = batch};
    if (model_open(m, &src, &err)) fail_msg("%s", err.msg);
}

/* Every parameter of net but the one called skip (NULL: none) into a
 * safetensors file at path. */
static void save_params_but(const Net *net, const char *path, const char *skip) {
    int n;
    Param *const *ps = net_params(net, &n);
    SafeTensorsWriter *w = safetensors_writer_create();
    assert_non_null(w);
    for (int i = 0; i < n; i++) {
        if (skip && strcmp(ps[i]->name, skip) == 0) continue;
        int64_t shape[4];
        int nd = weights_shape(ps[i], shape);
        assert_int_equal(safetensors_writer_add(w, ps[i]->name, shape, nd, ps[i]->value.data),
                         ST_OK);
    }
    assert_int_equal(safetensors_writer_write(w, path, NULL), ST_OK);
    safetensors_writer_destroy(w);
}

static void save_params(const Net *net, const char *path) {
    save_params_but(net, path, NULL);
}

/* The paths of the first n test images of m's dataset. */
static const char **test_paths(const Model *m, int n) {
    const char **paths = malloc(sizeof *paths * (size_t)n);
    assert_non_null(paths);
    for (int i = 0; i < n; i++) paths[i] = m->ds.items[m->ds.test[i]].path;
    return paths;
}

/* --- npy ----------------------------------------------------------------------- */

/* Reads path back as .npy: checks magic, version, header length and
 * alignment, and returns the dict text (static) and the data length. */
static const char *parse_npy(const char *path, size_t *data_len, size_t *data_at, uint8_t **bytes) {
    static char dict[1024];
    size_t len;
    assert_int_equal(fileio_read_all(path, bytes, &len, NULL), ST_OK);
    const uint8_t *b = *bytes;
    assert_true(len >= 10);
    assert_memory_equal(b, "\x93NUMPY", 6);
    assert_int_equal(b[6], 1);
    assert_int_equal(b[7], 0);
    size_t hlen = (size_t)b[8] | (size_t)b[9] << 8;
    assert_int_equal((10 + hlen) % 64, 0);
    assert_true(10 + hlen <= len);
    assert_int_equal(b[10 + hlen - 1], '\n');
    assert_true(hlen < sizeof dict);
    memcpy(dict, b + 10, hlen - 1);
    dict[hlen - 1] = '\0';
    /* Padding is spaces only, after the closing brace. */
    char *end = strrchr(dict, '}');
    assert_non_null(end);
    for (char *p = end + 1; *p; p++) assert_int_equal(*p, ' ');
    end[1] = '\0';
    *data_len = len - 10 - hlen;
    *data_at = 10 + hlen;
    return dict;
}

static void test_npy_header_round_trip(void **state) {
    (void)state;
    char path[200];
    snprintf(path, sizeof path, "%s/a.npy", lab.dir);
    float v[2 * 3 * 4 * 5];
    for (int i = 0; i < 120; i++) v[i] = (float)i * 0.5f - 7;
    const int64_t s4[4] = {2, 3, 4, 5};
    assert_int_equal(npy_write_f32(path, v, s4, 4, NULL), ST_OK);
    size_t dlen, at;
    uint8_t *bytes;
    const char *d = parse_npy(path, &dlen, &at, &bytes);
    assert_string_equal(d, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 4, 5), }");
    assert_int_equal(dlen, sizeof v);
    assert_int_equal(at, 128);
    assert_memory_equal(bytes + at, v, sizeof v);
    free(bytes);
    /* A 1-tuple keeps Python's trailing comma; a short header is 64 bytes. */
    const int64_t s1[1] = {7};
    assert_int_equal(npy_write_f32(path, v, s1, 1, NULL), ST_OK);
    d = parse_npy(path, &dlen, &at, &bytes);
    assert_string_equal(d, "{'descr': '<f4', 'fortran_order': False, 'shape': (7,), }");
    assert_int_equal(at, 128);
    assert_int_equal(dlen, 7 * sizeof(float));
    assert_memory_equal(bytes + at, v, dlen);
    free(bytes);
    const int64_t big[8] = {1, 1, 1, 1, 1, 1, 1, 123456789012LL};
    char hdr[256];
    size_t n = npy_header(hdr, sizeof hdr, big, 8);
    assert_int_equal(n, 128);
    assert_int_equal((unsigned char)hdr[8] | (unsigned char)hdr[9] << 8, 118);
    /* Bad shapes and a missing directory are errors naming the file. */
    const int64_t neg[2] = {2, -1};
    Error err = {0};
    assert_int_equal(npy_write_f32(path, v, neg, 2, &err), ST_ARG);
    assert_int_equal(npy_header(hdr, 40, s4, 4), 0);
    assert_int_equal(npy_write_f32("/nonexistent/x.npy", v, s1, 1, &err), ST_IO);
    assert_non_null(strstr(err.msg, "/nonexistent/x.npy"));
    assert_false(fileio_exists("/nonexistent/x.npy"));
}

/* --- weights round trip ------------------------------------------------------- */

static void round_trip(float width, int resolution, int dim) {
    NetConfig c = net_config_default();
    c.width = width;
    c.resolution = resolution;
    c.batch = 2;
    c.bilinear_dim = dim;
    c.pool_seed = 11;
    c.num_classes = 7;
    Net *a = net_create(&c, NULL), *b = net_create(&c, NULL);
    assert_non_null(a);
    assert_non_null(b);
    net_init_weights(a, 1);
    /* Biases and classifier start at zero: make them matter. */
    Rng r;
    rng_seed(&r, 3);
    int n;
    Param *const *ps = net_params(a, &n);
    for (int i = 1; i < n; i += 2) testutil_fill_normal(&ps[i]->value, &r, 0.1f);
    testutil_fill_normal(&ps[n - 2]->value, &r, 0.5f);
    net_init_weights(b, 2);
    char path[200];
    snprintf(path, sizeof path, "%s/w.safetensors", lab.dir);
    save_params(a, path);
    Tensor x;
    testutil_tensor(&x, 2, 3, resolution, resolution);
    testutil_fill_uniform(&x, &r, -100, 100);
    Tensor la;
    testutil_tensor(&la, 2, 7, 1, 1);
    tensor_copy(&la, net_forward(a, &x));
    assert_true(memcmp(la.data, net_forward(b, &x)->data, sizeof(float) * 14) != 0);
    int nb;
    Param *const *pb = net_params(b, &nb);
    Error err = {0};
    if (weights_load(pb, nb, path, 0, &err)) fail_msg("%s", err.msg);
    const Tensor *lb = net_forward(b, &x);
    assert_int_equal(lb->n, 2);
    assert_memory_equal(la.data, lb->data, sizeof(float) * 14);
    tensor_fini(&la);
    tensor_fini(&x);
    net_destroy(a);
    net_destroy(b);
    unlink(path);
}

static void test_model_weights_round_trip_identical_logits(void **state) {
    (void)state;
    round_trip(1.0f / 16, 64, 256);
    /* The real VGG-16 widths, at a resolution small enough to stay fast. */
    double t0 = timer_now();
    round_trip(1.0f, 32, 512);
    print_message("width-1 VGG-16 round trip: %.1f s\n", timer_now() - t0);
}

/* --- eval ---------------------------------------------------------------------- */

static void eval_agrees(const RunResult *run) {
    Model m;
    open_run(&m, run->run_dir, 0);
    ModelEval ev;
    Error err = {0};
    if (model_eval(&m, &ev, &err)) fail_msg("%s", err.msg);
    assert_int_equal(ev.n, n_test);
    /* The trainer's accuracy is correct / seen over the same images. */
    assert_true((double)ev.correct / (double)ev.n == run->final_accuracy);
    /* Its loss is the mean of the batch means: the same mean, summed apart. */
    RunRow *rows;
    int nr;
    assert_int_equal(runstore_read_metrics(run->run_dir, &rows, &nr, NULL), ST_OK);
    assert_true(rows[nr - 1].heldout);
    assert_true(fabs(ev.loss - rows[nr - 1].loss) <= 1e-5 * fabs(rows[nr - 1].loss) + 1e-6);
    free(rows);
    int total = 0, correct = 0;
    for (int k = 0; k < ev.classes; k++) {
        total += ev.class_total[k];
        correct += ev.class_correct[k];
    }
    assert_int_equal(total, ev.n);
    assert_int_equal(correct, ev.correct);
    model_eval_fini(&ev);
    model_close(&m);
    /* Another batch size (a short last batch) sees the same images. */
    open_run(&m, run->run_dir, 5);
    assert_int_equal(model_eval(&m, &ev, &err), ST_OK);
    assert_int_equal(ev.n, n_test);
    assert_true((double)ev.correct / (double)ev.n == run->final_accuracy);
    model_eval_fini(&ev);
    model_close(&m);
}

/* export: only features.<i>.weight / .bias leave a snapshot, values intact,
 * with the input convention and format in the metadata; a file without a
 * backbone is refused and the output left as it was. */
static void test_model_export_backbone(void **state) {
    (void)state;
    char in[160], out[160], empty[160];
    snprintf(in, sizeof in, "%s/snap.safetensors", lab.dir);
    snprintf(out, sizeof out, "%s/backbone.safetensors", lab.dir);
    snprintf(empty, sizeof empty, "%s/head_only.safetensors", lab.dir);
    const float w[6] = {1, -2, 3.5f, 1e-30f, -0.0f, 7}, b[2] = {0.25f, -8}, junk[1] = {42};
    const int64_t ws[4] = {2, 1, 1, 3}, bs[1] = {2}, js[1] = {1};
    const char *names[] = {"features.0.weight.history",
                           "features.0.weight",
                           "features.x.weight",
                           "features.0.bias",
                           "head.fc.weight",
                           "features.2.weights",
                           "features.12"};
    SafeTensorsWriter *sw = safetensors_writer_create();
    assert_non_null(sw);
    for (int i = 0; i < 7; i++) {
        int is_w = i == 1, is_b = i == 3;
        safetensors_writer_add(sw, names[i],
                               is_w   ? ws
                               : is_b ? bs
                                      : js,
                               is_w ? 4 : 1,
                               is_w   ? w
                               : is_b ? b
                                      : junk);
    }
    safetensors_writer_meta(sw, "input", "rgb01std");
    safetensors_writer_meta(sw, "iter", "500");
    Error err = {0};
    assert_int_equal(safetensors_writer_write(sw, in, &err), ST_OK);
    safetensors_writer_destroy(sw);

    const char *meta[2] = {"exported_from", in};
    int tensors = 0;
    uint64_t floats = 0;
    assert_int_equal(weights_export_backbone(in, out, meta, 1, &tensors, &floats, &err), ST_OK);
    assert_int_equal(tensors, 2);
    assert_int_equal((int)floats, 8);
    SafeTensors *st;
    assert_int_equal(safetensors_open(out, &st, &err), ST_OK);
    assert_int_equal((int)safetensors_count(st), 2);
    float got[6];
    assert_int_equal(safetensors_read_f32(st, "features.0.weight", got, 6, &err), ST_OK);
    assert_memory_equal(got, w, sizeof w);
    assert_int_equal(safetensors_find(st, "features.0.weight")->ndim, 4);
    assert_int_equal(safetensors_read_f32(st, "features.0.bias", got, 2, &err), ST_OK);
    assert_memory_equal(got, b, sizeof b);
    assert_string_equal(safetensors_meta(st, "input"), "rgb01std");
    assert_string_equal(safetensors_meta(st, "format"), "finelab-backbone-1");
    assert_string_equal(safetensors_meta(st, "exported_from"), in);
    assert_null(safetensors_meta(st, "iter"));
    safetensors_close(st);

    sw = safetensors_writer_create();
    safetensors_writer_add(sw, "head.fc.weight", js, 1, junk);
    assert_int_equal(safetensors_writer_write(sw, empty, &err), ST_OK);
    safetensors_writer_destroy(sw);
    struct stat before, after;
    assert_int_equal(stat(out, &before), 0);
    assert_int_equal(weights_export_backbone(empty, out, NULL, 0, NULL, NULL, &err), ST_FORMAT);
    assert_non_null(strstr(err.msg, empty));
    assert_non_null(strstr(err.msg, "no backbone tensor"));
    assert_int_equal(stat(out, &after), 0);
    assert_int_equal((int)after.st_size, (int)before.st_size);
    assert_int_equal(safetensors_open(out, &st, &err), ST_OK);
    assert_int_equal((int)safetensors_count(st), 2);
    safetensors_close(st);
}

static void test_model_eval_matches_run_final_accuracy(void **state) {
    (void)state;
    eval_agrees(&scratch_run);
}

static void test_model_eval_matches_feature_cache_run(void **state) {
    (void)state;
    eval_agrees(&cached_run);
}

static void test_model_eval_confused_pairs(void **state) {
    (void)state;
    int truth[] = {0, 0, 1, 1, 1, 2, 2, 2, 2, 0};
    int pred[] = {1, 1, 0, 2, 1, 0, 0, 1, 2, 0};
    ModelEval ev = {.classes = 3, .n = 10, .correct = 3, .truth = truth, .pred = pred};
    ModelConfusion top[8];
    int n = model_eval_confused(&ev, top, 8);
    assert_int_equal(n, 5);
    const int want[5][3] = {{0, 1, 2}, {2, 0, 2}, {1, 0, 1}, {1, 2, 1}, {2, 1, 1}};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(top[i].truth, want[i][0]);
        assert_int_equal(top[i].predicted, want[i][1]);
        assert_int_equal(top[i].count, want[i][2]);
    }
    assert_int_equal(model_eval_confused(&ev, top, 2), 2);
    ev.correct = 10; /* nothing wrong */
    assert_int_equal(model_eval_confused(&ev, top, 8), 0);
}

/* --- images, predict, features ------------------------------------------------- */

static void test_model_images_use_the_test_pipeline(void **state) {
    (void)state;
    Model m;
    open_run(&m, scratch_run.run_dir, 4);
    const char **paths = test_paths(&m, n_test);
    ModelImages mi;
    Error err = {0};
    assert_int_equal(model_images_open(&mi, paths, n_test, &err), ST_OK);
    assert_int_equal(model_images_start(&mi, &m, &err), ST_OK);
    LoaderConfig lc = m.cfg.test_data;
    lc.batch_size = 4;
    lc.one_pass = 1;
    Loader *ld = loader_create(&m.ds, m.ds.test, m.ds.n_test, &lc, &err);
    assert_non_null(ld);
    int seen = 0;
    for (;;) {
        LoaderBatch a, b;
        assert_int_equal(model_images_next(&mi, &a, &err), ST_OK);
        assert_int_equal(loader_next(ld, &b, &err), ST_OK);
        assert_int_equal(a.n, b.n);
        if (!a.n) break;
        assert_memory_equal(a.x.data, b.x.data, tensor_count(&b.x) * sizeof(float));
        seen += a.n;
    }
    assert_int_equal(seen, n_test);
    loader_destroy(ld);
    model_images_close(&mi);
    free(paths);
    model_close(&m);
}

static void test_model_top_k(void **state) {
    (void)state;
    const float s[6] = {0.1f, 0.4f, 0.1f, NAN, 0.4f, 0.0f};
    int idx[6];
    assert_int_equal(model_top_k(s, 6, 3, idx), 3);
    assert_int_equal(idx[0], 1); /* ties keep the lower index first */
    assert_int_equal(idx[1], 4);
    assert_int_equal(idx[2], 0);
    assert_int_equal(model_top_k(s, 6, 9, idx), 6);
    const int all[6] = {1, 4, 0, 2, 5, 3}; /* NaN last */
    assert_memory_equal(idx, all, sizeof all);
}

static void test_model_predict_probabilities(void **state) {
    (void)state;
    Model m;
    open_run(&m, scratch_run.run_dir, 0);
    const char **paths = test_paths(&m, 5);
    ModelImages mi;
    Error err = {0};
    assert_int_equal(model_images_open(&mi, paths, 5, &err), ST_OK);
    assert_int_equal(model_images_start(&mi, &m, &err), ST_OK);
    int K = m.num_classes, images = 0;
    assert_int_equal(K, 3);
    float probs[3];
    LoaderBatch b;
    while (model_images_next(&mi, &b, &err) == ST_OK && b.n) {
        const Tensor *logits = net_forward(m.net, &b.x);
        for (int j = 0; j < b.n; j++, images++) {
            model_softmax(logits, j, probs);
            int idx[5];
            int n = model_top_k(probs, K, 5, idx);
            assert_int_equal(n, K);
            double sum = 0;
            for (int r = 0; r < n; r++) {
                sum += probs[idx[r]];
                assert_true(probs[idx[r]] > 0 && probs[idx[r]] <= 1);
                if (r) assert_true(probs[idx[r]] <= probs[idx[r - 1]]);
            }
            assert_true(fabs(sum - 1) < 1e-5);
            assert_int_equal(idx[0], accuracy_argmax(logits, j));
        }
    }
    assert_int_equal(images, 5);
    model_images_close(&mi);
    free(paths);
    model_close(&m);
}

static void test_model_preset_and_weights_equal_run(void **state) {
    (void)state;
    Model a, b;
    open_run(&a, scratch_run.run_dir, 0);
    char preset[1200];
    snprintf(preset, sizeof preset, "%s/preset.ini", scratch_run.run_dir);
    Error err = {0};
    ModelSource src = {.spec = preset, .weights = a.weights, .runs_dir = lab.runs};
    if (model_open(&b, &src, &err)) fail_msg("%s", err.msg);
    assert_string_equal(b.run_dir, "");
    const char **paths = test_paths(&a, 3);
    for (int l = 0; l < MODEL_LAYER_COUNT_; l++) {
        float *fa, *fb;
        int64_t sa[4], sb[4];
        int na, nb;
        ModelImages mi;
        assert_int_equal(model_images_open(&mi, paths, 3, &err), ST_OK);
        assert_int_equal(model_images_start(&mi, &a, &err), ST_OK);
        assert_int_equal(model_features(&a, &mi, (ModelLayer)l, &fa, sa, &na, &err), ST_OK);
        model_images_close(&mi);
        assert_int_equal(model_images_open(&mi, paths, 3, &err), ST_OK);
        assert_int_equal(model_images_start(&mi, &b, &err), ST_OK);
        assert_int_equal(model_features(&b, &mi, (ModelLayer)l, &fb, sb, &nb, &err), ST_OK);
        model_images_close(&mi);
        assert_int_equal(na, nb);
        assert_memory_equal(sa, sb, sizeof(int64_t) * (size_t)na);
        assert_int_equal(sa[0], 3);
        size_t count = 1;
        for (int i = 0; i < na; i++) count *= (size_t)sa[i];
        assert_memory_equal(fa, fb, count * sizeof(float));
        if (l == MODEL_LAYER_CONV5_3) {
            /* 512 / 16 channels; 32 px / 16 = 2 x 2; after the ReLU */
            const int64_t want[4] = {3, 32, 2, 2};
            assert_int_equal(na, 4);
            assert_memory_equal(sa, want, sizeof want);
            for (size_t i = 0; i < count; i++) assert_true(fa[i] >= 0);
        } else {
            assert_int_equal(na, 2);
            assert_int_equal(sa[1], l == MODEL_LAYER_POOL ? 128 : 3);
        }
        free(fa);
        free(fb);
    }
    free(paths);
    /* The input convention is the run's, recorded in its snapshot; the same
     * weights without that metadata follow the preset's auto rule. */
    assert_memory_equal(&a.cfg.test_data.norm, &b.cfg.test_data.norm, sizeof(Normalize));
    assert_int_equal(a.cfg.test_data.norm.bgr, 1);
    assert_true(a.cfg.test_data.norm.mean[0] == 103.939f);
    char bare[200];
    snprintf(bare, sizeof bare, "%s/bare.safetensors", lab.dir);
    save_params(a.net, bare);
    model_close(&b);
    src.weights = bare;
    if (model_open(&b, &src, &err)) fail_msg("%s", err.msg);
    assert_int_equal(b.cfg.test_data.norm.bgr, 0);
    assert_non_null(strstr(b.input_why, "torchvision"));
    model_close(&a);
    model_close(&b);
    ModelLayer l;
    assert_int_equal(model_layer_parse("pool", &l), 0);
    assert_int_equal(l, MODEL_LAYER_POOL);
    assert_int_equal(model_layer_parse("fc7", &l), -1);
}

/* --- bad input ----------------------------------------------------------------- */

static void expect_open_error(const ModelSource *src, Status want, const char *named) {
    Model m;
    Error err = {0};
    assert_int_equal(model_open(&m, src, &err), want);
    if (!strstr(err.msg, named)) fail_msg("'%s' does not name '%s'", err.msg, named);
    assert_null(m.net);
    model_close(&m);
}

static void test_model_bad_input_is_named(void **state) {
    (void)state;
    char preset[1200], snap[1200], bad[200], cmd[1700];
    snprintf(preset, sizeof preset, "%s/preset.ini", scratch_run.run_dir);
    assert_int_equal(runstore_last_snapshot(scratch_run.run_dir, snap, sizeof snap, NULL, NULL),
                     ST_OK);
    /* neither a run nor a file */
    expect_open_error(&(ModelSource){.spec = "no-such-run", .runs_dir = lab.runs}, ST_IO,
                      "no-such-run");
    /* a run without snapshots */
    snprintf(bad, sizeof bad, "%s/empty-run", lab.runs);
    snprintf(cmd, sizeof cmd, "mkdir -p '%s/snapshots' && cp '%s'/*.ini '%s'", bad,
             scratch_run.run_dir, bad);
    assert_int_equal(system(cmd), 0);
    expect_open_error(&(ModelSource){.spec = "empty-run", .runs_dir = lab.runs}, ST_IO, bad);
    /* a preset needs --weights, and the weights file must exist */
    expect_open_error(&(ModelSource){.spec = preset, .runs_dir = lab.runs}, ST_ARG, preset);
    expect_open_error(&(ModelSource){.spec = preset, .weights = "/nonexistent/w.safetensors"},
                      ST_IO, "/nonexistent/w.safetensors");
    /* weights of another shape: the tensor is named */
    snprintf(bad, sizeof bad, "%s/wide.ini", lab.dir);
    Preset p;
    assert_int_equal(preset_load(&p, preset, NULL), ST_OK);
    assert_int_equal(preset_set(&p, "model.width=0.125", NULL), ST_OK);
    assert_int_equal(preset_write(&p, bad, NULL), ST_OK);
    expect_open_error(&(ModelSource){.spec = bad, .weights = snap}, ST_SHAPE, "features.0.weight");
    assert_int_equal(preset_set(&p, "model.width=0.0625", NULL), ST_OK);
    assert_int_equal(preset_set(&p, "model.bilinear_dim=64", NULL), ST_OK);
    assert_int_equal(preset_write(&p, bad, NULL), ST_OK);
    expect_open_error(&(ModelSource){.spec = bad, .weights = snap}, ST_SHAPE, "head.fc.weight");
    /* image files: missing, and not a JPEG */
    ModelImages mi;
    Error err = {0};
    const char *missing[] = {snap, "/nonexistent/bird.jpg"};
    assert_int_equal(model_images_open(&mi, missing + 1, 1, &err), ST_IO);
    assert_non_null(strstr(err.msg, "/nonexistent/bird.jpg"));
    assert_int_equal(model_images_open(&mi, missing, 2, &err), ST_FORMAT);
    assert_non_null(strstr(err.msg, snap));
    model_images_close(&mi);
}

/* Layer l of the images at paths through m, into a new array (*count floats). */
static float *layer_of(Model *m, const char **paths, int n, ModelLayer l, size_t *count) {
    ModelImages mi;
    Error err = {0};
    float *out;
    int64_t shape[4];
    int nd;
    assert_int_equal(model_images_open(&mi, paths, n, &err), ST_OK);
    assert_int_equal(model_images_start(&mi, m, &err), ST_OK);
    if (model_features(m, &mi, l, &out, shape, &nd, &err)) fail_msg("%s", err.msg);
    model_images_close(&mi);
    *count = 1;
    for (int i = 0; i < nd; i++) *count *= (size_t)shape[i];
    return out;
}

/* A preset whose model.weights is a run's exported backbone, with a
 * dataset that does not exist: backbone_only opens it and gives the run's
 * conv5_3 and pool exactly; the logits are refused; a full open fails
 * before the dataset, naming each classifier tensor the file lacks. */
static void test_model_backbone_only(void **state) {
    (void)state;
    char snap[1200], runini[1200], bb[200], preset[200], half[200], named[300];
    assert_int_equal(runstore_last_snapshot(scratch_run.run_dir, snap, sizeof snap, NULL, NULL),
                     ST_OK);
    snprintf(bb, sizeof bb, "%s/bb.safetensors", lab.dir);
    snprintf(preset, sizeof preset, "%s/bb.ini", lab.dir);
    Error err = {0};
    assert_int_equal(weights_export_backbone(snap, bb, NULL, 0, NULL, NULL, &err), ST_OK);
    Preset p;
    snprintf(runini, sizeof runini, "%s/preset.ini", scratch_run.run_dir);
    assert_int_equal(preset_load(&p, runini, NULL), ST_OK);
    testpreset_set(&p, "transfer.mode=last_layer");
    testpreset_set(&p, "model.weights=%s", bb);
    testpreset_set(&p, "data.dataset=%s/no-such-dataset", lab.dir);
    assert_int_equal(preset_write(&p, preset, NULL), ST_OK);

    Model run, m;
    open_run(&run, scratch_run.run_dir, 0);
    ModelSource src = {.spec = preset, .backbone_only = 1};
    if (model_open(&m, &src, &err)) fail_msg("%s", err.msg);
    assert_string_equal(m.weights, bb);
    assert_int_equal(m.num_classes, 0);
    assert_int_equal(m.ds.n_items, 0);
    assert_memory_equal(&m.cfg.test_data.norm, &run.cfg.test_data.norm, sizeof(Normalize));
    const char **paths = test_paths(&run, 3);
    for (int l = MODEL_LAYER_CONV5_3; l <= MODEL_LAYER_POOL; l++) {
        size_t na, nb;
        float *a = layer_of(&run, paths, 3, (ModelLayer)l, &na);
        float *b = layer_of(&m, paths, 3, (ModelLayer)l, &nb);
        assert_int_equal(na, nb);
        assert_memory_equal(a, b, na * sizeof(float));
        free(a);
        free(b);
    }
    ModelImages mi;
    float *out;
    int64_t shape[4];
    int nd;
    assert_int_equal(model_images_open(&mi, paths, 3, &err), ST_OK);
    assert_int_equal(model_images_start(&mi, &m, &err), ST_OK);
    assert_int_equal(model_features(&m, &mi, MODEL_LAYER_LOGITS, &out, shape, &nd, &err), ST_STATE);
    assert_null(out);
    model_images_close(&mi);
    ModelEval ev;
    assert_int_equal(model_eval(&m, &ev, &err), ST_STATE);
    model_close(&m);

    src.backbone_only = 0;
    snprintf(named, sizeof named,
             "%s has no classifier (head.fc.weight and head.fc.bias are missing)", bb);
    expect_open_error(&src, ST_FORMAT, named);
    /* Half a classifier: the one tensor missing is named. */
    snprintf(half, sizeof half, "%s/half.safetensors", lab.dir);
    save_params_but(run.net, half, "head.fc.bias");
    src.weights = half;
    expect_open_error(&src, ST_FORMAT, "has no classifier (head.fc.bias is missing)");
    src.backbone_only = 1;
    if (model_open(&m, &src, &err)) fail_msg("%s", err.msg);
    model_close(&m);
    free(paths);
    model_close(&run);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_npy_header_round_trip),
        cmocka_unit_test(test_model_weights_round_trip_identical_logits),
        cmocka_unit_test(test_model_export_backbone),
        cmocka_unit_test(test_model_eval_matches_run_final_accuracy),
        cmocka_unit_test(test_model_eval_matches_feature_cache_run),
        cmocka_unit_test(test_model_eval_confused_pairs),
        cmocka_unit_test(test_model_images_use_the_test_pipeline),
        cmocka_unit_test(test_model_top_k),
        cmocka_unit_test(test_model_predict_probabilities),
        cmocka_unit_test(test_model_preset_and_weights_equal_run),
        cmocka_unit_test(test_model_backbone_only),
        cmocka_unit_test(test_model_bad_input_is_named),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
