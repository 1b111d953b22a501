/*
 * test_rng — determinism, independence of seeds and the distributions'
 * first moments.
 */
#include <math.h>

#include "tests/lib/testutil.h"

static void test_rng_same_seed_same_stream(void **state) {
    (void)state;
    Rng a, b, c;
    rng_seed(&a, 1234);
    rng_seed(&b, 1234);
    rng_seed(&c, 1235);
    int differ = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t va = rng_u64(&a), vb = rng_u64(&b), vc = rng_u64(&c);
        assert_true(va == vb);
        differ += va != vc;
    }
    assert_true(differ > 990);
}

static void test_rng_known_first_value(void **state) {
    (void)state;
    /* Pins the generator: a changed algorithm would silently change every
     * seeded hash, initialisation and split in saved runs. */
    Rng r;
    rng_seed(&r, 0);
    uint64_t first = rng_u64(&r);
    rng_seed(&r, 0);
    assert_true(first == rng_u64(&r));
    assert_true(first == 0x99ec5f36cb75f2b4ULL);
}

static void test_rng_moments(void **state) {
    (void)state;
    Rng r;
    rng_seed(&r, 99);
    const int n = 200000;
    double su = 0, sn = 0, sn2 = 0, ss = 0;
    uint32_t counts[7] = {0};
    for (int i = 0; i < n; i++) {
        float u = rng_uniform(&r);
        assert_true(u >= 0.0f && u < 1.0f);
        su += u;
        double g = rng_normal(&r);
        sn += g;
        sn2 += g * g;
        ss += rng_sign(&r);
        counts[rng_below(&r, 7)]++;
    }
    assert_true(fabs(su / n - 0.5) < 0.005);
    assert_true(fabs(sn / n) < 0.01);
    assert_true(fabs(sn2 / n - 1.0) < 0.02);
    assert_true(fabs(ss / n) < 0.01);
    for (int k = 0; k < 7; k++) assert_true(fabs(counts[k] / (double)n - 1.0 / 7) < 0.005);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rng_same_seed_same_stream),
        cmocka_unit_test(test_rng_known_first_value),
        cmocka_unit_test(test_rng_moments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
