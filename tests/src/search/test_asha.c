/*
 * test_asha — asynchronous successive halving's rule on recorded reports:
 * the rungs, no promotion before a rung has eta reports, the best of a
 * rung's top promoted as soon as it is there (a late reporter included),
 * the highest rung first, busy and failed trials never, and, once every
 * trial of a rung has reported, the same promotions as synchronous
 * halving.
 */
#include <string.h>

#include "src/search/asha.h"
#include "tests/lib/testutil.h"

static void test_asha_rungs(void **state) {
    (void)state;
    struct {
        int min_iter, eta, max_iter, n, iter[5];
    } cases[] = {
        {10, 3, 200, 4, {10, 30, 90, 200}}, /* the last rung trains to max_iter */
        {10, 3, 90, 3, {10, 30, 90}},       /* ... which is a rung of its own */
        {100, 3, 50, 1, {50}},              /* min_iter past max_iter: one rung */
        {5, 2, 21, 4, {5, 10, 20, 21}},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        AshaRungs r;
        asha_rungs(&r, cases[c].min_iter, cases[c].eta, cases[c].max_iter);
        assert_int_equal(r.n_rungs, cases[c].n);
        for (int k = 0; k < r.n_rungs; k++) assert_int_equal(r.iter[k], cases[c].iter[k]);
    }
}

static AshaTrial trials[16];

/* Trial i reports accuracy acc at rung k (and is free again). */
static void report(int i, int k, double acc) {
    trials[i].reported[k] = 1;
    trials[i].score[k] = (HalvingScore){.scored = 1, .accuracy = acc, .loss = 1 - acc};
    trials[i].busy = 0;
}

/* The next job; a promotion is sent (target, busy) as a worker would. */
static int next(int n, const AshaRungs *r, int *rung) {
    int i = asha_next(trials, n, r, 3, rung);
    if (i >= 0) {
        trials[i].target = *rung;
        trials[i].busy = 1;
    }
    return i;
}

static void test_asha_promotes_as_reports_come(void **state) {
    (void)state;
    memset(trials, 0, sizeof trials);
    AshaRungs r;
    asha_rungs(&r, 10, 3, 90); /* 10, 30, 90 */
    int rung;
    report(0, 0, 0.5);
    report(1, 0, 0.7);
    assert_int_equal(next(2, &r, &rung), -1); /* two reports: the top third is empty */
    assert_int_equal(rung, 0);
    report(2, 0, 0.6);
    assert_int_equal(next(3, &r, &rung), 1); /* three: the best goes on at once */
    assert_int_equal(rung, 1);
    assert_int_equal(next(3, &r, &rung), -1); /* and nobody else */
    /* A late reporter better than every one: the top third of four is one
     * trial, itself; it goes on too (trial 1 stays sent). */
    report(3, 0, 0.9);
    assert_true(asha_promotable(trials, 4, 3, 3, 0));
    assert_false(asha_promotable(trials, 4, 3, 0, 0));
    assert_int_equal(next(4, &r, &rung), 3);
    assert_int_equal(rung, 1);
    /* Busy with rung 1: not promotable again, and nothing else is. */
    assert_int_equal(next(4, &r, &rung), -1);
    /* Rung 1 fills up: 1, 3 and a third; the best of them goes to rung 2
     * before anything of rung 0 (the highest rung first). */
    report(1, 1, 0.75);
    report(3, 1, 0.8);
    report(4, 0, 0.95); /* would be promotable at rung 0 */
    report(5, 0, 0.1);
    trials[6] = trials[5];
    trials[6].target = 1;
    report(6, 1, 0.3);
    assert_int_equal(next(7, &r, &rung), 3);
    assert_int_equal(rung, 2);
    assert_int_equal(next(7, &r, &rung), 4); /* then rung 0: 7 reported, top 2: 4, and 3 (sent) */
    assert_int_equal(rung, 1);
    assert_int_equal(next(7, &r, &rung), -1);
}

