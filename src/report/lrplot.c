/*
 * lrplot — the range test's plot and text. See lrplot.h.
 *
 * The suggestions are marked at the rate they suggest, on the smoothed
 * loss of the point whose rate is nearest (the schedule is geometric, so
 * that point is log(lr / start) / log(gamma) away from the first): min/10
 * is drawn a decade left of the minimum it was read at, where a user would
 * train.
 */
#include "src/report/lrplot.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *lrplot_letter(LrSuggestKind kind) {
    static const char *const letters[LR_RANGE_SUGGESTIONS] = {"S", "V", "M"};
    return (int)kind >= 0 && (int)kind < LR_RANGE_SUGGESTIONS ? letters[kind] : "?";
}

/* The point of c whose rate is nearest lr, clamped to the recorded ones. */
static int lrplot_point(const LrRange *c, double lr) {
    int i = (int)lround(log(lr / c->start) / log(c->gamma));
    return i < 0 ? 0 : i >= c->n ? c->n - 1 : i;
}

void lrplot_render(TextGrid *g, int x0, int y0, int w, int h, ChartGlyphs glyphs, const LrRange *c,
                   const LrSuggestion *s) {
    ChartSeries series[2 + LR_RANGE_SUGGESTIONS] = {
        {.x = c->lr,
         .y = c->loss,
         .n = c->n,
         .style = 7,
         .mark = ".",
         .line = CHART_POINTS,
         .label = "raw"},
        {.x = c->lr, .y = c->smoothed, .n = c->n, .style = 1, .mark = "*", .label = "smoothed"},
    };
    double mx[LR_RANGE_SUGGESTIONS], my[LR_RANGE_SUGGESTIONS];
    static const char *const labels[LR_RANGE_SUGGESTIONS] = {"steepest", "valley", "min/10"};
    int n = 2;
    for (int k = 0; k < LR_RANGE_SUGGESTIONS && c->n > 0; k++) {
        if (!s[k].found) continue;
        int i = lrplot_point(c, s[k].lr);
        mx[k] = c->lr[i];
        my[k] = c->smoothed[i];
        series[n++] = (ChartSeries){.x = &mx[k],
                                    .y = &my[k],
                                    .n = 1,
                                    .style = 3,
                                    .mark = lrplot_letter(s[k].kind),
                                    .line = CHART_POINTS,
                                    .label = labels[k]};
    }
    double top = -INFINITY, low = INFINITY;
    for (int i = 0; i < c->n; i++) {
        top = fmax(top, c->smoothed[i]);
        low = fmin(low, fmin(c->loss[i], c->smoothed[i]));
    }
    ChartOptions o = {.glyphs = glyphs,
                      .log_x = 1,
                      .x_min = c->start,
                      .x_max = c->end,
                      .y_min = c->n ? low : NAN,
                      .y_max = c->n ? top : NAN};
    chart_legend(g, x0, y0, glyphs, series, n);
    chart_render(g, x0, y0 + 1, w, h - 1, &o, series, n);
}

void lrplot_suggestion(const LrSuggestion *s, int letter, char *buf, size_t cap) {
    char lr[32] = "none";
    if (s->found) snprintf(lr, sizeof lr, "%.2g", s->lr);
    snprintf(buf, cap, "%s%s%-8s %-8s %s", letter ? lrplot_letter(s->kind) : "", letter ? " " : "",
             s->name, lr, s->found ? s->rule : "(the smoothed loss never falls there)");
}

void lrplot_ending(const LrRange *c, char *buf, size_t cap) {
    switch (c->ended) {
    case LR_RANGE_RUNNING:
        snprintf(buf, cap, "running: %d of %d iterations", c->n, c->iters);
        return;
    case LR_RANGE_DONE:
        snprintf(buf, cap, "ran all %d iterations (lr %.3g): the loss never passed %gx its best",
                 c->iters, c->end, LR_RANGE_STOP_FACTOR);
        return;
    case LR_RANGE_DIVERGED:
        snprintf(buf, cap, "stopped at iteration %d of %d (lr %.3g): %s (best %.4g)", c->ended_iter,
                 c->iters, c->ended_lr, lr_range_end_text(c->ended), c->best);
        return;
    default:
        snprintf(buf, cap, "stopped at iteration %d of %d (lr %.3g): %s", c->ended_iter, c->iters,
                 c->ended_lr, lr_range_end_text(c->ended));
    }
}

int lrplot_note(const LrRange *c, char *buf, size_t cap) {
    int from, to;
    lr_range_window(c, &from, &to);
    buf[0] = '\0';
    if (c->ended == LR_RANGE_RUNNING || to - from < LR_RANGE_MIN_WINDOW ||
        lr_range_fall(c) >= LR_RANGE_FLAT)
        return 0;
    /* Where the smoothed loss first stands 10% above its lowest before. */
    double low = INFINITY;
    int rise = -1;
    for (int i = from; i < c->n && rise < 0; i++) {
        low = fmin(low, c->smoothed[i]);
        if (c->smoothed[i] > 1.1 * low) rise = i;
    }
    char at[64] = "";
    if (rise >= 0) snprintf(at, sizeof at, "; it rises from lr %.2g on", c->lr[rise]);
    snprintf(buf, cap,
             "note: the smoothed loss falls %.1f%% at most: no descent to read, the rules read "
             "noise%s",
             100 * lr_range_fall(c), at);
    return 1;
}

void lrplot_window(const LrRange *c, int brief, char *buf, size_t cap) {
    int from, to;
    lr_range_window(c, &from, &to);
    int blew = c->n - to;
    if (to - from < LR_RANGE_MIN_WINDOW) {
        snprintf(buf, cap, "too few points to suggest a rate (%d after the first tenth)",
                 to - from);
        return;
    }
    if (brief) {
        snprintf(buf, cap, "iterations %d .. %d of the smoothed loss", from, to - 1);
        return;
    }
    char tail[96] = "";
    if (blew > 0) snprintf(tail, sizeof tail, " and the last %d, where the loss blew up,", blew);
    snprintf(buf, cap, "read on the smoothed loss of iterations %d .. %d (the first %d%s left out)",
             from, to - 1, from, tail);
}
