/*
 * test_study — a study's files on the store (src/run/study.c): made and
 * opened again with its preset; four processes appending trials at once
 * under the lock, every one of them there, numbered in order; a record a
 * crash cut short named by its line, and the next append not glued to it;
 * a trial whose worker process is gone released, live and other hosts'
 * workers left alone; on another host, a worker whose lock under workers/
 * is free released, one holding it left alone, and one whose Slurm task
 * has ended released though its lock looks held (a failed NFS client's),
 * Slurm asked at most every STUDY_SLURM_EVERY seconds (stand-in squeue and
 * sacct on PATH); a joined worker's lock; tidying removes only free locks.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "src/run/cachelock.h"
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

/* Starts trials 0..n-1, each by workers[t] (host:pid) as Slurm task
 * slurm[t] ("" none): the journal as those workers would have left it. */
static void start_trials(Study *s, int n, const char *const *workers, const char *const *slurm) {
    Error err = {0};
    for (int t = 0; t < n; t++) {
        JournalRecord r[2] = {{.kind = JOURNAL_TRIAL, .trial = s->n},
                              {.kind = JOURNAL_START, .trial = s->n}};
        assert_int_equal(study_append(s, r, 2, &err), ST_OK);
    }
    for (int t = 0; t < n; t++) {
        snprintf(s->trials[t].worker, sizeof s->trials[t].worker, "%s", workers[t]);
        snprintf(s->trials[t].slurm, sizeof s->trials[t].slurm, "%s", slurm[t]);
    }
}

/* A child process holding path's lock until killed; its pid. */
static pid_t hold_lock(const char *path) {
    int ready[2];
    assert_int_equal(pipe(ready), 0);
    pid_t kid = fork();
    assert_true(kid >= 0);
    if (kid == 0) {
        CacheLock *l = NULL;
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* a failed test leaves no holder behind */
        if (cachelock_take(path, 0, NULL, NULL, &l, NULL, 0, NULL) || !l) _exit(1);
        if (write(ready[1], "x", 1) != 1) _exit(1);
        pause();
        _exit(0);
    }
    char c;
    close(ready[1]);
    assert_int_equal(read(ready[0], &c, 1), 1);
    close(ready[0]);
    return kid;
}

/* squeue knows task 77_2 (running), sacct that 77_1 failed with its node;
 * each call of squeue adds a line to dir/asked. */
