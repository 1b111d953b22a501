/*
 * test_sampler — a random sweep's draws: reproducible from the seed alone,
 * within their ranges, integer keys rounded, choice(...) as a list.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "src/preset/preset.h"
#include "src/preset/sampler.h"
#include "tests/lib/testutil.h"

static const char RANDOM_INI[] = "[sweep]\n"
                                 "strategy = random\n"
                                 "samples = 40\n"
                                 "seed = 7\n"
                                 "solver.base_lr = loguniform(1e-4, 1e-1)\n"
                                 "solver.weight_decay = uniform(0, 1e-3)\n"
                                 "data.resolution = choice(112, 168, 224)\n"
                                 "model.bilinear_dim = uniform(1000, 8000)\n";

static Preset *load(const char *text) {
    Preset *p = malloc(sizeof *p);
    Error err = {0};
    assert_non_null(p);
    if (preset_parse(p, text, "t.ini", &err)) fail_msg("%s", err.msg);
    return p;
}

static void test_sampler_ranges_and_rounding(void **state) {
    (void)state;
    Preset *p = load(RANDOM_INI), *one = malloc(sizeof *one);
    assert_int_equal(preset_sweep_count(p), 40);
    int seen[3] = {0}, low_lr = 0;
    for (int k = 0; k < 40; k++) {
        Error err = {0};
        assert_int_equal(preset_sweep_item(p, k, one, NULL, 0, &err), ST_OK);
        assert_true(one->solver.base_lr >= 1e-4 && one->solver.base_lr <= 1e-1);
        low_lr += one->solver.base_lr < 1e-2; /* loguniform: two of three decades */
        assert_true(one->solver.weight_decay >= 0 && one->solver.weight_decay <= 1e-3);
        assert_true(one->model.bilinear_dim >= 1000 && one->model.bilinear_dim <= 8000);
        int r = one->data.resolution;
        assert_true(r == 112 || r == 168 || r == 224);
        seen[r == 112 ? 0 : r == 168 ? 1 : 2]++;
        assert_int_equal(one->sweep.n_keys, 0);
    }
    assert_true(seen[0] && seen[1] && seen[2]);
    assert_true(low_lr > 15 && low_lr < 40);
    free(one);
    free(p);
}

static void test_sampler_reproducible(void **state) {
    (void)state;
    Preset *a = load(RANDOM_INI), *b = load(RANDOM_INI);
    char la[512], lb[512], lc[512];
    Preset *one = malloc(sizeof *one);
    Error err = {0};
    /* Draw 5 alone (as --sweep-index 5) equals draw 5 after the others. */
    assert_int_equal(preset_sweep_item(b, 5, one, lb, sizeof lb, &err), ST_OK);
    for (int k = 0; k <= 5; k++)
        assert_int_equal(preset_sweep_item(a, k, one, la, sizeof la, &err), ST_OK);
    assert_string_equal(la, lb);
    /* More samples leave draw 5 as it was; another seed changes it. */
    assert_int_equal(preset_set(a, "sweep.samples=80", &err), ST_OK);
    assert_int_equal(preset_sweep_item(a, 5, one, la, sizeof la, &err), ST_OK);
    assert_string_equal(la, lb);
    assert_int_equal(preset_set(a, "sweep.seed=8", &err), ST_OK);
    assert_int_equal(preset_sweep_item(a, 5, one, lc, sizeof lc, &err), ST_OK);
    assert_string_not_equal(lc, lb);
    /* The saved sweep reads back to the same draws. */
    char *text = preset_format_sweep(b);
    Preset *c = load(text);
    assert_int_equal(preset_sweep_item(c, 5, one, lc, sizeof lc, &err), ST_OK);
    assert_string_equal(lc, lb);
    free(text);
    free(a), free(b), free(c), free(one);
}

static void test_sampler_parse_range(void **state) {
    (void)state;
    int dist;
    double lo, hi;
    const char *why = NULL;
    assert_int_equal(sampler_parse_range("loguniform(1e-4, 0.1)", &dist, &lo, &hi, &why), 1);
    assert_int_equal(dist, SWEEP_LOGUNIFORM);
    assert_true(fabs(lo - 1e-4) < 1e-12 && fabs(hi - 0.1) < 1e-12);
    assert_int_equal(sampler_parse_range("uniform(0,1)", &dist, &lo, &hi, &why), 1);
    assert_int_equal(dist, SWEEP_UNIFORM);
    assert_int_equal(sampler_parse_range("0.1", &dist, &lo, &hi, &why), 0);
    assert_int_equal(sampler_parse_range("uniform(1, 0)", &dist, &lo, &hi, &why), -1);
    assert_int_equal(sampler_parse_range("loguniform(0, 1)", &dist, &lo, &hi, &why), -1);
    assert_int_equal(sampler_parse_range("uniform(1)", &dist, &lo, &hi, &why), -1);
    assert_int_equal(sampler_parse_range("uniform(a, 2)", &dist, &lo, &hi, &why), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sampler_ranges_and_rounding),
        cmocka_unit_test(test_sampler_reproducible),
        cmocka_unit_test(test_sampler_parse_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
