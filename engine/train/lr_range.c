/*
 * lr_range — the learning-rate range test's arithmetic. See lr_range.h.
 *
 * Why beta 0.98: it is the weight fastai and Lightning smooth with, so the
 * curve and its suggestions read as in the tools a reader knows; at one
 * batch per point the raw loss is noisy, and 0.98 averages about the last
 * 50 points, which is what makes slopes of a 100-point curve readable.
 * It lags the raw loss by a few tens of points, which is why the
 * suggestions are read on the smoothed curve alone and min/10 backs off a
 * decade.
 *
 * Why the median: the debiased EMA keeps every point with weight 0.98^age,
 * so a spike of 20x the loss at iteration 3 still lifts the smoothed loss
 * by tens of percent at iteration 30 and would pull the steepest descent
 * to where its tail fades (Lightning #1767, pytorch-lr-finder #106). The
 * suggestions skip the first tenth; counting that tenth as its median in
 * the smoothing from then on makes the skip complete: unless half of it is
 * spikes, nothing of a spike reaches the points the suggestions read, and
 * the smoothing still starts from ten points' worth of average rather than
 * from one noisy point.
 */
#include "engine/train/lr_range.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

Status lr_range_init(LrRange *r, double start, double end, int iters, Error *err) {
    if (!(start > 0) || !isfinite(start) || !isfinite(end) || !(end > start))
        return error_set(err, ST_ARG, "the range test needs 0 < start < end (got start %g, end %g)",
                         start, end);
    if (iters < 2 || iters > LR_RANGE_MAX)
        return error_set(err, ST_ARG, "the range test takes 2 to %d iterations (got %d)",
                         LR_RANGE_MAX, iters);
    memset(r, 0, sizeof *r);
    r->start = start;
    r->end = end;
    r->iters = iters;
    r->gamma = pow(end / start, 1.0 / (iters - 1));
    r->skip = iters / 10;
    r->best = INFINITY;
    r->ended = LR_RANGE_RUNNING;
    r->ended_iter = -1;
    return ST_OK;
}

void lr_range_solver(const LrRange *r, SolverConfig *s) {
    s->policy = SOLVER_EXP;
    s->base_lr = r->start;
    s->gamma = r->gamma;
    s->max_iter = r->iters;
}

double lr_range_rate(const LrRange *r, int i) {
    SolverConfig c = {.policy = SOLVER_EXP, .base_lr = r->start, .gamma = r->gamma};
    int step = 0;
    return solver_rate(&c, i, &step);
}

static int lr_range_cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of n values (n >= 1; at most LR_RANGE_MAX / 10). */
static double lr_range_median(const double *v, int n) {
    double sorted[LR_RANGE_MAX / 10];
    CHECK(n >= 1 && n <= LR_RANGE_MAX / 10);
    memcpy(sorted, v, sizeof(double) * (size_t)n);
    qsort(sorted, (size_t)n, sizeof(double), lr_range_cmp);
    return n % 2 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
}

/* Point i of the smoothed curve, given the EMA's running sum *ema over
 * points 0 .. i - 1 (updated to include i) and loss[0 .. i]. */
static double lr_range_smooth_step(const double *loss, int i, int skip, double beta, double *ema) {
    if (i == skip && skip > 0) /* the skipped stretch counts as its median from here on */
        *ema = (1 - pow(beta, skip)) * lr_range_median(loss, skip);
    *ema = beta * *ema + (1 - beta) * loss[i];
    return *ema / (1 - pow(beta, i + 1));
}

void lr_range_smooth(const double *loss, int n, int skip, double beta, double *out) {
    double ema = 0;
    for (int i = 0; i < n; i++) out[i] = lr_range_smooth_step(loss, i, skip, beta, &ema);
}

LrRangeEnd lr_range_add(LrRange *r, double lr, double loss) {
    if (r->ended != LR_RANGE_RUNNING) return r->ended;
    int i = r->n;
    if (!isfinite(loss)) {
        lr_range_finish(r, LR_RANGE_NONFINITE, i, lr);
        return r->ended;
    }
    r->lr[i] = lr;
    r->loss[i] = loss;
    double s = r->smoothed[i] = lr_range_smooth_step(r->loss, i, r->skip, LR_RANGE_BETA, &r->ema);
    r->n++;
    if (i >= r->skip) {
        if (s < r->best) r->best = s;
        if (s > LR_RANGE_STOP_FACTOR * r->best) lr_range_finish(r, LR_RANGE_DIVERGED, i, lr);
    }
    if (r->ended == LR_RANGE_RUNNING && r->n == r->iters) lr_range_finish(r, LR_RANGE_DONE, i, lr);
    return r->ended;
}

void lr_range_finish(LrRange *r, LrRangeEnd why, int iter, double lr) {
    if (r->ended != LR_RANGE_RUNNING || why == LR_RANGE_RUNNING) return;
    r->ended = why;
    r->ended_iter = iter;
    r->ended_lr = lr;
}

