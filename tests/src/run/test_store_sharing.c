/*
 * test_store_sharing — one run store, many processes at once (issue 16):
 * processes that start runs of the same preset in the same second get
 * distinct run directories, each its own; readers that poll status.ini and
 * metrics.tsv while other processes replace and append them never see a
 * torn file (a status missing its last lines, a row cut short or out of
 * order, a header gone); processes making the same new file (a preset, a
 * submission's script) have one winner. Real processes (fork), real files,
 * a few hundred rounds each; the writers are the run store's own functions.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/io/fileio.h"
#include "src/run/runstore.h"
#include "tests/lib/testutil.h"

#define CREATORS      8
#define CREATE_ROUNDS 12
#define WRITERS       2
#define WRITE_ROUNDS  400

/* Forks n children that wait at one gate, releases them together (so
 * they race), and waits for them: codes[k] is child k's exit status,
 * fn(k, arg)'s return value. */
static void race(int n, int (*fn)(int k, const void *arg), const void *arg, int *codes) {
    int gate[2];
    assert_int_equal(pipe(gate), 0);
    pid_t kids[CREATORS];
    assert_true(n <= CREATORS);
    for (int k = 0; k < n; k++) {
        kids[k] = fork();
        assert_true(kids[k] >= 0);
        if (kids[k] == 0) {
            close(gate[1]);
            char go;
            _exit(read(gate[0], &go, 1) == 1 ? fn(k, arg) : 3);
        }
    }
    close(gate[0]);
    char go[CREATORS];
    memset(go, 'g', sizeof go);
    assert_int_equal(write(gate[1], go, sizeof go), (ssize_t)sizeof go); /* n or more */
    close(gate[1]);
    for (int k = 0; k < n; k++) {
        int rc;
        assert_int_equal(waitpid(kids[k], &rc, 0), kids[k]);
        assert_true(WIFEXITED(rc));
        codes[k] = WEXITSTATUS(rc);
    }
}

/* A racer of same_second_runs_get_distinct_directories: a run of preset
 * "same" in the store arg. */
static int create_run(int k, const void *store) {
    (void)k;
    RunWriter w;
    if (runstore_create(&w, store, "same", "[experiment]\nname = same\n", NULL)) return 1;
    runstore_close(&w);
    return 0;
}

static void same_second_runs_get_distinct_directories(void **state) {
    (void)state;
    char store[256];
    assert_int_equal(testutil_tmpdir(store, sizeof store, "sharing_ids"), 0);
    int made = 0;
    for (int round = 0; round < CREATE_ROUNDS; round++) {
        int codes[CREATORS];
        race(CREATORS, create_run, store, codes);
        for (int k = 0; k < CREATORS; k++) assert_int_equal(codes[k], 0);
        made += CREATORS;
    }
    /* Every process made its own directory: as many runs as processes,
     * each with the status of the process that made it. */
    char **ids;
    int n;
    assert_int_equal(runstore_list(store, &ids, &n, NULL), ST_OK);
    assert_int_equal(n, made);
    /* Some of them did start in the same second (and took "-2", "-3"...). */
    int suffixed = 0;
    for (int i = 0; i < n; i++) suffixed += strstr(ids[i], "-same-") != NULL;
    assert_true(suffixed > 0);
    long *pids = calloc((size_t)n, sizeof *pids);
    assert_non_null(pids);
    for (int i = 0; i < n; i++) {
        char dir[600];
        snprintf(dir, sizeof dir, "%s/%s", store, ids[i]);
        RunStatus st;
        assert_int_equal(runstore_read_status(dir, &st, NULL), ST_OK);
        assert_string_equal(st.preset, "same");
        for (int j = 0; j < i; j++) assert_true(pids[j] != st.pid);
        pids[i] = st.pid;
    }
    free(pids);
    runstore_free_list(ids, n);
    testutil_rmtree(store);
}

/* A writer child: rewrites its run's status WRITE_ROUNDS times (the error
 * line's length changes each time, so consecutive files differ in size)
 * and appends a row after each, then marks the run done. */
static void writer(const char *run_dir) {
    RunWriter w;
    if (runstore_reopen(&w, run_dir, 1 << 30, NULL)) _exit(1);
    for (int i = 1; i <= WRITE_ROUNDS; i++) {
        w.status.iter = i;
        int pad = (i * 37) % 400;
        memset(w.status.error, 'x', (size_t)pad);
        w.status.error[pad] = '\0';
        if (runstore_write_status(&w, NULL)) _exit(2);
        TrainRow row = {.iter = i, .phase = i % 10 ? PHASE_TRAIN : PHASE_TEST, .loss = 1.0 / i};
        if (runstore_append_row(&w, &row, NULL)) _exit(3);
    }
    w.status.state = RUN_DONE;
    w.status.error[0] = '\0';
    if (runstore_write_status(&w, NULL)) _exit(2);
    runstore_close(&w);
    _exit(0);
}

