/*
 * test_solver — every learning-rate policy against its formula at and
 * around its boundaries, multistep with repeated step values and a resumed
 * position, and the SGD update (momentum with the rate inside the history,
 * L2 and L1 decay with decay_mult, lr_mult, iter_size normalisation,
 * gradient clipping) against values worked by hand; then every solver
 * type (SGD, Nesterov, AdaGrad, RMSProp, AdaDelta, Adam) over three steps
 * of one small problem against tests/lib/solver_reference.py, an independent
 * double-precision implementation, with the second history allocated only
 * for the two types that keep one.
 */
#include <math.h>

#include "engine/train/solver.h"
#include "tests/lib/testutil.h"

static SolverConfig base(SolverPolicy p) {
    SolverConfig c = solver_config_default();
    c.base_lr = 0.1;
    c.policy = p;
    c.gamma = 0.5;
    c.power = 2.0;
    c.stepsize = 10;
    c.max_iter = 100;
    return c;
}

static double rate(const SolverConfig *c, int iter) {
    int step = 0;
    return solver_rate(c, iter, &step);
}

static void close_to(double got, double want) {
    if (fabs(got - want) > 1e-12 * fmax(1.0, fabs(want)))
        fail_msg("got %.17g, want %.17g", got, want);
}

/* Caffe's SolverParameter defaults; what Caffe leaves to the user is 0. */
static void test_solver_config_default(void **state) {
    (void)state;
    SolverConfig c = solver_config_default();
    assert_int_equal(c.type, SOLVER_SGD);
    assert_int_equal(c.policy, SOLVER_FIXED);
    assert_int_equal(c.iter_size, 1);
    assert_true(c.clip_gradients < 0);
    assert_true(c.momentum2 == 0.999 && c.rms_decay == 0.99 && c.delta == 1e-8);
    assert_true(c.base_lr == 0 && c.momentum == 0 && c.weight_decay == 0 && c.max_iter == 0);
}

static void test_solver_policies_at_boundaries(void **state) {
    (void)state;
    SolverConfig c = base(SOLVER_FIXED);
    close_to(rate(&c, 0), 0.1);
    close_to(rate(&c, 99), 0.1);
    c = base(SOLVER_STEP); /* gamma^floor(iter/10) */
    close_to(rate(&c, 0), 0.1);
    close_to(rate(&c, 9), 0.1);
    close_to(rate(&c, 10), 0.05);
    close_to(rate(&c, 19), 0.05);
    close_to(rate(&c, 20), 0.025);
    c = base(SOLVER_EXP);
    close_to(rate(&c, 0), 0.1);
    close_to(rate(&c, 3), 0.1 * 0.125);
    c = base(SOLVER_INV); /* (1 + 0.5 iter)^-2 */
    close_to(rate(&c, 0), 0.1);
    close_to(rate(&c, 2), 0.1 / 4.0);
    close_to(rate(&c, 6), 0.1 / 16.0);
    c = base(SOLVER_POLY); /* (1 - iter/100)^2 */
    close_to(rate(&c, 0), 0.1);
    close_to(rate(&c, 50), 0.025);
    close_to(rate(&c, 99), 0.1 * 0.0001);
    close_to(rate(&c, 100), 0.0);
    c = base(SOLVER_SIGMOID); /* 1 / (1 + exp(-0.5 (iter - 10))) */
    close_to(rate(&c, 10), 0.05);
    close_to(rate(&c, 0), 0.1 / (1 + exp(5.0)));
    close_to(rate(&c, 14), 0.1 / (1 + exp(-2.0)));
}

static void test_solver_multistep_repeats_and_resume(void **state) {
    (void)state;
    SolverConfig c = base(SOLVER_MULTISTEP);
    c.gamma = 0.25;
    const int steps[4] = {3, 5, 5, 8};
    for (int i = 0; i < 4; i++) c.stepvalue[i] = steps[i];
    c.n_stepvalue = 4;
    /* Caffe advances at most one step per call: the repeated 5 takes
     * effect one iteration late, at 6. */
    const int expect_step[10] = {0, 0, 0, 1, 1, 2, 3, 3, 4, 4};
    int step = 0;
    for (int it = 0; it < 10; it++) {
        double r = solver_rate(&c, it, &step);
        assert_int_equal(step, expect_step[it]);
        close_to(r, 0.1 * pow(0.25, expect_step[it]));
    }
    /* A resumed solver carries its position: starting at iter 6 with the
     * saved position 2 continues like the uninterrupted run... */
    step = 2;
    close_to(solver_rate(&c, 6, &step), 0.1 * pow(0.25, 3));
    /* ...whereas forgetting it (position 0) would give a different rate. */
    step = 0;
    assert_true(fabs(solver_rate(&c, 6, &step) - 0.1 * pow(0.25, 3)) > 1e-6);
    /* Tutorial: gamma 0.25 at 20k/30k/40k/50k. */
    SolverConfig t = base(SOLVER_MULTISTEP);
    t.gamma = 0.25;
    t.n_stepvalue = 4;
    for (int i = 0; i < 4; i++) t.stepvalue[i] = 20000 + 10000 * i;
    step = 0;
    double r = 0;
    for (int it = 0; it <= 35000; it++) r = solver_rate(&t, it, &step);
    assert_int_equal(step, 2);
    close_to(r, 0.1 / 16);
}

