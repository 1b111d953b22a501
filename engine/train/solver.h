/*
 * solver — Caffe's solvers, reproduced exactly: the learning-rate policies
 * of Solver::GetLearningRate and the update of SGDSolver::ApplyUpdate (clip,
 * normalise by iter_size, regularise) followed by the ComputeUpdateValue of
 * the chosen type: SGD (momentum with the learning rate inside the
 * history), Nesterov, AdaGrad, RMSProp, AdaDelta or Adam; then w -= update.
 *
 * A Solver is caller storage over parameters owned elsewhere (the net).
 * solver_init gives the parameters a second history when the type keeps two
 * (AdaDelta, Adam) and only then; param_fini frees it. The loop around it
 * (testing, iter_size passes, display, snapshots) is the trainer's. Its
 * state is iter and the multistep position; with the parameters' history
 * tensors (history, and history2 where allocated) that is everything a
 * snapshot must keep. One thread at a time; only solver_init can fail.
 */
#ifndef FINELAB_SOLVER_H
#define FINELAB_SOLVER_H

#include "engine/base/error.h"
#include "engine/base/param.h"

typedef enum SolverPolicy {
    SOLVER_FIXED,     /* base_lr */
    SOLVER_STEP,      /* base_lr * gamma ^ floor(iter / stepsize) */
    SOLVER_EXP,       /* base_lr * gamma ^ iter */
    SOLVER_INV,       /* base_lr * (1 + gamma * iter) ^ (-power) */
    SOLVER_MULTISTEP, /* base_lr * gamma ^ (stepvalues passed, at most one more per call) */
    SOLVER_POLY,      /* base_lr * (1 - iter / max_iter) ^ power */
    SOLVER_SIGMOID,   /* base_lr / (1 + exp(-gamma * (iter - stepsize))) */
} SolverPolicy;

/* The update rule; the values are Caffe's old solver_type enum. With d the
 * normalised, regularised gradient and lr = rate * lr_mult: */
typedef enum SolverType {
    SOLVER_SGD,      /* h = lr d + mu h; w -= h */
    SOLVER_NESTEROV, /* h' = lr d + mu h; w -= (1 + mu) h' - mu h */
    SOLVER_ADAGRAD,  /* h += d^2; w -= lr d / (sqrt(h) + delta) */
    SOLVER_RMSPROP,  /* h = (1 - rms_decay) d^2 + rms_decay h; w -= lr d / (sqrt(h) + delta) */
    SOLVER_ADADELTA, /* h = (1 - mu) d^2 + mu h; u = d sqrt((h2 + delta) / (h + delta));
                      * h2 = (1 - mu) u^2 + mu h2; w -= lr u */
    SOLVER_ADAM,     /* m = (1 - mu) d + mu m; v = (1 - mu2) d^2 + mu2 v;
                      * w -= lr sqrt(1 - mu2^t) / (1 - mu^t) m / (sqrt(v) + delta), t = iter + 1 */
    SOLVER_TYPES
} SolverType;

enum { SOLVER_STEPS_MAX = 32 };

typedef struct SolverConfig {
    SolverType type;
    double base_lr;
    SolverPolicy policy;
    double gamma, power;
    int stepsize;
    int stepvalue[SOLVER_STEPS_MAX];
    int n_stepvalue;
    double momentum;  /* SGD, Nesterov: momentum; AdaDelta: decay; Adam: beta1 */
    double momentum2; /* Adam: beta2 */
    double rms_decay; /* RMSProp: decay of the mean square */
    double delta;     /* AdaGrad, RMSProp, AdaDelta, Adam: the guard against / 0 (Adam's eps) */
    double weight_decay;
    int l1; /* 1: L1 regularisation, 0: L2 */
    int max_iter;
    int iter_size;         /* gradients of iter_size passes are averaged */
    double clip_gradients; /* < 0: off */
} SolverConfig;

typedef struct Solver {
    SolverConfig cfg;
    int iter;         /* updates done so far (Caffe's iter_) */
    int current_step; /* multistep position (Caffe's current_step_) */
    Param *const *params;
    int n_params;
} Solver;

/* Caffe's SolverParameter defaults: SGD at a fixed rate, iter_size 1, no
 * clipping, and the other types' momentum2 0.999, rms_decay 0.99 and delta
 * 1e-8. base_lr, momentum, weight decay, max_iter and the schedule's
 * numbers are 0: Caffe has no default for them, the caller sets them. */
SolverConfig solver_config_default(void);

/* Caffe's name of a type ("SGD", "Nesterov", "AdaGrad", "RMSProp",
 * "AdaDelta", "Adam"); "?" outside the enum. */
const char *solver_type_name(SolverType type);
/* How many history tensors per parameter the type keeps: 1 or 2. */
int solver_histories(SolverType type);

/* Starts a solver at iter 0 over n parameters (referenced, not owned) and,
 * for a type with two histories, allocates each parameter's history2.
 * ST_NOMEM names the parameter; the histories already allocated stay with
 * their parameters (param_fini frees them). */
Status solver_init(Solver *s, const SolverConfig *cfg, Param *const *params, int n, Error *err);
/* The learning rate at iter; for multistep, advances *current_step past at
 * most one stepvalue <= iter, exactly as Caffe does. */
double solver_rate(const SolverConfig *cfg, int iter, int *current_step);
/* One ApplyUpdate at s->iter using the gradients accumulated in the
 * params (which then hold the update applied, as Caffe's diffs do), then
 * iter++. Returns the learning rate used. */
double solver_update(Solver *s);
/* L2 norm of all parameter gradients (what clip_gradients compares). */
double solver_grad_norm(const Solver *s);

#endif
