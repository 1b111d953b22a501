/*
 * cmd_bench — `finelab bench data DIR`: how fast the data pipeline turns a
 * dataset's JPEGs into network input on ONE loader thread, with the time
 * split into decode, resize and augment (crop, mirror, normalise). This is
 * the figure to hold against a training step: the loader should outrun it.
 */
#include "src/cli/cmd_bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/timer.h"
#include "engine/data/dataset.h"
#include "engine/data/loader.h"
#include "src/cli/cli.h"

static int bench_data(int argc, char **argv) {
    const char *cmd = "bench data", *path = NULL;
    int resize = 512, resolution = 448, images = 200, threads = 1;
    for (int i = 2; i < argc; i++) {
        const char *v;
        if (strcmp(argv[i], "--resize") == 0) {
            if (!(v = cli_value(cmd, argc, argv, &i)) ||
                cli_int(cmd, "--resize", v, 0, 4096, &resize))
                return CLI_BAD_INPUT;
        } else if (strcmp(argv[i], "--resolution") == 0) {
            if (!(v = cli_value(cmd, argc, argv, &i)) ||
                cli_int(cmd, "--resolution", v, 8, 4096, &resolution))
                return CLI_BAD_INPUT;
        } else if (strcmp(argv[i], "--images") == 0) {
            if (!(v = cli_value(cmd, argc, argv, &i)) ||
                cli_int(cmd, "--images", v, 1, 1000000, &images))
                return CLI_BAD_INPUT;
        } else if (strcmp(argv[i], "--threads") == 0) {
            if (!(v = cli_value(cmd, argc, argv, &i)) ||
                cli_int(cmd, "--threads", v, 1, 64, &threads))
                return CLI_BAD_INPUT;
        } else if (argv[i][0] == '-' || path) {
            cli_error(cmd,
                      "unexpected argument '%s' (usage: finelab bench data DIR [--resize N] "
                      "[--resolution N] [--images N] [--threads N])",
                      argv[i]);
            return CLI_BAD_INPUT;
        } else {
            path = argv[i];
        }
    }
    if (!path) {
        cli_error(cmd, "needs a dataset directory or list file");
        return CLI_BAD_INPUT;
    }
    if (resize && resize < resolution) {
        cli_error(cmd, "--resize %d is smaller than --resolution %d", resize, resolution);
        return CLI_BAD_INPUT;
    }
    Dataset ds;
    Error err = {0};
    DatasetOptions opt = {.format = DATASET_AUTO, .train_fraction = 0.5, .seed = 1};
    double t0 = timer_now();
    if (dataset_open(&ds, path, &opt, &err)) {
        cli_error(cmd, "%s", err.msg);
        return CLI_BAD_INPUT;
    }
    double opened = timer_now() - t0;
    int *all = malloc(sizeof(int) * (size_t)ds.n_items);
    if (!all) {
        dataset_fini(&ds);
        return CLI_FAILED;
    }
    for (int i = 0; i < ds.n_items; i++) all[i] = i;
    LoaderConfig cfg = {.batch_size = 8,
                        .resize = resize,
                        .resolution = resolution,
                        .random_crop = 1,
                        .mirror = 1,
                        .filter = RESIZE_AREA,
                        .norm = {.bgr = 1, .scale = 1, .mean = {104, 117, 124}, .std = {1, 1, 1}},
                        .shuffle = 1,
                        .threads = threads,
                        .prefetch = 4,
                        .seed = 1};
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
    printf("pipeline: resize %d, crop %d, random crop + mirror, %d loader thread%s\n", resize,
           resolution, threads, threads == 1 ? "" : "s");
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
    cli_error("bench", "usage: finelab bench data DIR [--resize N] [--resolution N] [--images N] "
                       "[--threads N]");
    return CLI_BAD_INPUT;
}
