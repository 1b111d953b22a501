/*
 * cmd_bench — `finelab bench data DIR`: how fast the data pipeline turns a
 * dataset's JPEGs into network input on ONE loader thread, with the time
 * split into decode, resize (with the bounding-box and random-resized
 * cuts) and augment (crop, rotation, mirror, colour jitter, normalise).
 * This is the figure to hold against a training step: the loader should
 * outrun it. The pipeline is a preset's training loader (runner_config):
 * the defaults, --preset FILE, --augment (every augmentation on) and --set.
 */
#include "src/cli/cmd_bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/timer.h"
#include "engine/data/dataset.h"
#include "engine/data/loader.h"
#include "src/cli/cli.h"
#include "src/preset/preset.h"
#include "src/run/runner.h"

/* What --augment turns on: every augmentation at a common fine-grained
 * strength. */
static const char *const bench_augment_all[] = {
    "data.crop_to_bbox=true", "data.bbox_margin=0.1", "data.train_crop=resized", "data.rotate=15",
    "data.brightness=0.4",    "data.contrast=0.4",    "data.saturation=0.4",     NULL};

#define BENCH_USAGE                                                                                \
    "finelab bench data DIR [--preset FILE] [--augment] [--set section.key=value]... [--resize "   \
    "N] "                                                                                          \
    "[--resolution N] [--images N] [--threads N]"

/* One line naming the training pipeline of c. */
static void bench_describe(const LoaderConfig *c, int threads) {
    const Augment *a = &c->aug;
    printf("pipeline:");
    if (c->crop_to_bbox) printf(" bbox cut (margin %g),", c->bbox_margin);
    if (a->resized_crop)
        printf(" random-resized crop %d (area %g-%g, ratio %g-%g),", c->resolution, a->area[0],
               a->area[1], a->ratio[0], a->ratio[1]);
    else
        printf(" resize %d, %s crop %d,", c->resize, c->random_crop ? "random" : "centre",
               c->resolution);
    if (a->rotate > 0) printf(" rotate +-%g deg,", a->rotate);
    if (c->mirror) printf(" mirror,");
    if (a->brightness > 0 || a->contrast > 0 || a->saturation > 0)
        printf(" colour jitter (brightness %g, contrast %g, saturation %g),", a->brightness,
               a->contrast, a->saturation);
    printf(" %d loader thread%s\n", threads, threads == 1 ? "" : "s");
}

/* The preset bench runs: defaults or --preset, then --augment, --set, and
 * --resize / --resolution. Returns CLI_OK or CLI_BAD_INPUT (said). */
static int bench_preset(int argc, char **argv, Preset *p, const char **path, int *images,
                        int *threads) {
    const char *cmd = "bench data", *file = NULL;
    int augment = 0, resize = -2, resolution = 0;
    Error err = {0};
    for (int i = 2; i < argc; i++) {
        const char *v;
        int ok = 1;
        if (strcmp(argv[i], "--resize") == 0)
            ok = (v = cli_value(cmd, argc, argv, &i)) &&
                 !cli_int(cmd, "--resize", v, 0, 4096, &resize);
        else if (strcmp(argv[i], "--resolution") == 0)
            ok = (v = cli_value(cmd, argc, argv, &i)) &&
                 !cli_int(cmd, "--resolution", v, 8, 4096, &resolution);
        else if (strcmp(argv[i], "--images") == 0)
            ok = (v = cli_value(cmd, argc, argv, &i)) &&
                 !cli_int(cmd, "--images", v, 1, 1000000, images);
        else if (strcmp(argv[i], "--threads") == 0)
            ok = (v = cli_value(cmd, argc, argv, &i)) &&
                 !cli_int(cmd, "--threads", v, 1, 64, threads);
        else if (strcmp(argv[i], "--preset") == 0)
            ok = (file = cli_value(cmd, argc, argv, &i)) != NULL;
        else if (strcmp(argv[i], "--augment") == 0)
            augment = 1;
        else if (strcmp(argv[i], "--set") == 0)
            ok = cli_value(cmd, argc, argv, &i) != NULL; /* applied below, in order */
        else if (argv[i][0] == '-' || *path) {
            cli_error(cmd, "unexpected argument '%s' (usage: " BENCH_USAGE ")", argv[i]);
            return CLI_BAD_INPUT;
        } else
            *path = argv[i];
        if (!ok) return CLI_BAD_INPUT;
    }
    if (!*path) {
        cli_error(cmd, "needs a dataset directory or list file");
        return CLI_BAD_INPUT;
    }
    preset_defaults(p);
    if (file && preset_load(p, file, &err)) {
        cli_error(cmd, "%s", err.msg);
        return CLI_BAD_INPUT;
    }
    for (int i = 0; augment && bench_augment_all[i]; i++)
        if (preset_set(p, bench_augment_all[i], &err)) CHECK(!"--augment's settings parse");
    for (int i = 2; i < argc - 1; i++)
        if (strcmp(argv[i], "--set") == 0 && preset_set(p, argv[++i], &err)) {
            cli_error(cmd, "%s", err.msg);
            return CLI_BAD_INPUT;
        }
    if (resize != -2) p->data.resize = resize;
    if (resolution) p->data.resolution = resolution;
    if (preset_resize(p) && preset_resize(p) < p->data.resolution) {
        cli_error(cmd, "--resize %d is smaller than --resolution %d", preset_resize(p),
                  p->data.resolution);
        return CLI_BAD_INPUT;
    }
    if (preset_validate(p, &err)) {
        cli_error(cmd, "%s", err.msg);
        return CLI_BAD_INPUT;
    }
    return CLI_OK;
}