static void make_param(Param *p, const float *w, const float *g, int n) {
    assert_int_equal(param_init(p, "p", n, 1, 1, 1, NULL), ST_OK);
    for (int i = 0; i < n; i++) {
        p->value.data[i] = w[i];
        p->grad.data[i] = g[i];
    }
}

static void test_solver_update_momentum_decay_mults(void **state) {
    (void)state;
    Param p;
    const float w[2] = {1.0f, -2.0f}, g[2] = {0.5f, 0.25f};
    make_param(&p, w, g, 2);
    p.lr_mult = 2.0f;
    p.decay_mult = 0.5f;
    Param *ps[1] = {&p};
    SolverConfig c = base(SOLVER_FIXED);
    c.momentum = 0.9;
    c.weight_decay = 0.1;
    Solver s;
    assert_int_equal(solver_init(&s, &c, ps, 1, NULL), ST_OK);
    /* d = g + 0.05 w; h = 0.2 d + 0.9 h; w -= h */
    close_to(solver_update(&s), 0.1);
    assert_int_equal(s.iter, 1);
    float h0[2] = {0.2f * (0.5f + 0.05f), 0.2f * (0.25f - 0.1f)};
    float w1[2] = {1.0f - h0[0], -2.0f - h0[1]};
    testutil_assert_close(p.history.data, h0, 2, 1e-7, 1e-6);
    testutil_assert_close(p.value.data, w1, 2, 1e-7, 1e-6);
    /* Second step with the same raw gradient: momentum carries h0. */
    p.grad.data[0] = 0.5f;
    p.grad.data[1] = 0.25f;
    solver_update(&s);
    float h1[2] = {0.2f * (0.5f + 0.05f * w1[0]) + 0.9f * h0[0],
                   0.2f * (0.25f + 0.05f * w1[1]) + 0.9f * h0[1]};
    testutil_assert_close(p.history.data, h1, 2, 1e-7, 1e-6);
    float w2[2] = {w1[0] - h1[0], w1[1] - h1[1]};
    testutil_assert_close(p.value.data, w2, 2, 1e-7, 1e-6);
    param_fini(&p);
}

static void test_solver_l1_iter_size_and_clip(void **state) {
    (void)state;
    Param p;
    const float w[3] = {0.5f, -0.5f, 0.0f}, g[3] = {4.0f, 4.0f, 4.0f};
    make_param(&p, w, g, 3);
    Param *ps[1] = {&p};
    SolverConfig c = base(SOLVER_FIXED);
    c.l1 = 1;
    c.weight_decay = 0.2;
    c.iter_size = 4; /* the 4.0 gradients are sums of 4 passes: mean 1.0 */
    Solver s;
    assert_int_equal(solver_init(&s, &c, ps, 1, NULL), ST_OK);
    solver_update(&s);
    /* d = 1 + 0.2 sign(w); sign(0) = 0; h = 0.1 d */
    const float h[3] = {0.12f, 0.08f, 0.1f};
    testutil_assert_close(p.history.data, h, 3, 1e-7, 1e-6);
    param_fini(&p);

    /* Clipping scales the raw gradient to norm clip before anything else. */
    const float w2[2] = {0, 0}, g2[2] = {3.0f, 4.0f}; /* norm 5 */
    make_param(&p, w2, g2, 2);
    c = base(SOLVER_FIXED);
    c.clip_gradients = 1.0;
    assert_int_equal(solver_init(&s, &c, ps, 1, NULL), ST_OK);
    close_to(solver_grad_norm(&s), 5.0);
    solver_update(&s);
    const float clipped[2] = {-0.1f * 0.6f, -0.1f * 0.8f};
    testutil_assert_close(p.value.data, clipped, 2, 1e-7, 1e-6);
    /* Below the threshold nothing is scaled. */
    p.grad.data[0] = 0.3f;
    p.grad.data[1] = 0.4f;
    p.value.data[0] = p.value.data[1] = 0;
    tensor_zero(&p.history);
    solver_update(&s);
    const float plain[2] = {-0.03f, -0.04f};
    testutil_assert_close(p.value.data, plain, 2, 1e-7, 1e-6);
    param_fini(&p);
}

