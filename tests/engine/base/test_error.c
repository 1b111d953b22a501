/*
 * test_error — the status names (every code its own, out-of-range codes
 * named as such), error_set / error_setv filling the message and returning
 * the code, a NULL Error, a message cut to the buffer, error_clear, and
 * CHECK aborting with the expression and its place (in a child process).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/base/error.h"
#include "tests/lib/testutil.h"

static void test_error_status_names(void **state) {
    (void)state;
    assert_string_equal(error_status_name(ST_OK), "ok");
    assert_string_equal(error_status_name(ST_NOMEM), "out of memory");
    assert_string_equal(error_status_name(ST_SHAPE), "bad shape");
    assert_string_equal(error_status_name(ST_NUMERIC), "not a finite number");
    /* Every code has a name of its own: none empty, none shared. */
    for (int i = 0; i < ST_COUNT_; i++) {
        const char *a = error_status_name((Status)i);
        assert_non_null(a);
        assert_true(a[0] != '\0');
        assert_string_not_equal(a, "unknown status");
        for (int j = 0; j < i; j++) assert_string_not_equal(a, error_status_name((Status)j));
    }
    assert_string_equal(error_status_name(ST_COUNT_), "unknown status");
    assert_string_equal(error_status_name((Status)-1), "unknown status");
    assert_string_equal(error_status_name((Status)1000), "unknown status");
}

static void test_error_set_formats_and_returns(void **state) {
    (void)state;
    Error e = {0};
    assert_int_equal(error_set(&e, ST_FORMAT, "%s:%d: key '%s'", "a.ini", 12, "lr"), ST_FORMAT);
    assert_int_equal(e.status, ST_FORMAT);
    assert_string_equal(e.msg, "a.ini:12: key 'lr'");
    /* A second error replaces the first entirely. */
    assert_int_equal(error_set(&e, ST_IO, "short"), ST_IO);
    assert_int_equal(e.status, ST_IO);
    assert_string_equal(e.msg, "short");
    /* Without an Error the code still comes back. */
    assert_int_equal(error_set(NULL, ST_ARG, "ignored %d", 1), ST_ARG);
}

/* error_setv as a caller's own variadic wrapper uses it. */
__attribute__((format(printf, 3, 4))) static Status wrapped(Error *e, Status s, const char *fmt,
                                                            ...) {
    va_list ap;
    va_start(ap, fmt);
    Status r = error_setv(e, s, fmt, ap);
    va_end(ap);
    return r;
}

static void test_error_setv_and_truncation(void **state) {
    (void)state;
    Error e = {0};
    assert_int_equal(wrapped(&e, ST_SHAPE, "tensor %s: %dx%d", "fc.weight", 3, 4), ST_SHAPE);
    assert_string_equal(e.msg, "tensor fc.weight: 3x4");
    assert_int_equal(wrapped(NULL, ST_NUMERIC, "x"), ST_NUMERIC);
    /* 600 characters into 512 bytes: the first 511 and a NUL. */
    char lng[601];
    for (int i = 0; i < 600; i++) lng[i] = (char)('a' + i % 26);
    lng[600] = '\0';
    assert_int_equal(error_set(&e, ST_IO, "%s", lng), ST_IO);
    assert_int_equal(strlen(e.msg), sizeof e.msg - 1);
    assert_memory_equal(e.msg, lng, sizeof e.msg - 1);
}

static void test_error_clear(void **state) {
    (void)state;
    Error e;
    error_set(&e, ST_STATE, "busy");
    error_clear(&e);
    assert_int_equal(e.status, ST_OK);
    assert_string_equal(e.msg, "");
    error_clear(NULL); /* accepted */
}

/* Runs CHECK(cond) in a child; returns its wait status and its stderr in buf. */
static int check_in_child(int cond, char *buf, size_t cap, int *line) {
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    *line = __LINE__ + 5;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], 2);
        CHECK(cond == 1);
        _exit(0);
    }
    close(fds[1]);
    size_t got = 0;
    ssize_t r;
    while (got + 1 < cap && (r = read(fds[0], buf + got, cap - 1 - got)) > 0) got += (size_t)r;
    buf[got] = '\0';
    close(fds[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

static void test_error_check_aborts_with_place(void **state) {
    (void)state;
    char out[512], want[128];
    int line;
    int status = check_in_child(0, out, sizeof out, &line);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
    snprintf(want, sizeof want, "internal check failed: cond == 1 (%s:%d)", __FILE__, line);
    if (!strstr(out, want)) fail_msg("stderr '%s' lacks '%s'", out, want);
    /* A check that holds costs nothing and says nothing. */
    status = check_in_child(1, out, sizeof out, &line);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_string_equal(out, "");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_status_names),
        cmocka_unit_test(test_error_set_formats_and_returns),
        cmocka_unit_test(test_error_setv_and_truncation),
        cmocka_unit_test(test_error_clear),
        cmocka_unit_test(test_error_check_aborts_with_place),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