static int bench_data(int argc, char **argv) {
    const char *cmd = "bench data", *path = NULL;
    int images = 200, threads = 1;
    Preset *p = malloc(sizeof *p);
    if (!p) return CLI_FAILED;
    int prc = bench_preset(argc, argv, p, &path, &images, &threads);
    if (prc != CLI_OK) {
        free(p);
        return prc;
    }
    Dataset ds;
    Error err = {0};
    DatasetOptions opt = {.format = DATASET_AUTO, .train_fraction = 0.5, .seed = 1};
    double t0 = timer_now();
    if (dataset_open(&ds, path, &opt, &err)) {
        cli_error(cmd, "%s", err.msg);
        free(p);
        return CLI_BAD_INPUT;
    }
    double opened = timer_now() - t0;
    int *all = malloc(sizeof(int) * (size_t)ds.n_items);
    if (!all) {
        free(p);
        dataset_fini(&ds);
        return CLI_FAILED;
    }
    for (int i = 0; i < ds.n_items; i++) all[i] = i;
    TrainConfig tc;
    runner_config(p, &ds, &tc);
    free(p);
    LoaderConfig cfg = tc.train_data;
    cfg.batch_size = tc.batch_size;
    cfg.threads = threads;
    cfg.prefetch = 4;
    cfg.seed = 1;
    printf("dataset %s: %d images, %d classes (%s format), indexed and probed in %.2f s\n", path,
           ds.n_items, ds.num_classes, dataset_format_name(ds.format), opened);
    Loader *ld = loader_create(&ds, all, ds.n_items, &cfg, &err);
    int rc = CLI_OK;
    if (!ld) {
        cli_error(cmd, "%s", err.msg);
        rc = CLI_FAILED;
        goto done;
    }
    t0 = timer_now();
    int done_images = 0;
    while (done_images < images) {
        LoaderBatch b;
        if (loader_next(ld, &b, &err)) {
            cli_error(cmd, "%s", err.msg);
            rc = CLI_FAILED;
            goto done;
        }
        done_images += b.n;
    }
    double wall = timer_now() - t0;
    LoaderStats st;
    loader_stats(ld, &st);
    double busy = st.decode + st.resize + st.augment;
    bench_describe(&cfg, threads);
    printf("%d images in %.2f s: %.1f images/s\n", done_images, wall, done_images / wall);
    printf("per image on one thread: %.2f ms (decode %.2f ms %.0f%%, resize %.2f ms %.0f%%, "
           "augment %.2f ms %.0f%%)\n",
           1e3 * busy / st.images, 1e3 * st.decode / st.images, 100 * st.decode / busy,
           1e3 * st.resize / st.images, 100 * st.resize / busy, 1e3 * st.augment / st.images,
           100 * st.augment / busy);
    printf("one loader thread sustains %.1f images/s\n", st.images / busy);
done:
    loader_destroy(ld);
    free(all);
    dataset_fini(&ds);
    return rc;
}

int cmd_bench(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "data") == 0) return bench_data(argc, argv);
    cli_error("bench", "usage: " BENCH_USAGE);
    return CLI_BAD_INPUT;
}
