/*
 * test_table — the Compare screen's transposed table against exact
 * expected text: sorting (numbers, text, missing values last, descending,
 * stable), baseline arrows and their better / worse / neutral styles,
 * the selected row, narrow areas (clipping and horizontal scrolling with
 * the run id fixed) and abbreviated column names. Tables are built in
 * memory, as compare_load would fill them.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "src/report/table.h"
#include "tests/lib/gridcheck.h"
#include "tests/lib/testutil.h"

/* Appends a row; values NULL parses each cell as a number (NAN if not). */
static void add_row(CompareTable *t, const char *label, int result, const char *const *cells,
                    const double *values) {
    t->rows = realloc(t->rows, sizeof *t->rows * (size_t)(t->n_rows + 1));
    assert_non_null(t->rows);
    CompareRow *r = &t->rows[t->n_rows++];
    memset(r, 0, sizeof *r);
    snprintf(r->label, sizeof r->label, "%s", label);
    r->result = result;
    r->cells = calloc((size_t)t->n_runs, sizeof(char *));
    r->values = calloc((size_t)t->n_runs, sizeof(double));
    assert_non_null(r->cells);
    assert_non_null(r->values);
    for (int i = 0; i < t->n_runs; i++) {
        r->cells[i] = strdup(cells[i]);
        assert_non_null(r->cells[i]);
        char *end;
        double v = strtod(cells[i], &end);
        r->values[i] = values ? values[i] : end == cells[i] || *end ? NAN : v;
        if (i && strcmp(cells[i], cells[0]) != 0) r->differs = 1;
    }
}

static void init_runs(CompareTable *t, int n, const char *const *ids) {
    memset(t, 0, sizeof *t);
    t->runs = calloc((size_t)n, sizeof *t->runs);
    assert_non_null(t->runs);
    t->n_runs = n;
    for (int i = 0; i < n; i++) snprintf(t->runs[i].id, sizeof t->runs[i].id, "%s", ids[i]);
}

/* Four runs: two preset keys (one numeric, one text), then results. */
static void make_table(CompareTable *t) {
    static const char *const ids[] = {"run-a", "run-b", "run-c", "run-d"};
    init_runs(t, 4, ids);
    add_row(t, "data.resolution", 0, (const char *const[]){"448", "224", "336", "448"}, NULL);
    add_row(t, "model.pooling", 0,
            (const char *const[]){"compact_ts", "bilinear", "compact_ts", "avg"}, NULL);
    add_row(t, "state", 1, (const char *const[]){"done", "done", "running", "failed"}, NULL);
    add_row(t, "best held-out", 1, (const char *const[]){"84.50%", "74.20%", "-", "80.10%"},
            (const double[]){0.845, 0.742, NAN, 0.801});
    add_row(t, "final loss", 1, (const char *const[]){"0.5123", "0.9000", "-", "0.3000"}, NULL);
    add_row(t, "time", 1, (const char *const[]){"1m05s", "0m50s", "2m00s", "1m05s"},
            (const double[]){65, 50, 120, 65});
}

static TableView view(void) {
    return (TableView){.sort_col = -1, .baseline = -1};
}

static void expect_table(const CompareTable *t, const TableView *v, int w, int h,
                         const char *want) {
    GRIDCHECK_EXPECT_RENDER(w, h, 0, 0, w, h, table_render, t, v, "table", want);
}

static void expect_order(const CompareTable *t, int col, int desc, const int *want) {
    TableView v = view();
    v.sort_col = col;
    v.sort_desc = desc;
    int order[8];
    table_order(t, &v, order);
    for (int i = 0; i < t->n_runs; i++)
        if (order[i] != want[i])
            fail_msg("sort by %d%s: position %d is run %d, expected %d", col, desc ? " desc" : "",
                     i, order[i], want[i]);
}

static void test_table_plain_by_run_id(void **state) {
    (void)state;
    CompareTable t;
    make_table(&t);
    TableView v = view();
    v.selected = -1; /* nothing highlighted */
    expect_table(&t, &v, 74, 5,
                 " ↑run    resolution  pooling     state    best held-out  final loss   time\n"
                 "  run-a         448  compact_ts  done            84.50%      0.5123  1m05s\n"
                 "  run-b         224  bilinear    done            74.20%      0.9000  0m50s\n"
                 "  run-c         336  compact_ts  running              -           -  2m00s\n"
                 "  run-d         448  avg         failed          80.10%      0.3000  1m05s");
    compare_fini(&t);
}

