/*
 * testutil — what every cmocka test file includes: cmocka itself (with the
 * headers it needs first) and small helpers for filling tensors and
 * comparing floats with a reported tolerance.
 */
#ifndef FINELAB_TESTUTIL_H
#define FINELAB_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "engine/base/rng.h"
#include "engine/base/tensor.h"

/* Fills t with uniform values in [lo, hi) from r. */
void testutil_fill_uniform(Tensor *t, Rng *r, float lo, float hi);
/* Fills t with standard normal values times scale. */
void testutil_fill_normal(Tensor *t, Rng *r, float scale);
/* Fails the test (with both values and the index) unless
 * |a[i] - b[i]| <= atol + rtol * |b[i]| for every i < n. */
void testutil_assert_close(const float *a, const float *b, size_t n, double atol, double rtol);
/* Fails the test (naming file and line, both values) unless |got - want|
 * <= tol; a NaN is near nothing. assert_near(got, want, tol) passes the
 * caller's place. */
void testutil_assert_near(double got, double want, double tol, const char *file, int line);
#define assert_near(got, want, tol) testutil_assert_near((got), (want), (tol), __FILE__, __LINE__)
/* A tensor_init that fails the test on ST_NOMEM. */
void testutil_tensor(Tensor *t, int n, int c, int h, int w);

/* Creates a fresh directory /tmp/finelab_test_<name>_XXXXXX and writes its
 * path into dir (cap bytes). Returns 0, or -1 when it cannot. */
int testutil_tmpdir(char *dir, size_t cap, const char *name);
/* Removes dir and everything under it. Returns 0, or -1 on failure. */
int testutil_rmtree(const char *dir);
/* A cmocka teardown for a fixture malloc'd into *state whose first member
 * is its temporary directory's path (char root[]): removes the directory,
 * frees the fixture. */
int testutil_teardown_tmp(void **state);

#endif
