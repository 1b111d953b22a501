/*
 * test_panel — a plot with axes (src/plot/panel.c), read back from PNGs:
 * the plot area inside its box with room for labels and titles, data
 * placed where the axes say (a point at the range's middle in the middle
 * of the area, a log axis by decades), lines clipped to the area, markers
 * on the points asked for, fewer ticks where labels would touch, and the
 * cells of a heat map on categorical axes (the first row on top when the
 * y axis is reversed) with an outline.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "src/plot/panel.h"
#include "tests/lib/testpng.h"
#include "tests/lib/testutil.h"

static char dir[256];

static int setup(void **state) {
    (void)state;
    return testutil_tmpdir(dir, sizeof dir, "panel");
}

static int teardown(void **state) {
    (void)state;
    return testutil_rmtree(dir);
}

/* An 800 x 500 PNG (one pixel per unit) at dir/name. */
static Canvas *open_canvas(const char *name, char *path, size_t cap) {
    Canvas *c;
    Error err = {0};
    snprintf(path, cap, "%s/%s", dir, name);
    if (canvas_create(&c, path, 800, 500, &err)) fail_msg("%s", err.msg);
    return c;
}

static void finish(Canvas *c) {
    Error err = {0};
    if (canvas_finish(c, &err)) fail_msg("%s", err.msg);
    canvas_destroy(c);
}

static void test_panel_layout_and_mapping(void **state) {
    (void)state;
    char path[512];
    Canvas *c = open_canvas("map.png", path, sizeof path);
    Axis x = {.min = 0, .max = 100, .title = "iteration"},
         y = {.min = 0, .max = 10, .title = "loss"};
    Panel p;
    panel_init(&p, c, 20, 20, 700, 400, &x, &y, "title");
    /* the area is inside the box, with room left for labels and titles */
    assert_true(p.x > 20 + 25 && p.y > 20 + 10 && p.x + p.w <= 720 && p.y + p.h < 420 - 25);
    assert_near(panel_px(&p, 50), p.x + p.w / 2, 1e-9);
    assert_near(panel_py(&p, 0), p.y + p.h, 1e-9);
    assert_near(panel_py(&p, 10), p.y, 1e-9);
    assert_true(p.n_xt >= 5 && p.n_yt >= 5);
    panel_axes(&p);
    const double xs[] = {0, 50, 100, 150}, ys[] = {5, 5, 5, 50}; /* the last leaves the area */
    CanvasStyle s = {
        .color = {0, 0, 1}, .width = 3, .marker = CANVAS_MARK_SQUARE, .marker_size = 12};
    panel_series(&p, xs, ys, 4, &s, 2); /* marks at 0 and 100 (and the last, outside) */
    double ax = p.x, ay = p.y, aw = p.w, ah = p.h;
    finish(c);
    TestPng png;
    testpng_read(&png, path);
    int mid_y = (int)lround(ay + ah / 2);
    /* the line through the middle of the area */
    assert_true(testpng_color(&png, (int)ax + 20, mid_y - 3, (int)aw - 40, 6, 0, 0, 255, 40) >=
                (int)(aw - 40) * 2);
    /* a square marker at x = 0 (11+ px tall), none at x = 50 (the line alone, 3 px) */
    assert_true(testpng_color(&png, (int)ax - 3, mid_y - 6, 6, 12, 0, 0, 255, 40) >= 50);
    int x50 = (int)lround(ax + aw / 2);
    assert_int_equal(testpng_color(&png, x50 - 1, mid_y - 6, 3, 3, 0, 0, 255, 60), 0);
    /* clipped: nothing of the climb to y = 50 above the area */
    assert_int_equal(testpng_color(&png, (int)ax, 0, (int)aw + 60, (int)ay - 8, 0, 0, 255, 60), 0);
    /* labels and titles drawn left of and under the area */
    assert_true(testpng_ink(&png, 20, (int)ay, (int)ax - 25, (int)ah) > 100);
    assert_true(testpng_ink(&png, (int)ax, (int)(ay + ah) + 6, (int)aw, 40) > 100);
    testpng_free(&png);
}

static void test_panel_log_and_crowded_ticks(void **state) {
    (void)state;
    char path[512];
    Canvas *c = open_canvas("log.png", path, sizeof path);
    Axis x = {.min = 0, .max = 1e6}, y = {.min = 0.01, .max = 100, .log = 1};
    Panel wide, narrow;
    panel_init(&wide, c, 0, 0, 780, 240, &x, &y, NULL);
    panel_init(&narrow, c, 0, 250, 150, 240, &x, &y, NULL);
    assert_near(panel_py(&wide, 1), wide.y + wide.h / 2, 1e-6); /* 1 is two decades up of four */
    assert_true(narrow.n_xt < wide.n_xt); /* "1e+06"-wide labels cannot all fit in 150 units */
    for (int i = 1; i < narrow.n_xt; i++) /* and those kept are further apart than they are wide */
        assert_true(panel_px(&narrow, narrow.xt[i]) - panel_px(&narrow, narrow.xt[i - 1]) > 30);
    assert_int_equal(wide.n_yt, 5); /* 0.01 .. 100: the decades */
    panel_axes(&wide);
    panel_axes(&narrow);
    finish(c);
}

static void test_panel_heat_cells(void **state) {
    (void)state;
    char path[512];
    Canvas *c = open_canvas("cells.png", path, sizeof path);
    const char *const cols[2] = {"8192", "1024"}, *const rows[3] = {"224", "168", "112"};
    Axis x = {0}, y = {0};
    axis_categories(&x, cols, 2);
    axis_categories(&y, rows, 3);
    y.reverse = 1; /* the first row on top */
    Panel p;
    panel_init(&p, c, 10, 10, 600, 450, &x, &y, NULL);
    panel_axes(&p);
    CanvasStyle frame = {.color = CANVAS_BLACK, .width = 4};
    panel_cell(&p, 0, 0, (CanvasColor){1, 0, 0}, NULL, NULL, &frame);   /* top left */
    panel_cell(&p, 1, 2, (CanvasColor){0, 1, 0}, "88.00%", NULL, NULL); /* bottom right */
    double ax = p.x, ay = p.y, aw = p.w, ah = p.h;
    finish(c);
    TestPng png;
    testpng_read(&png, path);
    int cw = (int)(aw / 2), ch = (int)(ah / 3);
    /* top-left cell red inside its frame, the frame black at its edge */
    assert_true(testpng_color(&png, (int)ax + 8, (int)ay + 8, cw - 16, ch - 16, 255, 0, 0, 5) >
                (cw - 16) * (ch - 16) * 9 / 10);
    assert_true(testpng_color(&png, (int)ax + 2, (int)ay + ch / 2, 3, 10, 0, 0, 0, 20) >= 20);
    /* bottom-right cell green, with its text in dark ink at the centre */
    int gx = (int)ax + cw, gy = (int)ay + 2 * ch;
    assert_true(testpng_color(&png, gx + 4, gy + 4, cw - 8, 20, 0, 255, 0, 5) >= (cw - 8) * 20);
    assert_true(testpng_color(&png, gx + cw / 2 - 30, gy + ch / 2 - 8, 60, 16, 0, 0, 0, 90) > 20);
    /* the row labels read top down as given */
    assert_true(testpng_ink(&png, 10, (int)ay, (int)ax - 10, ch) > 20);
    testpng_free(&png);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_panel_layout_and_mapping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_panel_log_and_crowded_ticks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_panel_heat_cells, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