static void test_table_sort_numeric_stable_missing_last(void **state) {
    (void)state;
    CompareTable t;
    make_table(&t);
    expect_order(&t, 0, 0, (const int[]){1, 2, 0, 3}); /* 224 336 448 448: a before d */
    expect_order(&t, 0, 1, (const int[]){0, 3, 2, 1}); /* still a before d */
    expect_order(&t, 3, 0, (const int[]){1, 3, 0, 2}); /* NaN last */
    expect_order(&t, 3, 1, (const int[]){0, 3, 1, 2}); /* NaN last descending too */
    expect_order(&t, 5, 0, (const int[]){1, 0, 3, 2}); /* by seconds, not by "1m05s" text */
    expect_order(&t, -1, 1, (const int[]){3, 2, 1, 0});
    TableView v = view();
    v.sort_col = 3;
    v.sort_desc = 1;
    v.selected = -1;
    expect_table(&t, &v, 74, 5,
                 "  run    resolution  pooling     state   ↓best held-out  final loss   time\n"
                 "  run-a         448  compact_ts  done            84.50%      0.5123  1m05s\n"
                 "  run-d         448  avg         failed          80.10%      0.3000  1m05s\n"
                 "  run-b         224  bilinear    done            74.20%      0.9000  0m50s\n"
                 "  run-c         336  compact_ts  running              -           -  2m00s");
    compare_fini(&t);
}

static void test_table_sort_text(void **state) {
    (void)state;
    CompareTable t;
    make_table(&t);
    expect_order(&t, 1, 0, (const int[]){3, 1, 0, 2}); /* avg bilinear compact_ts compact_ts */
    expect_order(&t, 1, 1, (const int[]){0, 2, 1, 3});
    /* "-" and "" in a text column go last both ways. */
    free(t.rows[2].cells[0]);
    t.rows[2].cells[0] = strdup("-");
    free(t.rows[2].cells[2]);
    t.rows[2].cells[2] = strdup("");
    expect_order(&t, 2, 0, (const int[]){1, 3, 0, 2});
    expect_order(&t, 2, 1, (const int[]){3, 1, 0, 2});
    TableView v = view();
    v.sort_col = 1;
    v.selected = -1;
    expect_table(&t, &v, 74, 2,
                 "  run    resolution ↑pooling     state   best held-out  final loss   time \n"
                 "  run-d         448  avg         failed         80.10%      0.3000  1m05s ");
    compare_fini(&t);
}

