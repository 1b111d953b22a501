/*
 * step_fixture — the network, solver and random batch of a timed training
 * step. See step_fixture.h.
 */
#include "bench/step_fixture.h"

#include <stdio.h>
#include <stdlib.h>

#include "engine/base/rng.h"
#include "engine/nn/softmax_loss.h"

int step_fixture_config(NetConfig *c, char **args) {
    *c = net_config_default();
    c->width = (float)atof(args[0]);
    c->resolution = atoi(args[1]);
    c->batch = atoi(args[2]);
    return c->width > 0 && c->resolution >= 32 && c->batch >= 1 ? 0 : -1;
}

int step_fixture_init(StepFixture *f, const NetConfig *cfg, int max_iter, const char *prog) {
    *f = (StepFixture){0};
    Error err = {0};
    f->net = net_create(cfg, &err);
    if (!f->net) {
        fprintf(stderr, "%s: %s\n", prog, err.msg);
        return -1;
    }
    net_init_weights(f->net, 1);
    f->params = net_trainable_params(f->net, &f->np);
    SolverConfig sc = solver_config_default();
    sc.base_lr = 1e-4;
    sc.momentum = 0.9;
    sc.weight_decay = 0.0005;
    sc.max_iter = max_iter;
    if (solver_init(&f->solver, &sc, f->params, f->np, &err)) {
        fprintf(stderr, "%s: %s\n", prog, err.msg);
        step_fixture_fini(f);
        return -1;
    }
    f->labels = malloc(sizeof(int) * (size_t)cfg->batch);
    if (!f->labels || tensor_init(&f->x, cfg->batch, 3, cfg->resolution, cfg->resolution) ||
        tensor_init(&f->probs, cfg->batch, cfg->num_classes, 1, 1) ||
        tensor_init(&f->dlogits, cfg->batch, cfg->num_classes, 1, 1)) {
        fprintf(stderr, "%s: out of memory\n", prog);
        step_fixture_fini(f);
        return -1;
    }
    Rng r;
    rng_seed(&r, 7);
    for (size_t i = 0; i < tensor_count(&f->x); i++) f->x.data[i] = rng_uniform(&r) * 2.0f - 1.0f;
    for (int i = 0; i < cfg->batch; i++)
        f->labels[i] = (int)rng_below(&r, (uint64_t)cfg->num_classes);
    return 0;
}

void step_fixture_fini(StepFixture *f) {
    free(f->labels);
    tensor_fini(&f->x);
    tensor_fini(&f->probs);
    tensor_fini(&f->dlogits);
    net_destroy(f->net);
    *f = (StepFixture){0};
}

void step_fixture_zero_grads(StepFixture *f) {
    for (int i = 0; i < f->np; i++) param_zero_grad(f->params[i]);
}

void step_fixture_forward(StepFixture *f) {
    const Tensor *logits = net_forward(f->net, &f->x);
    softmax_loss_forward(logits, f->labels, &f->probs);
    softmax_loss_backward(&f->probs, f->labels, 1.0f, &f->dlogits);
}
