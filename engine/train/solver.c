/*
 * solver — Caffe's solvers. See solver.h. Each step below names the Caffe
 * function it mirrors, so the two can be read side by side: the shared
 * part (clip, normalise, regularise) is SGDSolver's, which every other
 * Caffe solver inherits, and each type is one ComputeUpdateValue over the
 * elements of a parameter, in float as Caffe's CPU path computes.
 */
#include "engine/train/solver.h"

#include <math.h>
#include <string.h>

/* What one parameter's update needs besides its tensors. */
typedef struct SolverLocal {
    float norm;  /* 1 / iter_size (SGDSolver::Normalize) */
    float decay; /* weight_decay * decay_mult (SGDSolver::Regularize) */
    int l1;
    float lr; /* rate * lr_mult (Caffe's local_rate) */
} SolverLocal;

/* Normalize and Regularize of one element: the gradient every rule sees. */
static inline float solver_grad(const SolverLocal *l, float g, float w) {
    float d = g * l->norm;
    if (l->decay != 0.0f) d += l->l1 ? l->decay * (float)((w > 0) - (w < 0)) : l->decay * w;
    return d;
}

/* Each rule below is one ComputeUpdateValue plus Blob::Update (w -= diff),
 * leaving the update in grad as Caffe leaves it in the diff. */
typedef void (*SolverRuleFn)(const SolverConfig *c, const SolverLocal *l, Param *p, int iter);

/* SGDSolver::ComputeUpdateValue */
static void solver_sgd(const SolverConfig *c, const SolverLocal *l, Param *p, int iter) {
    (void)iter;
    float *w = p->value.data, *g = p->grad.data, *h = p->history.data;
    float mu = (float)c->momentum;
    for (size_t k = 0, n = tensor_count(&p->value); k < n; k++) {
        h[k] = l->lr * solver_grad(l, g[k], w[k]) + mu * h[k];
        g[k] = h[k];
        w[k] -= h[k];
    }
}

/* NesterovSolver::ComputeUpdateValue: step back the old history, then
 * over the new one. */
static void solver_nesterov(const SolverConfig *c, const SolverLocal *l, Param *p, int iter) {
    (void)iter;
    float *w = p->value.data, *g = p->grad.data, *h = p->history.data;
    float mu = (float)c->momentum;
    for (size_t k = 0, n = tensor_count(&p->value); k < n; k++) {
        float old = h[k];
        h[k] = l->lr * solver_grad(l, g[k], w[k]) + mu * h[k];
        g[k] = (1.0f + mu) * h[k] + -mu * old;
        w[k] -= g[k];
    }
}

/* AdaGradSolver::ComputeUpdateValue */
static void solver_adagrad(const SolverConfig *c, const SolverLocal *l, Param *p, int iter) {
    (void)iter;
    float *w = p->value.data, *g = p->grad.data, *h = p->history.data;
    float delta = (float)c->delta;
    for (size_t k = 0, n = tensor_count(&p->value); k < n; k++) {
        float d = solver_grad(l, g[k], w[k]);
        h[k] = d * d + h[k];
        g[k] = l->lr * (d / (sqrtf(h[k]) + delta));
        w[k] -= g[k];
    }
}

/* RMSPropSolver::ComputeUpdateValue */
static void solver_rmsprop(const SolverConfig *c, const SolverLocal *l, Param *p, int iter) {
    (void)iter;
    float *w = p->value.data, *g = p->grad.data, *h = p->history.data;
    float delta = (float)c->delta, rd = (float)c->rms_decay;
    for (size_t k = 0, n = tensor_count(&p->value); k < n; k++) {
        float d = solver_grad(l, g[k], w[k]);
        h[k] = (1.0f - rd) * (d * d) + rd * h[k];
        g[k] = l->lr * (d / (sqrtf(h[k]) + delta));
        w[k] -= g[k];
    }
}

/* AdaDeltaSolver::ComputeUpdateValue: history the mean square of the
 * gradients, history2 that of the updates (before the learning rate, which
 * Caffe applies last). */
