/*
 * test_resume — what a resume continues from, and what snapshot_keep
 * keeps (src/run/runner.c, src/run/runstore.c's snapshot functions): with
 * its newest snapshot damaged in any of tests/lib/testsnap.c's ways, a run
 * resumes from the one before, says which file was bad and why (log.txt
 * and on_log), keeps that file as iter_<N>.safetensors.bad, and writes the
 * rows and final accuracy of a run that never stopped (so the rows were
 * trimmed at the snapshot used); with several bad it goes back as far as
 * it must; with all bad it fails naming every file and leaves the run's
 * files as they were. snapshot_keep = 0 / 1 / 2 keeps all / the newest /
 * the two newest, across a stop and a resume too, without changing
 * training; pruning never touches a snapshot after the new one or a file
 * not named iter_<N>.safetensors.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/io/fileio.h"
#include "src/run/runner.h"
#include "tests/lib/testlab.h"
#include "tests/lib/testpreset.h"
#include "tests/lib/testsnap.h"
#include "tests/lib/testutil.h"

static TestLab lab;
static char *ref_rows; /* an uninterrupted run's rows */
static double ref_accuracy;

/* snapshots at 6, 12, 18, 24 */
static void tiny(Preset *p, int keep) {
    const char *sets[] = {
        "solver.max_iter=24",     "solver.batch_size=6",        "solver.test_iter=3",
        "solver.test_interval=8", "solver.display=4",           "solver.average_loss=3",
        "solver.snapshot=6",      "solver.lr_policy=multistep", "solver.stepvalue=10,10",
        "solver.gamma=0.5",       "model.bilinear_dim=128",     "model.width=0.0625",
        "data.loader_threads=1",
    };
    testpreset_tiny(p, lab.data, sets, sizeof sets / sizeof sets[0]);
    testpreset_set(p, "solver.snapshot_keep=%d", keep);
}

static int setup(void **state) {
    (void)state;
    if (testlab_init(&lab, "resume", 3, 12)) return -1;
    Preset p;
    tiny(&p, 0);
    RunResult res;
    if (runner_run(&p, "", lab.runs, NULL, &res, NULL) || res.state != RUN_DONE) return -1;
    ref_rows = testlab_rows(res.run_dir);
    ref_accuracy = res.final_accuracy;
    return 0;
}

static int teardown(void **state) {
    (void)state;
    free(ref_rows);
    return testlab_fini(&lab);
}

/* The log lines a run reported (on_log), one after another. */
typedef struct Lines {
    char text[16384];
    size_t len;
} Lines;

static void on_log(void *ctx, TrainLogKind kind, const char *line) {
    Lines *l = ctx;
    /* A row's text comes as a row (the screens skip it), and only it. */
    if ((strncmp(line, "Iteration ", 10) == 0) != (kind == TRAIN_LOG_ROW))
        fail_msg("kind %d for the line '%s'", kind, line);
    if (l->len < sizeof l->text)
        l->len += (size_t)snprintf(l->text + l->len, sizeof l->text - l->len, "%s\n", line);
}

static void snap(char *out, size_t cap, const char *run_dir, int iter) {
    snprintf(out, cap, "%s/snapshots/iter_%d.safetensors", run_dir, iter);
}

/* "6 12 18 24 " for a run whose snapshots are those, oldest first. */
static void snapshot_list(const char *run_dir, char *out, size_t cap) {
    int *iters, n;
    assert_int_equal(runstore_snapshots(run_dir, &iters, &n, NULL), ST_OK);
    size_t len = 0;
    out[0] = '\0';
    for (int i = n - 1; i >= 0; i--) len += (size_t)snprintf(out + len, cap - len, "%d ", iters[i]);
    free(iters);
}

static char *read_text(const char *path) {
    uint8_t *text;
    size_t len;
    if (fileio_read_all(path, &text, &len, NULL)) fail_msg("%s: cannot read", path);
    return (char *)text;
}

static void expect_in_file(const char *run_dir, const char *name, const char *want) {
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", run_dir, name);
    char *text = read_text(path);
    if (!strstr(text, want)) fail_msg("%s lacks '%s':\n%s", path, want, text);
    free(text);
}

