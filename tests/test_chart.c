/*
 * test_chart — the chart renderer and its character grid, against exact
 * expected text: ASCII, braille and block glyphs, axis labels, log scale,
 * constant and one-point series, two series told apart by mark, and the
 * debiased EMA.
 */
#include <math.h>
#include <stdlib.h>

#include "src/report/chart.h"
#include "tests/gridcheck.h"
#include "tests/testutil.h"

static const double xs[4] = {0, 1, 2, 3};

/* Options with every axis range automatic. */
static ChartOptions options(ChartGlyphs glyphs, int log_y) {
    return (ChartOptions){
        .glyphs = glyphs, .log_y = log_y, .x_min = NAN, .x_max = NAN, .y_min = NAN, .y_max = NAN};
}

/* One series of n values over xs, style 1, marked '*'. */
static ChartSeries series(const double *y, int n) {
    return (ChartSeries){.x = xs, .y = y, .n = n, .style = 1, .mark = "*"};
}

static void expect_chart(ChartGlyphs glyphs, int log_y, const double *y, int n, const char *want) {
    TextGrid g;
    gridcheck_init(&g, 20, 6);
    ChartSeries s = series(y, n);
    ChartOptions o = options(glyphs, log_y);
    chart_render(&g, 0, 0, 20, 6, &o, &s, 1);
    gridcheck_expect(&g, "chart", want);
    textgrid_fini(&g);
}

static const double line[4] = {0, 1, 2, 3};

static void test_chart_ascii_line(void **state) {
    (void)state;
    expect_chart(CHART_ASCII, 0, line, 4,
                 "      3 |         **\n"
                 "      2 |     ****  \n"
                 "        |  ***      \n"
                 "      0 |**         \n"
                 "        +-----------\n"
                 "        0          3");
}

static void test_chart_braille_and_block(void **state) {
    (void)state;
    expect_chart(CHART_BRAILLE, 0, line, 4,
                 "      3 |        ⢀⠔⠊\n"
                 "      2 |     ⢀⠤⠊⠁  \n"
                 "        |  ⢀⡠⠒⠁     \n"
                 "      0 |⡠⠔⠁        \n"
                 "        +-----------\n"
                 "        0          3");
    expect_chart(CHART_BLOCK, 0, line, 4,
                 "      3 |        ▄▄▀\n"
                 "      2 |     ▄▄▀   \n"
                 "        |   ▄▀      \n"
                 "      0 |▄▀▀        \n"
                 "        +-----------\n"
                 "        0          3");
}

static void test_chart_constant_one_point_and_log(void **state) {
    (void)state;
    static const struct {
        int log_y, n;
        double y[4];
        const char *want;
    } cases[] = {
        /* A constant series gets a band of +-10% around its value. */
        {0,
         4,
         {5, 5, 5, 5},
         "   5.50 |           \n"
         "   5.17 |***********\n"
         "        |           \n"
         "   4.50 |           \n"
         "        +-----------\n"
         "        0          3"},
        {0,
         1,
         {0},
         "      1 |           \n"
         "   0.33 |*          \n"
         "        |           \n"
         "     -1 |           \n"
         "        +-----------\n"
         "        0          1"},
        {1,
         4,
         {1, 10, 100, 1000},
         "   1000 |         **\n"
         "    100 |     ****  \n"
         "        |  ***      \n"
         "      1 |**         \n"
         "        +-----------\n"
         "        0          3"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_chart(CHART_ASCII, cases[i].log_y, cases[i].y, cases[i].n, cases[i].want);
    /* Narrow ranges keep enough decimals to tell the axis ends apart. */
    const double loss[4] = {1.3887, 1.3871, 1.3862, 1.3857};
    TextGrid g;
    gridcheck_init(&g, 20, 6);
    ChartSeries s = series(loss, 4);
    ChartOptions o = options(CHART_ASCII, 0);
    chart_render(&g, 0, 0, 20, 6, &o, &s, 1);
    gridcheck_expect_part(&g, "chart", "1.38870 |");
    gridcheck_expect_part(&g, "chart", "1.38570 |");
    /* No data at all. */
    textgrid_clear(&g);
    s.n = 0;
    chart_render(&g, 0, 0, 20, 6, &o, &s, 1);
    gridcheck_expect_part(&g, "chart", "(no data)");
    textgrid_fini(&g);
}

static void test_chart_two_series_by_mark_and_style(void **state) {
    (void)state;
    const double up[4] = {0, 1, 2, 3}, down[4] = {3, 2, 1, 0};
    ChartSeries s[2] = {series(up, 4), series(down, 4)};
    s[1].style = 2;
    s[1].mark = "o";
    ChartOptions o = options(CHART_ASCII, 0);
    TextGrid g;
    gridcheck_init(&g, 20, 6);
    chart_render(&g, 0, 0, 20, 6, &o, s, 2);
    const TextCell *bottom_left = textgrid_at(&g, 9, 3), *top_left = textgrid_at(&g, 9, 0);
    assert_string_equal(bottom_left->ch, "*");
    assert_int_equal(bottom_left->style, 1);
    assert_string_equal(top_left->ch, "o");
    assert_int_equal(top_left->style, 2);
    /* Zooming to x >= 2 drops the left half. */
    textgrid_clear(&g);
    o.x_min = 2;
    chart_render(&g, 0, 0, 20, 6, &o, s, 2);
    gridcheck_expect_part(&g, "chart", "        2          3");
    textgrid_fini(&g);
}

static void test_chart_ema_is_debiased(void **state) {
    (void)state;
    const double y[3] = {0, 10, 10};
    double out[3];
    chart_ema(y, 3, 0.5, out);
    assert_true(fabs(out[0] - 0.0) < 1e-12);
    assert_true(fabs(out[1] - 5.0 / 0.75) < 1e-12);  /* (0.5*0 + 0.5*10) / (1 - 0.25) */
    assert_true(fabs(out[2] - 7.5 / 0.875) < 1e-12); /* (0.5*5 + 0.5*10) / (1 - 0.125) */
    const double flat[3] = {2, 2, 2};
    chart_ema(flat, 3, 0.9, out);
    for (int i = 0; i < 3; i++) assert_true(fabs(out[i] - 2) < 1e-12);
    chart_ema(y, 3, 0, out); /* weight 0 copies */
    assert_true(out[1] == 10);
}

static void test_textgrid_utf8_and_clipping(void **state) {
    (void)state;
    TextGrid g;
    assert_int_equal(textgrid_init(&g, 4, 2), ST_OK);
    assert_int_equal(textgrid_text(&g, 1, 0, "a▲bcdef", 3), 3);
    textgrid_put(&g, 9, 9, "x", 0); /* outside: ignored */
    char *s = textgrid_string(&g);
    assert_string_equal(s, " a▲b\n    ");
    assert_int_equal(textgrid_at(&g, 2, 0)->style, 3);
    free(s);
    textgrid_fini(&g);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chart_ascii_line),
        cmocka_unit_test(test_chart_braille_and_block),
        cmocka_unit_test(test_chart_constant_one_point_and_log),
        cmocka_unit_test(test_chart_two_series_by_mark_and_style),
        cmocka_unit_test(test_chart_ema_is_debiased),
        cmocka_unit_test(test_textgrid_utf8_and_clipping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
