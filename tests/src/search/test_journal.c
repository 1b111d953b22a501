/*
 * test_journal — a study's lines: every kind written and read back the
 * same, a newer finelab's unknown field skipped, the errors a damaged line
 * gets, and the replay of a study's events into its trials (promotion,
 * failure, a dead worker's trial released and trained again).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "src/search/journal.h"
#include "tests/lib/testutil.h"

static JournalRecord roundtrip(const JournalRecord *r) {
    char line[JOURNAL_LINE_MAX], msg[256];
    int n = journal_format(r, line, sizeof line);
    assert_true(n > 0 && line[n - 1] == '\n');
    line[n - 1] = '\0';
    JournalRecord back;
    const char *why = journal_parse(line, &back, msg, sizeof msg);
    if (why) fail_msg("'%s': %s", line, why);
    return back;
}

static void test_journal_roundtrip(void **state) {
    (void)state;
    JournalRecord t = {.kind = JOURNAL_TRIAL, .trial = 3, .seed = 42};
    snprintf(t.point, sizeof t.point, "0.0012;1");
    snprintf(t.params, sizeof t.params, "solver.base_lr=0.0012, model.width=0.125");
    snprintf(t.worker, sizeof t.worker, "node7:1234");
    snprintf(t.time, sizeof t.time, "2026-12-07T18:00:00Z");
    JournalRecord b = roundtrip(&t);
    assert_int_equal(b.kind, JOURNAL_TRIAL);
    assert_int_equal(b.trial, 3);
    assert_int_equal(b.seed, 42);
    assert_string_equal(b.point, t.point);
    assert_string_equal(b.params, t.params);
    assert_string_equal(b.worker, "node7:1234");
    assert_string_equal(b.time, t.time);
    JournalRecord r = {.kind = JOURNAL_REPORT,
                       .trial = 3,
                       .rung = 2,
                       .iter = 900,
                       .accuracy = 0.8125,
                       .loss = 0.61234567891};
    snprintf(r.run, sizeof r.run, "runs/20261207-180000-x");
    b = roundtrip(&r);
    assert_int_equal(b.rung, 2);
    assert_int_equal(b.iter, 900);
    assert_true(b.accuracy == 0.8125 && fabs(b.loss - 0.61234567891) < 1e-9);
    assert_string_equal(b.run, r.run);
    JournalRecord e = {.kind = JOURNAL_END, .trial = 1};
    snprintf(e.state, sizeof e.state, "complete");
    assert_string_equal(roundtrip(&e).state, "complete");
    /* A text field with a tab or a newline cannot be a field. */
    char line[JOURNAL_LINE_MAX];
    snprintf(t.params, sizeof t.params, "a\tb");
    assert_int_equal(journal_format(&t, line, sizeof line), -1);
    assert_int_equal(journal_format(&e, line, 10), -1); /* does not fit */
    double x[2] = {0.1, 3};
    assert_true(journal_point_format(x, 2, line, sizeof line) > 0);
    assert_string_equal(line, "0.10000000000000001;3");
}

