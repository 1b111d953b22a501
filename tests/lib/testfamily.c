/*
 * testfamily — fixture stores of a preset family. See testfamily.h.
 */
#include "tests/lib/testfamily.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/io/fileio.h"
#include "src/preset/preset.h"
#include "src/report/famruns.h"
#include "src/run/runstore.h"
#include "tests/lib/testutil.h"

TestFamilyResult testfamily_done(double test) {
    return (TestFamilyResult){
        .state = RUN_DONE, .test = test, .test_images = 600, .seconds = 60, .train = -1};
}

/* Train rows every 10 iterations to 100 (loss falling from 3 to 0.9, at
 * accuracy train) and test passes every 20 at accuracy test (loss falling
 * to 1.0): the coach then reads overfitting from the accuracies alone. */
static void add_rows(RunWriter *w, double train, double test) {
    Error err = {0};
    for (int it = 0; it <= 100; it += 10) {
        TrainRow row = {.iter = it,
                        .phase = PHASE_TRAIN,
                        .loss = 3.0 - 2.1 * it / 100.0,
                        .accuracy = train,
                        .lr = 0.1,
                        .seconds = it / 10.0,
                        .images_per_s = 100};
        assert_int_equal(runstore_append_row(w, &row, &err), ST_OK);
        if (it == 0 || it % 20) continue;
        row.phase = PHASE_TEST;
        row.loss = 1.2 - it / 500.0;
        row.accuracy = test;
        row.weights_iter = it;
        assert_int_equal(runstore_append_row(w, &row, &err), ST_OK);
    }
}

void testfamily_add(const char *store, const char *stamp, const char *file, int k,
                    const char *dataset, const TestFamilyResult *res, char *dir, size_t cap) {
    Preset *p = malloc(sizeof *p), *one = malloc(sizeof *one);
    assert_non_null(p);
    assert_non_null(one);
    Error err = {0};
    char label[512] = "";
    if (preset_load(p, file, &err)) fail_msg("%s", err.msg);
    if (preset_sweep_item(p, k, one, label, sizeof label, &err)) fail_msg("%s", err.msg);
    if (dataset) snprintf(one->data.dataset, sizeof one->data.dataset, "%s", dataset);
    char *text = preset_format(one);
    assert_non_null(text);
    assert_int_equal(fileio_mkdirs(store, &err), ST_OK);
    RunWriter w;
    if (runstore_create(&w, store, one->experiment.name, text, &err)) fail_msg("%s", err.msg);
    snprintf(w.status.sweep, sizeof w.status.sweep, "%.*s", (int)sizeof w.status.sweep - 1, label);
    if (res->train >= 0) add_rows(&w, res->train, res->test);
    if (res->state != RUN_RUNNING) {
        w.status.state = res->state;
        w.status.iter = w.status.max_iter = 100;
        w.status.best_accuracy = w.status.final_accuracy = res->test;
        w.status.test_images = res->test_images;
        w.status.seconds = res->seconds;
    }
    assert_int_equal(runstore_write_status(&w, &err), ST_OK);
    runstore_close(&w);
    char to[1400];
    snprintf(to, sizeof to, "%s/%s-%s", store, stamp, one->experiment.name);
    assert_int_equal(rename(w.dir, to), 0);
    if (dir) snprintf(dir, cap, "%s", to);
    free(text);
    free(p);
    free(one);
}

void testfamily_demo(const char *store, const char *prefix, const char *dataset,
                     double (*acc)(int role, int k)) {
    Preset *p = malloc(sizeof *p);
    assert_non_null(p);
    int n = 0;
    for (int role = 0; role < FAM_ROLE_COUNT; role++) {
        char file[256], stamp[64];
        snprintf(file, sizeof file, "presets/demo/%s", famruns_role_file((FamRole)role));
        Error err = {0};
        if (preset_load(p, file, &err)) fail_msg("%s", err.msg);
        for (int k = 0; k < preset_sweep_count(p); k++) {
            snprintf(stamp, sizeof stamp, "%s-%02d", prefix, n++);
            TestFamilyResult res = testfamily_done(acc(role, k));
            testfamily_add(store, stamp, file, k, dataset, &res, NULL, 0);
        }
    }
    free(p);
}

typedef struct Measured {
    const char *file;
    int k; /* sweep combination */
    double test, seconds;
} Measured;

static const Measured measured[] = {
    {"ft_last_layer.ini", 0, 0.6767, 48},
    {"ft_all.ini", 0, 0.7000, 180},
    {"all_direct.ini", 0, 0.3017, 165},
    {"no_bilinear.ini", 0, 0.6383, 38},
    {"scratch.ini", 0, 0.0500, 181},
    /* 224 px at d 8192 / 4096 / 2048 / 1024, then 168 and 112 px at 8192 */
    {"res_dim_sweep.ini", 0, 0.6767, 0},
    {"res_dim_sweep.ini", 1, 0.6683, 0},
    {"res_dim_sweep.ini", 2, 0.6717, 0},
    {"res_dim_sweep.ini", 3, 0.6600, 0},
    {"res_dim_sweep.ini", 4, 0.6017, 0},
    {"res_dim_sweep.ini", 8, 0.5383, 0},
    /* weight decay 0 / 0.00001 / 0.001 */
    {"weight_decay_sweep.ini", 0, 0.6767, 0},
    {"weight_decay_sweep.ini", 1, 0.6767, 0},
    {"weight_decay_sweep.ini", 2, 0.6600, 0},
};

void testfamily_measured(const char *store) {
    for (size_t i = 0; i < sizeof measured / sizeof measured[0]; i++) {
        char file[256], stamp[64];
        snprintf(file, sizeof file, "presets/demo/%s", measured[i].file);
        snprintf(stamp, sizeof stamp, "20261201-%06d", (int)i);
        TestFamilyResult res = testfamily_done(measured[i].test);
        res.seconds = measured[i].seconds;
        testfamily_add(store, stamp, file, measured[i].k, NULL, &res, NULL, 0);
    }
}