/* One look at a run a writer works on: status.ini read raw must be whole
 * (its first line and its always-written last line "slurm = ...", a
 * newline at the end) and parse; its iteration never goes back; every
 * metrics row parses, in order, and their number never goes back. */
static void poll_once(const char *run_dir, int *last_iter, int *last_rows) {
    char path[1200];
    snprintf(path, sizeof path, "%s/status.ini", run_dir);
    uint8_t *text;
    size_t len;
    assert_int_equal(fileio_read_all(path, &text, &len, NULL), ST_OK);
    const char *t = (const char *)text;
    if (strncmp(t, "[run]\n", 6) != 0 || len < 2 || t[len - 1] != '\n' || !strstr(t, "\nslurm = "))
        fail_msg("torn status.ini (%zu bytes):\n%s", len, t);
    free(text);
    RunStatus st;
    Error err;
    if (runstore_read_status(run_dir, &st, &err)) fail_msg("%s", err.msg);
    assert_true(st.iter >= *last_iter);
    *last_iter = st.iter;
    RunRow *rows;
    int n;
    assert_int_equal(runstore_read_metrics(run_dir, &rows, &n, NULL), ST_OK);
    assert_true(n >= *last_rows);
    for (int i = 0; i < n; i++) {
        if (rows[i].iter != i + 1)
            fail_msg("row %d of %s reads iteration %d", i, path, rows[i].iter);
        assert_int_equal(rows[i].heldout, (i + 1) % 10 == 0);
    }
    *last_rows = n;
    free(rows);
}

static void readers_never_see_a_torn_file(void **state) {
    (void)state;
    char store[256];
    assert_int_equal(testutil_tmpdir(store, sizeof store, "sharing_torn"), 0);
    char dirs[WRITERS][sizeof((RunWriter *)0)->dir];
    pid_t kids[WRITERS];
    for (int k = 0; k < WRITERS; k++) {
        RunWriter w;
        assert_int_equal(runstore_create(&w, store, "poll", "[experiment]\n", NULL), ST_OK);
        snprintf(dirs[k], sizeof dirs[k], "%s", w.dir);
        runstore_close(&w);
    }
    for (int k = 0; k < WRITERS; k++) {
        kids[k] = fork();
        assert_true(kids[k] >= 0);
        if (kids[k] == 0) writer(dirs[k]);
    }
    int last_iter[WRITERS] = {0}, last_rows[WRITERS] = {0}, polls = 0, done = 0;
    while (done < WRITERS) {
        done = 0;
        for (int k = 0; k < WRITERS; k++) {
            poll_once(dirs[k], &last_iter[k], &last_rows[k]);
            RunStatus st;
            Error err;
            if (runstore_read_status(dirs[k], &st, &err)) fail_msg("%s", err.msg);
            done += st.state == RUN_DONE;
        }
        polls++;
    }
    for (int k = 0; k < WRITERS; k++) {
        int rc;
        assert_int_equal(waitpid(kids[k], &rc, 0), kids[k]);
        assert_true(WIFEXITED(rc) && WEXITSTATUS(rc) == 0);
        poll_once(dirs[k], &last_iter[k], &last_rows[k]);
        assert_int_equal(last_iter[k], WRITE_ROUNDS);
        assert_int_equal(last_rows[k], WRITE_ROUNDS);
    }
    /* The reader looked while they wrote, not only after. */
    assert_true(polls >= 20);
    print_message("polled %d times while %d writers each made %d rounds\n", polls, WRITERS,
                  WRITE_ROUNDS);
    testutil_rmtree(store);
}

/* Processes making the same new file at once (two labs saving a new
 * preset under one name, two submissions' scripts): exactly one makes it,
 * whole, and the others are told it exists; no temporary file stays. */
static int make_new(int k, const void *path) {
    char text[32];
    int n = snprintf(text, sizeof text, "made by %d\n", k);
    Status st = fileio_write_new(path, text, (size_t)n, NULL);
    return st == ST_OK ? 0 : st == ST_STATE ? 10 : 1;
}

