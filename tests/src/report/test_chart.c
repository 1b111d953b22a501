/*
 * test_chart — the chart renderer and its character grid, against exact
 * expected text: ASCII, braille and block glyphs, axis labels, log scale,
 * constant and one-point series, two series told apart by mark, test
 * points and dotted lines told apart without colour in every glyph set,
 * points without a line, a log x axis labelled at its decades, legends,
 * and the debiased EMA.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/report/chart.h"
#include "tests/lib/gridcheck.h"
#include "tests/lib/testutil.h"

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

/* Renders the one series s into a 20 x 6 grid and expects want. */
static void expect_series(const ChartOptions *o, const ChartSeries *s, const char *want) {
    TextGrid g;
    gridcheck_init(&g, 20, 6);
    chart_render(&g, 0, 0, 20, 6, o, s, 1);
    gridcheck_expect(&g, "chart", want);
    textgrid_fini(&g);
}

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

static const ChartGlyphs every_glyph_set[3] = {CHART_ASCII, CHART_BLOCK, CHART_BRAILLE};

/* A train curve falling over x = 0..20 and five test points above it, as
 * the Monitor draws them: train solid "*" style 1, test "o" style 2 with
 * every point marked. */
static const double train_x[21] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10,
                                   11, 12, 13, 14, 15, 16, 17, 18, 19, 20};
static double train_y[21];
static const double test_x[5] = {0, 5, 10, 15, 20}, test_y[5] = {20, 17, 14, 11, 8};

static void train_and_test(ChartSeries s[2]) {
    for (int i = 0; i < 21; i++) train_y[i] = 16 - 0.8 * i;
    s[0] = (ChartSeries){
        .x = train_x, .y = train_y, .n = 21, .style = 1, .mark = "*", .label = "train"};
    s[1] = (ChartSeries){.x = test_x,
                         .y = test_y,
                         .n = 5,
                         .style = 2,
                         .mark = "o",
                         .mark_every = 1,
                         .label = "test"};
}

/* In every glyph set, with colour ignored (only the characters compared):
 * each test point's cell shows the legend's test sample, "o", and "o"
 * appears nowhere else but on the test series. */
static void test_chart_test_points_distinct_without_colour(void **state) {
    (void)state;
    /* The test points' rows in each set (cols 0, 5, .. 20): set by the dot
     * rows per cell, 1, 2 or 4. */
    static const int rows[3][5] = {{0, 1, 1, 2, 3}, {0, 1, 1, 2, 3}, {0, 0, 1, 2, 3}};
    ChartSeries s[2];
    train_and_test(s);
    for (int k = 0; k < 3; k++) {
        ChartOptions o = options(every_glyph_set[k], 0);
        TextGrid g;
        gridcheck_init(&g, 30, 9);
        chart_legend(&g, 0, 0, o.glyphs, s, 2);
        chart_render(&g, 0, 1, 30, 8, &o, s, 2);
        char test_sample[32];
        chart_sample(&s[1], o.glyphs, test_sample, sizeof test_sample);
        assert_string_equal(test_sample, "o");
        gridcheck_expect_part(&g, "legend", "o test");
        for (int i = 0; i < 5; i++) {
            const TextCell *c = textgrid_at(&g, 9 + 5 * i, 1 + rows[k][i]);
            if (strcmp(c->ch, "o") != 0) {
                char *text = textgrid_string(&g);
                print_error("glyph set %d: test point %d reads '%s':\n%s\n", k, i, c->ch, text);
                free(text);
                fail();
            }
        }
        int marks = 0;
        for (int y = 1; y < 7; y++)
            for (int x = 9; x < 30; x++) {
                const TextCell *c = textgrid_at(&g, x, y);
                if (strcmp(c->ch, "o") != 0) continue;
                assert_int_equal(c->style, 2);
                marks++;
            }
        /* The ASCII set draws the test line with "o" too; the others mark
         * the points only. */
        if (o.glyphs == CHART_ASCII)
            assert_true(marks > 5);
        else
            assert_int_equal(marks, 5);
        textgrid_fini(&g);
    }
}

/* The Monitor's loss series (raw dotted, smoothed solid, test marked) have
 * pairwise different legend samples in every glyph set, and the legend
 * writes each sample with its label in the series' style, leaving out
 * series without a label. */
static void test_chart_legend_tells_series_apart(void **state) {
    (void)state;
    ChartSeries s[4];
    train_and_test(s + 2);
    s[0] = s[2];
    s[0].mark = ".";
    s[0].line = CHART_DOTTED;
    s[0].label = "raw";
    s[1] = s[2];
    s[1].label = NULL;
    static const char *const want[3] = {". raw  * train  o test", "▀ ▀ raw  ▀▀▀ train  o test",
                                        "⠄⠄ raw  ⠤⠤ train  o test"};
    for (int k = 0; k < 3; k++) {
        char a[32], b[32], c[32];
        chart_sample(&s[0], every_glyph_set[k], a, sizeof a);
        chart_sample(&s[2], every_glyph_set[k], b, sizeof b);
        chart_sample(&s[3], every_glyph_set[k], c, sizeof c);
        assert_string_not_equal(a, b);
        assert_string_not_equal(a, c);
        assert_string_not_equal(b, c);
        TextGrid g;
        gridcheck_init(&g, 30, 1);
        assert_int_equal(chart_legend(&g, 1, 0, every_glyph_set[k], s, 4), k == 0   ? 22
                                                                           : k == 1 ? 26
                                                                                    : 24);
        char text[64];
        snprintf(text, sizeof text, " %s", want[k]);
        gridcheck_expect_part(&g, "legend", text);
        assert_int_equal(textgrid_at(&g, 1, 0)->style, 1);
        assert_int_equal(textgrid_at(&g, k == 0 ? 22 : k == 1 ? 26 : 24, 0)->style, 2);
        textgrid_fini(&g);
    }
}

