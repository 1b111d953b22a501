/*
 * test_cachelock — the cache builder's lock (src/run/cachelock.c). Open
 * file description locks conflict between two opens of the file even in
 * one process, so one test process plays the holder and the waiter: the
 * holder's words in the file, a waiter giving up or polling until the
 * holder lets go (or removes the file), progress written at most twice a
 * second and always at the end, and the errors naming the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/run/cachelock.h"
#include "tests/lib/testutil.h"

typedef struct Lab {
    char dir[256];
    char path[300]; /* dir/build.lock */
    char me[300];   /* "pid <this pid> on <this host>" */
} Lab;

static int lab_setup(void **state) {
    Lab *l = calloc(1, sizeof *l);
    char host[256];
    if (!l || testutil_tmpdir(l->dir, sizeof l->dir, "cachelock") ||
        gethostname(host, sizeof host) != 0)
        return -1;
    snprintf(l->path, sizeof l->path, "%s/build.lock", l->dir);
    snprintf(l->me, sizeof l->me, "pid %ld on %s", (long)getpid(), host);
    *state = l;
    return 0;
}

static int lab_teardown(void **state) {
    Lab *l = *state;
    int rc = testutil_rmtree(l->dir);
    free(l);
    return rc;
}

static CacheLock *take(const char *path) {
    CacheLock *c;
    Error err = {0};
    if (cachelock_take(path, 0.001, NULL, NULL, &c, NULL, 0, &err)) fail_msg("%s", err.msg);
    assert_non_null(c);
    return c;
}

/* The file's first line without its padding. */
static void file_words(const char *path, char *buf, size_t cap) {
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(buf, (int)cap, f));
    fclose(f);
    size_t n = strlen(buf);
    while (n && (buf[n - 1] == ' ' || buf[n - 1] == '\n')) buf[--n] = '\0';
}

static void test_cachelock_free_lock_is_taken(void **state) {
    Lab *l = *state;
    char holder[64] = "stale";
    CacheLock *c;
    Error err = {0};
    assert_int_equal(cachelock_take(l->path, 1, NULL, NULL, &c, holder, sizeof holder, &err),
                     ST_OK);
    assert_non_null(c);
    assert_string_equal(holder, "");
    /* One line, padded to a fixed 320 bytes so it is rewritten in place. */
    FILE *f = fopen(l->path, "r");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    assert_int_equal(ftell(f), 320);
    fclose(f);
    char words[400], host[256], want[400];
    gethostname(host, sizeof host);
    file_words(l->path, words, sizeof words);
    snprintf(want, sizeof want, "pid %ld host %s done 0 total 0", (long)getpid(), host);
    assert_string_equal(words, want);
    cachelock_release(c);
    /* Released: free again, and the file stays. */
    assert_int_equal(cachelock_held(l->path, holder, sizeof holder), 0);
    assert_int_equal(access(l->path, F_OK), 0);
    cachelock_release(take(l->path));
}

static void test_cachelock_held_lock_gives_up_at_once(void **state) {
    Lab *l = *state;
    CacheLock *a = take(l->path), *b = (CacheLock *)1;
    char holder[300];
    Error err = {0};
    assert_int_equal(cachelock_take(l->path, 1, NULL, NULL, &b, holder, sizeof holder, &err),
                     ST_OK);
    assert_null(b);
    assert_string_equal(holder, l->me);
    char words[300];
    assert_int_equal(cachelock_held(l->path, words, sizeof words), 1);
    assert_string_equal(words, l->me); /* no progress said yet: no "(d of t)" */
    cachelock_release(a);
}

static void test_cachelock_progress(void **state) {
    Lab *l = *state;
    CacheLock *a = take(l->path);
    char words[300], want[320];
    /* Within half a second of the last word and not the end: not written. */
    cachelock_progress(a, 600, 1800);
    assert_int_equal(cachelock_held(l->path, words, sizeof words), 1);
    assert_string_equal(words, l->me);
    /* The end always is. */
    cachelock_progress(a, 1800, 1800);
    assert_int_equal(cachelock_held(l->path, words, sizeof words), 1);
    snprintf(want, sizeof want, "%s (1800 of 1800)", l->me);
    assert_string_equal(words, want);
    cachelock_progress(NULL, 1, 1); /* harmless */
    cachelock_release(a);
}

