/*
 * test_runstore — the run store through runstore.h (src/run/runstore.c):
 * creating a run (its files, id, reserve and running status), appending
 * metrics rows and log lines and reading them back (a partial last line
 * ignored), status.ini read back with a dead writer seen as interrupted,
 * listing and resolving runs, snapshots listed, set aside and pruned,
 * reopening for a resume, rewriting the state, the null writer, and the
 * errors, each naming its file. Every test works in its own directory
 * under /tmp and removes it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "src/run/runstore.h"
#include "tests/lib/testutil.h"

typedef struct Store {
    char root[256]; /* the test's temporary directory */
    char runs[300]; /* root/runs (not made until a run is) */
} Store;

static int store_setup(void **state) {
    Store *s = calloc(1, sizeof *s);
    if (!s || testutil_tmpdir(s->root, sizeof s->root, "runstore")) return -1;
    snprintf(s->runs, sizeof s->runs, "%s/runs", s->root);
    *state = s;
    return 0;
}

static void write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (!f) fail_msg("%s: %s", path, strerror(errno));
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* The whole of path (malloc'd, NUL-terminated). */
static char *read_text(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("%s: %s", path, strerror(errno));
    char *buf = calloc(1, 1 << 16);
    assert_non_null(buf);
    size_t n = fread(buf, 1, (1 << 16) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static int exists(const char *dir, const char *name) {
    char path[1400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

/* A run named name in s's store, its writer open. */
static void create_run(Store *s, RunWriter *w, const char *name) {
    Error err = {0};
    if (runstore_create(w, s->runs, name, "[experiment]\nname = x\n", &err))
        fail_msg("runstore_create: %s", err.msg);
}

static void append(RunWriter *w, int iter, TrainPhase phase, double loss, double acc) {
    TrainRow r = {.iter = iter,
                  .phase = phase,
                  .loss = loss,
                  .accuracy = acc,
                  .lr = 0.01,
                  .seconds = 1.23456,
                  .images_per_s = 100.5,
                  .data_wait = 0.12345};
    Error err = {0};
    if (runstore_append_row(w, &r, &err)) fail_msg("append: %s", err.msg);
}

/* The pid of a process that has exited (and been reaped). */
static long dead_pid(void) {
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) _exit(0);
    assert_int_equal(waitpid(pid, NULL, 0), pid);
    return (long)pid;
}

/* Writes dir/status.ini for state, pid and host. */
static void write_status(const char *dir, RunState state, long pid, const char *host) {
    RunStatus st;
    runstatus_defaults(&st);
    st.state = state;
    st.pid = pid;
    snprintf(st.host, sizeof st.host, "%s", host);
    st.iter = 40;
    char text[4096], path[1200];
    assert_true(runstatus_format(&st, text, sizeof text) > 0);
    snprintf(path, sizeof path, "%s/status.ini", dir);
    write_text(path, text);
}

static void test_runstore_create_makes_a_run(void **state) {
    Store *s = *state;
    RunWriter w;
    create_run(s, &w, "cub_res448");
    /* The id: <UTC yyyymmdd-hhmmss>-<name>, the directory under runs. */
    assert_int_equal(strlen(w.id), 15 + 1 + strlen("cub_res448"));
    assert_int_equal(w.id[8], '-');
    assert_string_equal(w.id + 16, "cub_res448");
    char want[1100];
    snprintf(want, sizeof want, "%s/%s", s->runs, w.id);
    assert_string_equal(w.dir, want);
    char *preset = read_text(strcat(want, "/preset.ini"));
    assert_string_equal(preset, "[experiment]\nname = x\n");
    free(preset);
    snprintf(want, sizeof want, "%s/metrics.tsv", w.dir);
    char *metrics = read_text(want);
    assert_string_equal(metrics,
                        "iter\tphase\tloss\taccuracy\tlr\tseconds\timages_per_s\tdata_wait\n");
    free(metrics);
    assert_true(exists(w.dir, "log.txt") && exists(w.dir, "snapshots"));
    /* Room for the last status, allocated while the run is written. */
    struct stat sb;
    snprintf(want, sizeof want, "%s/status.reserve", w.dir);
    assert_int_equal(stat(want, &sb), 0);
    assert_int_equal(sb.st_size, 16384);
    assert_int_equal(w.reserved, 1);
    /* It reads running from the start, as this process's. */
    RunStatus st;
    Error err = {0};
    assert_int_equal(runstore_read_status(w.dir, &st, &err), ST_OK);
    assert_int_equal(st.state, RUN_RUNNING);
    assert_int_equal(st.pid, (long)getpid());
    assert_string_equal(st.preset, "cub_res448");
    assert_int_equal(strlen(st.started), 20); /* 2026-01-02T03:04:05Z */
    assert_int_equal(st.started[19], 'Z');
    char host[256];
    assert_int_equal(gethostname(host, sizeof host), 0);
    assert_string_equal(st.host, host);
    runstore_close(&w);
    assert_false(exists(w.dir, "status.reserve"));
    assert_int_equal(w.reserved, 0);
    runstore_close(&w); /* twice is harmless */
}

static void test_runstore_create_twice_in_a_second(void **state) {
    Store *s = *state;
    /* Two runs of one name in one second: the second gets -2. A second
     * boundary between them gives two plain ids; then try again. */
    for (int attempt = 0; attempt < 3; attempt++) {
        RunWriter a, b;
        create_run(s, &a, "dup");
        create_run(s, &b, "dup");
        runstore_close(&a);
        runstore_close(&b);
        if (strncmp(a.id, b.id, 15) != 0) continue;
        char want[300];
        snprintf(want, sizeof want, "%s-2", a.id);
        assert_string_equal(b.id, want);
        return;
    }
    fail_msg("three second boundaries in a row");
}

static void test_runstore_create_refuses_long_names(void **state) {
    Store *s = *state;
    RunWriter w;
    Error err = {0};
    char name[300];
    memset(name, 'n', 240);
    name[240] = '\0';
    /* 240 + 24 > the id's 256 bytes. */
    assert_int_equal(runstore_create(&w, s->runs, name, "", &err), ST_ARG);
    assert_non_null(strstr(err.msg, "is 240 bytes long: too long for a run id"));
    char dir[1100];
    memset(dir, 'd', 1000);
    dir[0] = '/';
    dir[1000] = '\0';
    assert_int_equal(runstore_create(&w, dir, "x", "", &err), ST_ARG);
    assert_non_null(strstr(err.msg, "the run store's path is 1000 bytes long"));
    /* Neither made anything. */
    assert_int_equal(access(s->runs, F_OK), -1);
}

static void test_runstore_create_where_a_file_is(void **state) {
    Store *s = *state;
    write_text(s->runs, "not a directory\n");
    RunWriter w;
    Error err = {0};
    assert_int_equal(runstore_create(&w, s->runs, "x", "", &err), ST_IO);
    assert_non_null(strstr(err.msg, s->runs)); /* names the path */
    /* Listing a store that is a file says so too. */
    char **ids;
    int n;
    assert_int_equal(runstore_list(s->runs, &ids, &n, &err), ST_IO);
    assert_non_null(strstr(err.msg, "cannot open: Not a directory"));
    assert_null(ids);
    assert_int_equal(n, 0);
}

static void test_runstore_rows_read_back(void **state) {
    Store *s = *state;
    RunWriter w;
    create_run(s, &w, "rows");
    append(&w, 20, PHASE_TRAIN, 1.5, 0.25);
    append(&w, 40, PHASE_VAL, 0.75, 0.5);
    append(&w, 40, PHASE_TEST, 0.8, 0.625);
    RunRow *rows;
    int n;
    Error err = {0};
    assert_int_equal(runstore_read_metrics(w.dir, &rows, &n, &err), ST_OK);
    assert_int_equal(n, 3);
    assert_int_equal(rows[0].iter, 20);
    assert_int_equal(rows[0].heldout, 0);
    assert_int_equal(rows[0].val, 0);
    assert_true(rows[0].loss == 1.5 && rows[0].accuracy == 0.25 && rows[0].lr == 0.01);
    /* Written as %.3f, %.3f and %.4f: 1.23456 -> 1.235, 0.12345 -> 0.1235
     * (0.12345 is just above in binary), 100.5 stays. */
    assert_near(rows[0].seconds, 1.235, 1e-12);
    assert_near(rows[0].images_per_s, 100.5, 1e-12);
    assert_near(rows[0].data_wait, 0.1235, 1e-12);
    assert_true(rows[1].heldout == 1 && rows[1].val == 1 && rows[1].accuracy == 0.5);
    assert_true(rows[2].heldout == 1 && rows[2].val == 0 && rows[2].loss == 0.8);
    free(rows);
    runstore_close(&w);
}

static void test_runstore_metrics_skips_partial_and_bad_lines(void **state) {
    Store *s = *state;
    char dir[400], path[500];
    snprintf(dir, sizeof dir, "%s/hand", s->root);
    assert_int_equal(mkdir(dir, 0777), 0);
    snprintf(path, sizeof path, "%s/metrics.tsv", dir);
    write_text(path, "iter\tphase\tloss\taccuracy\tlr\tseconds\timages_per_s\tdata_wait\n"
                     "10\ttrain\t2\t0.1\t0.01\t1\t50\t0\n"
                     "20\tcache\t2\t0.1\t0.01\t1\t50\t0\n" /* not a row's phase */
                     "30\ttrain\t2\t0.1\n"                 /* too few fields */
                     "40\ttest\t1\t0.3\t0.01\t2\t60\t0\n"
                     "50\ttrain\t1.9\t0.2\t0.01"); /* still being written */
    RunRow *rows;
    int n;
    Error err = {0};
    assert_int_equal(runstore_read_metrics(dir, &rows, &n, &err), ST_OK);
    assert_int_equal(n, 2);
    assert_int_equal(rows[0].iter, 10);
    assert_int_equal(rows[1].iter, 40);
    assert_int_equal(rows[1].heldout, 1);
    free(rows);
    snprintf(path, sizeof path, "%s/gone", s->root);
    assert_int_equal(runstore_read_metrics(path, &rows, &n, &err), ST_IO);
    assert_non_null(strstr(err.msg, "/gone/metrics.tsv"));
    assert_null(rows);
    assert_int_equal(n, 0);
}

static void test_runstore_log_lines_are_stamped(void **state) {
    Store *s = *state;
    RunWriter w;
    create_run(s, &w, "log");
    Error err = {0};
    assert_int_equal(runstore_log(&w, "Iteration 20, loss = 1.5", &err), ST_OK);
    assert_int_equal(runstore_log(&w, "done", &err), ST_OK);
    char path[1200];
    snprintf(path, sizeof path, "%s/log.txt", w.dir);
    char *log = read_text(path);
    /* "2026-01-02T03:04:05Z Iteration 20, loss = 1.5\n": a 20-byte stamp. */
    char *second = strchr(log, '\n') + 1;
    assert_int_equal(second - log, 20 + 1 + 24 + 1);
    assert_int_equal(log[21 + 24], '\n');
    assert_int_equal(log[19], 'Z');
    assert_memory_equal(log + 21, "Iteration 20, loss = 1.5", 24);
    assert_string_equal(second + 20, " done\n");
    free(log);
    runstore_close(&w);
}

static void test_runstore_status_of_a_dead_writer(void **state) {
    Store *s = *state;
    char dir[400], host[256];
    snprintf(dir, sizeof dir, "%s/run", s->root);
    assert_int_equal(mkdir(dir, 0777), 0);
    assert_int_equal(gethostname(host, sizeof host), 0);
    long dead = dead_pid();
    static const struct {
        RunState written;
        int here;
        RunState read;
    } cases[] = {
        {RUN_RUNNING, 1, RUN_INTERRUPTED}, /* its process is gone */
        {RUN_QUEUED, 1, RUN_INTERRUPTED},
        {RUN_RUNNING, 0, RUN_RUNNING}, /* another machine's pid means nothing here */
        {RUN_DONE, 1, RUN_DONE},       /* finished states stay */
        {RUN_STOPPED, 1, RUN_STOPPED},
        {RUN_PRUNED, 1, RUN_PRUNED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_status(dir, cases[i].written, dead, cases[i].here ? host : "elsewhere-node");
        RunStatus st;
        Error err = {0};
        assert_int_equal(runstore_read_status(dir, &st, &err), ST_OK);
        if (st.state != cases[i].read)
            fail_msg("case %zu: %s, want %s", i, runstore_state_name(st.state),
                     runstore_state_name(cases[i].read));
        assert_int_equal(st.iter, 40);
    }
    write_status(dir, RUN_RUNNING, (long)getpid(), host); /* alive: running */
    RunStatus st;
    assert_int_equal(runstore_read_status(dir, &st, NULL), ST_OK);
    assert_int_equal(st.state, RUN_RUNNING);
}

static void test_runstore_status_errors_name_the_file(void **state) {
    Store *s = *state;
    char dir[400], path[500];
    snprintf(dir, sizeof dir, "%s/bad", s->root);
    assert_int_equal(mkdir(dir, 0777), 0);
    RunStatus st;
    Error err = {0};
    assert_int_equal(runstore_read_status(dir, &st, &err), ST_IO); /* no status.ini */
    snprintf(path, sizeof path, "%s/status.ini", dir);
    assert_non_null(strstr(err.msg, path));
    write_text(path, "[run]\nstate = running\nno equals sign here\n");
    assert_int_equal(runstore_read_status(dir, &st, &err), ST_FORMAT);
    char want[600];
    snprintf(want, sizeof want, "%s:3: malformed line", path);
    assert_string_equal(err.msg, want);
    write_text(path, "[run]\nstate = sideways\n");
    assert_int_equal(runstore_read_status(dir, &st, &err), ST_FORMAT);
    snprintf(want, sizeof want, "%s:2: bad value for state", path);
    assert_string_equal(err.msg, want);
}

static void test_runstore_list_and_resolve(void **state) {
    Store *s = *state;
    char **ids;
    int n;
    Error err = {0};
    /* No store yet: no runs, no error. */
    assert_int_equal(runstore_list(s->runs, &ids, &n, &err), ST_OK);
    assert_int_equal(n, 0);
    assert_null(ids);
    static const char *const names[] = {
        "20260102-000000-b",   "20250101-000000-a",   "20260102-000000-a", "20260102-000000-g-10",
        "20260102-000000-g-2", "20260102-000000-g-9", ".hidden",           "halving"};
    assert_int_equal(mkdir(s->runs, 0777), 0);
    for (int i = 0; i < 8; i++) {
        char dir[600];
        snprintf(dir, sizeof dir, "%s/%s", s->runs, names[i]);
        assert_int_equal(mkdir(dir, 0777), 0);
        if (i < 7) write_status(dir, RUN_DONE, 1, ""); /* halving/ is no run */
    }
    assert_int_equal(runstore_list(s->runs, &ids, &n, &err), ST_OK);
    /* in the order made, oldest first (one second's -g-2 before its -g-10);
     * no dot files */
    static const char *const want_order[] = {"20250101-000000-a",   "20260102-000000-a",
                                             "20260102-000000-b",   "20260102-000000-g-2",
                                             "20260102-000000-g-9", "20260102-000000-g-10"};
    assert_int_equal(n, 6);
    for (int i = 0; i < n; i++) assert_string_equal(ids[i], want_order[i]);
    runstore_free_list(ids, n);
    runstore_free_list(NULL, 0);

    char dir[1024], want[1024];
    assert_int_equal(runstore_resolve(s->runs, "20250101-000000-a", dir, sizeof dir, &err), ST_OK);
    snprintf(want, sizeof want, "%s/20250101-000000-a", s->runs);
    assert_string_equal(dir, want);
    /* A path to a run directory is taken as it is, whatever runs_dir. */
    assert_int_equal(runstore_resolve("/nonexistent", want, dir, sizeof dir, &err), ST_OK);
    assert_string_equal(dir, want);
    assert_int_equal(runstore_resolve(s->runs, "halving", dir, sizeof dir, &err), ST_IO);
    snprintf(want, sizeof want, "halving: no such run (looked in %s)", s->runs);
    assert_string_equal(err.msg, want);
}

/* Makes run_dir/snapshots/<name> for each name (empty files). */
static void touch_snapshots(const char *run_dir, const char *const *names, int n) {
    char path[1400];
    snprintf(path, sizeof path, "%s/snapshots", run_dir);
    mkdir(path, 0777);
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/snapshots/%s", run_dir, names[i]);
        write_text(path, "");
    }
}

static void expect_iters(const char *run_dir, const int *want, int n_want) {
    int *iters, n;
    Error err = {0};
    assert_int_equal(runstore_snapshots(run_dir, &iters, &n, &err), ST_OK);
    assert_int_equal(n, n_want);
    for (int i = 0; i < n; i++) assert_int_equal(iters[i], want[i]);
    free(iters);
}

static void test_runstore_snapshots(void **state) {
    Store *s = *state;
    char dir[400];
    snprintf(dir, sizeof dir, "%s/snap", s->root);
    assert_int_equal(mkdir(dir, 0777), 0);
    expect_iters(dir, NULL, 0); /* no snapshots/ at all */
    char path[1200];
    int iter = -1;
    Error err = {0};
    assert_int_equal(runstore_last_snapshot(dir, path, sizeof path, &iter, &err), ST_IO);
    char want[1200];
    snprintf(want, sizeof want, "%s: no snapshots", dir);
    assert_string_equal(err.msg, want);
    static const char *const names[] = {
        "iter_10.safetensors",     "iter_200.safetensors",
        "iter_30.safetensors",     "iter_5.safetensors.tmp.12345",
        "iter_40.safetensors.bad", "iter_010.safetensors",
        "iter_-7.safetensors",     "notes.txt",
    };
    touch_snapshots(dir, names, 8);
    expect_iters(dir, (const int[]){200, 30, 10}, 3); /* newest first, only exact names */
    assert_int_equal(runstore_last_snapshot(dir, path, sizeof path, &iter, &err), ST_OK);
    assert_int_equal(iter, 200);
    snprintf(want, sizeof want, "%s/snapshots/iter_200.safetensors", dir);
    assert_string_equal(path, want);
    /* Set aside: kept as .bad, no longer a snapshot. */
    assert_int_equal(runstore_set_aside_snapshot(dir, 200, &err), ST_OK);
    assert_true(exists(dir, "snapshots/iter_200.safetensors.bad"));
    expect_iters(dir, (const int[]){30, 10}, 2);
    assert_int_equal(runstore_last_snapshot(dir, path, sizeof path, NULL, &err), ST_OK);
    assert_int_equal(runstore_set_aside_snapshot(dir, 200, &err), ST_IO); /* gone already */
    assert_non_null(strstr(err.msg, "/snapshots/iter_200.safetensors: cannot rename to "));
}

static void test_runstore_prune_keeps_the_newest(void **state) {
    Store *s = *state;
    char dir[400];
    snprintf(dir, sizeof dir, "%s/prune", s->root);
    assert_int_equal(mkdir(dir, 0777), 0);
    static const char *const names[] = {"iter_10.safetensors", "iter_20.safetensors",
                                        "iter_30.safetensors", "iter_40.safetensors",
                                        "iter_50.safetensors", "iter_7.safetensors.tmp.1"};
    touch_snapshots(dir, names, 6);
    char removed[128] = "stale";
    Error err = {0};
    /* keep 0 keeps all. */
    assert_int_equal(runstore_prune_snapshots(dir, 0, 40, removed, sizeof removed, &err), ST_OK);
    assert_string_equal(removed, "");
    /* No snapshot at 45: nothing goes. */
    assert_int_equal(runstore_prune_snapshots(dir, 1, 45, removed, sizeof removed, &err), ST_STATE);
    assert_non_null(strstr(err.msg, "/snapshots: no snapshot at iteration 45 to keep"));
    expect_iters(dir, (const int[]){50, 40, 30, 20, 10}, 5);
    /* Keep 2 at 40: 40 and 30 stay, 50 (after newest) is never touched,
     * 20 and 10 go, newest first. */
    assert_int_equal(runstore_prune_snapshots(dir, 2, 40, removed, sizeof removed, &err), ST_OK);
    assert_string_equal(removed, "iter_20.safetensors, iter_10.safetensors");
    expect_iters(dir, (const int[]){50, 40, 30}, 3);
    assert_true(exists(dir, "snapshots/iter_7.safetensors.tmp.1"));
    /* Keep 1 at 50 without a list of names. */
    assert_int_equal(runstore_prune_snapshots(dir, 1, 50, NULL, 0, &err), ST_OK);
    expect_iters(dir, (const int[]){50}, 1);
}

static void test_runstore_reopen_for_a_resume(void **state) {
    Store *s = *state;
    RunWriter w;
    create_run(s, &w, "resume");
    append(&w, 20, PHASE_TRAIN, 1.5, 0.25);
    append(&w, 40, PHASE_TRAIN, 1.0, 0.5);
    append(&w, 40, PHASE_TEST, 0.9, 0.55);
    append(&w, 60, PHASE_TRAIN, 0.5, 0.75);
    Error err = {0};
    assert_int_equal(runstore_log(&w, "before", &err), ST_OK);
    runstore_close(&w);
    /* A writer killed mid-line, and its temporary files. */
    char path[1300];
    snprintf(path, sizeof path, "%s/metrics.tsv", w.dir);
    FILE *f = fopen(path, "a");
    fputs("80\ttrain\t0.4", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/log.txt", w.dir);
    f = fopen(path, "a");
    fputs("2026-01-01T00:00:00Z half a li", f);
    fclose(f);
    char dead_tmp[64], live_tmp[64];
    snprintf(dead_tmp, sizeof dead_tmp, "status.ini.tmp.%ld", dead_pid());
    snprintf(live_tmp, sizeof live_tmp, "iter_9.safetensors.tmp.%ld", (long)getppid());
    snprintf(path, sizeof path, "%s/%s", w.dir, dead_tmp);
    write_text(path, "x");
    snprintf(path, sizeof path, "%s/snapshots/%s", w.dir, live_tmp);
    write_text(path, "x");

    RunWriter r;
    assert_int_equal(runstore_reopen(&r, w.dir, 40, &err), ST_OK);
    assert_string_equal(r.id, w.id);
    assert_int_equal(r.reserved, 1);
    assert_string_equal(r.status.preset, "resume");
    assert_false(exists(w.dir, dead_tmp)); /* its writer is gone */
    char live[200];
    snprintf(live, sizeof live, "snapshots/%s", live_tmp);
    assert_true(exists(w.dir, live)); /* a live process's stays */
    /* Rows at or after 40 go (written again by the resume), and the cut line. */
    append(&r, 40, PHASE_TRAIN, 0.95, 0.52);
    RunRow *rows;
    int n;
    assert_int_equal(runstore_read_metrics(w.dir, &rows, &n, &err), ST_OK);
    assert_int_equal(n, 2);
    assert_int_equal(rows[0].iter, 20);
    assert_true(rows[0].loss == 1.5);
    assert_int_equal(rows[1].iter, 40);
    assert_true(rows[1].loss == 0.95);
    free(rows);
    assert_int_equal(runstore_log(&r, "after", &err), ST_OK);
    runstore_close(&r);
    snprintf(path, sizeof path, "%s/log.txt", w.dir);
    char *log = read_text(path);
    assert_null(strstr(log, "half a li"));
    assert_non_null(strstr(log, " before\n"));
    assert_non_null(strstr(log, " after\n"));
    free(log);
    /* A directory that is no run. */
    snprintf(path, sizeof path, "%s/none", s->root);
    assert_int_equal(runstore_reopen(&r, path, 0, &err), ST_IO);
    assert_non_null(strstr(err.msg, "/none/status.ini"));
}

static void test_runstore_set_state_and_end(void **state) {
    Store *s = *state;
    RunWriter w;
    create_run(s, &w, "states");
    w.status.iter = 600;
    w.status.best_accuracy = 0.5;
    /* A halving sweep's run: only those carry a rung (runstatus.h). */
    snprintf(w.status.halving, sizeof w.status.halving, "halving-20260101-000000-x");
    w.status.candidate = 3;
    Error err = {0};
    assert_int_equal(runstore_write_status(&w, &err), ST_OK);
    runstore_close(&w);
    RunStatus st;
    assert_int_equal(runstore_set_state(w.dir, RUN_PRUNED, 2, &err), ST_OK);
    assert_int_equal(runstore_read_status(w.dir, &st, &err), ST_OK);
    assert_int_equal(st.state, RUN_PRUNED);
    assert_int_equal(st.rung, 2);
    assert_int_equal(st.iter, 600); /* the rest as it was */
    assert_int_equal(st.candidate, 3);
    assert_true(st.best_accuracy == 0.5);
    assert_int_equal(runstore_set_state(w.dir, RUN_STOPPED, -1, &err), ST_OK);
    assert_int_equal(runstore_read_status(w.dir, &st, &err), ST_OK);
    assert_int_equal(st.state, RUN_STOPPED);
    assert_int_equal(st.rung, 2); /* -1 keeps the rung */
    char gone[400];
    snprintf(gone, sizeof gone, "%s/gone", s->root);
    assert_int_equal(runstore_set_state(gone, RUN_DONE, -1, &err), ST_IO);
    /* The end: written with the reserve given back first when needed. */
    w.status.state = RUN_DONE;
    assert_int_equal(runstore_write_end(&w, &err), ST_OK);
    assert_int_equal(runstore_read_status(w.dir, &st, &err), ST_OK);
    assert_int_equal(st.state, RUN_DONE);
}

static void test_runstore_null_writer(void **state) {
    Store *s = *state;
    RunWriter w;
    runstore_null(&w);
    assert_string_equal(w.dir, "");
    assert_int_equal(w.status.best_accuracy, -1); /* the defaults */
    Error err = {0};
    TrainRow row = {.iter = 1, .phase = PHASE_TRAIN};
    assert_int_equal(runstore_write_status(&w, &err), ST_OK);
    assert_int_equal(runstore_append_row(&w, &row, &err), ST_OK);
    assert_int_equal(runstore_log(&w, "x", &err), ST_OK);
    assert_int_equal(runstore_write_end(&w, &err), ST_OK);
    runstore_close(&w);
    assert_int_equal(w.failed.status, ST_OK);
    assert_int_equal(access(s->runs, F_OK), -1); /* nothing written anywhere */
}

static void test_runstore_full_disk_keeps_the_first_failure(void **state) {
    Store *s = *state;
    RunWriter w;
    create_run(s, &w, "full");
    /* Both files on a device that is always full. */
    fclose(w.metrics);
    fclose(w.log);
    w.metrics = fopen("/dev/full", "w");
    w.log = fopen("/dev/full", "w");
    if (!w.metrics || !w.log) skip();
    Error err = {0};
    TrainRow row = {.iter = 20, .phase = PHASE_TRAIN, .loss = 1};
    assert_int_equal(runstore_append_row(&w, &row, &err), ST_IO);
    char want[1300];
    snprintf(want, sizeof want, "%s/metrics.tsv: cannot write: No space left on device", w.dir);
    assert_string_equal(err.msg, want);
    assert_null(w.metrics); /* closed: nothing follows the partial line */
    assert_int_equal(w.failed.status, ST_IO);
    assert_string_equal(w.failed.msg, want);
    assert_int_equal(runstore_append_row(&w, &row, &err), ST_OK); /* dropped */
    assert_int_equal(runstore_log(&w, "x", &err), ST_IO);
    assert_non_null(strstr(err.msg, "/log.txt: cannot write: No space left on device"));
    assert_string_equal(w.failed.msg, want); /* still the first */
    /* status.ini is written through a temporary file and a rename: where
     * the rename cannot replace it (a directory now), the write fails,
     * naming it, and the writer still keeps its first failure. */
    char path[1300];
    snprintf(path, sizeof path, "%s/status.ini", w.dir);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(mkdir(path, 0777), 0);
    snprintf(want, sizeof want, "%s/status.ini/x", w.dir);
    write_text(want, "");
    assert_int_equal(runstore_write_status(&w, &err), ST_IO);
    assert_non_null(strstr(err.msg, "status.ini"));
    assert_non_null(strstr(w.failed.msg, "metrics.tsv"));
    assert_int_equal(runstore_write_end(&w, &err), ST_IO); /* even without the reserve */
    assert_int_equal(w.reserved, 0);
    runstore_close(&w);
}

#define T(f) cmocka_unit_test_setup_teardown(f, store_setup, testutil_teardown_tmp)

static void test_runstore_store_of(void **state) {
    (void)state;
    char out[64];
    runstore_store_of("runs/20261201-000000-a", out, sizeof out);
    assert_string_equal(out, "runs");
    runstore_store_of("/tmp/x/runs/20261201-000000-a", out, sizeof out);
    assert_string_equal(out, "/tmp/x/runs");
    runstore_store_of("20261201-000000-a", out, sizeof out);
    assert_string_equal(out, ".");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        T(test_runstore_create_makes_a_run),
        T(test_runstore_create_twice_in_a_second),
        T(test_runstore_create_refuses_long_names),
        T(test_runstore_create_where_a_file_is),
        T(test_runstore_rows_read_back),
        T(test_runstore_metrics_skips_partial_and_bad_lines),
        T(test_runstore_log_lines_are_stamped),
        T(test_runstore_status_of_a_dead_writer),
        T(test_runstore_status_errors_name_the_file),
        T(test_runstore_list_and_resolve),
        T(test_runstore_snapshots),
        T(test_runstore_prune_keeps_the_newest),
        T(test_runstore_reopen_for_a_resume),
        T(test_runstore_set_state_and_end),
        T(test_runstore_null_writer),
        T(test_runstore_full_disk_keeps_the_first_failure),
        cmocka_unit_test(test_runstore_store_of),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
