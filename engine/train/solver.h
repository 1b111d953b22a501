/*
 * solver — Caffe's SGDSolver, reproduced exactly: the learning-rate
 * policies of Solver::GetLearningRate and the update of
 * SGDSolver::ApplyUpdate (clip, normalise by iter_size, regularise, momentum
 * with the learning rate inside the history, w -= h).
 *
 * A Solver is caller storage over parameters owned elsewhere (the net). The
 * loop around it (testing, iter_size passes, display, snapshots) is the
 * trainer's. Its state is iter and the multistep position; with the
 * parameters' history tensors that is everything a snapshot must keep.
 * One thread at a time; nothing here fails.
 */
#ifndef FINELAB_SOLVER_H
#define FINELAB_SOLVER_H

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

enum { SOLVER_STEPS_MAX = 32 };

typedef struct SolverConfig {
    double base_lr;
    SolverPolicy policy;
    double gamma, power;
    int stepsize;
    int stepvalue[SOLVER_STEPS_MAX];
    int n_stepvalue;
    double momentum;
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

/* Starts a solver at iter 0 over n parameters (referenced, not owned). */
void solver_init(Solver *s, const SolverConfig *cfg, Param *const *params, int n);
/* The learning rate at iter; for multistep, advances *current_step past at
 * most one stepvalue <= iter, exactly as Caffe does. */
double solver_rate(const SolverConfig *cfg, int iter, int *current_step);
/* One ApplyUpdate at s->iter using the gradients accumulated in the
 * params, then iter++. Returns the learning rate used. */
double solver_update(Solver *s);
/* L2 norm of all parameter gradients (what clip_gradients compares). */
double solver_grad_norm(const Solver *s);

#endif
