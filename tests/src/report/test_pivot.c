/*
 * test_pivot — the Grid screen's pivot table: the keys that vary, the
 * default resolution x bilinear_dim axes, the tutorial's 3 x 4 sweep with
 * one missing cell (exact text in UTF-8 and ASCII, heat levels at the
 * minimum and maximum, the selected cell), numeric against text ordering,
 * the best of several runs per cell, runs without an accuracy yet, and
 * scrolling to the selection.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "src/preset/schema.h"
#include "src/report/pivot.h"
#include "tests/lib/gridcheck.h"
#include "tests/lib/testutil.h"

enum { MAX_ENTRIES = 16 };

typedef struct Sweep {
    Preset *presets; /* MAX_ENTRIES, heap: a Preset is large */
    PivotEntry e[MAX_ENTRIES];
    int n;
} Sweep;

static const int resolutions[3] = {448, 336, 224};
static const int dims[4] = {8192, 4096, 2048, 1024};
/* Best test accuracy per (resolution, dim); 224 x 1024 was never run. */
static const double accuracy[3][4] = {
    {0.845, 0.843, 0.840, 0.835}, {0.812, 0.810, 0.805, 0.770}, {0.760, 0.742, 0.740, -1}};

static void sweep_init(Sweep *s) {
    memset(s, 0, sizeof *s);
    s->presets = calloc(MAX_ENTRIES, sizeof *s->presets);
    assert_non_null(s->presets);
}

/* Adds a run with that resolution and dim (run index 100 + entry). */
static Preset *sweep_add(Sweep *s, int resolution, int dim, double acc) {
    assert_true(s->n < MAX_ENTRIES);
    Preset *p = &s->presets[s->n];
    preset_defaults(p);
    p->data.resolution = resolution;
    p->model.bilinear_dim = dim;
    s->e[s->n] = (PivotEntry){.run = 100 + s->n, .preset = p, .best_accuracy = acc};
    s->n++;
    return p;
}

/* The tutorial's sweep, in run order (the last dim varying fastest). */
static void sweep_tutorial(Sweep *s) {
    sweep_init(s);
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 4; c++)
            if (accuracy[r][c] >= 0) sweep_add(s, resolutions[r], dims[c], accuracy[r][c]);
}

static int key(const char *dotted) {
    const SchemaKey *k = schema_find_dotted(dotted);
    assert_non_null(k);
    return schema_index(k);
}

/* The tutorial sweep pivoted resolution x bilinear_dim, best run per cell. */
static void tutorial_pivot(Sweep *s, Pivot *p) {
    sweep_tutorial(s);
    assert_int_equal(
        pivot_build(p, s->e, s->n, key("data.resolution"), key("model.bilinear_dim"), 1), ST_OK);
}

static void expect_pivot(const Pivot *p, const PivotView *v, int w, int h, const char *want) {
    GRIDCHECK_EXPECT_RENDER(w, h, 0, 0, w, h, pivot_render, p, v, "pivot", want);
}

static void test_pivot_varying_and_default_keys(void **state) {
    (void)state;
    Sweep s;
    sweep_tutorial(&s);
    int keys[4], row, col;
    assert_int_equal(pivot_varying_keys(s.e, s.n, keys, 4), 2);
    assert_int_equal(keys[0], key("data.resolution"));
    assert_int_equal(keys[1], key("model.bilinear_dim"));
    pivot_default_keys(s.e, s.n, &row, &col);
    assert_int_equal(row, key("data.resolution"));
    assert_int_equal(col, key("model.bilinear_dim"));
    /* A third key varying: listed in schema order; the defaults stay. */
    s.presets[3].solver.weight_decay = 0.001;
    s.presets[0].experiment.threads = 4;
    assert_int_equal(pivot_varying_keys(s.e, s.n, keys, 4), 4);
    assert_int_equal(keys[0], key("experiment.threads"));
    assert_int_equal(keys[3], key("solver.weight_decay"));
    assert_int_equal(pivot_varying_keys(s.e, s.n, keys, 1), 4); /* counts past cap */
    pivot_default_keys(s.e, s.n, &row, &col);
    assert_int_equal(row, key("data.resolution"));
    assert_int_equal(col, key("model.bilinear_dim"));
    /* Without a dim sweep: the first two keys that vary. */
    for (int i = 0; i < s.n; i++) s.presets[i].model.bilinear_dim = 8192;
    pivot_default_keys(s.e, s.n, &row, &col);
    assert_int_equal(row, key("experiment.threads"));
    assert_int_equal(col, key("data.resolution"));
    /* One run: nothing varies, so both axes are "all". */
    assert_int_equal(pivot_varying_keys(s.e, 1, keys, 4), 0);
    pivot_default_keys(s.e, 1, &row, &col);
    assert_int_equal(row, -1);
    assert_int_equal(col, -1);
    free(s.presets);
}