static void fake_slurm(const char *dir) {
    char path[600], env[1400];
    snprintf(path, sizeof path, "%s/squeue", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "#!/bin/sh\necho asked >> '%s/asked'\necho '77_2 RUNNING'\n", dir);
    fclose(f);
    assert_int_equal(chmod(path, 0755), 0);
    snprintf(path, sizeof path, "%s/sacct", dir);
    assert_non_null(f = fopen(path, "w"));
    fprintf(f, "#!/bin/sh\necho '77_1|NODE_FAIL'\n");
    fclose(f);
    assert_int_equal(chmod(path, 0755), 0);
    snprintf(env, sizeof env, "%s:%s", dir, getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
    setenv("PATH", env, 1);
}

static int count_lines(const char *path) {
    FILE *f = fopen(path, "r");
    int n = 0;
    for (int c; f && (c = fgetc(f)) != EOF;) n += c == '\n';
    if (f) fclose(f);
    return n;
}

static void test_study_dead_elsewhere(void **state) {
    Lab *l = *state;
    Study s;
    Preset p;
    Error err = {0};
    char dir[600], path[900], asked[700];
    const char *path_was = getenv("PATH");
    char *saved = strdup(path_was ? path_was : "/usr/bin:/bin");
    assert_int_equal(study_open(&s, l->dir, l->id, &p, &err), ST_OK);
    snprintf(dir, sizeof dir, "%s/studies/%s/workers", l->dir, l->id);
    assert_int_equal(mkdir(dir, 0777), 0);
    fake_slurm(l->dir);
    snprintf(asked, sizeof asked, "%s/asked", l->dir);
    /* far:1's lock is free (its process died); far:2 holds its lock; far:3
     * holds one too, but Slurm says its task ended with its node; far:4's
     * task runs. */
    const char *workers[4] = {"far:1", "far:2", "far:3", "far:4"};
    const char *slurm[4] = {"", "", "77_1", "77_2"};
    pid_t holders[3];
    for (int w = 0; w < 4; w++) {
        snprintf(path, sizeof path, "%s/%s.lock", dir, workers[w]);
        if (w == 0) {
            FILE *f = fopen(path, "w");
            assert_non_null(f);
            fclose(f);
        } else {
            holders[w - 1] = hold_lock(path);
        }
    }
    start_trials(&s, 4, workers, slurm);
    assert_int_equal(study_release_dead(&s, &err), 2);
    assert_false(s.trials[0].asha.busy);
    assert_true(s.trials[1].asha.busy);
    assert_false(s.trials[2].asha.busy);
    assert_true(s.trials[3].asha.busy);
    assert_int_equal(count_lines(asked), 2); /* one question per task with a Slurm id */
    /* The reasons are in the journal. */
    snprintf(path, sizeof path, "%s/studies/%s/journal.tsv", l->dir, l->id);
    FILE *f = fopen(path, "r");
    char text[8192] = "";
    assert_non_null(f);
    text[fread(text, 1, sizeof text - 1, f)] = '\0';
    fclose(f);
    assert_non_null(strstr(text, "why=worker far:1 is gone (its lock is free)"));
    assert_non_null(strstr(text, "why=worker far:3: its Slurm task 77_1 has ended (NODE_FAIL)"));
    /* Asked again within STUDY_SLURM_EVERY seconds: Slurm is not. */
    assert_int_equal(study_release_dead(&s, &err), 0);
    assert_int_equal(count_lines(asked), 2);
    s.slurm_asked -= STUDY_SLURM_EVERY; /* as if that long had passed */
    assert_int_equal(study_release_dead(&s, &err), 0);
    assert_int_equal(count_lines(asked), 3);
    /* Tidying removes the free lock files (far:1's) and keeps held ones. */
    study_tidy(&s);
    snprintf(path, sizeof path, "%s/far:1.lock", dir);
    assert_int_equal(access(path, F_OK), -1);
    snprintf(path, sizeof path, "%s/far:2.lock", dir);
    assert_int_equal(access(path, F_OK), 0);
    for (int w = 0; w < 3; w++) {
        kill(holders[w], SIGKILL);
        waitpid(holders[w], NULL, 0);
    }
    setenv("PATH", saved, 1);
    free(saved);
    study_close(&s);
}

static void test_study_join(void **state) {
    Lab *l = *state;
    Study s, other;
    Preset p;
    Error err = {0};
    char path[900];
    assert_int_equal(study_open(&s, l->dir, l->id, &p, &err), ST_OK);
    assert_int_equal(study_join(&s, &err), ST_OK);
    snprintf(path, sizeof path, "%s/studies/%s/workers/%s.lock", l->dir, l->id, s.worker);
    pid_t kid = fork(); /* another process sees it held */
    assert_true(kid >= 0);
    if (kid == 0) _exit(cachelock_held(path, NULL, 0) ? 0 : 1);
    int status;
    assert_int_equal(waitpid(kid, &status, 0), kid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    const char *workers[1] = {s.worker}, *slurm[1] = {""};
    start_trials(&s, 1, workers, slurm);
    study_close(&s); /* the worker ends mid-trial: its lock free, its file kept */
    assert_int_equal(access(path, F_OK), 0);
    assert_int_equal(study_open(&other, l->dir, l->id, &p, &err), ST_OK);
    assert_int_equal(study_read(&other, &err), ST_OK);
    snprintf(other.worker, sizeof other.worker, "another:1");
    assert_int_equal(study_release_dead(&other, &err), 1);
    assert_false(other.trials[0].asha.busy);
    study_close(&other);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_study_open, lab_setup, lab_teardown),
        cmocka_unit_test_setup_teardown(test_study_concurrent_writers, lab_setup, lab_teardown),
        cmocka_unit_test_setup_teardown(test_study_torn_line, lab_setup, lab_teardown),
        cmocka_unit_test_setup_teardown(test_study_release_dead, lab_setup, lab_teardown),
        cmocka_unit_test_setup_teardown(test_study_dead_elsewhere, lab_setup, lab_teardown),
        cmocka_unit_test_setup_teardown(test_study_join, lab_setup, lab_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
