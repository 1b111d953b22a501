/*
 * test_param — a parameter's three tensors allocated zero with its shape
 * and Caffe's default multipliers, its name kept (and cut to the buffer),
 * the second history only on request and only once, zeroing the gradient
 * alone, and ST_NOMEM (naming the parameter, nothing left allocated) for
 * sizes that cannot be allocated.
 */
#include <limits.h>
#include <string.h>

#include "engine/base/param.h"
#include "tests/lib/testutil.h"

/* 1 when every float of t is exactly zero. */
static int all_zero(const Tensor *t) {
    for (size_t i = 0; i < tensor_count(t); i++)
        if (t->data[i] != 0.0f) return 0;
    return 1;
}

static void expect_shape(const Tensor *t, int n, int c, int h, int w) {
    assert_non_null(t->data);
    assert_true(t->owns);
    assert_true(shape_equal(tensor_shape(t), (Shape){n, c, h, w}));
    assert_true(all_zero(t));
}

static void test_param_init_shapes_and_defaults(void **state) {
    (void)state;
    Param p;
    Error err = {0};
    assert_int_equal(param_init(&p, "conv1_1.weight", 4, 3, 3, 3, &err), ST_OK);
    assert_string_equal(p.name, "conv1_1.weight");
    expect_shape(&p.value, 4, 3, 3, 3);
    expect_shape(&p.grad, 4, 3, 3, 3);
    expect_shape(&p.history, 4, 3, 3, 3);
    assert_null(p.history2.data); /* SGD needs no second history */
    assert_true(p.value.data != p.grad.data && p.grad.data != p.history.data);
    assert_true(p.lr_mult == 1.0f);
    assert_true(p.decay_mult == 1.0f);
    param_fini(&p);
    assert_null(p.value.data);
    assert_null(p.grad.data);
    param_fini(&p); /* a second fini finds nothing to free */
    param_fini(NULL);
}

static void test_param_long_name_is_cut(void **state) {
    (void)state;
    char name[100];
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    Param p;
    assert_int_equal(param_init(&p, name, 1, 1, 1, 2, NULL), ST_OK);
    assert_int_equal(strlen(p.name), sizeof p.name - 1);
    assert_memory_equal(p.name, name, sizeof p.name - 1);
    param_fini(&p);
}

static void test_param_history2_once(void **state) {
    (void)state;
    Param p;
    assert_int_equal(param_init(&p, "fc.bias", 1, 5, 1, 1, NULL), ST_OK);
    assert_int_equal(param_alloc_history2(&p, NULL), ST_OK);
    expect_shape(&p.history2, 1, 5, 1, 1);
    /* A second request keeps what the solver already accumulated. */
    float *h2 = p.history2.data;
    h2[3] = 0.25f;
    assert_int_equal(param_alloc_history2(&p, NULL), ST_OK);
    assert_ptr_equal(p.history2.data, h2);
    assert_true(p.history2.data[3] == 0.25f);
    param_fini(&p);
    assert_null(p.history2.data);
}

static void test_param_zero_grad_only(void **state) {
    (void)state;
    Param p;
    assert_int_equal(param_init(&p, "w", 2, 2, 1, 1, NULL), ST_OK);
    tensor_fill(&p.value, 1.5f);
    tensor_fill(&p.grad, -2.0f);
    tensor_fill(&p.history, 0.5f);
    param_zero_grad(&p);
    assert_true(all_zero(&p.grad));
    for (int i = 0; i < 4; i++) {
        assert_true(p.value.data[i] == 1.5f);
        assert_true(p.history.data[i] == 0.5f);
    }
    param_fini(&p);
}

static void test_param_nomem_names_parameter(void **state) {
    (void)state;
    Param p;
    Error err = {0};
    /* INT_MAX^4 floats overflow size_t: refused before any allocation. */
    assert_int_equal(param_init(&p, "fc8.weight", INT_MAX, INT_MAX, INT_MAX, INT_MAX, &err),
                     ST_NOMEM);
    assert_int_equal(err.status, ST_NOMEM);
    assert_non_null(strstr(err.msg, "parameter fc8.weight"));
    assert_null(p.value.data);
    assert_null(p.grad.data);
    assert_null(p.history.data);
    /* The second history of a value too large to mirror stays empty. */
    float one = 0;
    assert_int_equal(param_init(&p, "big", 1, 1, 1, 1, NULL), ST_OK);
    Tensor small = p.value;
    tensor_view(&p.value, &one, INT_MAX, INT_MAX, INT_MAX, INT_MAX);
    error_clear(&err);
    assert_int_equal(param_alloc_history2(&p, &err), ST_NOMEM);
    assert_non_null(strstr(err.msg, "parameter big"));
    assert_null(p.history2.data);
    p.value = small;
    param_fini(&p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_param_init_shapes_and_defaults),
        cmocka_unit_test(test_param_long_name_is_cut),
        cmocka_unit_test(test_param_history2_once),
        cmocka_unit_test(test_param_zero_grad_only),
        cmocka_unit_test(test_param_nomem_names_parameter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
