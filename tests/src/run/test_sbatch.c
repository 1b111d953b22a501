/*
 * test_sbatch — the script `finelab submit` gives sbatch, exact text: a
 * 4-combination sweep with %2, no limit, one combination, an MPI task of
 * 2 ranks with extra #SBATCH lines, paths with quotes and spaces (sh-quoted
 * in the exec line, double-quoted in #SBATCH lines); and the
 * checks that refuse what an #SBATCH line cannot hold.
 */
#include <stdlib.h>
#include <string.h>

#include "src/run/sbatch.h"
#include "tests/lib/testutil.h"

static SbatchJob job(void) {
    return (SbatchJob){.finelab = "/opt/finelab/finelab",
                       .preset = "/home/u/presets/sweep.ini",
                       .runs_dir = "/shared/runs",
                       .name = "sweep",
                       .output = "/shared/runs/slurm/20260101T000000Z-sweep-%A_%a.out",
                       .tasks = 4,
                       .max_parallel = 2};
}

static void expect_script(const SbatchJob *j, const char *want) {
    Error err = {0};
    assert_int_equal(sbatch_check(j, &err), ST_OK);
    char *text = sbatch_script(j);
    assert_non_null(text);
    assert_string_equal(text, want);
    free(text);
}

static void test_sbatch_array_with_limit(void **state) {
    (void)state;
    SbatchJob j = job();
    expect_script(&j, "#!/bin/sh\n"
                      "# finelab submit: 4 combinations of /home/u/presets/sweep.ini\n"
                      "#SBATCH --job-name=\"sweep\"\n"
                      "#SBATCH --array=0-3%2\n"
                      "#SBATCH --output=\"/shared/runs/slurm/20260101T000000Z-sweep-%A_%a.out\"\n"
                      "\n"
                      "exec '/opt/finelab/finelab' run '/home/u/presets/sweep.ini' --sweep-index "
                      "\"$SLURM_ARRAY_TASK_ID\" --runs-dir '/shared/runs' --progress 60\n");
}

static void test_sbatch_no_limit_one_task(void **state) {
    (void)state;
    SbatchJob j = job();
    j.max_parallel = 0;
    j.tasks = 1;
    char *text = sbatch_script(&j);
    assert_non_null(text);
    assert_non_null(strstr(text, "# finelab submit: 1 combination of "));
    assert_non_null(strstr(text, "\n#SBATCH --array=0-0\n"));
    free(text);
}

/* A halving sweep's (or an asha study's) workers: each task resumes it,
 * without --sweep-index. */
static void test_sbatch_workers(void **state) {
    (void)state;
    SbatchJob j = job();
    j.max_parallel = 3;
    j.tasks = 3;
    j.workers_of = "halving-20261207-120000-p";
    char *text = sbatch_script(&j);
    assert_non_null(text);
    assert_non_null(strstr(text, "# finelab submit: 3 workers of halving-20261207-120000-p ("));
    assert_non_null(strstr(text, "\n#SBATCH --array=0-2%3\n"));
    assert_null(strstr(text, "--sweep-index"));
    assert_non_null(strstr(text, " resume 'halving-20261207-120000-p' --runs-dir "));
    free(text);
    Error err = {0};
    j.workers_of = "a\nb";
    assert_int_equal(sbatch_check(&j, &err), ST_ARG);
}

static void test_sbatch_mpi_and_extra_lines(void **state) {
    (void)state;
    SbatchJob j = job();
    const char *extra[] = {"--time=2-00:00:00", "--partition=cpu"};
    j.ranks = 2;
    j.extra = extra;
    j.n_extra = 2;
    j.preset = "/home/u/it's here/p.ini";
    expect_script(&j, "#!/bin/sh\n"
                      "# finelab submit: 4 combinations of /home/u/it's here/p.ini\n"
                      "#SBATCH --job-name=\"sweep\"\n"
                      "#SBATCH --array=0-3%2\n"
                      "#SBATCH --output=\"/shared/runs/slurm/20260101T000000Z-sweep-%A_%a.out\"\n"
                      "#SBATCH --ntasks=2\n"
                      "#SBATCH --time=2-00:00:00\n"
                      "#SBATCH --partition=cpu\n"
                      "\n"
                      "exec mpirun -np 2 '/opt/finelab/finelab' run '/home/u/it'\\''s here/p.ini' "
                      "--sweep-index \"$SLURM_ARRAY_TASK_ID\" --runs-dir '/shared/runs' "
                      "--progress 60\n");
    /* One rank is one process: no mpirun, no --ntasks. */
    j.ranks = 1;
    char *text = sbatch_script(&j);
    assert_null(strstr(text, "mpirun"));
    assert_null(strstr(text, "--ntasks"));
    free(text);
}

/* Names and paths with spaces, a '#' and non-ASCII letters are one
 * double-quoted #SBATCH argument each (tests/src/cli/test_slurm.sh submits such a
 * job to a real Slurm). */
static void test_sbatch_quotes_directive_arguments(void **state) {
    (void)state;
    SbatchJob j = job();
    j.name = "préset two";
    j.output = "/runs #1 ü/slurm/x-%A_%a.out";
    char *text = sbatch_script(&j);
    assert_non_null(text);
    assert_non_null(strstr(text, "\n#SBATCH --job-name=\"préset two\"\n"));
    assert_non_null(strstr(text, "\n#SBATCH --output=\"/runs #1 ü/slurm/x-%A_%a.out\"\n"));
    free(text);
}

static void test_sbatch_check_refuses(void **state) {
    (void)state;
    Error err = {0};
    SbatchJob j = job();
    const char *extra[] = {"--time=1:00\n#SBATCH --x"};
    j.extra = extra;
    j.n_extra = 1;
    assert_int_equal(sbatch_check(&j, &err), ST_ARG);
    assert_non_null(strstr(err.msg, "--sbatch holds a newline"));
    j = job();
    j.tasks = 0;
    assert_int_equal(sbatch_check(&j, &err), ST_ARG);
    assert_non_null(strstr(err.msg, "0 array tasks"));
    j = job();
    j.runs_dir = "";
    assert_int_equal(sbatch_check(&j, &err), ST_ARG);
    assert_non_null(strstr(err.msg, "the run store is empty"));
    j = job();
    j.max_parallel = -1;
    assert_int_equal(sbatch_check(&j, &err), ST_ARG);
    j = job();
    j.output = "/runs \"x\"/o.out";
    assert_int_equal(sbatch_check(&j, &err), ST_ARG);
    assert_non_null(strstr(err.msg, "the output file holds a '\"' or a '\\'"));
    j = job();
    j.name = "a\\b";
    assert_int_equal(sbatch_check(&j, &err), ST_ARG);
    assert_non_null(strstr(err.msg, "the job name holds"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sbatch_array_with_limit),
        cmocka_unit_test(test_sbatch_no_limit_one_task),
        cmocka_unit_test(test_sbatch_workers),
        cmocka_unit_test(test_sbatch_mpi_and_extra_lines),
        cmocka_unit_test(test_sbatch_quotes_directive_arguments),
        cmocka_unit_test(test_sbatch_check_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
