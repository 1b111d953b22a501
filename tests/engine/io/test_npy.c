/*
 * test_npy — the .npy v1.0 header byte for byte (2-D, the 1-tuple's comma,
 * a scalar, eight dimensions), its 64-byte alignment, the shapes and
 * buffers it refuses, and whole files written, replaced and refused
 * (errors naming the path, nothing left beside the target).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/io/fileio.h"
#include "engine/io/npy.h"
#include "tests/lib/testutil.h"

/* The header npy_header should make for dict: preamble, dict, spaces to a
 * multiple of 64 with the last byte '\n'. */
static size_t expected_header(char *buf, const char *dict) {
    size_t n = strlen(dict);
    size_t total = (10 + n + 1 + 63) / 64 * 64;
    size_t hlen = total - 10;
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (char)(hlen & 0xff);
    buf[9] = (char)(hlen >> 8);
    memcpy(buf + 10, dict, n);
    memset(buf + 10 + n, ' ', hlen - n - 1);
    buf[total - 1] = '\n';
    return total;
}

static void expect_header(const int64_t *shape, int ndim, const char *dict, size_t want_len) {
    char got[1024], want[1024];
    size_t len = npy_header(got, sizeof got, shape, ndim);
    assert_int_equal(len, want_len);
    assert_int_equal(expected_header(want, dict), want_len);
    assert_memory_equal(got, want, want_len);
}

