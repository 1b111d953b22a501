/*
 * test_mattered — a sweep's "what mattered" line (src/report/mattered.c):
 * fANOVA's shares in rank order with the largest pair when ranked, nothing
 * when not; the range of means with the reason fANOVA was not used (too
 * few, noise) or none, and nothing without two values.
 */
#include <stdio.h>
#include <string.h>

#include "src/preset/schema.h"
#include "src/report/mattered.h"
#include "tests/lib/testutil.h"

static void sweep_of_two(PresetSweep *sw) {
    memset(sw, 0, sizeof *sw);
    sw->n_keys = 2;
    sw->keys[0].key = schema_index(schema_find_dotted("data.resolution"));
    sw->keys[1].key = schema_index(schema_find_dotted("model.bilinear_dim"));
}

static void test_mattered_fanova(void **state) {
    (void)state;
    PresetSweep sw;
    sweep_of_two(&sw);
    StudyImportance imp = {.ranked = 1, .n_trials = 12, .d = 2, .order = {1, 0}};
    imp.share[0] = 0.04, imp.share[1] = 0.931; /* the dimension first, as ranked */
    imp.pair[0][1] = imp.pair[1][0] = 0.029;
    char buf[256];
    assert_int_equal(mattered_fanova(&sw, &imp, buf, sizeof buf), 1);
    assert_string_equal(buf, "what mattered (fANOVA over 12 runs, share of variance): "
                             "model.bilinear_dim 93%, data.resolution 4%; together 3%");
    imp.ranked = 0;
    assert_int_equal(mattered_fanova(&sw, &imp, buf, sizeof buf), 0);
    assert_string_equal(buf, "");
}

static void test_mattered_range(void **state) {
    (void)state;
    const char *labels[] = {"data.resolution=224", "data.resolution=448"};
    double best[] = {0.70, 0.80};
    char buf[256];
    StudyImportance few = {.rung = -1}, noise = {.rung = 0};
    snprintf(few.why, sizeof few.why, "too few");
    snprintf(noise.why, sizeof noise.why, "noise");
    assert_int_equal(mattered_range(labels, best, 2, "val", &few, buf, sizeof buf), 1);
    assert_string_equal(buf, "what mattered (range of the mean best val accuracy per key): "
                             "data.resolution 10.0 points (224 70.0% .. 448 80.0%); too few "
                             "runs for fANOVA");
    assert_int_equal(mattered_range(labels, best, 2, "", &noise, buf, sizeof buf), 1);
    assert_non_null(strstr(buf, "(range of the mean best accuracy per key): "));
    assert_non_null(strstr(buf, "80.0%); noise to fANOVA"));
    assert_int_equal(mattered_range(labels, best, 2, "", NULL, buf, sizeof buf), 1);
    assert_non_null(strstr(buf, "80.0%)"));
    assert_null(strstr(buf, "fANOVA"));
    assert_int_equal(mattered_range(labels, best, 1, "", NULL, buf, sizeof buf), 0);
    assert_string_equal(buf, "");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mattered_fanova),
        cmocka_unit_test(test_mattered_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