static void test_pivot_build_tutorial_grid(void **state) {
    (void)state;
    Sweep s;
    Pivot p;
    tutorial_pivot(&s, &p);
    assert_int_equal(s.n, 11);
    assert_int_equal(p.n_rows, 3);
    assert_int_equal(p.n_cols, 4);
    assert_string_equal(p.row_values[0], "448");
    assert_string_equal(p.row_values[2], "224");
    assert_string_equal(p.col_values[0], "8192");
    assert_string_equal(p.col_values[3], "1024");
    assert_true(p.cells[0].accuracy == 0.845);
    assert_int_equal(p.cells[0].run, 100);
    assert_int_equal(p.cells[1 * 4 + 3].run, 107); /* 336 x 1024 */
    assert_int_equal(p.cells[2 * 4 + 3].n, 0);     /* 224 x 1024: missing */
    assert_int_equal(p.cells[2 * 4 + 3].run, -1);
    assert_true(p.min_acc == 0.740 && p.max_acc == 0.845);
    /* Heat: the minimum is level 1, the maximum 5, fifths in between. */
    assert_int_equal(pivot_heat(&p, 0.740), 1);
    assert_int_equal(pivot_heat(&p, 0.845), 5);
    assert_int_equal(pivot_heat(&p, 0.770), 2);
    assert_int_equal(pivot_heat(&p, 0.805), 4);
    assert_int_equal(pivot_heat(&p, -1), 0);
    PivotView v = {.sel_row = 2, .sel_col = 0};
    assert_int_equal(pivot_selected_run(&p, &v), 108);
    v.sel_col = 3;
    assert_int_equal(pivot_selected_run(&p, &v), -1);
    v.sel_row = 7;
    assert_int_equal(pivot_selected_run(&p, &v), -1);
    pivot_clamp(&v, &p);
    assert_int_equal(v.sel_row, 2);
    assert_int_equal(v.sel_col, 3);
    pivot_fini(&p);
    pivot_fini(&p); /* twice is harmless */
    free(s.presets);
}

