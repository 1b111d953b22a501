/*
 * test_filler — Caffe's three fillers draw what their definitions say: on
 * a layer the size of VGG-16's conv4 (512 x 256 x 3 x 3, fan_in 2304, about
 * 1.2 M values) the sample mean and variance lie within 4 standard errors
 * of the formula's, xavier never leaves [-a, a] and fills it evenly, and
 * the same seed gives the same bits.
 */
#include <math.h>
#include <string.h>

#include "engine/nn/filler.h"
#include "tests/lib/testutil.h"

enum { OUT = 512, IN = 256, K = 3, FAN_IN = IN * K * K };

typedef struct Moments {
    double mean, var, max_abs;
} Moments;

static Moments moments(const Tensor *t) {
    size_t n = tensor_count(t);
    double s = 0, s2 = 0, m = 0;
    for (size_t i = 0; i < n; i++) {
        double x = t->data[i];
        s += x;
        if (fabs(x) > m) m = fabs(x);
    }
    double mean = s / (double)n;
    for (size_t i = 0; i < n; i++) s2 += (t->data[i] - mean) * (t->data[i] - mean);
    return (Moments){mean, s2 / (double)(n - 1), m};
}

/* Fills a conv4-sized tensor from f with seed and checks the mean and the
 * variance against var = sigma^2 within 4 standard errors: sigma/sqrt(n)
 * for the mean, sqrt((m4 - sigma^4) / n) for the variance, where m4 / sigma^4
 * is the distribution's kurtosis (3 for a Gaussian, 9/5 for a uniform). */
static Moments check_filler(const Filler *f, double var, double kurtosis, uint64_t seed) {
    Tensor t;
    testutil_tensor(&t, OUT, IN, K, K);
    Rng r;
    rng_seed(&r, seed);
    filler_fill(f, FAN_IN, &t, &r);
    double n = (double)tensor_count(&t);
    Moments m = moments(&t);
    double se_mean = sqrt(var / n), se_var = sqrt((kurtosis - 1.0) * var * var / n);
    if (fabs(m.mean) > 4 * se_mean || fabs(m.var - var) > 4 * se_var)
        fail_msg("mean %g (4 se %g), variance %g against %g (4 se %g)", m.mean, 4 * se_mean, m.var,
                 var, 4 * se_var);
    assert_true(fabs(filler_std(f, FAN_IN) - sqrt(var)) < 1e-12 * sqrt(var) + 1e-9);
    tensor_fini(&t);
    return m;
}

static void test_filler_msra_std_is_sqrt_2_over_fan_in(void **state) {
    (void)state;
    Filler f = {FILLER_MSRA, 0.0f};
    /* the std argument is the gaussian's alone */
    Filler g = {FILLER_MSRA, 5.0f};
    check_filler(&f, 2.0 / FAN_IN, 3.0, 1);
    check_filler(&g, 2.0 / FAN_IN, 3.0, 2);
    assert_true(isinf(filler_bound(&f, FAN_IN)));
}

static void test_filler_xavier_is_uniform_within_a(void **state) {
    (void)state;
    Filler f = {FILLER_XAVIER, 0.0f};
    double a = sqrt(3.0 / FAN_IN);
    assert_true(fabs(filler_bound(&f, FAN_IN) - a) < 1e-15);
    Moments m = check_filler(&f, a * a / 3.0, 9.0 / 5.0, 3);
    assert_true(m.max_abs <= (float)a);
    /* and it reaches the edges: the largest of 1.2 M uniform values is
     * within a / 10^5 of a with probability 1 - e^-12 */
    assert_true(m.max_abs > a * (1 - 1e-5));
    /* evenly: each tenth of [-a, a] holds a tenth of the values, within
     * 4 standard errors of the binomial count */
    Tensor t;
    testutil_tensor(&t, OUT, IN, K, K);
    Rng r;
    rng_seed(&r, 4);
    filler_fill(&f, FAN_IN, &t, &r);
    size_t n = tensor_count(&t), bins[10] = {0};
    for (size_t i = 0; i < n; i++) {
        int b = (int)floor((t.data[i] + a) / (2 * a) * 10);
        bins[b < 0 ? 0 : b > 9 ? 9 : b]++;
    }
    double expect = n / 10.0, se = sqrt(n * 0.1 * 0.9);
    for (int b = 0; b < 10; b++) assert_true(fabs((double)bins[b] - expect) < 4 * se);
    tensor_fini(&t);
}

static void test_filler_gaussian_std_is_init_std(void **state) {
    (void)state;
    const float stds[] = {0.001f, 0.01f, 1.0f};
    for (int i = 0; i < 3; i++) {
        Filler f = {FILLER_GAUSSIAN, stds[i]};
        check_filler(&f, (double)stds[i] * stds[i], 3.0, 5 + (uint64_t)i);
        /* fan_in does not matter to it */
        assert_true(filler_std(&f, 1) == (double)stds[i]);
    }
}

/* The same seed gives the same bits, another seed other values; the
 * gaussian is std * rng_normal in element order, the product the network
 * used before the fillers existed. */
static void test_filler_is_deterministic_per_seed(void **state) {
    (void)state;
    const Filler fillers[] = {{FILLER_MSRA, 0}, {FILLER_XAVIER, 0}, {FILLER_GAUSSIAN, 0.01f}};
    for (int k = 0; k < 3; k++) {
        Tensor a, b, c;
        testutil_tensor(&a, 64, 32, 3, 3);
        testutil_tensor(&b, 64, 32, 3, 3);
        testutil_tensor(&c, 64, 32, 3, 3);
        Rng ra, rb, rc;
        rng_seed(&ra, 42);
        rng_seed(&rb, 42);
        rng_seed(&rc, 43);
        filler_fill(&fillers[k], 288, &a, &ra);
        filler_fill(&fillers[k], 288, &b, &rb);
        filler_fill(&fillers[k], 288, &c, &rc);
        size_t n = tensor_count(&a), differ = 0;
        assert_memory_equal(a.data, b.data, n * sizeof(float));
        for (size_t i = 0; i < n; i++) differ += a.data[i] != c.data[i];
        assert_true(differ > n - 10);
        tensor_fini(&a);
        tensor_fini(&b);
        tensor_fini(&c);
    }
    Tensor t;
    testutil_tensor(&t, 4, 5, 1, 1);
    Rng r, s;
    rng_seed(&r, 7);
    rng_seed(&s, 7);
    Filler g = {FILLER_GAUSSIAN, 0.001f};
    filler_fill(&g, 5, &t, &r);
    for (int i = 0; i < 20; i++) assert_true(t.data[i] == 0.001f * rng_normal(&s));
    tensor_fini(&t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filler_msra_std_is_sqrt_2_over_fan_in),
        cmocka_unit_test(test_filler_xavier_is_uniform_within_a),
        cmocka_unit_test(test_filler_gaussian_std_is_init_std),
        cmocka_unit_test(test_filler_is_deterministic_per_seed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
