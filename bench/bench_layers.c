/*
 * bench_layers — `make bench`: throughput of the engine's expensive layers.
 *
 * For every VGG-16 conv layer shape at 224 input (batch 8) it times forward and
 * backward (weights and input gradients) through the layer interface and
 * prints GFLOP/s next to cblas_sgemm on a square matrix of the same FLOP
 * count measured in the same run, so the ratio is what to read on a noisy
 * machine. Then it times Tensor Sketch forward+backward per image at
 * c = 512, 28 x 28 locations, d = 8192 (VGG-16 conv5_3 at 448 input).
 * Each figure is the best of several repetitions.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/sgemm_rate.h"
#include "tests/lib/vgg16_shapes.h"
#include "engine/base/blas.h"
#include "engine/base/parallel.h"
#include "engine/base/rng.h"
#include "engine/base/timer.h"
#include "engine/nn/layer.h"

enum { REPS = 5 };

static void fill(float *p, size_t n, Rng *r) {
    for (size_t i = 0; i < n; i++) p[i] = rng_uniform(r) - 0.5f;
}

/* A layer with its input, output and their gradients, and its workspace. */
typedef struct LayerBench {
    Layer l;
    Tensor x, y, dy, dx;
    float *ws;
} LayerBench;

/* Builds spec on a batch x c x side x side input and fills the input, the
 * output gradient and the first parameter (if any) from r. Returns 0, or -1
 * with the reason in err when the layer refuses the shape; exits when out
 * of memory. */
static int layer_bench_init(LayerBench *b, const LayerSpec *spec, int batch, int c, int side,
                            Rng *r, Error *err) {
    if (layer_init(&b->l, spec, (Shape){batch, c, side, side}, err)) return -1;
    if (tensor_init(&b->x, batch, c, side, side) || tensor_init_shape(&b->y, b->l.out) ||
        tensor_init_shape(&b->dy, b->l.out) || tensor_init(&b->dx, batch, c, side, side)) {
        fprintf(stderr, "bench: out of memory\n");
        exit(1);
    }
    size_t wsn = layer_workspace(&b->l);
    b->ws = wsn ? malloc(wsn * sizeof(float)) : NULL;
    fill(b->x.data, tensor_count(&b->x), r);
    fill(b->dy.data, tensor_count(&b->dy), r);
    if (b->l.n_params > 0) fill(b->l.params[0].value.data, tensor_count(&b->l.params[0].value), r);
    return 0;
}

/* Best-of-REPS seconds of one forward and of one backward, after a warm-up
 * forward. */
static void layer_bench_time(LayerBench *b, double *fwd, double *bwd) {
    layer_forward(&b->l, &b->x, &b->y, b->ws); /* warm-up */
    *fwd = *bwd = 1e30;
    for (int i = 0; i < REPS; i++) {
        double t0 = timer_now();
        layer_forward(&b->l, &b->x, &b->y, b->ws);
        double t1 = timer_now();
        layer_backward(&b->l, &b->x, &b->y, &b->dy, &b->dx, b->ws);
        double t2 = timer_now();
        if (t1 - t0 < *fwd) *fwd = t1 - t0;
        if (t2 - t1 < *bwd) *bwd = t2 - t1;
    }
}

static void layer_bench_fini(LayerBench *b) {
    free(b->ws);
    tensor_fini(&b->x);
    tensor_fini(&b->y);
    tensor_fini(&b->dy);
    tensor_fini(&b->dx);
    layer_fini(&b->l);
}

/* Best forward and backward seconds of one algorithm on a shape. */
static const char *time_conv(const ConvShape *cs, int batch, const char *algo, Rng *r, double *fwd,
                             double *bwd) {
    LayerBench b;
    Error err = {0};
    LayerSpec spec = vgg16_conv_spec(cs, algo, 0);
    if (layer_bench_init(&b, &spec, batch, cs->cin, cs->size, r, &err)) {
        fprintf(stderr, "bench: %s\n", err.msg);
        exit(1);
    }
    layer_bench_time(&b, fwd, bwd);
    static char name[16];
    snprintf(name, sizeof name, "%s", layer_variant(&b.l));
    layer_bench_fini(&b);
    return name;
}

/* The algorithms bench_conv times on every shape, then auto. */
static const char *const conv_algos[] = {"im2col", "winograd", "direct"};
enum { N_ALGOS = sizeof conv_algos / sizeof conv_algos[0] };

/* One shape: each algorithm's forward + backward milliseconds (where it
 * fits), the fastest, what auto picks with its GFLOP/s counted as direct
 * convolution FLOPs next to sgemm's on a square matrix of the same FLOP
 * count. sum_ratio3 sums auto's shares of sgemm over conv3_x-conv5_x;
 * *auto_ms and *best_ms add up the network's time with auto's choices and
 * with the fastest of each layer. */
