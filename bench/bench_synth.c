/*
 * bench_synth — `make bench`: speed of the generated bird dataset on ONE
 * thread at the default 448 px.
 *
 * Part 1 renders images of 20 species and JPEG-encodes them in memory,
 * timing the two apart (drawing = synth_render, which includes converting
 * the float canvas to 8 bits; encoding = jpeg_encode_mem). Part 2 runs
 * synth_generate end to end into a temporary directory, which adds
 * creating, fsyncing and renaming every file, and removes it afterwards.
 * The goal is >= 100 images/s for part 1.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "engine/base/timer.h"
#include "engine/data/jpeg.h"
#include "engine/synth/synth.h"

enum { SIZE = 448, CLASSES = 20, MAX_IMAGES = 1000 };
#define TIME_BUDGET 6.0

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int render_and_encode(void) {
    SynthClass cls[CLASSES];
    Error err = {0};
    if (synth_classes(CLASSES, 1, 0, cls, &err)) {
        fprintf(stderr, "bench_synth: %s\n", err.msg);
        return 1;
    }
    SynthConfig cfg = {.classes = CLASSES, .per_class = MAX_IMAGES, .size = SIZE, .seed = 1};
    SynthRenderer rd;
    synth_renderer_init(&rd);
    Image img = {0};
    double draw = 0.0, encode = 0.0, pixels = 0.0, part = 0.0, bytes = 0.0;
    int n = 0;
    double start = timer_now();
    while (n < MAX_IMAGES && timer_now() - start < TIME_BUDGET) {
        SynthSample s;
        double t0 = timer_now();
        Status st = synth_render(&rd, &cls[n % CLASSES], synth_image_seed(&cfg, n % CLASSES, n),
                                 SIZE, &img, &s, &err);
        double t1 = timer_now();
        uint8_t *jpg = NULL;
        size_t len = 0;
        if (!st) st = jpeg_encode_mem(&img, s.quality, &jpg, &len, &err);
        double t2 = timer_now();
        free(jpg);
        if (st) {
            fprintf(stderr, "bench_synth: %s\n", err.msg);
            image_fini(&img);
            synth_renderer_fini(&rd);
            return 1;
        }
        draw += t1 - t0;
        encode += t2 - t1;
        pixels += (double)img.w * img.h;
        part += s.part_fraction;
        bytes += (double)len;
        n++;
    }
    double total = draw + encode;
    printf("synth %d px, 1 thread: %d images, %.1f images/s (mean JPEG %.1f KB)\n", SIZE, n,
           n / total, bytes / n / 1024.0);
    printf("  drawing  %6.2f ms/image (%4.1f%%)\n", 1e3 * draw / n, 100.0 * draw / total);
    printf("  JPEG     %6.2f ms/image (%4.1f%%)\n", 1e3 * encode / n, 100.0 * encode / total);
    printf("  mean %.2f Mpixel/image, telling parts %.2f%% of the image\n", pixels / n / 1e6,
           100.0 * part / n);
    image_fini(&img);
    synth_renderer_fini(&rd);
    return 0;
}

static int generate_to_disk(void) {
    char dir[] = "/tmp/finelab_bench_synth_XXXXXX";
    if (!mkdtemp(dir)) {
        perror("bench_synth: mkdtemp");
        return 1;
    }
    SynthConfig cfg = {.classes = 4, .per_class = 50, .size = SIZE, .seed = 1};
    SynthReport rep;
    Error err = {0};
    Status st = synth_generate(&cfg, dir, &rep, &err);
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    if (st) {
        fprintf(stderr, "bench_synth: %s\n", err.msg);
        return 1;
    }
    printf("synth_generate to disk: %d images in %.2f s, %.1f images/s "
           "(drawing %.1f%%, encoding + writing files %.1f%%)\n",
           rep.images, rep.seconds, rep.images / rep.seconds,
           100.0 * rep.draw_seconds / rep.seconds, 100.0 * rep.write_seconds / rep.seconds);
    return 0;
}

int main(void) {
    if (render_and_encode()) return 1;
    return generate_to_disk();
}
