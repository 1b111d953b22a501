/*
 * test_softmax_loss — loss values on known cases, stability for large
 * logits, the FLT_MIN floor on an underflowed probability, the gradient
 * (by hand, with loss_weight, in place) and against central differences.
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "engine/nn/softmax_loss.h"
#include "tests/lib/testutil.h"

static void test_softmax_loss_uniform_is_log_k(void **state) {
    (void)state;
    Tensor z, p;
    testutil_tensor(&z, 2, 7, 1, 1);
    testutil_tensor(&p, 2, 7, 1, 1);
    tensor_fill(&z, 3.25f);
    const int labels[2] = {0, 6};
    float loss = softmax_loss_forward(&z, labels, &p);
    assert_float_equal(loss, logf(7.0f), 1e-6);
    for (int i = 0; i < 14; i++) assert_float_equal(p.data[i], 1.0f / 7.0f, 1e-7);
    tensor_fini(&z);
    tensor_fini(&p);
}

static void test_softmax_loss_known_case_and_gradient(void **state) {
    (void)state;
    Tensor z, p, d;
    testutil_tensor(&z, 2, 1, 1, 2);
    testutil_tensor(&p, 2, 1, 1, 2);
    testutil_tensor(&d, 2, 1, 1, 2);
    /* (0, ln 3) -> (1/4, 3/4); (ln 4, 0) -> (4/5, 1/5). */
    const float in[4] = {0.0f, logf(3.0f), logf(4.0f), 0.0f};
    memcpy(z.data, in, sizeof in);
    const int labels[2] = {1, 1};
    float loss = softmax_loss_forward(&z, labels, &p);
    assert_float_equal(loss, (-log(0.75) - log(0.2)) / 2.0, 1e-6);
    const float probs[4] = {0.25f, 0.75f, 0.8f, 0.2f};
    testutil_assert_close(p.data, probs, 4, 1e-7, 0.0);
    /* d = w (p - onehot) / n with w = 3, n = 2. */
    softmax_loss_backward(&p, labels, 3.0f, &d);
    const float grad[4] = {0.375f, -0.375f, 1.2f, -1.2f};
    testutil_assert_close(d.data, grad, 4, 1e-6, 0.0);
    /* In place: the gradient overwrites the probabilities. */
    softmax_loss_backward(&p, labels, 3.0f, &p);
    testutil_assert_close(p.data, grad, 4, 1e-6, 0.0);
    tensor_fini(&z);
    tensor_fini(&p);
    tensor_fini(&d);
}

static void test_softmax_loss_large_logits_and_underflow(void **state) {
    (void)state;
    Tensor z;
    testutil_tensor(&z, 2, 3, 1, 1);
    /* exp(1e4) overflows without the max subtraction; in place (probs = z). */
    const float in[6] = {1e4f, 1e4f, -1e4f, 1e4f, 1e4f, -1e4f};
    memcpy(z.data, in, sizeof in);
    const int labels[2] = {0, 2};
    float loss = softmax_loss_forward(&z, labels, &z);
    /* Sample 0: p = (1/2, 1/2, 0), loss ln 2. Sample 1's label has p = exp(-2e4)
     * = 0 in float, read as FLT_MIN: loss -ln(FLT_MIN) ~ 87.34. */
    assert_true(isfinite(loss));
    assert_float_equal(loss, (log(2.0) - log((double)FLT_MIN)) / 2.0, 1e-4);
    const float probs[6] = {0.5f, 0.5f, 0.0f, 0.5f, 0.5f, 0.0f};
    testutil_assert_close(z.data, probs, 6, 0.0, 0.0);
    tensor_fini(&z);
}

/* Mean cross-entropy of softmax(z) computed in double: log-sum-exp minus
 * the label's logit. The reference both for forward and for the slopes. */
static double reference_loss(const float *z, const int *labels, int n, int k) {
    double total = 0.0;
    for (int i = 0; i < n; i++) {
        const float *zi = z + (size_t)i * k;
        double zmax = zi[0], sum = 0.0;
        for (int j = 1; j < k; j++) zmax = fmax(zmax, zi[j]);
        for (int j = 0; j < k; j++) sum += exp(zi[j] - zmax);
        total += zmax + log(sum) - zi[labels[i]];
    }
    return total / n;
}

static void test_softmax_loss_nan_logits_give_nan_loss(void **state) {
    (void)state;
    /* A diverged net must show a NaN loss (as Caffe's), not a clamped one. */
    Tensor logits, probs;
    testutil_tensor(&logits, 2, 3, 1, 1);
    testutil_tensor(&probs, 2, 3, 1, 1);
    logits.data[0] = NAN;
    const int labels[2] = {0, 1};
    assert_true(isnan(softmax_loss_forward(&logits, labels, &probs)));
    tensor_fini(&logits);
    tensor_fini(&probs);
}

static void test_softmax_loss_gradcheck(void **state) {
    (void)state;
    enum { N = 3, K = 5 };
    Tensor z, p, d;
    testutil_tensor(&z, N, K, 1, 1);
    testutil_tensor(&p, N, K, 1, 1);
    testutil_tensor(&d, N, K, 1, 1);
    Rng r;
    rng_seed(&r, 61);
    testutil_fill_normal(&z, &r, 2.0f);
    const int labels[N] = {4, 0, 2};
    const float weight = 0.7f, h = 1e-2f;
    float loss = softmax_loss_forward(&z, labels, &p);
    assert_float_equal(loss, reference_loss(z.data, labels, N, K), 1e-6);
    softmax_loss_backward(&p, labels, weight, &d);
    /* The slopes come from the double reference rather than from the float
     * the forward returns: rounding that float (~1e-7 of a loss ~2, over 2h)
     * would cost up to 1e-3 of a 1e-2 gradient, hiding real errors. */
    double worst = 0.0;
    for (int i = 0; i < N * K; i++) {
        float saved = z.data[i];
        z.data[i] = saved + h;
        double lp = weight * reference_loss(z.data, labels, N, K);
        z.data[i] = saved - h;
        double lm = weight * reference_loss(z.data, labels, N, K);
        z.data[i] = saved;
        double numeric = (lp - lm) / (double)((saved + h) - (saved - h));
        double err = fabs(d.data[i] - numeric) / fmax(fmax(fabs(d.data[i]), fabs(numeric)), 1e-2);
        if (err > worst) worst = err;
    }
    /* Smooth: the truncation error h^2 |f'''| / 6 dominates (observed
     * 1.5e-5); the float p behind d adds ~1e-7. Bound 1e-4. */
    if (worst > 1e-4) fail_msg("softmax loss gradcheck err %.3g > 1e-4", worst);
    tensor_fini(&z);
    tensor_fini(&p);
    tensor_fini(&d);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_softmax_loss_uniform_is_log_k),
        cmocka_unit_test(test_softmax_loss_known_case_and_gradient),
        cmocka_unit_test(test_softmax_loss_large_logits_and_underflow),
        cmocka_unit_test(test_softmax_loss_nan_logits_give_nan_loss),
        cmocka_unit_test(test_softmax_loss_gradcheck),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
