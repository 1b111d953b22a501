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
#include "tests/lib/testutil.h"

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

/* A write in progress over dir/<name>, which held "old" before it began. */
typedef struct Pending {
    AtomicFile f;
    char path[128];
    char tmp[200]; /* f.tmp, kept to check the file is gone afterwards */
} Pending;

static void begin_over_old(Pending *w, const char *name) {
    snprintf(w->path, sizeof w->path, "%s/%s", dir, name);
    assert_int_equal(fileio_write_atomic(w->path, "old", 3, NULL), ST_OK);
    assert_int_equal(atomic_file_open(&w->f, w->path, NULL), ST_OK);
    snprintf(w->tmp, sizeof w->tmp, "%s", w->f.tmp);
}

/* The target still holds "old" and the temporary file is gone. */
static void assert_old_kept(const Pending *w) {
    assert_content(w->path, "old");
    assert_int_equal(access(w->tmp, F_OK), -1);
}

static void test_atomic_file_pieces_appear_on_commit(void **state) {
    (void)state;
    Pending w;
    begin_over_old(&w, "pieces.txt");
    atomic_file_write(&w.f, "one ", 4);
    atomic_file_write(&w.f, "two ", 4);
    assert_content(w.path, "old"); /* nothing shows before the commit */
    atomic_file_write(&w.f, "three", 5);
    assert_int_equal(atomic_file_commit(&w.f, NULL), ST_OK);
    assert_content(w.path, "one two three");
    assert_int_equal(access(w.tmp, F_OK), -1); /* renamed away */
    assert_null(w.f.path);
}

static void test_atomic_file_abort_keeps_the_old_file(void **state) {
    (void)state;
    Pending w;
    begin_over_old(&w, "abort.txt");
    atomic_file_write(&w.f, "half", 4);
    atomic_file_abort(&w.f);
    assert_old_kept(&w);
}

static void test_atomic_file_write_error_is_reported_by_commit(void **state) {
    (void)state;
    Pending w;
    begin_over_old(&w, "sticky.txt");
    /* A write into a closed descriptor fails like a full disk would. */
    close(w.f.fd);
    w.f.fd = open("/dev/null", O_RDONLY);
    atomic_file_write(&w.f, "lost", 4);
    assert_int_equal(w.f.err_no, EBADF);
    atomic_file_write(&w.f, "skipped", 7);
    Error err = {0};
    assert_int_equal(atomic_file_commit(&w.f, &err), ST_IO);
    assert_non_null(strstr(err.msg, "sticky.txt"));
    assert_non_null(strstr(err.msg, "cannot write"));
    assert_old_kept(&w);
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
