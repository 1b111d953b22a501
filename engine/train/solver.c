/*
 * solver — Caffe's SGD update. See solver.h. Each step below names the
 * Caffe function it mirrors, so the two can be read side by side.
 */
#include "engine/train/solver.h"

#include <math.h>
#include <string.h>

void solver_init(Solver *s, const SolverConfig *cfg, Param *const *params, int n) {
    memset(s, 0, sizeof *s);
    s->cfg = *cfg;
    s->params = params;
    s->n_params = n;
}

/* Solver::GetLearningRate */
double solver_rate(const SolverConfig *c, int iter, int *current_step) {
    switch (c->policy) {
    case SOLVER_FIXED:
        return c->base_lr;
    case SOLVER_STEP:
        return c->base_lr * pow(c->gamma, floor((double)iter / c->stepsize));
    case SOLVER_EXP:
        return c->base_lr * pow(c->gamma, iter);
    case SOLVER_INV:
        return c->base_lr * pow(1.0 + c->gamma * iter, -c->power);
    case SOLVER_MULTISTEP:
        if (*current_step < c->n_stepvalue && iter >= c->stepvalue[*current_step])
            (*current_step)++;
        return c->base_lr * pow(c->gamma, *current_step);
    case SOLVER_POLY:
        return c->base_lr * pow(1.0 - (double)iter / c->max_iter, c->power);
    case SOLVER_SIGMOID:
        return c->base_lr * (1.0 / (1.0 + exp(-c->gamma * (iter - c->stepsize))));
    }
    return c->base_lr;
}

double solver_grad_norm(const Solver *s) {
    double sumsq = 0.0;
    for (int i = 0; i < s->n_params; i++) {
        const Tensor *g = &s->params[i]->grad;
        size_t n = tensor_count(g);
        for (size_t k = 0; k < n; k++) sumsq += (double)g->data[k] * g->data[k];
    }
    return sqrt(sumsq);
}

/* SGDSolver::ClipGradients */
static void solver_clip(Solver *s) {
    if (s->cfg.clip_gradients < 0) return;
    double norm = solver_grad_norm(s);
    if (norm <= s->cfg.clip_gradients) return;
    float scale = (float)(s->cfg.clip_gradients / norm);
    for (int i = 0; i < s->n_params; i++) {
        Tensor *g = &s->params[i]->grad;
        size_t n = tensor_count(g);
        for (size_t k = 0; k < n; k++) g->data[k] *= scale;
    }
}

/* SGDSolver::Normalize, Regularize, ComputeUpdateValue and Blob::Update
 * for one parameter. */
static void solver_update_param(const Solver *s, Param *p, double rate) {
    const SolverConfig *c = &s->cfg;
    float *w = p->value.data, *g = p->grad.data, *h = p->history.data;
    size_t n = tensor_count(&p->value);
    float norm = c->iter_size > 1 ? 1.0f / (float)c->iter_size : 1.0f;
    float decay = (float)(c->weight_decay * p->decay_mult);
    float lr = (float)(rate * p->lr_mult), mu = (float)c->momentum;
    for (size_t k = 0; k < n; k++) {
        float d = g[k] * norm;
        if (decay != 0.0f) d += c->l1 ? decay * (float)((w[k] > 0) - (w[k] < 0)) : decay * w[k];
        h[k] = lr * d + mu * h[k];
        g[k] = h[k];
        w[k] -= h[k];
    }
}

/* SGDSolver::ApplyUpdate, then Solver::Step's ++iter_. */
double solver_update(Solver *s) {
    double rate = solver_rate(&s->cfg, s->iter, &s->current_step);
    solver_clip(s);
    for (int i = 0; i < s->n_params; i++) solver_update_param(s, s->params[i], rate);
    s->iter++;
    return rate;
}