static void test_pivot_render_utf8(void **state) {
    (void)state;
    Sweep s;
    Pivot p;
    tutorial_pivot(&s, &p);
    PivotView v = {.sel_row = 1, .sel_col = 2};
    expect_pivot(&p, &v, 52, 5,
                 "            bilinear_dim                            \n"
                 "resolution      8192      4096      2048      1024  \n"
                 "448         █ 84.50%  █ 84.30%  █ 84.00%  █ 83.50%  \n"
                 "336         ▆ 81.20%  ▆ 81.00% [▆ 80.50%] ▂ 77.00%  \n"
                 "224         ▁ 76.00%  ▁ 74.20%  ▁ 74.00%         -  ");
    TextGrid g;
    gridcheck_init(&g, 52, 5);
    pivot_render(&g, 0, 0, 52, 5, &p, &v);
    /* The minimum (224 x 2048) is heat 1, the maximum (448 x 8192) heat 5,
     * the whole cell in the style so a background colour fills it. */
    assert_int_equal(textgrid_at(&g, 32, 4)->style, PIVOT_STYLE_HEAT1);
    assert_int_equal(textgrid_at(&g, 38, 4)->style, PIVOT_STYLE_HEAT1);
    assert_int_equal(textgrid_at(&g, 12, 2)->style, PIVOT_STYLE_HEAT5);
    assert_int_equal(textgrid_at(&g, 13, 2)->style, PIVOT_STYLE_HEAT5);
    assert_int_equal(textgrid_at(&g, 42, 3)->style, 2);
    assert_int_equal(textgrid_at(&g, 22, 3)->style, 4);
    assert_int_equal(textgrid_at(&g, 11, 2)->style, PIVOT_STYLE_PLAIN);
    /* The selected cell, brackets included; the empty cell is plain. */
    for (int x = 31; x <= 40; x++)
        assert_int_equal(textgrid_at(&g, x, 3)->style, PIVOT_STYLE_SELECTED);
    assert_int_equal(textgrid_at(&g, 49, 4)->style, PIVOT_STYLE_PLAIN);
    assert_int_equal(textgrid_at(&g, 0, 1)->style, PIVOT_STYLE_HEADER);
    assert_int_equal(textgrid_at(&g, 12, 0)->style, PIVOT_STYLE_HEADER);
    assert_int_equal(textgrid_at(&g, 0, 4)->style, PIVOT_STYLE_HEADER);
    pivot_fini(&p);
    textgrid_fini(&g);
    free(s.presets);
}

static void test_pivot_render_ascii(void **state) {
    (void)state;
    Sweep s;
    Pivot p;
    tutorial_pivot(&s, &p);
    PivotView v = {.sel_row = 0, .sel_col = 0, .ascii = 1};
    expect_pivot(&p, &v, 52, 5,
                 "            bilinear_dim                            \n"
                 "resolution      8192      4096      2048      1024  \n"
                 "448        [@ 84.50%] @ 84.30%  @ 84.00%  @ 83.50%  \n"
                 "336         # 81.20%  # 81.00%  # 80.50%  : 77.00%  \n"
                 "224         . 76.00%  . 74.20%  . 74.00%         -  ");
    pivot_fini(&p);
    free(s.presets);
}

static void test_pivot_numeric_and_text_order(void **state) {
    (void)state;
    Sweep s;
    sweep_init(&s);
    static const char *const pools[3] = {"compact_ts", "avg", "bilinear"};
    static const int res[3] = {448, 96, 224};
    for (int i = 0; i < 3; i++) {
        Preset *p = sweep_add(&s, res[i], 8192, 0.5 + 0.1 * i);
        Error err = {0};
        assert_int_equal(schema_parse(schema_find("model", "pooling"), pools[i], p, 0, &err),
                         ST_OK);
    }
    Pivot p;
    /* Numbers by value (96 < 224 < 448, not "224" < "448" < "96"). */
    assert_int_equal(pivot_build(&p, s.e, s.n, key("data.resolution"), key("model.pooling"), 0),
                     ST_OK);
    assert_string_equal(p.row_values[0], "96");
    assert_string_equal(p.row_values[1], "224");
    assert_string_equal(p.row_values[2], "448");
    assert_string_equal(p.col_values[0], "avg");
    assert_string_equal(p.col_values[1], "bilinear");
    assert_string_equal(p.col_values[2], "compact_ts");
    assert_int_equal(p.cells[0 * 3 + 0].run, 101); /* 96 x avg */
    assert_int_equal(p.cells[2 * 3 + 2].run, 100); /* 448 x compact_ts */
    assert_int_equal(p.cells[0 * 3 + 2].run, -1);
    pivot_fini(&p);
    assert_int_equal(pivot_build(&p, s.e, s.n, key("model.pooling"), key("data.resolution"), 1),
                     ST_OK);
    assert_string_equal(p.row_values[0], "compact_ts");
    assert_string_equal(p.row_values[2], "avg");
    assert_string_equal(p.col_values[0], "448");
    assert_string_equal(p.col_values[2], "96");
    pivot_fini(&p);
    assert_int_equal(pivot_build(&p, s.e, s.n, schema_count(), -1, 0), ST_ARG);
    assert_null(p.cells);
    free(s.presets);
}

