/*
 * test_study — a study's files on the store (src/run/study.c): made and
 * opened again with its preset; four processes appending trials at once
 * under the lock, every one of them there, numbered in order; a record a
 * crash cut short named by its line, and the next append not glued to it;
 * a trial whose worker process is gone released, live and other hosts'
 * workers left alone.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "src/run/study.h"
#include "tests/lib/testutil.h"

enum { WRITERS = 4, EACH = 25 };

typedef struct Lab {
    char dir[256];
    char id[256];
} Lab;

static Lab lab; /* one study at a time, made afresh for each test */

static int lab_setup(void **state) {
    Preset p;
    Error err = {0};
    preset_defaults(&p);
    snprintf(p.experiment.name, sizeof p.experiment.name, "s");
    *state = &lab;
    return testutil_tmpdir(lab.dir, sizeof lab.dir, "study") ||
                   study_create(&p, lab.dir, lab.id, sizeof lab.id, &err)
               ? -1
               : 0;
}

static int lab_teardown(void **state) {
    (void)state;
    return testutil_rmtree(lab.dir);
}

static void test_study_open(void **state) {
    Lab *l = *state;
    Study s;
    Preset p;
    Error err = {0};
    assert_int_equal(study_open(&s, l->dir, l->id, &p, &err), ST_OK);
    assert_string_equal(p.experiment.name, "s");
    assert_int_equal(study_read(&s, &err), ST_OK);
    assert_int_equal(s.n, 0); /* no journal yet: no trials */
    study_close(&s);
    assert_int_equal(study_open(&s, l->dir, "study-none", &p, &err), ST_IO);
    assert_string_equal(err.msg, "study-none: no run, halving sweep or study of that name");
    study_close(&s);
}

/* One writer: EACH trials, each numbered from the journal as it stands. */
static int writer(const Lab *l) {
    Study s;
    Preset p;
    Error err = {0};
    if (study_open(&s, l->dir, l->id, &p, &err)) return 1;
    for (int i = 0; i < EACH; i++) {
        if (study_lock(&s, NULL, NULL, &err) || !s.lock || study_read(&s, &err)) return 2;
        JournalRecord r = {.kind = JOURNAL_TRIAL, .trial = s.n, .seed = getpid()};
        snprintf(r.params, sizeof r.params, "writer %d trial %d", (int)getpid(), i);
        if (study_append(&s, &r, 1, &err)) return 3;
        study_unlock(&s);
    }
    study_close(&s);
    return 0;
}

static void test_study_concurrent_writers(void **state) {
    Lab *l = *state;
    pid_t kids[WRITERS];
    for (int w = 0; w < WRITERS; w++) {
        kids[w] = fork();
        assert_true(kids[w] >= 0);
        if (kids[w] == 0) _exit(writer(l));
    }
    for (int w = 0; w < WRITERS; w++) {
        int status;
        assert_int_equal(waitpid(kids[w], &status, 0), kids[w]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    Study s;
    Preset p;
    Error err = {0};
    assert_int_equal(study_open(&s, l->dir, l->id, &p, &err), ST_OK);
    assert_int_equal(study_read(&s, &err), ST_OK); /* trial numbers in order, none twice */
    assert_int_equal(s.n, WRITERS * EACH);
    int per[WRITERS] = {0};
    for (int i = 0; i < s.n; i++)
        for (int w = 0; w < WRITERS; w++) per[w] += s.trials[i].seed == kids[w];
    for (int w = 0; w < WRITERS; w++) assert_int_equal(per[w], EACH);
    study_close(&s);
}

static void test_study_torn_line(void **state) {
    Lab *l = *state;
    char path[600];
    snprintf(path, sizeof path, "%s/studies/%s/journal.tsv", l->dir, l->id);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("kind=trial\ttrial=0\tseed=1\tparams=a\nkind=start\ttri", f); /* cut short */
    fclose(f);
    Study s;
    Preset p;
    Error err = {0};
    assert_int_equal(study_open(&s, l->dir, l->id, &p, &err), ST_OK);
    assert_int_equal(study_read(&s, &err), ST_OK); /* a last line without newline: not read */
    assert_int_equal(s.n, 1);
    JournalRecord r = {.kind = JOURNAL_START, .trial = 0};
    assert_int_equal(study_append(&s, &r, 1, &err), ST_OK);
    /* The cut line ended first: it is line 2, and it is what reading names. */
    assert_int_equal(study_read(&s, &err), ST_FORMAT);
    char want[700];
    snprintf(want, sizeof want, "%s:2: a field without '=' ('tri')", path);
    assert_string_equal(err.msg, want);
    study_close(&s);
}

static void test_study_release_dead(void **state) {
    Lab *l = *state;
    Study s;
    Preset p;
    Error err = {0};
    assert_int_equal(study_open(&s, l->dir, l->id, &p, &err), ST_OK);
    pid_t gone = fork();
    assert_true(gone >= 0);
    if (gone == 0) _exit(0);
    assert_int_equal(waitpid(gone, NULL, 0), gone);
    char host[128];
    snprintf(host, sizeof host, "%s", s.worker);
    *strrchr(host, ':') = '\0';
    /* Three trials started: by the gone process, by this one's parent
     * (alive), by a process of another machine. */
    const char *hosts[3] = {host, host, "elsewhere"};
    long pids[3] = {gone, getppid(), 12345};
    for (int t = 0; t < 3; t++) {
        JournalRecord r[2] = {{.kind = JOURNAL_TRIAL, .trial = t},
                              {.kind = JOURNAL_START, .trial = t}};
        assert_int_equal(study_append(&s, r, 2, &err), ST_OK);
        snprintf(s.trials[t].worker, sizeof s.trials[t].worker, "%s:%ld", hosts[t], pids[t]);
    }
    assert_int_equal(study_release_dead(&s, &err), 1);
    assert_false(s.trials[0].asha.busy);
    assert_int_equal(s.trials[0].state, TRIAL_WAITING);
    assert_true(s.trials[1].asha.busy && s.trials[2].asha.busy);
    study_close(&s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_study_open, lab_setup, lab_teardown),
        cmocka_unit_test_setup_teardown(test_study_concurrent_writers, lab_setup, lab_teardown),
        cmocka_unit_test_setup_teardown(test_study_torn_line, lab_setup, lab_teardown),
        cmocka_unit_test_setup_teardown(test_study_release_dead, lab_setup, lab_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