/* A trial that failed at a rung (reported, no score) counts among the
 * rung's reports but ranks last and never goes on; a busy one is not sent
 * again. */
static void test_asha_failed_and_busy_stay(void **state) {
    (void)state;
    memset(trials, 0, sizeof trials);
    AshaRungs r;
    asha_rungs(&r, 10, 3, 90);
    int rung;
    for (int i = 0; i < 3; i++) trials[i].reported[0] = 1; /* three failed */
    assert_int_equal(next(3, &r, &rung), -1);
    report(3, 0, 0.1); /* four reports, top one: the only score */
    assert_int_equal(next(4, &r, &rung), 3);
    assert_int_equal(next(4, &r, &rung), -1);
    /* At the last rung nothing is promoted. */
    memset(trials, 0, sizeof trials);
    for (int i = 0; i < 3; i++) {
        trials[i].target = 2;
        report(i, 2, 0.5 + 0.1 * i);
    }
    assert_int_equal(next(3, &r, &rung), -1);
}

/* Nine trials all reported at rung 0 before anyone asks: ASHA promotes the
 * top three, best first, as synchronous halving keeps them. */
static void test_asha_full_rung_is_halving(void **state) {
    (void)state;
    memset(trials, 0, sizeof trials);
    AshaRungs r;
    asha_rungs(&r, 10, 3, 90);
    double acc[9] = {0.3, 0.9, 0.1, 0.5, 0.8, 0.2, 0.7, 0.4, 0.6};
    HalvingScore s[9];
    int ids[9], kept[9], rung;
    for (int i = 0; i < 9; i++) {
        report(i, 0, acc[i]);
        s[i] = trials[i].score[0];
        ids[i] = i;
    }
    int n = halving_promote(s, ids, 9, 3, kept); /* 1, 4, 6 in candidate order */
    assert_int_equal(n, 3);
    int want[3] = {1, 4, 6}; /* best first: 0.9, 0.8, 0.7 */
    for (int j = 0; j < 3; j++) {
        assert_int_equal(kept[j], want[j]);
        assert_int_equal(next(9, &r, &rung), want[j]);
        assert_int_equal(rung, 1);
    }
    assert_int_equal(next(9, &r, &rung), -1);
}

/* A study's order: the furthest rung first, then the accuracy there; a
 * trial with no score is ahead of none. */
static void test_asha_top_rung_and_ahead(void **state) {
    (void)state;
    AshaRungs r;
    asha_rungs(&r, 10, 3, 90); /* 10, 30, 90 */
    memset(trials, 0, sizeof trials);
    report(0, 0, 0.9);
    report(1, 0, 0.5);
    report(1, 1, 0.4);
    report(2, 0, 0.6);
    report(2, 1, 0.7);
    trials[3].reported[0] = 1; /* failed there: no score */
    assert_int_equal(asha_top_rung(&trials[0], &r), 0);
    assert_int_equal(asha_top_rung(&trials[2], &r), 1);
    assert_int_equal(asha_top_rung(&trials[3], &r), -1);
    assert_int_equal(asha_top_rung(&trials[4], &r), -1);
    assert_true(asha_ahead(&trials[1], &trials[0], &r)); /* further, though lower */
    assert_true(asha_ahead(&trials[2], &trials[1], &r)); /* same rung, higher */
    assert_false(asha_ahead(&trials[1], &trials[2], &r));
    assert_false(asha_ahead(&trials[2], &trials[2], &r)); /* a tie is not ahead */
    assert_true(asha_ahead(&trials[0], &trials[3], &r));
    assert_false(asha_ahead(&trials[3], &trials[4], &r));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_asha_rungs),
        cmocka_unit_test(test_asha_promotes_as_reports_come),
        cmocka_unit_test(test_asha_failed_and_busy_stay),
        cmocka_unit_test(test_asha_full_rung_is_halving),
        cmocka_unit_test(test_asha_top_rung_and_ahead),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