static void test_journal_parse_errors(void **state) {
    (void)state;
    static const struct {
        const char *line, *error; /* NULL: reads */
    } cases[] = {
        {"kind=end\ttrial=2\tstate=failed\tcolour=blue", NULL}, /* a newer field: skipped */
        {"", "no kind="},
        {"trial=2\tkind=end", "a line must start with kind="},
        {"kind=promote\ttrial=1", "unknown kind 'promote'"},
        {"kind=end\ttrial", "a field without '=' ('trial')"},
        {"kind=end\ttrial=x", "trial: not a number ('x')"},
        {"kind=end\ttrial=99999999999", "trial: not a number ('99999999999')"},
        {"kind=end\trung=1", "a end line has no rung"},
        {"kind=report\taccuracy=0.5x", "accuracy: not a number ('0.5x')"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        JournalRecord r;
        char msg[256];
        const char *why = journal_parse(cases[i].line, &r, msg, sizeof msg);
        if (!cases[i].error != !why || (why && strcmp(why, cases[i].error) != 0))
            fail_msg("'%s': '%s', want '%s'", cases[i].line, why ? why : "(reads)",
                     cases[i].error ? cases[i].error : "(reads)");
    }
}

static StudyTrial trials[8];

static void apply(int *n, const char *line, const char *error) {
    JournalRecord r;
    char msg[256];
    const char *why = journal_parse(line, &r, msg, sizeof msg);
    if (!why) why = journal_apply(trials, n, 8, &r, msg, sizeof msg);
    if (!error != !why || (why && strcmp(why, error) != 0))
        fail_msg("'%s': '%s', want '%s'", line, why ? why : "(applies)", error ? error : "-");
}

static void test_journal_replay(void **state) {
    (void)state;
    int n = 0;
    apply(&n, "kind=trial\ttrial=0\tseed=1\tpoint=0.01;1\ttime=T0\tparams=a", NULL);
    assert_int_equal(n, 1);
    assert_string_equal(trials[0].started, "T0");
    assert_string_equal(trials[0].ended, "");
    assert_int_equal(trials[0].n_x, 2);
    assert_true(trials[0].x[0] == 0.01 && trials[0].x[1] == 1);
    assert_int_equal(journal_requeued(trials, n), 0); /* drawn, not started yet */
    apply(&n, "kind=start\ttrial=0\trung=0\tworker=h:1\tslurm=7_1", NULL);
    assert_string_equal(trials[0].slurm, "7_1");
    assert_int_equal(trials[0].state, TRIAL_RUNNING);
    assert_true(trials[0].asha.busy);
    assert_int_equal(journal_requeued(trials, n), -1);
    apply(&n, "kind=report\ttrial=0\trung=0\titer=10\taccuracy=0.5\tloss=1\trun=r0\ttime=T1", NULL);
    assert_string_equal(trials[0].ended, "T1"); /* its last report, until it ends */
    assert_int_equal(trials[0].state, TRIAL_WAITING);
    assert_false(trials[0].asha.busy);
    assert_true(trials[0].asha.reported[0] && trials[0].asha.score[0].scored);
    assert_string_equal(trials[0].run, "r0");
    assert_int_equal(trials[0].iter[0], 10);
    /* Promoted, then its worker dies: released, it waits for rung 1. */
    apply(&n, "kind=start\ttrial=0\trung=1\trun=r0\tworker=h:1", NULL);
    apply(&n, "kind=release\ttrial=0\twhy=worker h:1 is gone", NULL);
    assert_int_equal(trials[0].state, TRIAL_WAITING);
    assert_int_equal(trials[0].asha.target, 1);
    assert_int_equal(trials[0].released, 1);
    assert_int_equal(journal_requeued(trials, n), 0);
    apply(&n, "kind=start\ttrial=0\trung=1\trun=r0\tworker=h:2", NULL);
    apply(&n, "kind=report\ttrial=0\trung=1\titer=30\taccuracy=0.6\tloss=0.9", NULL);
    apply(&n, "kind=end\ttrial=0\tstate=complete\ttime=T2", NULL);
    assert_int_equal(trials[0].state, TRIAL_COMPLETE);
    assert_string_equal(trials[0].ended, "T2");
    /* A failed report: no score; the trial is failed. */
    apply(&n, "kind=trial\ttrial=1\tseed=1\tpoint=0.1;0\tparams=b", NULL);
    apply(&n, "kind=report\ttrial=1\trung=0\titer=10\taccuracy=-1\tloss=-1", NULL);
    assert_int_equal(trials[1].state, TRIAL_FAILED);
    assert_false(trials[1].asha.score[0].scored);
    /* What cannot follow. */
    apply(&n, "kind=trial\ttrial=5\tparams=c", "trial 5: expected trial 2 next");
    apply(&n, "kind=start\ttrial=7\trung=0", "trial 7: no such trial (2 so far)");
    apply(&n, "kind=start\ttrial=1\trung=40", "trial 1: rung 40 out of range");
    apply(&n, "kind=trial\ttrial=2\tpoint=1;x", "trial 2: point '1;x' is not numbers");
    assert_int_equal(n, 2);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_journal_roundtrip),
        cmocka_unit_test(test_journal_parse_errors),
        cmocka_unit_test(test_journal_replay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