static void bench_conv(const ConvShape *cs, int batch, Rng *r, double *sum_ratio3, double *auto_ms,
                       double *best_ms) {
    double m = cs->cout, n = (double)cs->size * cs->size, k = cs->cin * 9.0;
    double flops = 2.0 * m * n * k * batch;
    double best = 1e30;
    const char *best_name = "";
    printf("%-8s %4d->%-4d %4dx%-4d", cs->name, cs->cin, cs->cout, cs->size, cs->size);
    for (int a = 0; a < N_ALGOS; a++) {
        double f, b;
        const char *ran = time_conv(cs, batch, conv_algos[a], r, &f, &b);
        if (strcmp(ran, conv_algos[a]) != 0) { /* does not fit: the reference ran */
            printf(" %9s", "-");
            continue;
        }
        printf(" %9.2f", (f + b) * 1e3);
        if (f + b < best) {
            best = f + b;
            best_name = conv_algos[a];
        }
    }
    double af, ab;
    char algo[16];
    snprintf(algo, sizeof algo, "%s", time_conv(cs, batch, NULL, r, &af, &ab));
    int square = (int)lround(cbrt(m * n * k));
    double ref = sgemm_rate(square, REPS);
    double gf = flops / af * 1e-9, gb = 2.0 * flops / ab * 1e-9;
    printf("  %-9s %-9s %8.1f %8.1f %8.1f  %5.0f%% %5.0f%%\n", best_name, algo, gf, gb, ref,
           100.0 * gf / ref, 100.0 * gb / ref);
    *auto_ms += (af + ab) * 1e3;
    *best_ms += best * 1e3;
    if (cs->name[4] >= '3') {
        sum_ratio3[0] += gf / ref;
        sum_ratio3[1] += gb / ref;
        sum_ratio3[2] += 1.0;
    }
}

static void bench_tensor_sketch(Rng *r) {
    const int c = 512, side = 28, d = 8192, batch = 2;
    LayerBench b;
    Error err = {0};
    LayerSpec spec = {.kind = "compact_ts", .name = "ts", .dim = d, .seed = 1};
    if (layer_bench_init(&b, &spec, batch, c, side, r, &err)) {
        printf("tensor sketch: %s\n", err.msg);
        return;
    }
    double fwd, bwd;
    layer_bench_time(&b, &fwd, &bwd);
    printf(
        "tensor sketch c=%d %dx%d d=%d: forward %.1f ms + backward %.1f ms = %.1f ms per image\n",
        c, side, side, d, fwd * 1e3 / batch, bwd * 1e3 / batch, (fwd + bwd) * 1e3 / batch);
    layer_bench_fini(&b);
}

/* bench_layers [WIDTH [RESOLUTION [BATCH]]]: the VGG-16 conv shapes at that
 * width and input side (1, 224, 8 by default), then Tensor Sketch. */
int main(int argc, char **argv) {
    float width = argc > 1 ? (float)atof(argv[1]) : 1.0f;
    int res = argc > 2 ? atoi(argv[2]) : 224, batch = argc > 3 ? atoi(argv[3]) : 8;
    if (width <= 0 || res < 16 || batch < 1) {
        fprintf(stderr, "usage: bench_layers [WIDTH [RESOLUTION [BATCH]]]\n");
        return 2;
    }
    Rng r;
    rng_seed(&r, 2016);
    blas_set_threads(2);
    parallel_set_threads(2);
    printf("finelab bench: layers (OpenBLAS %d threads: %s)\n", blas_threads(), blas_config());
    printf("conv: VGG-16 shapes at width %g, %d input, batch %d, 3x3 pad 1, best of %d; GF/s "
           "counted as direct convolution\n",
           width, res, batch, REPS);
    printf("forward + backward ms of each algorithm (-: does not fit), the fastest, what auto "
           "chooses and its GF/s\n");
    printf("%-8s %-9s %-9s %9s %9s %9s  %-9s %-9s %8s %8s %8s  %6s %6s\n", "layer", "channels",
           "size", "im2col", "winograd", "direct", "fastest", "auto", "fwd GF/s", "bwd GF/s",
           "sgemm", "fwd", "bwd");
    double sum3[3] = {0}, auto_ms = 0, best_ms = 0;
    for (size_t i = 0; i < sizeof vgg16_224 / sizeof vgg16_224[0]; i++) {
        ConvShape cs = vgg16_224[i];
        if (cs.cin > 3) cs.cin = (int)lroundf(cs.cin * width);
        cs.cout = (int)lroundf(cs.cout * width);
        cs.size = cs.size * res / 224;
        bench_conv(&cs, batch, &r, sum3, &auto_ms, &best_ms);
    }
    printf("all 13 layers, forward + backward: auto %.2f ms, the fastest of each %.2f ms "
           "(auto at %.0f%%)\n",
           auto_ms, best_ms, 100.0 * best_ms / auto_ms);
    printf("conv3_x-conv5_x mean share of sgemm: forward %.0f%%, backward %.0f%% (goal >= 100%%)\n",
           100.0 * sum3[0] / sum3[2], 100.0 * sum3[1] / sum3[2]);
    bench_tensor_sketch(&r);
    return 0;
}
