/*
 * test_lrplot — the range test as the CLI and the lab show it: the plot
 * marks each found suggestion with its letter at the rate it suggests,
 * the legend names the series, the loss axis ends at the highest smoothed
 * loss, and the text lines say how the test ended, which points the
 * suggestions read and each rule, or why a rule found nothing, and, for a
 * curve that never falls, that the rules read noise and where the loss
 * began to rise.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/report/lrplot.h"
#include "tests/lib/gridcheck.h"
#include "tests/lib/testutil.h"

/* A curve of 60 points from 1e-4 to 1e2 (10 a decade): flat at 3, down
 * to 1 between 1e-2 and 1, then up a decade every third of one until the
 * test stops. */
static LrRange *make_curve(void) {
    LrRange *c = malloc(sizeof *c);
    assert_int_equal(lr_range_init(c, 1e-4, 1e2, 61, NULL), ST_OK);
    for (int i = 0; i < 61 && c->ended == LR_RANGE_RUNNING; i++) {
        double x = log10(lr_range_rate(c, i));
        double loss = x < -2 ? 3 : x < 0 ? 1 - x : pow(10, 3 * x);
        lr_range_add(c, lr_range_rate(c, i), loss);
    }
    return c;
}

static void test_lrplot_marks_and_legend(void **state) {
    (void)state;
    LrRange *c = make_curve();
    assert_int_equal(c->ended, LR_RANGE_DIVERGED);
    LrSuggestion s[LR_RANGE_SUGGESTIONS];
    lr_range_suggest(c, s);
    for (int k = 0; k < LR_RANGE_SUGGESTIONS; k++) assert_true(s[k].found);
    TextGrid g;
    gridcheck_init(&g, 78, 16);
    lrplot_render(&g, 0, 0, 78, 16, CHART_ASCII, c, s);
    gridcheck_expect_part(&g, "plot", ". raw  * smoothed  S steepest  V valley  M min/10");
    gridcheck_expect_part(&g, "plot", "1e-4");
    gridcheck_expect_part(&g, "plot", "100");
    char *text = textgrid_string(&g);
    /* Each letter once in the plot area (below the legend row). */
    const char *plot = strchr(text, '\n') + 1;
    for (const char *l = "SVM"; *l; l++) {
        const char *at = strchr(plot, *l);
        if (!at || strchr(at + 1, *l)) fail_msg("'%c' not drawn exactly once:\n%s", *l, text);
    }
    /* The top of the loss axis is the highest smoothed loss. */
    double top = 0;
    for (int i = 0; i < c->n; i++) top = fmax(top, c->smoothed[i]);
    char want[32];
    snprintf(want, sizeof want, "%.2f |", top);
    gridcheck_expect_part(&g, "plot", want);
    free(text);
    textgrid_fini(&g);
    free(c);
}

static void test_lrplot_text_lines(void **state) {
    (void)state;
    LrRange *c = make_curve();
    LrSuggestion s[LR_RANGE_SUGGESTIONS];
    lr_range_suggest(c, s);
    char line[512], want[256];
    lrplot_ending(c, line, sizeof line);
    snprintf(want, sizeof want,
             "stopped at iteration %d of 61 (lr %.3g): the smoothed loss passed 4x its best",
             c->ended_iter, c->ended_lr);
    if (!strstr(line, want)) fail_msg("'%s' lacks '%s'", line, want);
    lrplot_window(c, 1, line, sizeof line);
    snprintf(want, sizeof want, "iterations 6 .. %d of the smoothed loss", c->n - 6);
    assert_string_equal(line, want);
    lrplot_window(c, 0, line, sizeof line);
    snprintf(want, sizeof want,
             "iterations 6 .. %d (the first 6 and the last 5, where the loss blew up, left out)",
             c->n - 6);
    if (!strstr(line, want)) fail_msg("'%s' lacks '%s'", line, want);
    lrplot_suggestion(&s[LR_SUGGEST_MINIMUM], 1, line, sizeof line);
    snprintf(want, sizeof want, "M min/10   %-8.2g a tenth of the rate", s[LR_SUGGEST_MINIMUM].lr);
    if (strncmp(line, want, strlen(want)) != 0) fail_msg("'%s' is not '%s...'", line, want);
    s[LR_SUGGEST_VALLEY].found = 0;
    lrplot_suggestion(&s[LR_SUGGEST_VALLEY], 0, line, sizeof line);
    assert_string_equal(line, "valley   none     (the smoothed loss never falls there)");
    /* A curve with a descent needs no note. */
    assert_int_equal(lrplot_note(c, line, sizeof line), 0);
    assert_string_equal(line, "");
    /* Running, and a test that ran out. */
    LrRange *r = malloc(sizeof *r);
    assert_int_equal(lr_range_init(r, 1e-4, 1e-2, 20, NULL), ST_OK);
    lrplot_ending(r, line, sizeof line);
    assert_string_equal(line, "running: 0 of 20 iterations");
    lrplot_window(r, 0, line, sizeof line);
    assert_string_equal(line, "too few points to suggest a rate (0 after the first tenth)");
    for (int i = 0; i < 20; i++) lr_range_add(r, lr_range_rate(r, i), 2.0);
    lrplot_ending(r, line, sizeof line);
    assert_string_equal(line, "ran all 20 iterations (lr 0.01): the loss never passed 4x its best");
    /* Flat all the way: the note says so, and nothing rose. */
    assert_int_equal(lrplot_note(r, line, sizeof line), 1);
    assert_string_equal(line, "note: the smoothed loss falls 0.0% at most: no descent to read, the "
                              "rules read noise");
    /* Flat, then rising: where the smoothed loss stood 10% above its lowest. */
    assert_int_equal(lr_range_init(r, 1e-4, 1e2, 61, NULL), ST_OK);
    for (int i = 0; r->ended == LR_RANGE_RUNNING; i++) {
        double x = log10(lr_range_rate(r, i));
        lr_range_add(r, lr_range_rate(r, i), x < 0 ? 2.0 : 2.0 * pow(10, x));
    }
    int rise = -1;
    for (int i = 6; i < r->n && rise < 0; i++)
        if (r->smoothed[i] > 1.1 * 2.0) rise = i;
    assert_int_equal(lrplot_note(r, line, sizeof line), 1);
    snprintf(want, sizeof want, "; it rises from lr %.2g on", r->lr[rise]);
    if (!strstr(line, want)) fail_msg("'%s' lacks '%s'", line, want);
    free(r);
    free(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lrplot_marks_and_legend),
        cmocka_unit_test(test_lrplot_text_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
