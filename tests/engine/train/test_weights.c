/*
 * test_weights — weights files checked before a network exists: a backbone
 * written for one width passes weights_check at that width and fails at
 * another naming the tensor and both shapes, exactly as weights_load fails
 * on a built network; a file without the classifier passes the backbone
 * check only; a missing file is named; a second solver history loads
 * when a parameter has one, and its absence names the tensor.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/io/safetensors.h"
#include "engine/train/weights.h"
#include "tests/lib/testutil.h"
#include "tests/lib/testweights.h"

static char dir[64];

static int setup(void **state) {
    (void)state;
    return testutil_tmpdir(dir, sizeof dir, "weights");
}

static int teardown(void **state) {
    (void)state;
    return testutil_rmtree(dir);
}

static NetConfig config(float width) {
    NetConfig c = net_config_default();
    c.width = width;
    c.resolution = 32;
    c.bilinear_dim = 64;
    c.num_classes = 3;
    return c;
}

static void test_weights_check_knows_the_width(void **state) {
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/w0625.safetensors", dir);
    NetConfig narrow = config(0.0625f), wide = config(0.125f);
    testweights_write(path, &narrow, 1);
    Error err = {0};
    assert_int_equal(weights_check(path, &narrow, 1, &err), ST_OK);
    assert_int_equal(weights_check(path, &wide, 1, &err), ST_SHAPE);
    assert_non_null(strstr(err.msg, path));
    assert_non_null(
        strstr(err.msg, "features.0.weight has shape [4, 3, 3, 3], the model needs [8, 3, 3, 3]"));
    /* The loader says the same of a built network of the other width. */
    Net *net = net_create(&wide, NULL);
    assert_non_null(net);
    int n;
    Param *const *ps = net_params(net, &n);
    Error load = {0};
    assert_int_equal(weights_load(ps, n - 2, path, 0, &load), ST_SHAPE);
    assert_string_equal(load.msg, err.msg);
    net_destroy(net);
    /* Without a classifier the whole network is not there. */
    assert_int_equal(weights_check(path, &narrow, 0, &err), ST_FORMAT);
    assert_non_null(strstr(err.msg, "head.fc.weight is missing"));
}

static void test_weights_check_whole_network(void **state) {
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/net.safetensors", dir);
    NetConfig c = config(0.0625f);
    testweights_write(path, &c, 0);
    Error err = {0};
    assert_int_equal(weights_check(path, &c, 0, &err), ST_OK);
    c.bilinear_dim = 128; /* another head: the classifier does not fit */
    assert_int_equal(weights_check(path, &c, 0, &err), ST_SHAPE);
    assert_non_null(strstr(err.msg, "head.fc.weight has shape [3, 64], the model needs [3, 128]"));
    assert_int_equal(weights_check(path, &c, 1, &err), ST_OK);
    assert_int_not_equal(weights_check("/nonexistent/w.safetensors", &c, 1, &err), ST_OK);
    assert_non_null(strstr(err.msg, "/nonexistent/w.safetensors"));
}

/* Histories load with the weights when asked: `<name>.history` always,
 * `<name>.history2` for a parameter whose solver keeps two, whose absence
 * is an error naming that tensor (nothing read). */
static void test_weights_load_second_history(void **state) {
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/hist.safetensors", dir);
    const float v[2] = {1, 2}, h[2] = {3, 4}, h2[2] = {5, 6};
    int64_t shape[2] = {2, 1};
    for (int with2 = 0; with2 < 2; with2++) {
        SafeTensorsWriter *w = safetensors_writer_create();
        assert_int_equal(safetensors_writer_add(w, "fc.weight", shape, 2, v), ST_OK);
        assert_int_equal(safetensors_writer_add(w, "fc.weight.history", shape, 2, h), ST_OK);
        if (with2)
            assert_int_equal(safetensors_writer_add(w, "fc.weight.history2", shape, 2, h2), ST_OK);
        assert_int_equal(safetensors_writer_write(w, path, NULL), ST_OK);
        safetensors_writer_destroy(w);
        Param p;
        assert_int_equal(param_init(&p, "fc.weight", 2, 1, 1, 1, NULL), ST_OK);
        Param *ps[1] = {&p};
        Error err = {0};
        assert_int_equal(weights_load(ps, 1, path, 1, &err), ST_OK); /* SGD-like: one history */
        testutil_assert_close(p.history.data, h, 2, 0, 0);
        assert_int_equal(param_alloc_history2(&p, NULL), ST_OK);
        tensor_zero(&p.history);
        Status s = weights_load(ps, 1, path, 1, &err);
        if (with2) {
            assert_int_equal(s, ST_OK);
            testutil_assert_close(p.history2.data, h2, 2, 0, 0);
        } else {
            assert_int_equal(s, ST_FORMAT);
            assert_non_null(strstr(err.msg, "tensor fc.weight.history2 is missing"));
            assert_true(p.history.data[0] == 0); /* nothing was read */
        }
        param_fini(&p);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_weights_check_knows_the_width),
        cmocka_unit_test(test_weights_check_whole_network),
        cmocka_unit_test(test_weights_load_second_history),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