static void test_table_baseline_arrows_and_styles(void **state) {
    (void)state;
    CompareTable t;
    make_table(&t);
    TableView v = view();
    v.baseline = 1; /* run-b */
    v.selected = -1;
    TextGrid g;
    gridcheck_init(&g, 80, 5);
    table_render(&g, 0, 0, 80, 5, &t, &v);
    gridcheck_expect(
        &g, "table",
        " ↑run    resolution  pooling     state    best held-out  final loss   time      \n"
        "  run-a       448 ▲  compact_ts  done          84.50% ▲    0.5123 ▼  1m05s ▲    \n"
        " =run-b       224    bilinear    done          74.20%      0.9000    0m50s      \n"
        "  run-c       336 ▲  compact_ts  running            -           -    2m00s ▲    \n"
        "  run-d       448 ▲  avg         failed        80.10% ▲    0.3000 ▼  1m05s ▲    ");
    /* Higher accuracy and lower loss are better; longer time is worse;
     * preset keys are neutral. */
    assert_int_equal(textgrid_at(&g, 18, 1)->style, TABLE_STYLE_NEUTRAL);
    assert_int_equal(textgrid_at(&g, 54, 1)->style, TABLE_STYLE_BETTER);
    assert_int_equal(textgrid_at(&g, 66, 1)->style, TABLE_STYLE_BETTER);
    assert_int_equal(textgrid_at(&g, 75, 1)->style, TABLE_STYLE_WORSE);
    assert_int_equal(textgrid_at(&g, 75, 3)->style, TABLE_STYLE_WORSE);
    assert_int_equal(textgrid_at(&g, 5, 1)->style, TABLE_STYLE_PLAIN);
    assert_int_equal(textgrid_at(&g, 2, 2)->style, TABLE_STYLE_BASELINE);
    assert_int_equal(textgrid_at(&g, 48, 2)->style, TABLE_STYLE_BASELINE);
    assert_int_equal(textgrid_at(&g, 1, 0)->style, TABLE_STYLE_HEADER);
    /* Against run-a, a lower time is better and a lower accuracy worse;
     * run-d's equal time gets no arrow. */
    textgrid_clear(&g);
    v.baseline = 0;
    table_render(&g, 0, 0, 80, 5, &t, &v);
    assert_string_equal(textgrid_at(&g, 75, 2)->ch, "▼");
    assert_int_equal(textgrid_at(&g, 75, 2)->style, TABLE_STYLE_BETTER);
    assert_string_equal(textgrid_at(&g, 54, 2)->ch, "▼");
    assert_int_equal(textgrid_at(&g, 54, 2)->style, TABLE_STYLE_WORSE);
    assert_string_equal(textgrid_at(&g, 66, 2)->ch, "▲");
    assert_int_equal(textgrid_at(&g, 66, 2)->style, TABLE_STYLE_WORSE);
    assert_string_equal(textgrid_at(&g, 75, 4)->ch, " ");
    assert_string_equal(textgrid_at(&g, 18, 4)->ch, " "); /* 448 = 448 */
    textgrid_fini(&g);
    compare_fini(&t);
}

static void test_table_selection(void **state) {
    (void)state;
    CompareTable t;
    make_table(&t);
    TableView v = view();
    v.sort_col = 0; /* b c a d */
    v.selected = 1; /* run-c */
    v.baseline = 0;
    TextGrid g;
    gridcheck_init(&g, 80, 5);
    table_render(&g, 0, 0, 80, 5, &t, &v);
    gridcheck_expect(
        &g, "table",
        "  run   ↑resolution  pooling     state    best held-out  final loss   time      \n"
        "  run-b       224 ▼  bilinear    done          74.20% ▼    0.9000 ▲  0m50s ▼    \n"
        "> run-c       336 ▼  compact_ts  running            -           -    2m00s ▲    \n"
        " =run-a       448    compact_ts  done          84.50%      0.5123    1m05s      \n"
        "  run-d       448    avg         failed        80.10% ▼    0.3000 ▼  1m05s      ");
    /* The whole row is highlighted, to the area's edge; arrows keep theirs. */
    for (int x = 0; x < 80; x++) {
        int style = textgrid_at(&g, x, 2)->style;
        if (x == 18 || x == 75) continue;
        if (style != TABLE_STYLE_SELECTED)
            fail_msg("cell %d of the selected row: style %d", x, style);
    }
    assert_int_equal(textgrid_at(&g, 18, 2)->style, TABLE_STYLE_NEUTRAL);
    assert_int_equal(textgrid_at(&g, 75, 2)->style, TABLE_STYLE_WORSE);
    assert_int_equal(textgrid_at(&g, 4, 1)->style, TABLE_STYLE_PLAIN);
    textgrid_fini(&g);
    /* Screen rows map to runs through the sort and the scroll. */
    assert_int_equal(table_run_at(&t, &v, 0), -1);
    assert_int_equal(table_run_at(&t, &v, 1), 1);
    assert_int_equal(table_run_at(&t, &v, 3), 0);
    assert_int_equal(table_run_at(&t, &v, 5), -1);
    assert_int_equal(table_selected_run(&t, &v), 2);
    v.scroll_row = 2;
    assert_int_equal(table_run_at(&t, &v, 1), 0);
    assert_int_equal(table_run_at(&t, &v, 2), 3);
    compare_fini(&t);
}

