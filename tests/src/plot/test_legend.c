/*
 * test_legend — legend boxes and colour bars (src/plot/legend.c): entries
 * go into as many columns as fit the width (one when only one fits, cut
 * with "…" when even that is too narrow), the box drawn is the size laid
 * out with each entry's sample in its style, and a colour bar runs from
 * map(0) at the bottom to map(1) at the top with its labels beside it.
 */
#include <stdio.h>
#include <stdlib.h>

#include "src/plot/legend.h"
#include "tests/lib/testpng.h"
#include "tests/lib/testutil.h"

static char dir[256];

static int setup(void **state) {
    (void)state;
    return testutil_tmpdir(dir, sizeof dir, "legend");
}

static int teardown(void **state) {
    (void)state;
    return testutil_rmtree(dir);
}

static const LegendEntry entries[4] = {
    {.label = "first run", .style = {.color = {1, 0, 0}, .width = 4}},
    {.label = "second run", .style = {.color = {0, 0, 1}, .width = 2, .dash = CANVAS_DASHED}},
    {.label = "third", .style = {.color = {0, 0.6, 0}, .marker = CANVAS_MARK_SQUARE}},
    {.label = "the best run", .style = {.color = {0, 0, 0}, .width = 3}, .bold = 1},
};

static void test_legend_columns_fit_the_width(void **state) {
    (void)state;
    char path[512];
    Canvas *c;
    Error err = {0};
    snprintf(path, sizeof path, "%s/l.png", dir);
    assert_int_equal(canvas_create(&c, path, 800, 500, &err), ST_OK);
    LegendLayout wide = legend_layout(c, entries, 4, 780), one = legend_layout(c, entries, 4, 150);
    assert_int_equal(wide.cols, 4);
    assert_int_equal(wide.rows, 1);
    assert_true(wide.w <= 780);
    assert_int_equal(one.cols, 1);
    assert_int_equal(one.rows, 4);
    assert_true(one.h > 2.5 * wide.h);
    LegendLayout two = legend_layout(c, entries, 4, wide.col_w * 2 + 20);
    assert_int_equal(two.cols, 2);
    assert_int_equal(two.rows, 2);
    LegendLayout tight = legend_layout(c, entries, 4, 60); /* cut, not wider than asked */
    assert_true(tight.w <= 60 + 1e-9);
    legend_draw(c, 10, 10, entries, 4, &one);
    double w = one.w, h = one.h;
    assert_int_equal(canvas_finish(c, &err), ST_OK);
    canvas_destroy(c);
    TestPng png;
    testpng_read(&png, path);
    /* each sample in its colour, one row under another; nothing beyond the box */
    assert_true(testpng_color(&png, 12, 10, 40, (int)(h / 4) + 6, 255, 0, 0, 40) > 40);
    assert_true(testpng_color(&png, 12, 10 + (int)(h / 4), 40, (int)(h / 4), 0, 0, 255, 60) > 10);
    assert_true(testpng_color(&png, 12, 10 + (int)(h / 2), 40, (int)(h / 4), 0, 153, 0, 40) > 10);
    assert_int_equal(testpng_ink(&png, 10 + (int)w + 2, 0, 300, 200), 0);
    assert_int_equal(testpng_ink(&png, 0, 10 + (int)h + 2, 300, 200), 0);
    testpng_free(&png);
}

/* Pure red at 0 to pure blue at 1. */
static CanvasColor red_to_blue(double t) {
    return (CanvasColor){1 - t, 0, t};
}

static void test_legend_colorbar(void **state) {
    (void)state;
    char path[512];
    Canvas *c;
    Error err = {0};
    snprintf(path, sizeof path, "%s/bar.png", dir);
    assert_int_equal(canvas_create(&c, path, 800, 500, &err), ST_OK);
    Axis a = {.min = 60, .max = 85, .title = "best accuracy (%)"};
    double w = legend_colorbar_width(c, 20, &a);
    assert_true(w > 20 + 15 && w < 120);
    legend_colorbar(c, 100, 50, 20, 400, &a, red_to_blue);
    assert_int_equal(canvas_finish(c, &err), ST_OK);
    canvas_destroy(c);
    TestPng png;
    testpng_read(&png, path);
    int top[3], bottom[3];
    testpng_at(&png, 110, 53, top);
    testpng_at(&png, 110, 446, bottom);
    assert_true(top[2] > 240 && top[0] < 15);                        /* blue at the top */
    assert_true(bottom[0] > 240 && bottom[2] < 15);                  /* red at the bottom */
    assert_true(testpng_ink(&png, 122, 50, (int)w - 22, 400) > 300); /* labels and title */
    assert_int_equal(testpng_ink(&png, 100 + (int)w + 4, 0, 300, 500), 0);
    testpng_free(&png);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_legend_columns_fit_the_width, setup, teardown),
        cmocka_unit_test_setup_teardown(test_legend_colorbar, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
