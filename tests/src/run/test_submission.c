/*
 * test_submission — the run store's record of a Slurm job array: written
 * and read back, listed oldest first beside a malformed record, a run
 * matched to its task by name, label and start time, and Slurm's states
 * read from squeue's and sacct's text (single tasks, a pending range, job
 * steps and other jobs left alone) and named as finelab shows them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/io/fileio.h"
#include "src/run/submission.h"
#include "tests/lib/testutil.h"

static char labels4[4][64] = {
    "solver.base_lr=0.01, model.bilinear_dim=32", "solver.base_lr=0.01, model.bilinear_dim=64",
    "solver.base_lr=0.02, model.bilinear_dim=32", "solver.base_lr=0.02, model.bilinear_dim=64"};

static Submission sample(const char *job_id, const char *submitted) {
    static char *labels[4] = {labels4[0], labels4[1], labels4[2], labels4[3]};
    Submission s = {.tasks = 4, .ranks = 2, .labels = labels};
    snprintf(s.job_id, sizeof s.job_id, "%s", job_id);
    snprintf(s.name, sizeof s.name, "sweep");
    snprintf(s.preset, sizeof s.preset, "/p/sweep.ini");
    snprintf(s.submitted, sizeof s.submitted, "%s", submitted);
    snprintf(s.script, sizeof s.script, "/r/slurm/x.sbatch");
    return s;
}

static void test_submission_write_read_list(void **state) {
    (void)state;
    char dir[] = "/tmp/finelab_test_submission_XXXXXX", sub[128], path[256];
    assert_non_null(mkdtemp(dir));
    submission_dir(dir, sub, sizeof sub);
    Error err = {0};
    assert_int_equal(fileio_mkdirs(sub, &err), ST_OK);
    Submission a = sample("41", "2026-01-01T00:00:00Z"), b = sample("42", "2026-01-02T00:00:00Z");
    snprintf(path, sizeof path, "%s/20260102-000000-sweep.job", sub);
    assert_int_equal(submission_write(&b, path, &err), ST_OK);
    snprintf(path, sizeof path, "%s/20260101-000000-sweep.job", sub);
    assert_int_equal(submission_write(&a, path, &err), ST_OK);
    snprintf(path, sizeof path, "%s/20260103-000000-bad.job", sub);
    assert_int_equal(fileio_write_atomic(path, "tasks = 2\nlabel.5 = x\n", 22, &err), ST_OK);

    Submission got;
    snprintf(path, sizeof path, "%s/20260101-000000-sweep.job", sub);
    assert_int_equal(submission_read(path, &got, &err), ST_OK);
    assert_string_equal(got.job_id, "41");
    assert_string_equal(got.name, "sweep");
    assert_string_equal(got.preset, "/p/sweep.ini");
    assert_string_equal(got.submitted, "2026-01-01T00:00:00Z");
    assert_int_equal(got.tasks, 4);
    assert_int_equal(got.ranks, 2);
    for (int k = 0; k < 4; k++) assert_string_equal(got.labels[k], labels4[k]);
    submission_fini(&got);

    snprintf(path, sizeof path, "%s/20260103-000000-bad.job", sub);
    assert_int_equal(submission_read(path, &got, &err), ST_FORMAT);
    assert_non_null(strstr(err.msg, "20260103-000000-bad.job:2: label.5: no such task"));

    Submission *list;
    int n;
    assert_int_equal(submission_list(dir, &list, &n, &err), ST_OK);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].job_id, "41");
    assert_string_equal(list[1].job_id, "42");
    submission_free_list(list, n);
    /* No slurm/ directory: no records, no error. */
    assert_int_equal(submission_list("/nonexistent", &list, &n, &err), ST_OK);
    assert_int_equal(n, 0);
    char rm[300];
    snprintf(rm, sizeof rm, "rm -rf '%s'", dir);
    assert_int_equal(system(rm), 0);
}

