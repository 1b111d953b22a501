/*
 * test_relatives — a run's relatives in a run store written here with the
 * run store's own writer: the stage-2 runs of a stage-1 run (init_from by
 * preset name, while it was that preset's newest finished run, and by run
 * id), the newest and the best of them, the stage 1 of a stage-2 run, and
 * the siblings of a sweep run (the same preset, another sweep label); then
 * relatives_diagnose's comparison line from them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/report/relatives.h"
#include "tests/lib/testutil.h"

static char store[256];

/* Writes a finished run of preset name (init_from, sweep label, best) and
 * returns its directory in dir. */
static void add_run(const char *name, const char *init_from, const char *sweep, double best,
                    char *dir, size_t cap) {
    Preset *p = malloc(sizeof *p);
    assert_non_null(p);
    preset_defaults(p);
    snprintf(p->experiment.name, sizeof p->experiment.name, "%s", name);
    snprintf(p->transfer.init_from, sizeof p->transfer.init_from, "%s", init_from);
    char *text = preset_format(p);
    assert_non_null(text);
    RunWriter w;
    Error err = {0};
    assert_int_equal(runstore_create(&w, store, name, text, &err), ST_OK);
    w.status.state = RUN_DONE;
    w.status.best_accuracy = best;
    snprintf(w.status.sweep, sizeof w.status.sweep, "%s", sweep);
    assert_int_equal(runstore_write_status(&w, &err), ST_OK);
    snprintf(dir, cap, "%s", w.dir);
    runstore_close(&w);
    free(text);
    free(p);
}

static const char *id_of(const char *dir) {
    return strrchr(dir, '/') + 1;
}

static void test_relatives(void **state) {
    (void)state;
    assert_int_equal(testutil_tmpdir(store, sizeof store, "relatives"), 0);
    char a[1100], b[1100], c[1100], d[1100], e[1100];
    add_run("st1", "", "", 0.70, a, sizeof a);
    add_run("st2", "st1", "solver.base_lr=0.001", 0.80, b, sizeof b);   /* by name */
    add_run("st2", id_of(a), "solver.base_lr=0.01", 0.85, c, sizeof c); /* by id */
    add_run("st2", "", "solver.base_lr=0.1", 0.60, d, sizeof d);
    add_run("st2", "", "", 0.50, e, sizeof e); /* not in the sweep */
    RunStatus st;
    Error err = {0};
    Relatives r;
    assert_int_equal(runstore_read_status(a, &st, &err), ST_OK);
    assert_int_equal(relatives_find(&r, a, &st, NULL, 1, &err), ST_OK);
    assert_int_equal(r.n_stage2, 2);
    assert_string_equal(r.stage2.id, id_of(c)); /* the newest */
    assert_string_equal(r.stage2_best.id, id_of(c));
    assert_int_equal(r.n_siblings, 0);
    assert_false(r.has_stage1);
    relatives_fini(&r);
    Preset *p = malloc(sizeof *p);
    assert_non_null(p);
    char path[1200];
    snprintf(path, sizeof path, "%s/preset.ini", b);
    assert_int_equal(preset_load(p, path, &err), ST_OK);
    assert_int_equal(runstore_read_status(b, &st, &err), ST_OK);
    assert_int_equal(relatives_find(&r, b, &st, p, 1, &err), ST_OK);
    assert_true(r.has_stage1);
    assert_string_equal(r.stage1.id, id_of(a));
    assert_int_equal(r.n_siblings, 2); /* c and d; e is outside the sweep */
    assert_string_equal(r.siblings[0].id, id_of(c));
    assert_string_equal(r.siblings[0].label, "solver.base_lr=0.01");
    assert_string_equal(r.siblings[1].id, id_of(d));
    assert_int_equal(r.n_stage2, 0);
    relatives_fini(&r);
    free(p);
    /* The comparison line, from the store (a has no rows: not enough data). */
    Diagnosis dg;
    assert_int_equal(relatives_diagnose(a, 1, &dg, &err), ST_OK);
    char want[700];
    snprintf(want, sizeof want,
             "stage 2 from this run, 2 runs: the newest, also the best (%s: solver.base_lr=0.01), "
             "reached 85.0%%; this run 70.0%%",
             id_of(c));
    assert_string_equal(dg.compare, want);
    assert_non_null(diagnosis_find(&dg, DIAG_NOT_ENOUGH_DATA));
    /* A trailing slash names the same run. */
    snprintf(path, sizeof path, "%s/", a);
    assert_int_equal(relatives_diagnose(path, 1, &dg, &err), ST_OK);
    assert_string_equal(dg.compare, want);
    testutil_rmtree(store);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_relatives)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