static void test_npy_header_bytes(void **state) {
    (void)state;
    /* The dict's fixed part "{'descr': '<f4', 'fortran_order': False,
     * 'shape': (" is 51 characters; with "2, 3" and "), }" it is 59, and
     * 10 + 59 + 1 = 70 rounds up to 128 (header length 118 = 0x76). */
    const int64_t two[2] = {2, 3};
    expect_header(two, 2, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 128);
    char buf[128];
    npy_header(buf, sizeof buf, two, 2);
    assert_int_equal((unsigned char)buf[8], 118);
    assert_int_equal(buf[9], 0);
    /* A 1-tuple keeps Python's trailing comma; a scalar has (). 51 + 2 + 4
     * = 57 and 51 + 4 = 55: with the preamble and '\n' (68, 66) past 64. */
    const int64_t five[1] = {5};
    expect_header(five, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }", 128);
    expect_header(NULL, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", 128);
    /* Eight 19-digit dimensions: 51 + 8 * 19 + 7 * 2 + 4 = 221, and
     * 10 + 221 + 1 = 232 rounds up to 256. */
    const int64_t big = 1000000000000000000LL, eight[8] = {big, big, big, big, big, big, big, big};
    char dict[300] = "{'descr': '<f4', 'fortran_order': False, 'shape': (";
    for (int i = 0; i < 8; i++) strcat(dict, i ? ", 1000000000000000000" : "1000000000000000000");
    strcat(dict, "), }");
    assert_int_equal(strlen(dict), 221);
    expect_header(eight, 8, dict, 256);
}

static void test_npy_header_refusals(void **state) {
    (void)state;
    char buf[256];
    const int64_t nine[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    assert_int_equal(npy_header(buf, sizeof buf, nine, 9), 0);
    assert_int_equal(npy_header(buf, sizeof buf, nine, -1), 0);
    const int64_t neg[2] = {3, -1};
    assert_int_equal(npy_header(buf, sizeof buf, neg, 2), 0);
    /* (2, 3) needs 128 bytes: 127 is refused, exactly 128 accepted. */
    const int64_t two[2] = {2, 3};
    assert_int_equal(npy_header(buf, 127, two, 2), 0);
    assert_int_equal(npy_header(buf, 128, two, 2), 128);
    /* A zero-length dimension is a valid, empty array; the 8 dimensions of
     * 256 bytes do not fit a 255-byte buffer. */
    const int64_t empty[2] = {0, 3};
    assert_int_equal(npy_header(buf, sizeof buf, empty, 2), 128);
    const int64_t big = 1000000000000000000LL, eight[8] = {big, big, big, big, big, big, big, big};
    assert_int_equal(npy_header(buf, 255, eight, 8), 0);
}

/* Reads path and checks it is header(shape) followed by data's count floats. */
static void expect_file(const char *path, const int64_t *shape, int ndim, const float *data,
                        size_t count) {
    char header[1024];
    size_t hlen = npy_header(header, sizeof header, shape, ndim);
    uint8_t *bytes;
    size_t len;
    Error err = {0};
    if (fileio_read_all(path, &bytes, &len, &err)) fail_msg("%s", err.msg);
    assert_int_equal(len, hlen + count * sizeof(float));
    assert_memory_equal(bytes, header, hlen);
    if (count) assert_memory_equal(bytes + hlen, data, count * sizeof(float));
    free(bytes);
}

/* Entries of dir other than . and .. */
static int dir_entries(const char *dir) {
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

static void test_npy_write_and_replace(void **state) {
    (void)state;
    char dir[256], path[300];
    assert_int_equal(testutil_tmpdir(dir, sizeof dir, "npy"), 0);
    snprintf(path, sizeof path, "%s/feats.npy", dir);
    const float a[6] = {1.0f, -2.5f, 3.25f, 0.0f, 1e-30f, 65504.0f};
    const int64_t s23[2] = {2, 3};
    Error err = {0};
    assert_int_equal(npy_write_f32(path, a, s23, 2, &err), ST_OK);
    expect_file(path, s23, 2, a, 6);
    /* Written again with another shape: replaced whole, nothing beside it. */
    const float b[4] = {7, 8, 9, 10};
    const int64_t s4[1] = {4};
    assert_int_equal(npy_write_f32(path, b, s4, 1, &err), ST_OK);
    expect_file(path, s4, 1, b, 4);
    /* A scalar is one float; an empty array the header alone. */
    assert_int_equal(npy_write_f32(path, b, NULL, 0, &err), ST_OK);
    expect_file(path, NULL, 0, b, 1);
    const int64_t s03[2] = {0, 3};
    assert_int_equal(npy_write_f32(path, NULL, s03, 2, &err), ST_OK);
    expect_file(path, s03, 2, NULL, 0);
    assert_int_equal(dir_entries(dir), 1);
    assert_int_equal(testutil_rmtree(dir), 0);
}

static void test_npy_write_errors_name_path(void **state) {
    (void)state;
    char dir[256], path[300];
    assert_int_equal(testutil_tmpdir(dir, sizeof dir, "npy_err"), 0);
    snprintf(path, sizeof path, "%s/x.npy", dir);
    const float v[2] = {1, 2};
    Error err = {0};
    const int64_t neg[1] = {-2};
    assert_int_equal(npy_write_f32(path, v, neg, 1, &err), ST_ARG);
    assert_non_null(strstr(err.msg, path));
    /* 2^62 x 2^62 floats: too large before a byte is written. */
    const int64_t huge[2] = {INT64_C(1) << 62, INT64_C(1) << 62};
    error_clear(&err);
    assert_int_equal(npy_write_f32(path, v, huge, 2, &err), ST_ARG);
    assert_non_null(strstr(err.msg, "too large"));
    assert_non_null(strstr(err.msg, path));
    assert_int_equal(dir_entries(dir), 0);
    /* A folder that does not exist. */
    char missing[320];
    snprintf(missing, sizeof missing, "%s/no/such/x.npy", dir);
    const int64_t s2[1] = {2};
    error_clear(&err);
    assert_int_equal(npy_write_f32(missing, v, s2, 1, &err), ST_IO);
    assert_non_null(strstr(err.msg, missing));
    assert_int_equal(testutil_rmtree(dir), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_npy_header_bytes),
        cmocka_unit_test(test_npy_header_refusals),
        cmocka_unit_test(test_npy_write_and_replace),
        cmocka_unit_test(test_npy_write_errors_name_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
