/*
 * test_accuracy — top-1 counts and fractions, first-maximum tie-breaking,
 * scores laid out over c*h*w, and the empty batch.
 */
#include <string.h>

#include "engine/nn/accuracy.h"
#include "tests/lib/testutil.h"

static void test_accuracy_counts(void **state) {
    (void)state;
    Tensor s;
    testutil_tensor(&s, 4, 3, 1, 1);
    const float in[12] = {
        0.1f,  0.7f,  0.2f,  /* argmax 1 */
        -5.0f, -6.0f, -7.0f, /* argmax 0 */
        1.0f,  3.0f,  3.0f,  /* tie of 1 and 2: 1 */
        2.0f,  2.0f,  2.0f,  /* all equal: 0 */
    };
    memcpy(s.data, in, sizeof in);
    const int expect_arg[4] = {1, 0, 1, 0};
    for (int i = 0; i < 4; i++) assert_int_equal(accuracy_argmax(&s, i), expect_arg[i]);
    const int right[4] = {1, 0, 1, 0};
    assert_int_equal(accuracy_count(&s, right), 4);
    assert_float_equal(accuracy_top1(&s, right), 1.0, 0.0);
    /* The tied-but-not-first labels (2 and 1) count as wrong. */
    const int ties_later[4] = {1, 0, 2, 1};
    assert_int_equal(accuracy_count(&s, ties_later), 2);
    assert_float_equal(accuracy_top1(&s, ties_later), 0.5, 0.0);
    const int wrong[4] = {0, 2, 0, 2};
    assert_int_equal(accuracy_count(&s, wrong), 0);
    s.n = 3; /* a short batch counts only its own samples */
    assert_float_equal(accuracy_top1(&s, ties_later), 2.0 / 3.0, 1e-12);
    s.n = 0;
    assert_int_equal(accuracy_count(&s, right), 0);
    assert_float_equal(accuracy_top1(&s, right), 0.0, 0.0);
    tensor_fini(&s);
}

static void test_accuracy_spatial_scores(void **state) {
    (void)state;
    Tensor s;
    testutil_tensor(&s, 2, 2, 1, 3); /* K = 6 scores per sample */
    s.data[4] = 9.0f;
    s.data[6 + 5] = 9.0f;
    s.data[6 + 2] = 9.0f;
    assert_int_equal(accuracy_argmax(&s, 0), 4);
    assert_int_equal(accuracy_argmax(&s, 1), 2);
    const int labels[2] = {4, 5};
    assert_int_equal(accuracy_count(&s, labels), 1);
    tensor_fini(&s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accuracy_counts),
        cmocka_unit_test(test_accuracy_spatial_scores),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
