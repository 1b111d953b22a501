/*
 * test_atomic_file — a file written in pieces appears whole on commit and
 * not before; a failed or abandoned write leaves the old content and no
 * temporary file behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/io/atomic_file.h"
#include "engine/io/fileio.h"
#include "tests/testutil.h"

static char dir[64];

static int setup_dir(void **state) {
    (void)state;
    return testutil_tmpdir(dir, sizeof dir, "atomic_file");
}

static int remove_dir(void **state) {
    (void)state;
    return testutil_rmtree(dir);
}

static void assert_content(const char *path, const char *want) {
    uint8_t *data;
    size_t len;
    assert_int_equal(fileio_read_all(path, &data, &len, NULL), ST_OK);
    assert_string_equal((char *)data, want);
    free(data);
}

/* Writes "old" as dir/name (path), opens it for replacement into f and
 * keeps the temporary file's name in tmp. */
static void open_over_old(const char *name, char *path, size_t cap, AtomicFile *f, char *tmp,
                          size_t tmp_cap) {
    snprintf(path, cap, "%s/%s", dir, name);
    assert_int_equal(fileio_write_atomic(path, "old", 3, NULL), ST_OK);
    assert_int_equal(atomic_file_open(f, path, NULL), ST_OK);
    snprintf(tmp, tmp_cap, "%s", f->tmp);
}

static void test_atomic_file_pieces_appear_on_commit(void **state) {
    (void)state;
    char path[128], tmp[200];
    AtomicFile f;
    open_over_old("pieces.txt", path, sizeof path, &f, tmp, sizeof tmp);
    atomic_file_write(&f, "one ", 4);
    atomic_file_write(&f, "two ", 4);
    assert_content(path, "old"); /* nothing shows before the commit */
    atomic_file_write(&f, "three", 5);
    assert_int_equal(atomic_file_commit(&f, NULL), ST_OK);
    assert_content(path, "one two three");
    assert_int_equal(access(tmp, F_OK), -1); /* renamed away */
    assert_null(f.path);
}

static void test_atomic_file_abort_keeps_the_old_file(void **state) {
    (void)state;
    char path[128], tmp[200];
    AtomicFile f;
    open_over_old("abort.txt", path, sizeof path, &f, tmp, sizeof tmp);
    atomic_file_write(&f, "half", 4);
    atomic_file_abort(&f);
    assert_content(path, "old");
    assert_int_equal(access(tmp, F_OK), -1);
}

static void test_atomic_file_write_error_is_reported_by_commit(void **state) {
    (void)state;
    char path[128], tmp[200];
    AtomicFile f;
    open_over_old("sticky.txt", path, sizeof path, &f, tmp, sizeof tmp);
    /* A write into a closed descriptor fails like a full disk would. */
    close(f.fd);
    f.fd = open("/dev/null", O_RDONLY);
    atomic_file_write(&f, "lost", 4);
    assert_int_equal(f.err_no, EBADF);
    atomic_file_write(&f, "skipped", 7);
    Error err = {0};
    assert_int_equal(atomic_file_commit(&f, &err), ST_IO);
    assert_non_null(strstr(err.msg, "sticky.txt"));
    assert_non_null(strstr(err.msg, "cannot write"));
    assert_content(path, "old");
    assert_int_equal(access(tmp, F_OK), -1);
}

static void test_atomic_file_open_names_the_path(void **state) {
    (void)state;
    AtomicFile f;
    Error err = {0};
    assert_int_equal(atomic_file_open(&f, "/nonexistent/dir/z.bin", &err), ST_IO);
    assert_non_null(strstr(err.msg, "/nonexistent/dir/z.bin"));
    assert_null(f.path);
    assert_int_equal(f.fd, -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_atomic_file_pieces_appear_on_commit),
        cmocka_unit_test(test_atomic_file_abort_keeps_the_old_file),
        cmocka_unit_test(test_atomic_file_write_error_is_reported_by_commit),
        cmocka_unit_test(test_atomic_file_open_names_the_path),
    };
    return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
