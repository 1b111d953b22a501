/*
 * test_fuzz_regressions — every fuzz harness (tests/fuzz/fuzz_<name>.c),
 * built with the normal compiler, replays the inputs that once broke its
 * reader (tests/fuzz/regressions/<name>/) and its seed corpus
 * (tests/fuzz/corpus/<name>/). Under `make test BUILD=asan` a regression
 * that comes back fails as it failed under libFuzzer; in any build a
 * broken invariant (FUZZ_CHECK) aborts the binary, which tests/lib/run.sh
 * counts as a failure. The last test checks that this replay can fail: a
 * harness that aborts on one file of a folder kills the process replaying it.
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/io/fileio.h"
#include "tests/fuzz/fuzz.h"
#include "tests/lib/testutil.h"

/* tests/fuzz/<sub>/<name> (tests run from the repository root). */
static void fuzz_folder(char *buf, size_t cap, const char *sub, const char *name) {
    snprintf(buf, cap, "tests/fuzz/%s/%s", sub, name);
}

static int name_cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Feeds every file of dir to fn, in name order; returns how many (-1: no dir). */
static int replay_dir(FuzzTarget fn, const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return -1;
    char **names = NULL;
    int n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        if (n == cap) assert_non_null(names = realloc(names, sizeof *names * (cap = 2 * cap + 16)));
        assert_non_null(names[n++] = strdup(e->d_name));
    }
    closedir(d);
    if (n) qsort(names, (size_t)n, sizeof *names, name_cmp);
    for (int i = 0; i < n; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        uint8_t *data;
        size_t len;
        Error err = {0};
        if (fileio_read_all(path, &data, &len, &err)) fail_msg("%s", err.msg);
        print_message("  %s\n", path);
        assert_int_equal(fn(data, len), 0);
        free(data);
        free(names[i]);
    }
    free(names);
    return n;
}

/* Harness name's regressions (the folder may not exist yet) and corpus
 * (it must, and hold seeds). */
static void replay(const char *name, FuzzTarget fn) {
    char dir[1024];
    fuzz_folder(dir, sizeof dir, "regressions", name);
    int regressions = replay_dir(fn, dir);
    fuzz_folder(dir, sizeof dir, "corpus", name);
    int seeds = replay_dir(fn, dir);
    print_message("fuzz_%s: %d regressions, %d seeds\n", name, regressions < 0 ? 0 : regressions,
                  seeds);
    assert_true(seeds > 0);
}

static void test_fuzz_preset(void **state) {
    (void)state;
    replay("preset", fuzz_preset);
}

static void test_fuzz_solver_import(void **state) {
    (void)state;
    replay("solver_import", fuzz_solver_import);
}

static void test_fuzz_safetensors(void **state) {
    (void)state;
    replay("safetensors", fuzz_safetensors);
}

static void test_fuzz_caffemodel(void **state) {
    (void)state;
    replay("caffemodel", fuzz_caffemodel);
}

static void test_fuzz_jpeg(void **state) {
    (void)state;
    replay("jpeg", fuzz_jpeg);
}

static void test_fuzz_dataset(void **state) {
    (void)state;
    replay("dataset", fuzz_dataset);
}

static void test_fuzz_runstore(void **state) {
    (void)state;
    replay("runstore", fuzz_runstore);
}

static void test_fuzz_journal(void **state) {
    (void)state;
    replay("journal", fuzz_journal);
}

/* A harness with a bug to find: it aborts on an input holding "boom". */
static int fuzz_aborts_on_boom(const uint8_t *data, size_t size) {
    for (size_t i = 0; i + 4 <= size; i++) FUZZ_CHECK(memcmp(data + i, "boom", 4) != 0, "boom");
    return 0;
}

/* Replays dir through fuzz_aborts_on_boom in a child; its wait status. */
static int replay_in_child(const char *dir) {
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* The child's abort is the point: keep its report off the test's output. */
        if (!freopen("/dev/null", "w", stderr)) _exit(3);
        _exit(replay_dir(fuzz_aborts_on_boom, dir) == 2 ? 0 : 4);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

/* A folder of harmless files replays; one bad file among them kills the replay. */
static void test_fuzz_replay_fails_on_a_crash(void **state) {
    (void)state;
    char dir[256], path[300];
    assert_int_equal(testutil_tmpdir(dir, sizeof dir, "fuzz_replay"), 0);
    Error err = {0};
    snprintf(path, sizeof path, "%s/a", dir);
    assert_int_equal(fileio_write_atomic(path, "harmless", 8, &err), ST_OK);
    snprintf(path, sizeof path, "%s/b", dir);
    assert_int_equal(fileio_write_atomic(path, "also fine", 9, &err), ST_OK);
    int status = replay_in_child(dir);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    snprintf(path, sizeof path, "%s/c", dir);
    assert_int_equal(fileio_write_atomic(path, "a boom here", 11, &err), ST_OK);
    status = replay_in_child(dir);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
    assert_int_equal(testutil_rmtree(dir), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fuzz_preset),
        cmocka_unit_test(test_fuzz_solver_import),
        cmocka_unit_test(test_fuzz_safetensors),
        cmocka_unit_test(test_fuzz_caffemodel),
        cmocka_unit_test(test_fuzz_jpeg),
        cmocka_unit_test(test_fuzz_dataset),
        cmocka_unit_test(test_fuzz_runstore),
        cmocka_unit_test(test_fuzz_journal),
        cmocka_unit_test(test_fuzz_replay_fails_on_a_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
