/*
 * step_fixture — the training step that bench_step times as a whole and
 * bench_backward phase by phase: a network of a NetConfig with He weights,
 * SGD with momentum (lr 1e-4, momentum 0.9, weight decay 5e-4), a batch of
 * uniform random inputs in [-1, 1) and random labels (seed 7). Linked into
 * every bench program. The fixture owns the network, solver state, tensors
 * and labels until step_fixture_fini.
 */
#ifndef FINELAB_BENCH_STEP_FIXTURE_H
#define FINELAB_BENCH_STEP_FIXTURE_H

#include "engine/nn/net.h"
#include "engine/train/solver.h"

typedef struct StepFixture {
    Net *net;
    Param *const *params; /* the net's trainable parameters, np of them */
    int np;
    Solver solver;
    Tensor x;              /* batch x 3 x resolution x resolution */
    Tensor probs, dlogits; /* batch x num_classes */
    int *labels;           /* batch of them, below num_classes */
} StepFixture;

/* net_config_default at the width, input resolution and batch that args[0],
 * args[1] and args[2] give (each program's first three arguments). Returns
 * 0, or -1 when one is out of range (width > 0, resolution >= 32, batch >= 1). */
int step_fixture_config(NetConfig *c, char **args);

/* Builds the fixture for cfg and a solver of max_iter iterations. On
 * failure prints "<prog>: <why>" to stderr, frees what it made and returns
 * -1; else 0. */
int step_fixture_init(StepFixture *f, const NetConfig *cfg, int max_iter, const char *prog);
void step_fixture_fini(StepFixture *f);

/* Zeroes the trainable parameters' gradients (before a step's backward). */
void step_fixture_zero_grads(StepFixture *f);
/* Runs the forward and the softmax loss, leaving its gradient in
 * f->dlogits for net_backward. */
void step_fixture_forward(StepFixture *f);

#endif
