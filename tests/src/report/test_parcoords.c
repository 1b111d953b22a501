/*
 * test_parcoords — parallel coordinates in a TextGrid
 * (src/report/parcoords.c), in ASCII: the axes' names (the selected one
 * in brackets) and values at their columns, the best line drawn with its
 * mark and last, a dim line dotted, the brushed part of an axis heavy,
 * and which places a brush keeps.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "src/report/parcoords.h"
#include "tests/lib/testutil.h"

static const char *cell(const TextGrid *g, int x, int y) {
    return textgrid_at(g, x, y)->ch;
}

/* A cell a drawing must show: its text at column x, row y. */
typedef struct CellWant {
    int x, y;
    const char *ch;
} CellWant;

/* Fails the test unless each of the n cells in want shows its text. */
static void expect_cells(const TextGrid *g, const CellWant *want, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(cell(g, want[i].x, want[i].y), want[i].ch) != 0)
            fail_msg("cell (%d, %d): '%s', want '%s'", want[i].x, want[i].y,
                     cell(g, want[i].x, want[i].y), want[i].ch);
}

static void axes3(ParcoordsAxis *ax) {
    const char *names[] = {"a", "b", "c"};
    for (int i = 0; i < 3; i++) {
        memset(&ax[i], 0, sizeof ax[i]);
        snprintf(ax[i].name, sizeof ax[i].name, "%s", names[i]);
        snprintf(ax[i].top, sizeof ax[i].top, "hi");
        snprintf(ax[i].bottom, sizeof ax[i].bottom, "lo");
        ax[i].brush_lo = 0, ax[i].brush_hi = 1;
    }
}

/* The three axes in order into a fresh 40 x 8 grid g, in ASCII. */
static void draw(TextGrid *g, const ParcoordsAxis *ax, const int *order, int sel,
                 const ParcoordsLine *lines, int n) {
    assert_int_equal(textgrid_init(g, 40, 8), ST_OK);
    parcoords_render(g, 0, 0, 40, 8, ax, order, 3, sel, lines, n, CHART_ASCII);
}

/* 40 x 8: a margin of 40 / 3 / 2 = 6 each side, so the plot is 28 wide
 * from column 6 and its axes at 6 + round(k / 2 * 27): 6, 20, 33; the plot
 * rows are 2 .. 6, the bottom values on row 7. */
static void test_parcoords_draws_axes_and_lines(void **state) {
    (void)state;
    ParcoordsAxis ax[3];
    axes3(ax);
    ax[1].brush_lo = 0.5; /* b keeps its upper half */
    double top[3] = {1, 1, 1}, bottom[3] = {0, 0, 0};
    ParcoordsLine lines[2] = {{top, PARCOORDS_STYLE_BEST}, {bottom, PARCOORDS_STYLE_DIM}};
    int order[3] = {0, 1, 2};
    TextGrid g;
    draw(&g, ax, order, 1, lines, 2);
    /* The names (b's in brackets), "hi" centred on column 6 and c's "lo";
     * b's axis: rows 3 and 4 (places 0.7, 0.5) within the brush, heavy;
     * row 5 (0.3) plain; a's axis plain */
    static const CellWant want[] = {{6, 0, "a"},  {19, 0, "["}, {20, 0, "b"}, {21, 0, "]"},
                                    {33, 0, "c"}, {5, 1, "h"},  {6, 1, "i"},  {32, 7, "l"},
                                    {20, 3, "#"}, {20, 4, "#"}, {20, 5, "|"}, {6, 4, "|"}};
    expect_cells(&g, want, sizeof want / sizeof want[0]);
    assert_int_equal(textgrid_at(&g, 20, 0)->style, PARCOORDS_STYLE_SELECTED);
    assert_int_equal(textgrid_at(&g, 20, 3)->style, PARCOORDS_STYLE_BRUSH);
    for (int x = 6; x <= 33; x++) { /* the best line along the top, in its mark */
        assert_string_equal(cell(&g, x, 2), "*");
        assert_int_equal(textgrid_at(&g, x, 2)->style, PARCOORDS_STYLE_BEST);
    }
    int dots = 0, gaps = 0; /* the dim line dotted along the bottom */
    for (int x = 7; x < 33; x++) {
        if (strcmp(cell(&g, x, 6), ".") == 0) dots++;
        if (strcmp(cell(&g, x, 6), " ") == 0) gaps++;
    }
    assert_true(dots >= 12 && gaps >= 12);
    textgrid_fini(&g);
}

static void test_parcoords_reorders_and_says_too_small(void **state) {
    (void)state;
    ParcoordsAxis ax[3];
    axes3(ax);
    int order[3] = {2, 0, 1}; /* c first */
    TextGrid g;
    draw(&g, ax, order, 0, NULL, 0);
    static const CellWant want[] = {{5, 0, "["}, {6, 0, "c"}, {20, 0, "a"}, {33, 0, "b"}};
    expect_cells(&g, want, sizeof want / sizeof want[0]);
    textgrid_clear(&g);
    parcoords_render(&g, 0, 0, 11, 8, ax, order, 3, 0, NULL, 0, CHART_ASCII);
    assert_string_equal(cell(&g, 0, 0), "(");
    textgrid_fini(&g);
}

static void test_parcoords_kept_by_every_brush(void **state) {
    (void)state;
    ParcoordsAxis ax[3];
    axes3(ax);
    double in[3] = {0.1, 0.7, NAN}, out[3] = {0.1, 0.2, 0.5};
    assert_true(parcoords_kept(ax, 3, in)); /* no brush keeps all, even a missing place */
    ax[1].brush_lo = 0.5;
    assert_true(parcoords_brushed(&ax[1]));
    assert_false(parcoords_brushed(&ax[0]));
    assert_true(parcoords_kept(ax, 3, in));
    assert_false(parcoords_kept(ax, 3, out));
    ax[2].brush_hi = 0.9; /* a missing place is outside a brushed axis */
    assert_false(parcoords_kept(ax, 3, in));
    double edge[3] = {0, 0.5, 0.9}; /* the ends are kept */
    assert_true(parcoords_kept(ax, 3, edge));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parcoords_draws_axes_and_lines),
        cmocka_unit_test(test_parcoords_reorders_and_says_too_small),
        cmocka_unit_test(test_parcoords_kept_by_every_brush),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