/* A finished run of tiny(keep), its directory into dir. */
static void finished_run(int keep, char *dir, size_t cap) {
    Preset p;
    tiny(&p, keep);
    RunResult res;
    Error err = {0};
    assert_int_equal(runner_run(&p, "", lab.runs, NULL, &res, &err), ST_OK);
    assert_int_equal(res.state, RUN_DONE);
    snprintf(dir, cap, "%s", res.run_dir);
}

/* Resumes dir (made stopped first) and expects it done with the
 * uninterrupted run's rows and accuracy; its on_log lines into lines. */
static void resume_to_the_end(const char *dir, Lines *lines) {
    assert_int_equal(runstore_set_state(dir, RUN_STOPPED, -1, NULL), ST_OK);
    lines->len = 0;
    lines->text[0] = '\0';
    RunnerCallbacks cb = {.ctx = lines, .on_log = on_log};
    RunResult res;
    Error err = {0};
    if (runner_resume(dir, lab.runs, &cb, &res, &err)) fail_msg("resume: %s", err.msg);
    assert_int_equal(res.state, RUN_DONE);
    char *rows = testlab_rows(dir);
    assert_string_equal(rows, ref_rows);
    free(rows);
    assert_true(res.final_accuracy == ref_accuracy);
}

static void test_resume_passes_over_a_bad_newest_snapshot(void **state) {
    (void)state;
    char dir[1024], last[1200], bad[1300], want[1400];
    finished_run(0, dir, sizeof dir);
    snap(last, sizeof last, dir, 24);
    snprintf(bad, sizeof bad, "%s.bad", last);
    int n;
    const TestSnapDamage *d = testsnap_damages(&n);
    Lines *lines = malloc(sizeof *lines);
    assert_non_null(lines);
    for (int i = 0; i < n; i++) {
        d[i].apply(last, last);
        resume_to_the_end(dir, lines);
        /* The one warning line, naming the file, the cause and the way on. */
        char *at = strstr(lines->text, "warning: snapshots/iter_24.safetensors: ");
        if (!at) fail_msg("%s: no warning:\n%s", d[i].name, lines->text);
        size_t len = strcspn(at, "\n");
        snprintf(want, sizeof want, "%.*s", (int)len, at);
        if (d[i].expect && !strstr(want, d[i].expect))
            fail_msg("%s: '%s' lacks '%s'", d[i].name, want, d[i].expect);
        if (!strstr(want, "; continuing from iter_18.safetensors (kept as "
                          "iter_24.safetensors.bad)"))
            fail_msg("%s: %s", d[i].name, want);
        expect_in_file(dir, "log.txt", want);
        expect_in_file(dir, "log.txt", "resumed from");
        assert_true(fileio_exists(bad));
        char list[64];
        snapshot_list(dir, list, sizeof list);
        assert_string_equal(list, "6 12 18 24 "); /* 24 written again */
        remove(bad);
    }
    free(lines);
}

static void test_resume_goes_back_past_several_bad_snapshots(void **state) {
    (void)state;
    char dir[1024], path[1200];
    finished_run(0, dir, sizeof dir);
    snap(path, sizeof path, dir, 24);
    testsnap_cut(path, path, 100);
    snap(path, sizeof path, dir, 18);
    testsnap_meta(path, path, "solver", "Adam");
    Lines lines;
    resume_to_the_end(dir, &lines);
    assert_non_null(strstr(lines.text, "warning: snapshots/iter_24.safetensors: header length"));
    assert_non_null(strstr(lines.text, "warning: snapshots/iter_18.safetensors: written by solver "
                                       "type Adam"));
    assert_non_null(strstr(lines.text, "continuing from iter_12.safetensors"));
    expect_in_file(dir, "log.txt", "resumed from");
    expect_in_file(dir, "log.txt", "snapshots/iter_12.safetensors at iteration 12");
}