const char *lr_range_end_text(LrRangeEnd why) {
    switch (why) {
    case LR_RANGE_RUNNING:
        return "running";
    case LR_RANGE_DONE:
        return "every iteration ran";
    case LR_RANGE_DIVERGED:
        return "the smoothed loss passed 4x its best";
    case LR_RANGE_NONFINITE:
        return "the loss was NaN or Inf";
    case LR_RANGE_STOPPED:
        return "stopped by the user";
    }
    return "?";
}

void lr_range_window(const LrRange *r, int *from, int *to) {
    int blew = r->ended == LR_RANGE_DIVERGED || r->ended == LR_RANGE_NONFINITE;
    *from = r->skip;
    *to = r->n - (blew ? LR_RANGE_SKIP_END : 0);
    if (*to < *from) *to = *from;
}

/* --- the three rules -------------------------------------------------------------- */

static void lr_range_found(LrSuggestion *o, const double *s, int i, double rate) {
    o->found = 1;
    o->index = i;
    o->lr = rate;
    o->loss = s[i];
}

/* The most negative slope d s / d log10(lr), central differences inside
 * the window and one-sided at its ends (numpy's gradient, as Lightning). */
static void lr_range_steepest(const double *lr, const double *s, int from, int to,
                              LrSuggestion *o) {
    double best = 0;
    for (int i = from; i < to; i++) {
        int a = i > from ? i - 1 : i, b = i + 1 < to ? i + 1 : i;
        double slope = (s[b] - s[a]) / (log10(lr[b]) - log10(lr[a]));
        if (slope < best) {
            best = slope;
            lr_range_found(o, s, i, lr[i]);
        }
    }
}

/* fastai's valley: the longest strictly falling sequence of the smoothed
 * loss (not necessarily of neighbours; length L, ending at the first point
 * where one that long ends), then the point L/3 + L/6 past where it would
 * begin were it contiguous: about halfway down. */
static void lr_range_valley(const double *lr, const double *s, int from, int to, LrSuggestion *o) {
    int len[LR_RANGE_MAX], end = from;
    for (int i = from; i < to; i++) {
        len[i - from] = 1;
        for (int j = from; j < i; j++)
            if (s[i] < s[j] && len[j - from] + 1 > len[i - from]) len[i - from] = len[j - from] + 1;
        if (len[i - from] > len[end - from]) end = i;
    }
    int L = len[end - from];
    if (L < 2) return; /* it never falls */
    int i = end - L + L / 3 + L / 6;
    if (i < from) i = from;
    lr_range_found(o, s, i, lr[i]);
}

/* fastai's minimum: a decade below the rate of the lowest smoothed loss. */
static void lr_range_minimum(const double *lr, const double *s, int from, int to, LrSuggestion *o) {
    int best = from;
    for (int i = from; i < to; i++)
        if (s[i] < s[best]) best = i;
    lr_range_found(o, s, best, lr[best] / 10);
}

typedef void (*LrRangeRule)(const double *lr, const double *s, int from, int to, LrSuggestion *o);

/* The rules in the order they are listed, with their names and words. */
static const struct {
    const char *name, *rule;
    LrRangeRule find;
} lr_range_rules[LR_RANGE_SUGGESTIONS] = {
    [LR_SUGGEST_STEEPEST] = {"steepest", "where the smoothed loss falls fastest against log lr",
                             lr_range_steepest},
    [LR_SUGGEST_VALLEY] = {"valley",
                           "fastai's valley: halfway down the longest stretch over which the "
                           "smoothed loss keeps falling",
                           lr_range_valley},
    [LR_SUGGEST_MINIMUM] = {"min/10",
                            "a tenth of the rate at the lowest smoothed loss (fastai's minimum)",
                            lr_range_minimum},
};

void lr_range_suggest_curve(const double *lr, const double *s, int from, int to,
                            LrSuggestion out[LR_RANGE_SUGGESTIONS]) {
    for (int k = 0; k < LR_RANGE_SUGGESTIONS; k++) {
        out[k] = (LrSuggestion){.kind = (LrSuggestKind)k,
                                .name = lr_range_rules[k].name,
                                .rule = lr_range_rules[k].rule,
                                .index = -1,
                                .lr = NAN,
                                .loss = NAN};
        if (to - from >= LR_RANGE_MIN_WINDOW) lr_range_rules[k].find(lr, s, from, to, &out[k]);
    }
}

double lr_range_fall(const LrRange *r) {
    int from, to;
    lr_range_window(r, &from, &to);
    double low = INFINITY;
    for (int i = from; i < to; i++) low = fmin(low, r->smoothed[i]);
    return to > from && r->smoothed[from] > 0 ? fmax(0, 1 - low / r->smoothed[from]) : 0;
}

void lr_range_suggest(const LrRange *r, LrSuggestion out[LR_RANGE_SUGGESTIONS]) {
    int from, to;
    lr_range_window(r, &from, &to);
    lr_range_suggest_curve(r->lr, r->smoothed, from, to, out);
}