typedef struct Waiter {
    CacheLock *holder; /* released (removing the file when remove) on call `let_go` */
    int remove, let_go, calls;
    long done, total;
    char seen[300];
} Waiter;

static int on_wait(void *ctx, const char *holder, long done, long total) {
    Waiter *w = ctx;
    w->calls++;
    snprintf(w->seen, sizeof w->seen, "%s", holder);
    w->done = done;
    w->total = total;
    if (w->calls == w->let_go) {
        if (w->remove)
            cachelock_release_removing(w->holder);
        else
            cachelock_release(w->holder);
        w->holder = NULL;
    }
    return w->let_go == 0 && w->calls == 3; /* without a release: give up on the third */
}

static void test_cachelock_waiter_polls_until_given_up(void **state) {
    Lab *l = *state;
    CacheLock *a = take(l->path), *b;
    cachelock_progress(a, 5, 5);
    Waiter w = {.holder = a};
    char holder[300];
    Error err = {0};
    assert_int_equal(cachelock_take(l->path, 0.001, on_wait, &w, &b, holder, sizeof holder, &err),
                     ST_OK);
    assert_null(b);
    assert_int_equal(w.calls, 3);
    assert_string_equal(w.seen, l->me);
    assert_int_equal(w.done, 5);
    assert_int_equal(w.total, 5);
    assert_string_equal(holder, l->me);
    cachelock_release(a);
}

static void test_cachelock_waiter_takes_it_when_released(void **state) {
    Lab *l = *state;
    for (int remove = 0; remove <= 1; remove++) {
        Waiter w = {.holder = take(l->path), .remove = remove, .let_go = 2};
        CacheLock *b;
        Error err = {0};
        assert_int_equal(cachelock_take(l->path, 0.001, on_wait, &w, &b, NULL, 0, &err), ST_OK);
        assert_non_null(b); /* after the second poll */
        assert_int_equal(w.calls, 2);
        assert_int_equal(w.done, 0);
        assert_int_equal(w.total, 0);
        char words[300];
        /* Now b holds it; a fresh open of the path sees b, not a leftover. */
        CacheLock *c = (CacheLock *)1;
        assert_int_equal(cachelock_take(l->path, 1, NULL, NULL, &c, words, sizeof words, &err),
                         ST_OK);
        assert_null(c);
        assert_string_equal(words, l->me);
        cachelock_release_removing(b);
        assert_int_equal(access(l->path, F_OK), -1); /* removed */
        assert_int_equal(cachelock_held(l->path, words, sizeof words), 0);
    }
    cachelock_release_removing(NULL);
    cachelock_release(NULL);
}

static void test_cachelock_unreadable_words(void **state) {
    Lab *l = *state;
    CacheLock *a = take(l->path);
    /* The holder's line overwritten with something else: "another process". */
    int fd = open(l->path, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, 0), 0);
    assert_int_equal(write(fd, "garbage\n", 8), 8);
    close(fd);
    char words[300];
    assert_int_equal(cachelock_held(l->path, words, sizeof words), 1);
    assert_string_equal(words, "another process");
    CacheLock *b;
    Error err = {0};
    assert_int_equal(cachelock_take(l->path, 1, NULL, NULL, &b, words, sizeof words, &err), ST_OK);
    assert_null(b);
    assert_string_equal(words, "another process");
    cachelock_release(a);
}

static void test_cachelock_errors_name_the_file(void **state) {
    Lab *l = *state;
    char path[400], want[500], words[64];
    snprintf(path, sizeof path, "%s/no/such/dir/build.lock", l->dir);
    CacheLock *c = (CacheLock *)1;
    Error err = {0};
    assert_int_equal(cachelock_take(path, 1, NULL, NULL, &c, NULL, 0, &err), ST_IO);
    assert_null(c);
    snprintf(want, sizeof want, "%s: cannot open: No such file or directory", path);
    assert_string_equal(err.msg, want);
    assert_int_equal(cachelock_held(path, words, sizeof words), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, lab_setup, lab_teardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        T(test_cachelock_free_lock_is_taken),
        T(test_cachelock_held_lock_gives_up_at_once),
        T(test_cachelock_progress),
        T(test_cachelock_waiter_polls_until_given_up),
        T(test_cachelock_waiter_takes_it_when_released),
        T(test_cachelock_unreadable_words),
        T(test_cachelock_errors_name_the_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
