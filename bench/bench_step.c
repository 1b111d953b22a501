/*
 * bench_step — one training step of the whole network, as `make bench`
 * compares it with PyTorch (bench/torch_step.py runs the same step there):
 * VGG-16 truncated after relu5_3 at a width multiplier, the pooling head
 * (Tensor Sketch d or global average), signed square root and L2 (with the
 * compact head), the classifier, softmax loss, backward through every layer
 * and SGD with momentum. Inputs and labels are random: what is measured is
 * the engine, not the loader.
 *
 * Usage: bench_step WIDTH RESOLUTION BATCH ts|avg DIM ITERS [THREADS [features]]
 * With `features` a step is the forward of the feature part only (the
 * backbone and the pooling head, as the feature cache runs it). Prints one
 * line "img/s <x> s/iter <y> peak_rss_mib <z> gflops <g>" after one warm-up
 * step; the peak RSS is the process's (getrusage), so run one configuration
 * per process. gflops counts the 13 convolutions as direct convolution,
 * 2 x 9 x Cin x Cout x H x W per image forward; a training step adds the
 * backward's two products of the same size (dW and dx; conv1_1 has no dx),
 * the rest of the network being a rounding error beside them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench/step_fixture.h"
#include "engine/base/blas.h"
#include "engine/base/parallel.h"
#include "engine/base/timer.h"

enum { CLASSES = 200 };

/* Direct-convolution FLOPs of one image through the convolutions: forward
 * only, or forward and backward (a step). Call after a forward. */
static double conv_flops(const Net *net, int step) {
    NetParamShape shapes[NET_PARAMS];
    net_param_shapes(net_config(net), shapes);
    double total = 0;
    int conv = 0;
    for (int i = 0; i < net_layer_count(net); i++) {
        const char *name = net_layer_name(net, i);
        if (strncmp(name, "conv", 4) != 0) continue;
        const Tensor *y = net_layer_output(net, name);
        const NetParamShape *w = &shapes[2 * conv];
        double f = 2.0 * w->shape[0] * w->shape[1] * w->shape[2] * w->shape[3] * y->h * y->w;
        total += step ? (conv == 0 ? 2 : 3) * f : f;
        conv++;
    }
    return total;
}

static void usage(void) {
    fprintf(stderr,
            "usage: bench_step WIDTH RESOLUTION BATCH ts|avg DIM ITERS [THREADS [features]]\n");
    exit(2);
}

int main(int argc, char **argv) {
    NetConfig c;
    if (argc < 7 || step_fixture_config(&c, argv + 1)) usage();
    int avg = strcmp(argv[4], "avg") == 0;
    c.pooling = avg ? NET_POOL_AVG : NET_POOL_TS;
    c.signed_sqrt = c.l2_normalize = !avg;
    c.bilinear_dim = atoi(argv[5]);
    c.num_classes = CLASSES;
    int iters = atoi(argv[6]);
    int threads = argc > 7 ? atoi(argv[7]) : 2;
    int features_only = argc > 8 && strcmp(argv[8], "features") == 0;
    if (argc > 8 && !features_only) usage();
    blas_set_threads(threads);
    parallel_set_threads(threads);
    if (iters < 1) usage();
    StepFixture f;
    if (step_fixture_init(&f, &c, iters + 1, "bench_step")) return 1;
    double t0 = 0;
    for (int it = 0; it <= iters; it++) {
        if (it == 1) t0 = timer_now(); /* step 0 is the warm-up */
        if (features_only) {
            net_forward_features(f.net, &f.x);
            continue;
        }
        step_fixture_zero_grads(&f);
        step_fixture_forward(&f);
        net_backward(f.net, &f.x, &f.dlogits);
        solver_update(&f.solver);
    }
    double per = (timer_now() - t0) / iters;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double gflops = conv_flops(f.net, !features_only) * c.batch / per * 1e-9;
    printf("img/s %.3f s/iter %.3f peak_rss_mib %.0f gflops %.1f\n", c.batch / per, per,
           ru.ru_maxrss / 1024.0, gflops);
    step_fixture_fini(&f);
    return 0;
}