/* The problem of tests/lib/solver_reference.py: p0 (2 values, lr_mult 2,
 * decay_mult 0.5) and p1 (1 value, lr_mult 1, decay_mult 0), base_lr 0.1
 * fixed, L2 weight decay 0.1, iter_size 2 (the gradients are sums of two
 * passes), clip_gradients 0.9 (step 1's norm is sqrt(1.04): clipped; steps
 * 2 and 3 have sqrt(0.56): not). */
static const float rule_grads[3][3] = {
    {0.6f, -0.2f, 0.8f}, {0.2f, 0.4f, -0.6f}, {-0.4f, 0.6f, 0.2f}};

typedef struct RuleCase {
    SolverType type;
    double momentum, momentum2, rms_decay, delta;
    float w[3][3];     /* p0[0], p0[1], p1[0] after each step */
    float history[3];  /* after step 3 */
    float history2[3]; /* after step 3 (AdaDelta, Adam) */
} RuleCase;

/* Printed by `python3 tests/lib/solver_reference.py`. Checks by hand on step 1
 * (p0[0]: clipped g = 0.6 x 0.9 / sqrt(1.04) = 0.52951, averaged 0.26476,
 * plus decay 0.1 x 0.5 x 1 = 0.31476, lr 0.2): SGD moves it by 0.2 x 0.31476
 * = 0.062952 (0.937048); Nesterov by 1.9 x that (0.880392); AdaGrad and Adam
 * by about lr = 0.2, since their first step is lr d / |d| (0.80006, 0.8);
 * RMSProp with rms_decay 0.9 by lr / sqrt(0.1) = 0.63246 (0.368179). */
static const RuleCase rule_cases[] = {
    {SOLVER_SGD,
     0.9,
     0,
     0,
     0,
     {{0.937048644f, -1.96234955f, 0.464699096f},
      {0.851021936f, -1.94884065f, 0.462928282f},
      {0.80508768f, -1.97719423f, 0.451334549f}},
     {0.0459342559f, 0.0283535814f, 0.0115937325f},
     {0}},
    {SOLVER_NESTEROV,
     0.9,
     0,
     0,
     0,
     {{0.880392423f, -1.92846414f, 0.432928282f},
      {0.774674368f, -1.93732646f, 0.461334549f},
      {0.766732837f, -2.00384951f, 0.44090019f}},
     {0.0446608742f, 0.0287736919f, 0.0115937325f},
     {0}},
    {SOLVER_ADAGRAD,
     0,
     0,
     0,
     1e-4,
     {{0.800063521f, -1.80010618f, 0.40002832f},
      {0.718805474f, -1.9009579f, 0.464771957f},
      {0.804777054f, -2.03789502f, 0.443676515f}},
     {0.145588315f, 0.0895431111f, 0.224615385f},
     {0}},
    {SOLVER_RMSPROP,
     0,
     0,
     0.9,
     1e-4,
     {{0.368179241f, -1.36860509f, 0.184055259f},
      {0.135274537f, -1.74319838f, 0.394905891f},
      {0.473667216f, -2.19246571f, 0.322777601f}},
     {0.0130207055f, 0.00895859583f, 0.0191938462f},
     {0}},
    {SOLVER_ADADELTA,
     0.95,
     0,
     0,
     1e-4,
     {{0.991144664f, -1.99129791f, 0.495563325f},
      {0.985676073f, -1.99715728f, 0.499683565f},
      {0.991238577f, -2.00660331f, 0.498055164f}},
     {0.0066688349f, 0.00408116719f, 0.0103982692f},
     {0.000162653723f, 0.000237732531f, 0.000182720624f}},
    {SOLVER_ADAM,
     0.9,
     0.999,
     0,
     1e-8,
     {{0.800000201f, -1.80000034f, 0.40000009f},
      {0.61705593f, -1.75942112f, 0.397154835f},
      {0.546491307f, -1.82605428f, 0.381515962f}},
     {0.0211805799f, 0.0158544598f, 0.0115937325f},
     {0.000147064967f, 9.24122408e-05f, 0.000224276278f}},
};