static void test_table_narrow_and_scrolled(void **state) {
    (void)state;
    CompareTable t;
    make_table(&t);
    TableView v = view();
    v.selected = -1;
    v.scroll_row = 1;
    static const struct {
        int scroll_col, w, h;
        const char *want;
    } shown[] = {
        /* Only whole columns; › says more are to the right. */
        {0, 32, 3,
         " ↑run    resolution  pooling   ›\n"
         "  run-b         224  bilinear   \n"
         "  run-c         336  compact_ts "},
        /* Scrolled two columns: the run id stays, ‹ says some are to the left. */
        {2, 32, 3,
         " ↑run  ‹ state    best held-out›\n"
         "  run-b  done            74.20% \n"
         "  run-c  running              - "},
        /* A lone column wider than the space is cut with an ellipsis. */
        {3, 16, 2,
         " ↑run  ‹ best …›\n"
         "  run-b  74.20% "},
        /* The last column: nothing hidden on the right. */
        {5, 16, 2,
         " ↑run  ‹  time  \n"
         "  run-b  0m50s  "},
    };
    for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++) {
        v.scroll_col = shown[i].scroll_col;
        expect_table(&t, &v, shown[i].w, shown[i].h, shown[i].want);
    }
    /* An area too narrow for any data column: nothing is drawn outside it. */
    v.scroll_col = 3;
    GRIDCHECK_EXPECT_RENDER(14, 3, 3, 1, 8, 2, table_render, &t, &v, "table",
                            "              \n"
                            "    ↑run      \n"
                            "     run-b    ");
    compare_fini(&t);
}

static void test_table_abbreviated_names(void **state) {
    (void)state;
    CompareTable t;
    static const char *const ids[] = {"20240102-101500-resolution_sweep", "x"};
    init_runs(&t, 2, ids);
    add_row(&t, "transfer.backbone_lr_mult", 0, (const char *const[]){"0.1", "1"}, NULL);
    add_row(&t, "solver.test_initialization", 0, (const char *const[]){"true", "false"}, NULL);
    add_row(&t, "a.gamma", 0, (const char *const[]){"0.1", "0.5"}, NULL);
    add_row(&t, "b.gamma", 0, (const char *const[]){"0.1", "0.1"}, NULL);
    TableView v = view();
    v.selected = -1;
    /* Sections dropped unless two names clash; long names cut to 14 cells;
     * a long run id to half the width. */
    expect_table(&t, &v, 90, 3,
                 " ↑run                               backbone_lr_m…  test_initiali…  a.gamma  "
                 "b.gamma      \n"
                 "  20240102-101500-resolution_sweep             0.1  true                0.1  "
                 "    0.1      \n"
                 "  x                                              1  false               0.5  "
                 "    0.1      ");
    v.ascii = 1;
    v.sort_desc = 1;
    expect_table(&t, &v, 50, 3,
                 " vrun                       backbone_lr_m~       >\n"
                 "  x                                      1        \n"
                 "  20240102-101500-resolut~             0.1        ");
    compare_fini(&t);
}

static void test_table_clamp(void **state) {
    (void)state;
    CompareTable t;
    make_table(&t);
    TableView v = {
        .sort_col = 17, .baseline = 9, .selected = 12, .scroll_row = 0, .scroll_col = 40};
    table_clamp(&v, &t, 3); /* two rows under the header */
    assert_int_equal(v.sort_col, -1);
    assert_int_equal(v.baseline, -1);
    assert_int_equal(v.selected, 3);
    assert_int_equal(v.scroll_row, 2);
    assert_int_equal(v.scroll_col, 5);
    v.selected = 0;
    table_clamp(&v, &t, 3);
    assert_int_equal(v.scroll_row, 0);
    v.scroll_row = 3; /* past the end: pulled back to fill the area */
    v.selected = 3;
    table_clamp(&v, &t, 10);
    assert_int_equal(v.scroll_row, 0);
    compare_fini(&t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_plain_by_run_id),
        cmocka_unit_test(test_table_sort_numeric_stable_missing_last),
        cmocka_unit_test(test_table_sort_text),
        cmocka_unit_test(test_table_baseline_arrows_and_styles),
        cmocka_unit_test(test_table_selection),
        cmocka_unit_test(test_table_narrow_and_scrolled),
        cmocka_unit_test(test_table_abbreviated_names),
        cmocka_unit_test(test_table_clamp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
