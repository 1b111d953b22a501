/*
 * bench_backward — what the data-parallel model (bench/mpi_model.sh) needs
 * of one process's training step: the time of forward, of backward layer
 * by layer (top first, as the net's backward hook sees it: the time since
 * the previous layer's end) and of the solver, and the bytes of gradient
 * each layer's backward completes. The network and step are bench_step's
 * (VGG-16 truncated after relu5_3 at a width, Tensor Sketch of DIM, signed
 * square root, L2, the classifier, softmax, SGD with momentum) on random
 * data; every figure is the mean of ITERS steps after one warm-up step.
 *
 * Usage: bench_backward WIDTH RESOLUTION BATCH DIM CLASSES ITERS [THREADS]
 * Prints "step forward_ms F backward_ms B update_ms U", then one line per
 * layer, top first: "layer NAME backward_ms T grad_bytes G".
 */
#include <stdio.h>
#include <stdlib.h>

#include "engine/base/blas.h"
#include "engine/base/parallel.h"
#include "engine/base/rng.h"
#include "engine/base/timer.h"
#include "engine/nn/net.h"
#include "engine/nn/softmax_loss.h"
#include "engine/train/solver.h"

enum { MAX_LAYERS = 64 };

/* The hook's record of one backward: when each layer ended and how many
 * trainable parameters (from the top) were complete then. */
typedef struct Stamps {
    double t[MAX_LAYERS];
    int done[MAX_LAYERS];
    int n;
} Stamps;

static void on_backward(void *ctx, int done) {
    Stamps *s = ctx;
    if (s->n < MAX_LAYERS) {
        s->t[s->n] = timer_now();
        s->done[s->n++] = done;
    }
}

static void usage(void) {
    fprintf(stderr, "usage: bench_backward WIDTH RESOLUTION BATCH DIM CLASSES ITERS [THREADS]\n");
    exit(2);
}

int main(int argc, char **argv) {
    if (argc < 7) usage();
    NetConfig c = net_config_default();
    c.width = (float)atof(argv[1]);
    c.resolution = atoi(argv[2]);
    c.batch = atoi(argv[3]);
    c.bilinear_dim = atoi(argv[4]);
    c.num_classes = atoi(argv[5]);
    int iters = atoi(argv[6]), threads = argc > 7 ? atoi(argv[7]) : 2;
    if (c.width <= 0 || c.resolution < 32 || c.batch < 1 || c.num_classes < 1 || iters < 1) usage();
    blas_set_threads(threads);
    parallel_set_threads(threads);
    Error err = {0};
    Net *net = net_create(&c, &err);
    if (!net) {
        fprintf(stderr, "bench_backward: %s\n", err.msg);
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
    Tensor x, probs, dlogits;
    if (solver_init(&solver, &sc, params, np, &err) ||
        tensor_init(&x, c.batch, 3, c.resolution, c.resolution) ||
        tensor_init(&probs, c.batch, c.num_classes, 1, 1) ||
        tensor_init(&dlogits, c.batch, c.num_classes, 1, 1)) {
        fprintf(stderr, "bench_backward: cannot set up: %s\n", err.msg);
        return 1;
    }
    Rng r;
    rng_seed(&r, 7);
    for (size_t i = 0; i < tensor_count(&x); i++) x.data[i] = rng_uniform(&r) * 2.0f - 1.0f;
    int *labels = malloc(sizeof(int) * (size_t)c.batch);
    for (int i = 0; i < c.batch; i++) labels[i] = (int)rng_below(&r, (uint64_t)c.num_classes);
    Stamps st;
    net_set_backward_hook(net, on_backward, &st);
    double fwd = 0, bwd = 0, upd = 0, layer_s[MAX_LAYERS] = {0};
    for (int it = 0; it <= iters; it++) {
        for (int i = 0; i < np; i++) param_zero_grad(params[i]);
        double t0 = timer_now();
        const Tensor *logits = net_forward(net, &x);
        softmax_loss_forward(logits, labels, &probs);
        softmax_loss_backward(&probs, labels, 1.0f, &dlogits);
        double t1 = timer_now();
        st.n = 0;
        net_backward(net, &x, &dlogits);
        double t2 = timer_now();
        solver_update(&solver);
        double t3 = timer_now();
        if (it == 0) continue; /* the warm-up */
        fwd += t1 - t0, bwd += t2 - t1, upd += t3 - t2;
        for (int k = 0; k < st.n; k++) layer_s[k] += st.t[k] - (k ? st.t[k - 1] : t1);
    }
    printf("step forward_ms %.3f backward_ms %.3f update_ms %.3f\n", 1e3 * fwd / iters,
           1e3 * bwd / iters, 1e3 * upd / iters);
    int layers = net_layer_count(net);
    for (int k = 0; k < st.n; k++) {
        double bytes = 0;
        for (int p = np - st.done[k]; p < np - (k ? st.done[k - 1] : 0); p++)
            bytes += sizeof(float) * (double)tensor_count(&params[p]->grad);
        printf("layer %s backward_ms %.3f grad_bytes %.0f\n", net_layer_name(net, layers - 1 - k),
               1e3 * layer_s[k] / iters, bytes);
    }
    free(labels);
    tensor_fini(&x);
    tensor_fini(&probs);
    tensor_fini(&dlogits);
    net_destroy(net);
    return 0;
}
