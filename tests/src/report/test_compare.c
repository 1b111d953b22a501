/*
 * test_compare — the side-by-side table of runs (src/report/compare.c),
 * on two runs written by hand into a temporary store: only the preset keys
 * that differ (or all), the result rows with their numbers and text (the
 * held-out split named, "-" where a figure is missing, times as minutes
 * and seconds), the table as text, CSV and Markdown, and the errors.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/io/fileio.h"
#include "src/preset/schema.h"
#include "src/report/compare.h"
#include "tests/lib/testpreset.h"
#include "tests/lib/testutil.h"

typedef struct Store {
    char root[256];
    char runs[300];
} Store;

static int store_setup(void **state) {
    Store *s = calloc(1, sizeof *s);
    if (!s || testutil_tmpdir(s->root, sizeof s->root, "compare")) return -1;
    snprintf(s->runs, sizeof s->runs, "%s/runs", s->root);
    *state = s;
    return mkdir(s->runs, 0777);
}

/* Writes text as dir/name. */
static void put_file(const char *dir, const char *name, const char *text) {
    char path[800];
    Error err = {0};
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (fileio_write_atomic(path, text, strlen(text), &err)) fail_msg("%s", err.msg);
}

/* Run `id` under s: the default preset at resolution res, status.ini
 * with the [run] lines status, and metrics (NULL: no metrics.tsv). */
static void make_run(Store *s, const char *id, int res, const char *status, const char *metrics) {
    char dir[600];
    snprintf(dir, sizeof dir, "%s/%s", s->runs, id);
    assert_int_equal(mkdir(dir, 0777), 0);
    Preset *p = malloc(sizeof *p);
    assert_non_null(p);
    preset_defaults(p);
    testpreset_set(p, "data.resolution=%d", res);
    char *ini = preset_format(p);
    assert_non_null(ini);
    put_file(dir, "preset.ini", ini);
    free(ini);
    free(p);
    put_file(dir, "status.ini", status);
    if (metrics) put_file(dir, "metrics.tsv", metrics);
}

/* Run a: done, validation split, 65 s; run b: pruned at 600 on the test
 * split, no metrics. Keys not written read as their defaults (-1: none). */
static void make_two(Store *s) {
    make_run(s, "run-a", 448,
             "[run]\nstate = done\niter = 1000\nheldout = val\nbest_accuracy = 0.8417\n"
             "final_accuracy = 0.83\ntest_accuracy = 0.836\nfinal_loss = 0.123456\n"
             "seconds = 65\nimages_per_s = 123.45\n",
             "iter\tphase\tloss\taccuracy\tlr\tseconds\timages_per_s\tdata_wait\n"
             "20\ttrain\t1.2\t0.6\t0.01\t1\t100\t0\n"
             "40\ttrain\t1.0\t0.7\t0.01\t2\t100\t0\n"
             "40\tval\t1.1\t0.65\t0.01\t2\t100\t0\n");
    make_run(s, "run-b", 224,
             "[run]\nstate = pruned\niter = 600\nbest_accuracy = 0.5\n"
             "seconds = 3725\nimages_per_s = 99\n", /* 3725 s: 62 min 5 s */
             NULL);
}

static const CompareRow *row(const CompareTable *t, const char *label) {
    for (int r = 0; r < t->n_rows; r++)
        if (strcmp(t->rows[r].label, label) == 0) return &t->rows[r];
    fail_msg("no row '%s'", label);
    abort(); /* not reached: fail_msg ends the test */
}

/* Fails unless row label reads a and b, with numbers va and vb (NAN: not
 * a number). */
static void expect_row(const CompareTable *t, const char *label, const char *a, const char *b,
                       double va, double vb) {
    const CompareRow *r = row(t, label);
    assert_string_equal(r->cells[0], a);
    assert_string_equal(r->cells[1], b);
    const double want[2] = {va, vb};
    for (int i = 0; i < 2; i++)
        if (isnan(want[i]) ? !isnan(r->values[i]) : fabs(r->values[i] - want[i]) > 1e-12)
            fail_msg("%s, run %d: value %g, want %g", label, i, r->values[i], want[i]);
    assert_int_equal(r->differs, strcmp(a, b) != 0);
    assert_int_equal(r->result, 1);
}

static void load(Store *s, CompareTable *t, int all_keys) {
    char a[] = "run-a", b[] = "run-b", *ids[2] = {a, b};
    Error err = {0};
    if (compare_load(t, s->runs, ids, 2, all_keys, &err)) fail_msg("%s", err.msg);
}