static void solver_adadelta(const SolverConfig *c, const SolverLocal *l, Param *p, int iter) {
    (void)iter;
    float *w = p->value.data, *g = p->grad.data, *h = p->history.data, *h2 = p->history2.data;
    float delta = (float)c->delta, mu = (float)c->momentum;
    for (size_t k = 0, n = tensor_count(&p->value); k < n; k++) {
        float d = solver_grad(l, g[k], w[k]);
        h[k] = (1.0f - mu) * (d * d) + mu * h[k];
        float u = d * sqrtf((h2[k] + delta) / (h[k] + delta));
        h2[k] = (1.0f - mu) * (u * u) + mu * h2[k];
        g[k] = l->lr * u;
        w[k] -= g[k];
    }
}

/* AdamSolver::ComputeUpdateValue: history m, history2 v, the bias
 * correction folded into the rate with t = iter + 1 (Caffe's pow of a
 * float beta in double, the correction stored as float). */
static void solver_adam(const SolverConfig *c, const SolverLocal *l, Param *p, int iter) {
    float *w = p->value.data, *g = p->grad.data, *m = p->history.data, *v = p->history2.data;
    float b1 = (float)c->momentum, b2 = (float)c->momentum2, eps = (float)c->delta;
    int t = iter + 1;
    float correction = (float)(sqrt(1.0 - pow(b2, t)) / (1.0 - pow(b1, t)));
    float rate = l->lr * correction;
    for (size_t k = 0, n = tensor_count(&p->value); k < n; k++) {
        float d = solver_grad(l, g[k], w[k]);
        m[k] = (1.0f - b1) * d + b1 * m[k];
        v[k] = (1.0f - b2) * (d * d) + b2 * v[k];
        g[k] = rate * (m[k] / (sqrtf(v[k]) + eps));
        w[k] -= g[k];
    }
}

static const struct {
    const char *name; /* Caffe's type string */
    int histories;
    SolverRuleFn update;
} solver_rules[SOLVER_TYPES] = {
    [SOLVER_SGD] = {"SGD", 1, solver_sgd},
    [SOLVER_NESTEROV] = {"Nesterov", 1, solver_nesterov},
    [SOLVER_ADAGRAD] = {"AdaGrad", 1, solver_adagrad},
    [SOLVER_RMSPROP] = {"RMSProp", 1, solver_rmsprop},
    [SOLVER_ADADELTA] = {"AdaDelta", 2, solver_adadelta},
    [SOLVER_ADAM] = {"Adam", 2, solver_adam},
};

static int solver_type_ok(SolverType type) {
    return (int)type >= 0 && type < SOLVER_TYPES;
}

SolverConfig solver_config_default(void) {
    return (SolverConfig){.type = SOLVER_SGD,
                          .policy = SOLVER_FIXED,
                          .iter_size = 1,
                          .clip_gradients = -1,
                          .momentum2 = 0.999,
                          .rms_decay = 0.99,
                          .delta = 1e-8};
}

const char *solver_type_name(SolverType type) {
    return solver_type_ok(type) ? solver_rules[type].name : "?";
}

int solver_histories(SolverType type) {
    return solver_type_ok(type) ? solver_rules[type].histories : 1;
}

Status solver_init(Solver *s, const SolverConfig *cfg, Param *const *params, int n, Error *err) {
    memset(s, 0, sizeof *s);
    CHECK(solver_type_ok(cfg->type));
    s->cfg = *cfg;
    s->params = params;
    s->n_params = n;
    for (int i = 0; i < n && solver_histories(cfg->type) > 1; i++) {
        Status st = param_alloc_history2(params[i], err);
        if (st) return st;
    }
    return ST_OK;
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

/* SGDSolver::ApplyUpdate (which every Caffe solver inherits), then
 * Solver::Step's ++iter_. */
double solver_update(Solver *s) {
    const SolverConfig *c = &s->cfg;
    double rate = solver_rate(c, s->iter, &s->current_step);
    solver_clip(s);
    for (int i = 0; i < s->n_params; i++) {
        Param *p = s->params[i];
        SolverLocal l = {.norm = c->iter_size > 1 ? 1.0f / (float)c->iter_size : 1.0f,
                         .decay = (float)(c->weight_decay * p->decay_mult),
                         .l1 = c->l1,
                         .lr = (float)(rate * p->lr_mult)};
        CHECK(solver_histories(c->type) < 2 || p->history2.data);
        solver_rules[c->type].update(c, &l, p, s->iter);
    }
    s->iter++;
    return rate;
}
