/*
 * test_fileio — whole-file reads, atomic replacement and mkdirs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/io/fileio.h"
#include "tests/lib/testutil.h"

static char dir[64];

static int setup_dir(void **state) {
    (void)state;
    return testutil_tmpdir(dir, sizeof dir, "fileio");
}

static int remove_dir(void **state) {
    (void)state;
    return testutil_rmtree(dir);
}

static void test_fileio_write_then_read(void **state) {
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/a.txt", dir);
    assert_int_equal(fileio_write_atomic(path, "first", 5, NULL), ST_OK);
    assert_int_equal(fileio_write_atomic(path, "second!", 7, NULL), ST_OK);
    uint8_t *data;
    size_t len;
    assert_int_equal(fileio_read_all(path, &data, &len, NULL), ST_OK);
    assert_int_equal(len, 7);
    assert_string_equal((char *)data, "second!"); /* NUL-terminated */
    free(data);
    /* Large enough to need several buffer growths. */
    size_t big = 300000;
    char *blob = malloc(big);
    for (size_t i = 0; i < big; i++) blob[i] = (char)(i * 7);
    assert_int_equal(fileio_write_atomic(path, blob, big, NULL), ST_OK);
    assert_int_equal(fileio_read_all(path, &data, &len, NULL), ST_OK);
    assert_int_equal(len, big);
    assert_memory_equal(data, blob, big);
    free(data);
    free(blob);
}

static void test_fileio_errors_name_the_path(void **state) {
    (void)state;
    Error err = {0};
    uint8_t *data;
    size_t len;
    assert_int_equal(fileio_read_all("/nonexistent/x.txt", &data, &len, &err), ST_IO);
    assert_null(data);
    assert_non_null(strstr(err.msg, "/nonexistent/x.txt"));
    assert_int_equal(fileio_write_atomic("/nonexistent/dir/y.txt", "x", 1, &err), ST_IO);
    assert_non_null(strstr(err.msg, "/nonexistent/dir/y.txt"));
}

static void test_fileio_failed_write_keeps_old_content(void **state) {
    (void)state;
    char path[128], blocker[160];
    snprintf(path, sizeof path, "%s/keep.txt", dir);
    assert_int_equal(fileio_write_atomic(path, "old", 3, NULL), ST_OK);
    /* A directory where the temporary file would go makes the write fail
     * (for root too, unlike permissions). */
    snprintf(blocker, sizeof blocker, "%s.tmp.%ld", path, (long)getpid());
    assert_int_equal(mkdir(blocker, 0700), 0);
    Error err = {0};
    assert_int_equal(fileio_write_atomic(path, "new", 3, &err), ST_IO);
    assert_non_null(strstr(err.msg, "keep.txt"));
    rmdir(blocker);
    uint8_t *data;
    size_t len;
    assert_int_equal(fileio_read_all(path, &data, &len, NULL), ST_OK);
    assert_string_equal((char *)data, "old");
    free(data);
}

static void test_fileio_mkdirs(void **state) {
    (void)state;
    char path[160];
    snprintf(path, sizeof path, "%s/x/y/z", dir);
    assert_int_equal(fileio_mkdirs(path, NULL), ST_OK);
    assert_true(fileio_exists(path));
    assert_int_equal(fileio_mkdirs(path, NULL), ST_OK); /* existing is fine */
    char file[160];
    snprintf(file, sizeof file, "%s/x/f", dir);
    assert_int_equal(fileio_write_atomic(file, "f", 1, NULL), ST_OK);
    Error err = {0};
    assert_int_equal(fileio_mkdirs(file, &err), ST_IO); /* a file in the way */
    assert_false(fileio_exists("/nonexistent/finelab"));
    /* is_file: a regular file only, not a directory or nothing. */
    assert_true(fileio_is_file(file));
    assert_false(fileio_is_file(path));
    assert_false(fileio_is_file("/nonexistent/finelab"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fileio_write_then_read),
        cmocka_unit_test(test_fileio_errors_name_the_path),
        cmocka_unit_test(test_fileio_failed_write_keeps_old_content),
        cmocka_unit_test(test_fileio_mkdirs),
    };
    return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