/* A dotted line sets every other dot it visits; spaced marks keep at least
 * mark_every columns apart. */
static void test_chart_dotted_line_and_spaced_marks(void **state) {
    (void)state;
    static const char *const dotted[3] = {"      3 |          .\n"
                                          "      2 |      . .  \n"
                                          "        |  . .      \n"
                                          "      0 |.          \n"
                                          "        +-----------\n"
                                          "        0          3",
                                          "      3 |        ▄ ▀\n"
                                          "      2 |      ▄    \n"
                                          "        |    ▀      \n"
                                          "      0 |▄ ▀        \n"
                                          "        +-----------\n"
                                          "        0          3",
                                          "      3 |         ⠄⠂\n"
                                          "      2 |      ⠄⠂⠁  \n"
                                          "        |   ⡀⠂⠁     \n"
                                          "      0 |⡀⠄⠁        \n"
                                          "        +-----------\n"
                                          "        0          3"};
    for (int k = 0; k < 3; k++) {
        ChartSeries s = series(line, 4);
        s.mark = ".";
        s.line = CHART_DOTTED;
        ChartOptions o = options(every_glyph_set[k], 0);
        expect_series(&o, &s, dotted[k]);
    }
    double x[11], y[11];
    for (int i = 0; i < 11; i++) {
        x[i] = 0.3 * i;
        y[i] = i;
    }
    ChartSeries s = {.x = x, .y = y, .n = 11, .style = 1, .mark = "+", .mark_every = 4};
    ChartOptions o = options(CHART_BRAILLE, 0);
    expect_series(&o, &s,
                  "     10 |        +⠔⠉\n"
                  "    6.7 |     ⢀⠤⠊   \n"
                  "        |  ⢀⠔+⠁     \n"
                  "      0 |+⠊⠁        \n"
                  "        +-----------\n"
                  "        0          3");
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

/* A log x axis: a rate from 1e-4 to 1 spreads its decades evenly and is
 * labelled at them; a CHART_POINTS series draws its mark at each point and
 * no line between, its legend sample is the mark. */
static void test_chart_log_x_and_points(void **state) {
    (void)state;
    const double lr[5] = {1e-4, 1e-3, 1e-2, 1e-1, 1}, y[5] = {4, 3, 2, 1, 0};
    ChartSeries s = {
        .x = lr, .y = y, .n = 5, .style = 1, .mark = "o", .line = CHART_POINTS, .label = "raw"};
    ChartOptions o = options(CHART_BRAILLE, 0);
    o.log_x = 1;
    TextGrid g;
    gridcheck_init(&g, 38, 7);
    chart_render(&g, 0, 0, 38, 7, &o, &s, 1);
    gridcheck_expect(&g, "log x",
                     "      4 |o                            \n"
                     "        |       o                     \n"
                     "      2 |              o              \n"
                     "        |                     o       \n"
                     "      0 |                            o\n"
                     "        +-----------------------------\n"
                     "         1e-4 0.001  0.01    0.1     1");
    char sample[16];
    chart_sample(&s, CHART_BRAILLE, sample, sizeof sample);
    assert_string_equal(sample, "o");
    /* Non-positive rates are left out, as log-y leaves out values. */
    const double lr0[3] = {0, 1e-2, 1}, y0[3] = {1, 2, 3};
    ChartSeries z = {.x = lr0, .y = y0, .n = 3, .style = 1, .mark = "*"};
    textgrid_clear(&g);
    chart_render(&g, 0, 0, 38, 7, &o, &z, 1);
    gridcheck_expect_part(&g, "log x", "0.01");
    gridcheck_expect_part(&g, "log x", "      2 |");
    textgrid_fini(&g);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chart_ascii_line),
        cmocka_unit_test(test_chart_braille_and_block),
        cmocka_unit_test(test_chart_constant_one_point_and_log),
        cmocka_unit_test(test_chart_two_series_by_mark_and_style),
        cmocka_unit_test(test_chart_test_points_distinct_without_colour),
        cmocka_unit_test(test_chart_legend_tells_series_apart),
        cmocka_unit_test(test_chart_dotted_line_and_spaced_marks),
        cmocka_unit_test(test_chart_log_x_and_points),
        cmocka_unit_test(test_chart_ema_is_debiased),
        cmocka_unit_test(test_textgrid_utf8_and_clipping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
