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

#include "engine/base/blas.h"
#include "engine/base/parallel.h"
#include "engine/base/rng.h"
#include "engine/base/timer.h"
#include "engine/nn/net.h"
#include "engine/nn/softmax_loss.h"
#include "engine/train/solver.h"

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
    if (argc < 7) usage();
    NetConfig c = net_config_default();
    c.width = (float)atof(argv[1]);
    c.resolution = atoi(argv[2]);
    c.batch = atoi(argv[3]);
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
    if (c.width <= 0 || c.resolution < 32 || c.batch < 1 || iters < 1) usage();
    Error err = {0};
    Net *net = net_create(&c, &err);
    if (!net) {
        fprintf(stderr, "bench_step: %s\n", err.msg);
        return 1;
    }
    net_init_weights(net, 1);
    int np;
    Param *const *params = net_trainable_params(net, &np);
    SolverConfig sc = {.base_lr = 1e-4,
                       .policy = SOLVER_FIXED,
                       .momentum = 0.9,
                       .weight_decay = 0.0005,
                       .max_iter = iters + 1,
                       .iter_size = 1,
                       .clip_gradients = -1};
    Solver solver;
    if (solver_init(&solver, &sc, params, np, &err)) {
        fprintf(stderr, "bench_step: %s\n", err.msg);
        return 1;
    }
    Tensor x, probs, dlogits;
    if (tensor_init(&x, c.batch, 3, c.resolution, c.resolution) ||
        tensor_init(&probs, c.batch, CLASSES, 1, 1) ||
        tensor_init(&dlogits, c.batch, CLASSES, 1, 1)) {
        fprintf(stderr, "bench_step: out of memory\n");
        return 1;
    }
    Rng r;
    rng_seed(&r, 7);
    for (size_t i = 0; i < tensor_count(&x); i++) x.data[i] = rng_uniform(&r) * 2.0f - 1.0f;
    int *labels = malloc(sizeof(int) * (size_t)c.batch);
    for (int i = 0; i < c.batch; i++) labels[i] = (int)rng_below(&r, CLASSES);
    double t0 = 0;
    for (int it = 0; it <= iters; it++) {
        if (it == 1) t0 = timer_now(); /* step 0 is the warm-up */
        if (features_only) {
            net_forward_features(net, &x);
            continue;
        }
        for (int i = 0; i < np; i++) param_zero_grad(params[i]);
        const Tensor *logits = net_forward(net, &x);
        softmax_loss_forward(logits, labels, &probs);
        softmax_loss_backward(&probs, labels, 1.0f, &dlogits);
        net_backward(net, &x, &dlogits);
        solver_update(&solver);
    }
    double per = (timer_now() - t0) / iters;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double gflops = conv_flops(net, !features_only) * c.batch / per * 1e-9;
    printf("img/s %.3f s/iter %.3f peak_rss_mib %.0f gflops %.1f\n", c.batch / per, per,
           ru.ru_maxrss / 1024.0, gflops);
    free(labels);
    tensor_fini(&x);
    tensor_fini(&probs);
    tensor_fini(&dlogits);
    net_destroy(net);
    return 0;
}
