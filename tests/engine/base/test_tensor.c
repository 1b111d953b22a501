/*
 * test_tensor — tensor allocation, views, counts and copies; the error
 * buffer; parameter allocation.
 */
#include <string.h>

#include "engine/base/param.h"
#include "tests/lib/testutil.h"

static void test_tensor_init_counts_and_zero(void **state) {
    (void)state;
    Tensor t;
    assert_int_equal(tensor_init(&t, 2, 3, 4, 5), ST_OK);
    assert_int_equal(tensor_count(&t), 120);
    assert_int_equal(tensor_sample_size(&t), 60);
    assert_int_equal(tensor_capacity(&t), 120);
    for (size_t i = 0; i < 120; i++) assert_true(t.data[i] == 0.0f);
    assert_ptr_equal(tensor_sample(&t, 1), t.data + 60);
    t.n = 1; /* a short batch keeps the capacity */
    assert_int_equal(tensor_count(&t), 60);
    assert_int_equal(tensor_capacity(&t), 120);
    tensor_fini(&t);
    assert_null(t.data);
    tensor_fini(&t); /* twice is harmless */
    tensor_fini(NULL);
}

static void test_tensor_view_and_copy(void **state) {
    (void)state;
    float buf[6] = {1, 2, 3, 4, 5, 6};
    Tensor v, c;
    tensor_view(&v, buf, 1, 6, 1, 1);
    assert_int_equal(v.owns, 0);
    testutil_tensor(&c, 2, 3, 1, 1);
    tensor_copy(&c, &v);
    testutil_assert_close(c.data, buf, 6, 0, 0);
    tensor_fill(&c, 7.0f);
    assert_true(c.data[5] == 7.0f && buf[5] == 6.0f);
    tensor_fini(&v); /* a view's fini does not free the buffer */
    assert_true(buf[0] == 1.0f);
    assert_true(shape_equal(tensor_shape(&c), (Shape){2, 3, 1, 1}));
    assert_int_equal(shape_count((Shape){2, 3, 4, 5}), 120);
    tensor_fini(&c);
}

static void test_tensor_huge_allocation_fails_cleanly(void **state) {
    (void)state;
    Tensor t;
    /* 2^31 * 2^31 floats cannot exist: ST_NOMEM, not a crash. */
    assert_int_equal(tensor_init(&t, 1 << 30, 1 << 30, 4, 4), ST_NOMEM);
    assert_null(t.data);
}

static void test_tensor_shape_text(void **state) {
    (void)state;
    char buf[32], small[8];
    const int64_t shape[4] = {64, 3, 3, 3}, huge[1] = {1ll << 40};
    assert_ptr_equal(tensor_shape_text(shape, 4, buf, sizeof buf), buf);
    assert_string_equal(buf, "[64, 3, 3, 3]");
    assert_string_equal(tensor_shape_text(huge, 1, buf, sizeof buf), "[1099511627776]");
    assert_string_equal(tensor_shape_text(NULL, 0, buf, sizeof buf), "[]");
    assert_string_equal(tensor_shape_text(shape, 4, small, sizeof small), "[64, 3,");
}

static void test_error_set_and_names(void **state) {
    (void)state;
    Error e;
    error_clear(&e);
    assert_int_equal(e.status, ST_OK);
    assert_int_equal(error_set(&e, ST_FORMAT, "%s:%d: key %s", "a.ini", 3, "lr"), ST_FORMAT);
    assert_string_equal(e.msg, "a.ini:3: key lr");
    assert_int_equal(error_set(NULL, ST_IO, "ignored"), ST_IO);
    for (int s = 0; s < ST_COUNT_; s++) assert_true(strlen(error_status_name((Status)s)) > 0);
    assert_string_equal(error_status_name(ST_COUNT_), "unknown status");
}

static void test_param_init_names_and_zero_grad(void **state) {
    (void)state;
    Param p;
    assert_int_equal(param_init(&p, "fc.weight", 3, 4, 1, 1, NULL), ST_OK);
    assert_string_equal(p.name, "fc.weight");
    assert_true(p.lr_mult == 1.0f && p.decay_mult == 1.0f);
    tensor_fill(&p.grad, 2.0f);
    param_zero_grad(&p);
    for (size_t i = 0; i < 12; i++) assert_true(p.grad.data[i] == 0.0f);
    param_fini(&p);
    param_fini(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tensor_init_counts_and_zero),
        cmocka_unit_test(test_tensor_view_and_copy),
        cmocka_unit_test(test_tensor_huge_allocation_fails_cleanly),
        cmocka_unit_test(test_tensor_shape_text),
        cmocka_unit_test(test_error_set_and_names),
        cmocka_unit_test(test_param_init_names_and_zero_grad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