static void a_new_file_has_one_maker(void **state) {
    (void)state;
    char dir[256];
    assert_int_equal(testutil_tmpdir(dir, sizeof dir, "sharing_new"), 0);
    for (int round = 0; round < 20; round++) {
        char path[400];
        snprintf(path, sizeof path, "%s/new_%d.ini", dir, round);
        int codes[CREATORS], winner = -1;
        race(CREATORS, make_new, path, codes);
        for (int k = 0; k < CREATORS; k++) {
            if (codes[k] == 0) {
                assert_int_equal(winner, -1);
                winner = k;
            } else {
                assert_int_equal(codes[k], 10);
            }
        }
        assert_true(winner >= 0);
        uint8_t *text;
        size_t len;
        assert_int_equal(fileio_read_all(path, &text, &len, NULL), ST_OK);
        char want[32];
        snprintf(want, sizeof want, "made by %d\n", winner);
        assert_string_equal((char *)text, want);
        free(text);
    }
    /* Nothing but the 20 files. */
    DIR *d = opendir(dir);
    assert_non_null(d);
    int files = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        if (strstr(e->d_name, ".tmp.")) fail_msg("left behind: %s", e->d_name);
        files++;
    }
    closedir(d);
    assert_int_equal(files, 20);
    Error err;
    char path[400];
    snprintf(path, sizeof path, "%s/new_0.ini", dir);
    assert_int_equal(fileio_write_new(path, "x", 1, &err), ST_STATE);
    assert_non_null(strstr(err.msg, "new_0.ini exists already"));
    testutil_rmtree(dir);
}

/* Writes text as dir/status.ini. */
static void put_status(const char *dir, const char *text) {
    char path[600];
    snprintf(path, sizeof path, "%s/status.ini", dir);
    assert_int_equal(fileio_write_atomic(path, text, strlen(text), NULL), ST_OK);
}

/* A status whose error names long paths is one long line: it reads back
 * whole (inih, which read status.ini before, cut lines at 200 bytes and
 * called the rest malformed, so such a run could not be listed). Bad lines
 * are named by number. */
static void long_lines_read_back_and_bad_lines_are_named(void **state) {
    (void)state;
    char dir[256];
    assert_int_equal(testutil_tmpdir(dir, sizeof dir, "sharing_lines"), 0);
    RunWriter w;
    runstore_null(&w);
    snprintf(w.dir, sizeof w.dir, "%s", dir);
    w.status.state = RUN_FAILED;
    char want[sizeof w.status.error];
    for (size_t i = 0; i + 1 < sizeof want; i++) want[i] = (char)('a' + i % 26);
    want[sizeof want - 1] = '\0';
    memcpy(w.status.error, want, sizeof want);
    snprintf(w.status.preset, sizeof w.status.preset, "préset with spaces");
    assert_int_equal(runstore_write_status(&w, NULL), ST_OK);
    RunStatus st;
    Error err;
    assert_int_equal(runstore_read_status(dir, &st, &err), ST_OK);
    assert_string_equal(st.error, want);
    assert_string_equal(st.preset, "préset with spaces");
    assert_int_equal(st.state, RUN_FAILED);

    /* Comments, blank lines, CRLF and other sections are fine. */
    put_status(dir, "; a comment\r\n[run]\r\n\r\nstate = done\r\n[newer]\r\nx = 1\r\n");
    assert_int_equal(runstore_read_status(dir, &st, &err), ST_OK);
    assert_int_equal(st.state, RUN_DONE);
    static const struct {
        const char *text, *msg;
    } bad[] = {
        {"[run]\nstate = done\nno equals sign\n", "status.ini:3: malformed line"},
        {"[run]\nstate = finished\n", "status.ini:2: bad value for state"},
        {"[run]\niter = 12x\n", "status.ini:2: bad value for iter"},
        {"[run\nstate = done\n", "status.ini:1: malformed line"},
        {"[run]\n = done\n", "status.ini:2: malformed line"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        put_status(dir, bad[i].text);
        assert_int_equal(runstore_read_status(dir, &st, &err), ST_FORMAT);
        if (!strstr(err.msg, bad[i].msg)) fail_msg("'%s' for:\n%s", err.msg, bad[i].text);
    }
    /* A NUL byte (a file another program damaged) is named by its line. */
    char path[600];
    snprintf(path, sizeof path, "%s/status.ini", dir);
    static const char damaged[] = "[run]\nstate = done\npid = 1\0\n";
    assert_int_equal(fileio_write_atomic(path, damaged, sizeof damaged - 1, NULL), ST_OK);
    assert_int_equal(runstore_read_status(dir, &st, &err), ST_FORMAT);
    assert_non_null(strstr(err.msg, "status.ini:3: malformed line"));
    testutil_rmtree(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_second_runs_get_distinct_directories),
        cmocka_unit_test(readers_never_see_a_torn_file),
        cmocka_unit_test(a_new_file_has_one_maker),
        cmocka_unit_test(long_lines_read_back_and_bad_lines_are_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