static void test_compare_rows(void **state) {
    Store *s = *state;
    make_two(s);
    CompareTable t;
    load(s, &t, 0);
    assert_int_equal(t.n_runs, 2);
    assert_string_equal(t.runs[0].id, "run-a");
    /* One key differs (resolution), then the nine result rows. */
    assert_int_equal(t.n_rows, 1 + 9);
    assert_string_equal(t.rows[0].label, "data.resolution");
    assert_int_equal(t.rows[0].result, 0);
    assert_int_equal(t.rows[0].differs, 1);
    assert_string_equal(t.rows[0].cells[1], "224");
    assert_true(t.rows[0].values[0] == 448 && t.rows[0].values[1] == 224);
    expect_row(&t, "state", "done", "pruned @600", NAN, NAN);
    expect_row(&t, "best held-out", "val 84.17%", "test 50.00%", 0.8417, 0.5);
    expect_row(&t, "final held-out", "val 83.00%", "-", 0.83, NAN);
    /* a: test_accuracy (validation split); b: its final (test) figure, none. */
    expect_row(&t, "test acc", "83.60%", "-", 0.836, NAN);
    expect_row(&t, "train acc", "70.00%", "-", 0.7, NAN); /* the last train row */
    expect_row(&t, "final loss", "0.1235", "-", 0.123456, NAN);
    expect_row(&t, "time", "1m05s", "62m05s", 65, 3725);
    expect_row(&t, "images/s", "123.5", "99.0", 123.45, 99);
    /* b has no metrics: nothing to diagnose. */
    assert_string_equal(row(&t, "diagnosis")->cells[1], "-");
    assert_string_not_equal(row(&t, "diagnosis")->cells[0], "-");
    compare_fini(&t);
    assert_int_equal(t.n_rows, 0);
    assert_null(t.rows);
    /* all_keys: every schema key, agreeing or not. */
    load(s, &t, 1);
    assert_int_equal(t.n_rows, schema_count() + 9);
    assert_int_equal(row(&t, "solver.base_lr")->differs, 0);
    assert_int_equal(row(&t, "data.resolution")->differs, 1);
    assert_true(isnan(row(&t, "solver.lr_policy")->values[0])); /* a word is no number */
    compare_fini(&t);
}

/* The rows of a small table, by hand, for the three formats. */
static CompareTable small_table(void) {
    static CompareRun runs[2] = {{.id = "a"}, {.id = "run,2"}};
    static char k0[] = "448", k1[] = "224", r0[] = "done", r1[] = "say \"hi\"";
    static char *key_cells[2] = {k0, k1}, *res_cells[2] = {r0, r1};
    static double values[2];
    static CompareRow rows[2] = {
        {.label = "data.resolution", .cells = key_cells, .values = values, .differs = 1},
        {.label = "state", .cells = res_cells, .values = values, .result = 1},
    };
    return (CompareTable){.n_runs = 2, .runs = runs, .n_rows = 2, .rows = rows};
}

static void expect_format(const CompareTable *t, CompareFormat fmt, const char *want) {
    char *text = compare_format(t, fmt);
    assert_non_null(text);
    assert_string_equal(text, want);
    free(text);
}

static void test_compare_formats(void **state) {
    (void)state;
    CompareTable t = small_table();
    /* Text: the key column as wide as its longest label (15), each run's
     * as its longest cell or id; a rule of 15 dashes above the results. */
    expect_format(&t, COMPARE_TEXT,
                  "key              a     run,2   \n"
                  "data.resolution  448   224     \n"
                  "---------------\n"
                  "state            done  say \"hi\"\n");
    /* CSV: a field with a comma or quote quoted, quotes doubled. */
    expect_format(&t, COMPARE_CSV,
                  "key,a,\"run,2\"\n"
                  "data.resolution,448,224\n"
                  "state,done,\"say \"\"hi\"\"\"\n");
    /* Markdown: the same widths, a dash rule as wide as each cell + 2. */
    expect_format(&t, COMPARE_MD,
                  "| key             | a    | run,2    |\n"
                  "|-----------------|------|----------|\n"
                  "| data.resolution | 448  | 224      |\n"
                  "| state           | done | say \"hi\" |\n");
}

static void test_compare_errors(void **state) {
    Store *s = *state;
    make_two(s);
    CompareTable t;
    Error err = {0};
    assert_int_equal(compare_load(&t, s->runs, NULL, 0, 0, &err), ST_ARG);
    assert_string_equal(err.msg, "compare: no runs given");
    char a[] = "run-a", zz[] = "run-zz", b[] = "run-b", *ids[2] = {a, zz};
    assert_int_equal(compare_load(&t, s->runs, ids, 2, 0, &err), ST_IO);
    char want[600];
    snprintf(want, sizeof want, "run-zz: no such run (looked in %s)", s->runs);
    assert_string_equal(err.msg, want);
    assert_null(t.runs); /* cleaned up */
    /* A run whose preset.ini is bad: named with its line. */
    char dir[600];
    snprintf(dir, sizeof dir, "%s/run-b", s->runs);
    put_file(dir, "preset.ini", "[data]\nresolution = huge\n");
    ids[1] = b;
    assert_int_equal(compare_load(&t, s->runs, ids, 2, 0, &err), ST_FORMAT);
    assert_non_null(strstr(err.msg, "run-b/preset.ini:2"));
    assert_non_null(strstr(err.msg, "resolution"));
}

/* A time that rounds up to a whole minute reads as that minute: 59.6 s is
 * 1m00s (not 0m60s), 119.7 s 2m00s. */
static void test_compare_time_rounds_once(void **state) {
    Store *s = *state;
    make_run(s, "run-a", 448, "[run]\nstate = done\nseconds = 59.6\n", NULL);
    make_run(s, "run-b", 224, "[run]\nstate = done\nseconds = 119.7\n", NULL);
    CompareTable t;
    load(s, &t, 0);
    expect_row(&t, "time", "1m00s", "2m00s", 59.6, 119.7);
    compare_fini(&t);
}

#define T(f) cmocka_unit_test_setup_teardown(f, store_setup, testutil_teardown_tmp)

int main(void) {
    const struct CMUnitTest tests[] = {
        T(test_compare_rows),
        cmocka_unit_test(test_compare_formats),
        T(test_compare_errors),
        T(test_compare_time_rounds_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
