/*
 * testutil — shared test helpers. See testutil.h.
 */
#include "tests/lib/testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void testutil_fill_uniform(Tensor *t, Rng *r, float lo, float hi) {
    size_t n = tensor_count(t);
    for (size_t i = 0; i < n; i++) t->data[i] = lo + (hi - lo) * rng_uniform(r);
}

void testutil_fill_normal(Tensor *t, Rng *r, float scale) {
    size_t n = tensor_count(t);
    for (size_t i = 0; i < n; i++) t->data[i] = scale * rng_normal(r);
}

void testutil_assert_close(const float *a, const float *b, size_t n, double atol, double rtol) {
    for (size_t i = 0; i < n; i++) {
        double diff = fabs((double)a[i] - (double)b[i]);
        if (!(diff <= atol + rtol * fabs((double)b[i]))) {
            fail_msg("index %zu: got %.9g, expected %.9g (|diff| %.3g > atol %.3g + rtol %.3g)", i,
                     (double)a[i], (double)b[i], diff, atol, rtol);
        }
    }
}

void testutil_tensor(Tensor *t, int n, int c, int h, int w) {
    assert_int_equal(tensor_init(t, n, c, h, w), ST_OK);
}

void testutil_assert_near(double got, double want, double tol, const char *file, int line) {
    if (!(fabs(got - want) <= tol))
        fail_msg("%s:%d: got %.12g, want %.12g (within %g)", file, line, got, want, tol);
}

int testutil_tmpdir(char *dir, size_t cap, const char *name) {
    if (snprintf(dir, cap, "/tmp/finelab_test_%s_XXXXXX", name) >= (int)cap) return -1;
    return mkdtemp(dir) ? 0 : -1;
}

int testutil_rmtree(const char *dir) {
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf -- '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int testutil_teardown_tmp(void **state) {
    char *root = *state; /* the fixture's first member */
    int rc = testutil_rmtree(root);
    free(root);
    return rc;
}
