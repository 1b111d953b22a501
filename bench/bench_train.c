/*
 * bench_train — `make bench`: training-step figures on a generated bird set
 * at demo-like settings (VGG-16 of width 0.25, 224 px, batch 8, compact
 * Tensor Sketch d = 2048):
 *  - one loader thread's images/s against the training step's images/s in
 *    `all` mode (goal: the loader at least 3x faster);
 *  - a last_layer iteration with and without the feature cache (goal: at
 *    least 50x faster with it), and the test accuracy each path reaches
 *    after the same number of iterations on the shipped backbone (they
 *    should agree within noise).
 * The last_layer parts load the demo backbone, models/vgg16_w025_synth
 * .safetensors (run from the repo root), with its input convention; the
 * all-layers step starts from random weights (speed does not depend on
 * them). The dataset is generated into /tmp once and reused.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/timer.h"
#include "engine/data/dataset.h"
#include "engine/data/image.h"
#include "engine/data/loader.h"
#include "engine/io/fileio.h"
#include "engine/synth/synth.h"
#include "engine/train/trainer.h"

static const char *data_dir = "/tmp/finelab_bench_birds";
static const char *backbone = "models/vgg16_w025_synth.safetensors";

static void die(const char *what, const Error *err) {
    fprintf(stderr, "bench_train: %s: %s\n", what, err->msg);
    exit(1);
}

static TrainConfig demo_config(const Dataset *ds, int mode_all, int cache) {
    TrainConfig c = trainer_config_default();
    c.ds = ds;
    c.net.width = 0.25f;
    c.net.resolution = 224;
    c.net.bilinear_dim = 2048;
    c.net.freeze_backbone = !mode_all;
    c.solver.base_lr = mode_all ? 0.001 : 0.1;
    c.solver.max_iter = 1000000;
    c.train_data.resize = 256;
    c.train_data.resolution = 224;
    c.test_data.resize = 256;
    c.test_data.resolution = 224;
    c.test_iter = ds->n_test / 8;
    c.seed = 1;
    c.blas_threads = 2;
    c.feature_cache = cache;
    c.cache_views = 2;
    c.weights = mode_all ? NULL : backbone;
    return c;
}

/* Seconds per iteration over `iters` iterations after one warm-up. */
static double time_steps(Trainer *t, int iters) {
    Error err = {0};
    if (trainer_step(t, &err)) die("step", &err);
    double t0 = timer_now();
    for (int i = 0; i < iters; i++)
        if (trainer_step(t, &err)) die("step", &err);
    return (timer_now() - t0) / iters;
}

int main(void) {
    Error err = {0};
    char probe[256];
    snprintf(probe, sizeof probe, "%s/images.txt", data_dir);
    if (!fileio_exists(probe)) {
        SynthConfig sc = {.classes = 20, .per_class = 30, .size = 320, .seed = 2};
        SynthReport rep;
        if (synth_generate(&sc, data_dir, &rep, &err)) die("synth", &err);
    }
    Dataset ds;
    DatasetOptions opt = {.format = DATASET_CUB, .train_fraction = -1};
    if (dataset_open(&ds, data_dir, &opt, &err)) die("dataset", &err);
    if (!fileio_exists(backbone)) {
        fprintf(stderr, "bench_train: %s is missing (run from the repository root)\n", backbone);
        return 1;
    }
    printf("finelab bench: training at demo-like settings (width 0.25, 224 px, batch 8, TS "
           "d=2048)\n  data: %s, %d train / %d test images, %d classes\n",
           data_dir, ds.n_train, ds.n_test, ds.num_classes);

    /* 1. One loader thread against an `all`-mode training step. */
    TrainConfig c = demo_config(&ds, 1, 0);
    LoaderConfig lc = c.train_data;
    lc.batch_size = 8;
    Loader *ld = loader_create(&ds, ds.train, ds.n_train, &lc, &err);
    if (!ld) die("loader", &err);
    for (int i = 0; i < 40; i++) {
        LoaderBatch b;
        if (loader_next(ld, &b, &err)) die("loader", &err);
    }
    LoaderStats ls;
    loader_stats(ld, &ls);
    loader_destroy(ld);
    double loader_ips = ls.images / (ls.decode + ls.resize + ls.augment);
    Trainer *t = trainer_create(&c, NULL, &err);
    if (!t) die("trainer", &err);
    double step = time_steps(t, 5);
    trainer_destroy(t);
    double train_ips = 8 / step;
    printf("loader, 1 thread: %.1f images/s; training step (all layers): %.1f images/s "
           "(%.2f s/iter); loader / training = %.1fx (goal >= 3x)\n",
           loader_ips, train_ips, step, loader_ips / train_ips);

    /* 2. last_layer with and without the feature cache. */
    c = demo_config(&ds, 0, 0);
    t = trainer_create(&c, NULL, &err);
    if (!t) die("trainer", &err);
    double uncached = time_steps(t, 5);
    trainer_destroy(t);
    c = demo_config(&ds, 0, 1);
    double t0 = timer_now();
    t = trainer_create(&c, NULL, &err);
    if (!t || trainer_prepare(t, &err)) die("trainer", &err);
    double build = timer_now() - t0;
    double cached = time_steps(t, 200);
    trainer_destroy(t);
    printf("last_layer iteration: %.1f ms uncached, %.3f ms with the feature cache: %.0fx "
           "(goal >= 50x); building the cache took %.1f s\n",
           1e3 * uncached, 1e3 * cached, uncached / cached, build);

    /* 3. Accuracy of the two paths after the same iterations: 8 epochs of
     * batches of 8 is n_train iterations. */
    const int iters = ds.n_train;
    double acc[2];
    for (int k = 0; k < 2; k++) {
        c = demo_config(&ds, 0, k);
        c.solver.max_iter = iters;
        t0 = timer_now(); /* for the cached path this includes building the cache */
        t = trainer_create(&c, NULL, &err);
        if (!t) die("trainer", &err);
        if (trainer_run(t, &acc[k], &err)) die("run", &err);
        printf("  %-9s %d iterations in %6.1f s: test accuracy %.2f%% (%d test images)\n",
               k ? "cached" : "uncached", iters, timer_now() - t0, 100 * acc[k],
               c.test_iter * c.batch_size);
        trainer_destroy(t);
    }
    int n_tested = c.test_iter * c.batch_size;
    double se = sqrt(0.25 / n_tested);
    printf("test accuracy, uncached vs cached: %.2f%% vs %.2f%% (difference %.2f points; one "
           "standard error of a %d-image estimate is at most %.1f points)\n",
           100 * acc[0], 100 * acc[1], 100 * fabs(acc[0] - acc[1]), n_tested, 100 * se);
    dataset_fini(&ds);
    return 0;
}