static void run_rule(const RuleCase *rc) {
    Param p[2];
    const float w0[2] = {1.0f, -2.0f}, w1[1] = {0.5f}, zero[2] = {0, 0};
    make_param(&p[0], w0, zero, 2);
    make_param(&p[1], w1, zero, 1);
    p[0].lr_mult = 2.0f;
    p[0].decay_mult = 0.5f;
    p[1].decay_mult = 0.0f;
    Param *ps[2] = {&p[0], &p[1]};
    SolverConfig c = base(SOLVER_FIXED);
    c.type = rc->type;
    c.momentum = rc->momentum;
    c.momentum2 = rc->momentum2;
    c.rms_decay = rc->rms_decay;
    c.delta = rc->delta;
    c.weight_decay = 0.1;
    c.iter_size = 2;
    c.clip_gradients = 0.9;
    Solver s;
    assert_int_equal(solver_init(&s, &c, ps, 2, NULL), ST_OK);
    int two = rc->type == SOLVER_ADADELTA || rc->type == SOLVER_ADAM;
    assert_int_equal(solver_histories(rc->type), two ? 2 : 1);
    for (int i = 0; i < 2; i++) /* only the two-history types pay for a second tensor */
        assert_true(two ? p[i].history2.data != NULL : p[i].history2.data == NULL);
    for (int step = 0; step < 3; step++) {
        p[0].grad.data[0] = rule_grads[step][0];
        p[0].grad.data[1] = rule_grads[step][1];
        p[1].grad.data[0] = rule_grads[step][2];
        close_to(solver_update(&s), 0.1);
        float got[3] = {p[0].value.data[0], p[0].value.data[1], p[1].value.data[0]};
        testutil_assert_close(got, rc->w[step], 3, 1e-7, 2e-5);
    }
    assert_int_equal(s.iter, 3);
    float h[3] = {p[0].history.data[0], p[0].history.data[1], p[1].history.data[0]};
    testutil_assert_close(h, rc->history, 3, 1e-10, 1e-4);
    if (two) {
        float h2[3] = {p[0].history2.data[0], p[0].history2.data[1], p[1].history2.data[0]};
        testutil_assert_close(h2, rc->history2, 3, 1e-10, 1e-4);
    }
    param_fini(&p[0]);
    param_fini(&p[1]);
}

static void test_solver_every_type_against_reference(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof rule_cases / sizeof rule_cases[0]; i++) {
        print_message("solver type %s\n", solver_type_name(rule_cases[i].type));
        run_rule(&rule_cases[i]);
    }
    assert_string_equal(solver_type_name(SOLVER_ADADELTA), "AdaDelta");
    assert_string_equal(solver_type_name((SolverType)99), "?");
}

/* L1 decay reaches every type through the shared Regularize: AdaGrad's
 * first step on w = 0.5, g = 0 with L1 decay 0.2 is d = 0.2 sign(w), h =
 * d^2 = 0.04, update lr d / (sqrt(h) + delta) = 0.1 x 0.2 / (0.2 + 1e-8). */
static void test_solver_l1_reaches_adaptive_types(void **state) {
    (void)state;
    Param p;
    const float w[2] = {0.5f, -0.5f}, g[2] = {0, 0};
    make_param(&p, w, g, 2);
    Param *ps[1] = {&p};
    SolverConfig c = base(SOLVER_FIXED);
    c.type = SOLVER_ADAGRAD;
    c.delta = 1e-8;
    c.l1 = 1;
    c.weight_decay = 0.2;
    Solver s;
    assert_int_equal(solver_init(&s, &c, ps, 1, NULL), ST_OK);
    solver_update(&s);
    const float want[2] = {0.5f - 0.1f * 0.2f / (0.2f + 1e-8f),
                           -0.5f + 0.1f * 0.2f / (0.2f + 1e-8f)};
    testutil_assert_close(p.value.data, want, 2, 1e-7, 1e-6);
    const float h[2] = {0.04f, 0.04f};
    testutil_assert_close(p.history.data, h, 2, 1e-9, 1e-6);
    param_fini(&p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_solver_config_default),
        cmocka_unit_test(test_solver_policies_at_boundaries),
        cmocka_unit_test(test_solver_multistep_repeats_and_resume),
        cmocka_unit_test(test_solver_update_momentum_decay_mults),
        cmocka_unit_test(test_solver_l1_iter_size_and_clip),
        cmocka_unit_test(test_solver_every_type_against_reference),
        cmocka_unit_test(test_solver_l1_reaches_adaptive_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