/* Every file under dir with its bytes, sorted by path, as one string. */
static void tree_text(const char *dir, char **out, size_t *len, size_t *cap) {
    DIR *d = opendir(dir);
    assert_non_null(d);
    char *names[64];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) names[n++] = strdup(e->d_name);
    closedir(d);
    for (int i = 0; i < n; i++) /* sorted, so the listing compares */
        for (int j = i + 1; j < n; j++)
            if (strcmp(names[j], names[i]) < 0) {
                char *t = names[i];
                names[i] = names[j];
                names[j] = t;
            }
    for (int i = 0; i < n; i++) {
        char path[1400];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        free(names[i]);
        if (!fileio_is_file(path)) {
            tree_text(path, out, len, cap);
            continue;
        }
        uint8_t *bytes;
        size_t blen;
        assert_int_equal(fileio_read_all(path, &bytes, &blen, NULL), ST_OK);
        while (*len + strlen(path) + blen + 32 > *cap) {
            *cap = *cap ? 2 * *cap : 1 << 20;
            assert_non_null(*out = realloc(*out, *cap));
        }
        *len += (size_t)sprintf(*out + *len, "%s %zu\n", path, blen);
        memcpy(*out + *len, bytes, blen);
        *len += blen;
        free(bytes);
    }
}

static void test_resume_refuses_when_every_snapshot_is_bad(void **state) {
    (void)state;
    char dir[1024], path[1200];
    finished_run(0, dir, sizeof dir);
    assert_int_equal(runstore_set_state(dir, RUN_STOPPED, -1, NULL), ST_OK);
    snap(path, sizeof path, dir, 24);
    testsnap_cut(path, path, 0);
    snap(path, sizeof path, dir, 18);
    testsnap_cut(path, path, 3000);
    snap(path, sizeof path, dir, 12);
    testsnap_replace(path, path, "\"head.fc.bias\":", "\"head.fc.bia5\":");
    snap(path, sizeof path, dir, 6);
    testsnap_meta(path, path, "iter", "seven");
    char *before = NULL, *after = NULL;
    size_t nb = 0, cap_b = 0, na = 0, cap_a = 0;
    tree_text(dir, &before, &nb, &cap_b);
    Lines lines = {0};
    RunnerCallbacks cb = {.ctx = &lines, .on_log = on_log};
    RunResult res;
    Error err = {0};
    assert_int_not_equal(runner_resume(dir, lab.runs, &cb, &res, &err), ST_OK);
    printf("%s\n", err.msg);
    assert_true(res.bad_input);
    const char *want[] = {
        "every snapshot is bad (iter_24.safetensors, iter_18.safetensors, iter_12.safetensors, "
        "iter_6.safetensors)",
        "training again from iteration 0 would lose them",
        "iter_24.safetensors: only 0 bytes",
        "iter_18.safetensors: header length",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(err.msg, want[i])) fail_msg("'%s' lacks '%s'", err.msg, want[i]);
    assert_non_null(strstr(err.msg, dir));
    /* Each file's whole cause reaches on_log too. */
    assert_non_null(strstr(lines.text, "snapshots/iter_12.safetensors: tensor head.fc.bias is "
                                       "missing"));
    assert_non_null(strstr(lines.text, "snapshots/iter_6.safetensors: metadata iter = 'seven'"));
    /* Nothing on disk changed: not the status, the rows, the log or the
     * snapshots, and nothing was added (no temporary file either). */
    tree_text(dir, &after, &na, &cap_a);
    assert_int_equal(na, nb);
    assert_memory_equal(after, before, nb);
    free(before);
    free(after);
    RunStatus st;
    assert_int_equal(runstore_read_status(dir, &st, NULL), ST_OK);
    assert_int_equal(st.state, RUN_STOPPED);
}

static void test_snapshot_keep_keeps_the_newest(void **state) {
    (void)state;
    static const struct {
        int keep;
        const char *left;
    } cases[] = {{0, "6 12 18 24 "}, {1, "24 "}, {2, "18 24 "}, {9, "6 12 18 24 "}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char dir[1024], list[64];
        finished_run(cases[i].keep, dir, sizeof dir);
        snapshot_list(dir, list, sizeof list);
        assert_string_equal(list, cases[i].left);
        /* Keeping fewer files changes nothing of the training. */
        char *rows = testlab_rows(dir);
        assert_string_equal(rows, ref_rows);
        free(rows);
        if (cases[i].keep == 1) {
            expect_in_file(dir, "log.txt", "snapshot_keep = 1: removed iter_6.safetensors");
            expect_in_file(dir, "log.txt", "snapshot_keep = 1: removed iter_18.safetensors");
        }
    }
}

/* Stopped part-way, a run keeps its stop snapshot (what the resume needs)
 * and the keep - 1 before it; resumed, the older ones go as new ones come,
 * and the rows are those of a run that never stopped. */
