/*
 * gradcheck — finite-difference checks of layer backward passes. See gradcheck.h.
 */
#include "tests/lib/gradcheck.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/rng.h"
#include "tests/lib/testutil.h"

typedef struct Probe {
    Layer *l;
    Tensor *x;
    Tensor y;
    float *ws;
    const float *r;
} Probe;

static double probe_loss(Probe *p) {
    layer_forward(p->l, p->x, &p->y, p->ws);
    double sum = 0.0;
    size_t n = tensor_count(&p->y);
    for (size_t i = 0; i < n; i++) sum += (double)p->r[i] * (double)p->y.data[i];
    return sum;
}

static double rel_err(double a, double n, double floor) {
    double den = fmax(fmax(fabs(a), fabs(n)), floor);
    return fabs(a - n) / den;
}

/* Compares analytic[i] with the slope of L in v[i] for the chosen elements. */
static double check_tensor(Probe *p, float *v, const float *analytic, size_t count,
                           const GradCheck *cfg, Rng *pick, int *checked) {
    double worst = 0.0;
    size_t todo =
        cfg->max_checks && (size_t)cfg->max_checks < count ? (size_t)cfg->max_checks : count;
    for (size_t t = 0; t < todo; t++) {
        size_t i = todo == count ? t : rng_below(pick, (uint32_t)count);
        float saved = v[i];
        v[i] = saved + cfg->h;
        double lp = probe_loss(p);
        v[i] = saved - cfg->h;
        double lm = probe_loss(p);
        v[i] = saved;
        double numeric = (lp - lm) / (2.0 * (double)cfg->h);
        double e = rel_err((double)analytic[i], numeric, cfg->floor);
        if (e > worst) worst = e;
        (*checked)++;
    }
    return worst;
}

GradCheckResult gradcheck_layer(Layer *l, Tensor *x, const GradCheck *cfg) {
    GradCheckResult res = {0};
    Rng rng;
    rng_seed(&rng, cfg->seed);
    Probe p = {.l = l, .x = x};
    size_t wsn = layer_workspace(l);
    p.ws = wsn ? malloc(wsn * sizeof(float)) : NULL;
    assert_true(wsn == 0 || p.ws != NULL);
    testutil_tensor(&p.y, x->n, l->out.c, l->out.h, l->out.w);
    float *r = malloc(tensor_count(&p.y) * sizeof(float));
    assert_non_null(r);
    for (size_t i = 0; i < tensor_count(&p.y); i++) r[i] = 2.0f * rng_uniform(&rng) - 1.0f;
    p.r = r;

    /* Analytic gradients at the unperturbed point. */
    Tensor dy, dx;
    tensor_view(&dy, r, x->n, l->out.c, l->out.h, l->out.w);
    testutil_tensor(&dx, x->n, x->c, x->h, x->w);
    for (int i = 0; i < l->n_params; i++) param_zero_grad(&l->params[i]);
    probe_loss(&p);
    layer_backward(l, x, &p.y, &dy, &dx, p.ws);

    res.input_err = check_tensor(&p, x->data, dx.data, tensor_count(x), cfg, &rng, &res.checked);
    if (!l->frozen)
        for (int i = 0; i < l->n_params; i++) {
            Param *pa = &l->params[i];
            double e = check_tensor(&p, pa->value.data, pa->grad.data, tensor_count(&pa->value),
                                    cfg, &rng, &res.checked);
            if (e > res.param_err) res.param_err = e;
        }
    tensor_fini(&dx);
    tensor_fini(&p.y);
    free(r);
    free(p.ws);
    return res;
}

void gradcheck_expect(const char *label, GradCheckResult res, double bound) {
    printf("gradcheck %s: input %.2e params %.2e (bound %.0e, %d elements)\n", label, res.input_err,
           res.param_err, bound, res.checked);
    if (res.checked == 0) fail_msg("gradcheck %s: nothing was checked", label);
    if (!(res.input_err <= bound && res.param_err <= bound))
        fail_msg("gradcheck %s: input err %.3g, param err %.3g exceed the bound %.0e", label,
                 res.input_err, res.param_err, bound);
}

static double pair_loss(PairPool *op, const Tensor *a, const Tensor *b, Tensor *y, const float *r) {
    pair_pool_forward(op, a, b, y);
    double sum = 0.0;
    for (size_t i = 0; i < tensor_count(y); i++) sum += (double)r[i] * y->data[i];
    return sum;
}

/* Largest relative error of g against the slope of L in every element of v. */
static double pair_worst(PairPool *op, Tensor *a, Tensor *b, Tensor *y, const float *r, Tensor *v,
                         const Tensor *g, const GradCheck *cfg) {
    double worst = 0.0;
    for (size_t i = 0; i < tensor_count(v); i++) {
        float saved = v->data[i];
        v->data[i] = saved + cfg->h;
        double lp = pair_loss(op, a, b, y, r);
        v->data[i] = saved - cfg->h;
        double lm = pair_loss(op, a, b, y, r);
        v->data[i] = saved;
        double numeric = (lp - lm) / (2.0 * (double)cfg->h);
        double e = rel_err((double)g->data[i], numeric, cfg->floor);
        if (e > worst) worst = e;
    }
    return worst;
}

void gradcheck_pair(PairPool *op, Tensor *a, Tensor *b, Tensor *y, const float *r, const Tensor *da,
                    const Tensor *db, const GradCheck *cfg, double *err_a, double *err_b) {
    *err_a = pair_worst(op, a, b, y, r, a, da, cfg);
    *err_b = pair_worst(op, a, b, y, r, b, db, cfg);
}

void gradcheck_spec(const LayerSpec *spec, Shape in, uint64_t input_seed, const GradCheck *cfg,
                    double bound) {
    Layer l;
    Error err = {0};
    if (layer_init(&l, spec, in, &err)) fail_msg("%s", err.msg);
    Rng r;
    rng_seed(&r, input_seed);
    Tensor x;
    testutil_tensor(&x, in.n, in.c, in.h, in.w);
    testutil_fill_normal(&x, &r, 1.0f);
    char label[96];
    int len = snprintf(label, sizeof label, "%s %dx%dx%dx%d", spec->kind, in.n, in.c, in.h, in.w);
    if (spec->dim) snprintf(label + len, sizeof label - (size_t)len, " d=%d", spec->dim);
    gradcheck_expect(label, gradcheck_layer(&l, &x, cfg), bound);
    tensor_fini(&x);
    layer_fini(&l);
}