static void test_submission_task_of(void **state) {
    (void)state;
    Submission s = sample("41", "2026-01-01T00:00:00Z");
    RunStatus st = {0};
    snprintf(st.preset, sizeof st.preset, "sweep");
    snprintf(st.sweep, sizeof st.sweep, "%s", labels4[2]);
    snprintf(st.started, sizeof st.started, "2026-01-01T00:00:05Z");
    assert_int_equal(submission_task_of(&s, &st), 2);
    snprintf(st.started, sizeof st.started, "2025-12-31T23:59:59Z"); /* before: not its run */
    assert_int_equal(submission_task_of(&s, &st), -1);
    snprintf(st.started, sizeof st.started, "2026-01-01T00:00:00Z");
    snprintf(st.preset, sizeof st.preset, "other");
    assert_int_equal(submission_task_of(&s, &st), -1);
    snprintf(st.preset, sizeof st.preset, "sweep");
    snprintf(st.sweep, sizeof st.sweep, "solver.base_lr=0.03");
    assert_int_equal(submission_task_of(&s, &st), -1);
    /* A run an array task made names it: that decides, label or not. */
    snprintf(st.slurm, sizeof st.slurm, "41_3");
    assert_int_equal(submission_task_of(&s, &st), 3);
    snprintf(st.started, sizeof st.started, "2025-01-01T00:00:00Z"); /* a clock behind */
    assert_int_equal(submission_task_of(&s, &st), 3);
    snprintf(st.slurm, sizeof st.slurm, "410_3");
    assert_int_equal(submission_task_of(&s, &st), -1);
    snprintf(st.slurm, sizeof st.slurm, "4");
    assert_int_equal(submission_task_of(&s, &st), -1);
    snprintf(st.slurm, sizeof st.slurm, "41_4");
    assert_int_equal(submission_task_of(&s, &st), -1);
    snprintf(st.slurm, sizeof st.slurm, "41_");
    assert_int_equal(submission_task_of(&s, &st), -1);
}

static void test_submission_parse_states(void **state) {
    (void)state;
    char states[5][16];
    memset(states, 0, sizeof states);
    /* squeue -r: a running task, a pending range, another job, a step. */
    submission_parse_states("41_0 RUNNING\n41_[2-3%2] PENDING\n410_1 RUNNING\n"
                            "41_1.batch FAILED\n",
                            "41", 4, &states[0][0], sizeof states[0]);
    assert_string_equal(states[0], "RUNNING");
    assert_string_equal(states[1], "");
    assert_string_equal(states[2], "PENDING");
    assert_string_equal(states[3], "PENDING");
    /* sacct -P for what squeue forgot; a state already known stays. */
    submission_parse_states("41_0|COMPLETED\n41_1|CANCELLED by 0\n41_7|FAILED\n", "41", 4,
                            &states[0][0], sizeof states[0]);
    assert_string_equal(states[0], "RUNNING");
    assert_string_equal(states[1], "CANCELLED");
    assert_string_equal(states[4], "");
    memset(states, 0, sizeof states);
    submission_parse_states("41_[0,3] PENDING\n", "41", 4, &states[0][0], sizeof states[0]);
    assert_string_equal(states[0], "PENDING");
    assert_string_equal(states[1], "");
    assert_string_equal(states[3], "PENDING");

    assert_string_equal(submission_state_name("PENDING"), "queued");
    assert_string_equal(submission_state_name("CANCELLED"), "cancelled");
    assert_string_equal(submission_state_name("NODE_FAIL"), "failed");
    assert_string_equal(submission_state_name("FAILED"), "failed");
    assert_string_equal(submission_state_name(""), "submitted");
}

static void test_submission_query_without_slurm(void **state) {
    (void)state;
    char states[2][16] = {"x", "y"};
    /* Not a job id: nothing reaches a shell, every state "". */
    submission_query("1; touch /tmp/x", 2, &states[0][0], sizeof states[0]);
    assert_string_equal(states[0], "");
    assert_string_equal(states[1], "");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_submission_write_read_list),
        cmocka_unit_test(test_submission_task_of),
        cmocka_unit_test(test_submission_parse_states),
        cmocka_unit_test(test_submission_query_without_slurm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