static void test_pivot_best_run_pending_and_all(void **state) {
    (void)state;
    Sweep s;
    sweep_init(&s);
    sweep_add(&s, 448, 8192, 0.80);
    sweep_add(&s, 448, 8192, 0.83)->solver.weight_decay = 0.001; /* the best of the cell */
    sweep_add(&s, 448, 8192, 0.83)->solver.weight_decay = 0;     /* a tie keeps the first */
    sweep_add(&s, 224, 8192, -1);                                /* queued: no accuracy yet */
    sweep_add(&s, 224, 8192, NAN);
    Pivot p;
    assert_int_equal(pivot_build(&p, s.e, s.n, key("data.resolution"), -1, 1), ST_OK);
    assert_int_equal(p.n_rows, 2);
    assert_int_equal(p.n_cols, 1);
    assert_string_equal(p.col_values[0], "all");
    assert_int_equal(p.cells[0].run, 101);
    assert_int_equal(p.cells[0].n, 3);
    assert_true(p.cells[0].accuracy == 0.83);
    assert_int_equal(p.cells[1].run, 103); /* its first run, for Enter */
    assert_int_equal(p.cells[1].n, 2);
    assert_true(p.cells[1].accuracy == -1);
    assert_true(p.min_acc == 0.83 && p.max_acc == 0.83);
    assert_int_equal(pivot_heat(&p, 0.83), 5); /* a single value is the best */
    PivotView v = {.sel_row = 1};
    assert_int_equal(pivot_selected_run(&p, &v), 103);
    expect_pivot(&p, &v, 24, 4,
                 "                        \n"
                 "resolut…       all      \n"
                 "448       █ 83.00%      \n"
                 "224      [       …]     ");
    pivot_fini(&p);
    /* No entries: no cells, and the area says so. */
    assert_int_equal(pivot_build(&p, s.e, 0, key("data.resolution"), -1, 0), ST_OK);
    assert_int_equal(p.n_rows, 0);
    expect_pivot(&p, &v, 24, 3,
                 "(no runs)               \n"
                 "                        \n"
                 "                        ");
    pivot_fini(&p);
    free(s.presets);
}

static void test_pivot_scrolls_to_selection(void **state) {
    (void)state;
    Sweep s;
    Pivot p;
    tutorial_pivot(&s, &p);
    /* The selected column's page; ‹ and › say what lies beyond it. */
    static const struct {
        int sel_col;
        const char *want;
    } pages[] = {
        {3, "           ‹bilinear_dim        \n"
            "resolution      2048      1024  \n"
            "336         ▆ 80.50%  ▂ 77.00%  \n"
            "224         ▁ 74.00% [       -] "},
        {0, "            bilinear_dim       ›\n"
            "resolution      8192      4096  \n"
            "336         ▆ 81.20%  ▆ 81.00%  \n"
            "224        [▁ 76.00%] ▁ 74.20%  "},
    };
    PivotView v = {.sel_row = 2};
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        v.sel_col = pages[i].sel_col;
        expect_pivot(&p, &v, 32, 4, pages[i].want);
    }
    /* Narrower than one cell: clipped to the area. */
    v.sel_col = 3;
    GRIDCHECK_EXPECT_RENDER(14, 4, 2, 0, 10, 4, pivot_render, &p, &v, "pivot",
                            "       ‹bil…  \n"
                            "  res…        \n"
                            "  336   ▂ 77  \n"
                            "  224  [      ");
    pivot_fini(&p);
    free(s.presets);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pivot_varying_and_default_keys),
        cmocka_unit_test(test_pivot_build_tutorial_grid),
        cmocka_unit_test(test_pivot_render_utf8),
        cmocka_unit_test(test_pivot_render_ascii),
        cmocka_unit_test(test_pivot_numeric_and_text_order),
        cmocka_unit_test(test_pivot_best_run_pending_and_all),
        cmocka_unit_test(test_pivot_scrolls_to_selection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
