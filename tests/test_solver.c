/*
 * test_solver — every learning-rate policy against its formula at and
 * around its boundaries, multistep with repeated step values and a resumed
 * position, and the SGD update (momentum with the rate inside the history,
 * L2 and L1 decay with decay_mult, lr_mult, iter_size normalisation,
 * gradient clipping) against values worked by hand.
 */
#include <math.h>

#include "engine/train/solver.h"
#include "tests/testutil.h"

static SolverConfig base(SolverPolicy p) {
    return (SolverConfig){.base_lr = 0.1,
                          .policy = p,
                          .gamma = 0.5,
                          .power = 2.0,
                          .stepsize = 10,
                          .max_iter = 100,
                          .iter_size = 1,
                          .clip_gradients = -1};
}

static double rate(const SolverConfig *c, int iter) {
    int step = 0;
    return solver_rate(c, iter, &step);
}

static void close_to(double got, double want) {
    if (fabs(got - want) > 1e-12 * fmax(1.0, fabs(want)))
        fail_msg("got %.17g, want %.17g", got, want);
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
    solver_init(&s, &c, ps, 1);
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
    solver_init(&s, &c, ps, 1);
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
    solver_init(&s, &c, ps, 1);
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

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_solver_policies_at_boundaries),
        cmocka_unit_test(test_solver_multistep_repeats_and_resume),
        cmocka_unit_test(test_solver_update_momentum_decay_mults),
        cmocka_unit_test(test_solver_l1_iter_size_and_clip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
