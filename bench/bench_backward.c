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

#include "bench/step_fixture.h"
#include "engine/base/blas.h"
#include "engine/base/parallel.h"
#include "engine/base/timer.h"
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
    NetConfig c;
    if (argc < 7 || step_fixture_config(&c, argv + 1)) usage();
    c.bilinear_dim = atoi(argv[4]);
    c.num_classes = atoi(argv[5]);
    int iters = atoi(argv[6]), threads = argc > 7 ? atoi(argv[7]) : 2;
    if (c.num_classes < 1 || iters < 1) usage();
    blas_set_threads(threads);
    parallel_set_threads(threads);
    StepFixture f;
    if (step_fixture_init(&f, &c, iters + 1, "bench_backward")) return 1;
    Net *net = f.net;
    int np = f.np;
    Param *const *params = f.params;
    Stamps st;
    net_set_backward_hook(net, on_backward, &st);
    double fwd = 0, bwd = 0, upd = 0, layer_s[MAX_LAYERS] = {0};
    for (int it = 0; it <= iters; it++) {
        step_fixture_zero_grads(&f);
        double t0 = timer_now();
        step_fixture_forward(&f);
        double t1 = timer_now();
        st.n = 0;
        net_backward(net, &f.x, &f.dlogits);
        double t2 = timer_now();
        solver_update(&f.solver);
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
    step_fixture_fini(&f);
    return 0;
}