static void test_snapshot_keep_across_a_stop_and_a_resume(void **state) {
    (void)state;
    for (int keep = 1; keep <= 2; keep++) {
        Preset p;
        tiny(&p, keep);
        TestStopper st = {.stop_after = 7};
        RunnerCallbacks cb = testlab_stopper(&st);
        RunResult part, rest;
        Error err = {0};
        assert_int_equal(runner_run(&p, "", lab.runs, &cb, &part, &err), ST_OK);
        assert_int_equal(part.state, RUN_STOPPED);
        RunStatus s;
        assert_int_equal(runstore_read_status(part.run_dir, &s, NULL), ST_OK);
        assert_true(s.iter > 12 && s.iter < 18 && s.iter % 6); /* a stop snapshot after 12 */
        char list[64], want[64];
        snapshot_list(part.run_dir, list, sizeof list);
        if (keep == 1)
            snprintf(want, sizeof want, "%d ", s.iter);
        else
            snprintf(want, sizeof want, "12 %d ", s.iter);
        assert_string_equal(list, want);
        assert_int_equal(runner_resume(part.run_dir, lab.runs, NULL, &rest, &err), ST_OK);
        assert_int_equal(rest.state, RUN_DONE);
        snapshot_list(part.run_dir, list, sizeof list);
        assert_string_equal(list, keep == 1 ? "24 " : "18 24 ");
        char *rows = testlab_rows(part.run_dir);
        assert_string_equal(rows, ref_rows);
        free(rows);
        assert_true(rest.final_accuracy == ref_accuracy);
    }
}

/* runstore_prune_snapshots alone: only older iter_<N>.safetensors files go. */
static void test_prune_touches_only_older_snapshots(void **state) {
    (void)state;
    char dir[200], sub[260], path[400];
    snprintf(dir, sizeof dir, "%s/prune", lab.dir);
    snprintf(sub, sizeof sub, "%s/snapshots", dir);
    assert_int_equal(fileio_mkdirs(sub, NULL), ST_OK);
    const char *names[] = {"iter_6.safetensors",     "iter_12.safetensors",
                           "iter_18.safetensors",    "iter_24.safetensors",
                           "iter_3.safetensors.bad", "iter_4.safetensors.tmp.99",
                           "iter_006.safetensors",   "notes.txt"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", sub, names[i]);
        assert_int_equal(fileio_write_atomic(path, "x", 1, NULL), ST_OK);
    }
    char removed[200], list[64];
    Error err = {0};
    /* No snapshot at the iteration named: nothing goes. */
    assert_int_equal(runstore_prune_snapshots(dir, 1, 30, removed, sizeof removed, &err), ST_STATE);
    snapshot_list(dir, list, sizeof list);
    assert_string_equal(list, "6 12 18 24 ");
    /* Those after the new one stay (keep 1 at 12: only 6 goes). */
    assert_int_equal(runstore_prune_snapshots(dir, 1, 12, removed, sizeof removed, &err), ST_OK);
    assert_string_equal(removed, "iter_6.safetensors");
    snapshot_list(dir, list, sizeof list);
    assert_string_equal(list, "12 18 24 ");
    assert_int_equal(runstore_prune_snapshots(dir, 2, 24, removed, sizeof removed, &err), ST_OK);
    assert_string_equal(removed, "iter_12.safetensors");
    assert_int_equal(runstore_prune_snapshots(dir, 0, 24, removed, sizeof removed, &err), ST_OK);
    assert_string_equal(removed, "");
    snapshot_list(dir, list, sizeof list);
    assert_string_equal(list, "18 24 ");
    for (size_t i = 4; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", sub, names[i]);
        if (!fileio_exists(path)) fail_msg("%s was removed", names[i]);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resume_passes_over_a_bad_newest_snapshot),
        cmocka_unit_test(test_resume_goes_back_past_several_bad_snapshots),
        cmocka_unit_test(test_resume_refuses_when_every_snapshot_is_bad),
        cmocka_unit_test(test_snapshot_keep_keeps_the_newest),
        cmocka_unit_test(test_snapshot_keep_across_a_stop_and_a_resume),
        cmocka_unit_test(test_prune_touches_only_older_snapshots),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
