/*
 * lr_range — Leslie Smith's learning-rate range test (Smith 2015; fastai's
 * lr_find, Lightning's Tuner.lr_find) over a recorded curve: the schedule,
 * the smoothing of the loss, the rule that stops the test and the three
 * suggestions. It trains nothing: a caller (src/run/lrfind.c) steps a
 * trainer under the schedule lr_range_solver writes into its SolverConfig
 * and hands each iteration's raw loss to lr_range_add, which says when the
 * test is over.
 *
 * Schedule: Caffe's exp policy, lr_i = start * gamma^i for i = 0 .. iters - 1
 * with gamma = (end / start)^(1 / (iters - 1)), so the rates are the
 * solver's own and the last iteration runs at end.
 * Smoothing: fastai's and Lightning's debiased exponential moving average
 * (beta 0.98), except that the first tenth of the schedule, which the
 * suggestions skip, enters it from then on as its median: a spike there
 * shows in the curve of the first tenth and nowhere after it.
 * Stop: after the first tenth, once the smoothed loss passes 4 x the lowest
 * smoothed loss since then; anywhere, a loss that is NaN or Inf.
 * Suggestions: on the smoothed loss from the end of the first tenth to the
 * last point (less the last LR_RANGE_SKIP_END when the loss blew up).
 *
 * An LrRange is caller storage of fixed size (LR_RANGE_MAX points, no heap),
 * so it is copied whole across threads. Pure functions; any thread. Only
 * lr_range_init fails (ST_ARG, the message naming the value at fault).
 */
#ifndef FINELAB_LR_RANGE_H
#define FINELAB_LR_RANGE_H

#include "engine/base/error.h"
#include "engine/train/solver.h"

enum {
    LR_RANGE_MAX = 1000,      /* iterations a test may have */
    LR_RANGE_SKIP_END = 5,    /* points a blown-up test leaves out at its end */
    LR_RANGE_SUGGESTIONS = 3, /* steepest, valley, min/10 */
    LR_RANGE_MIN_WINDOW = 3,  /* points the suggestions need */
};
#define LR_RANGE_BETA        0.98 /* the smoothing's weight of the past */
#define LR_RANGE_STOP_FACTOR 4.0  /* the stop: smoothed loss above this x its best */
#define LR_RANGE_FLAT        0.05 /* a window whose smoothed loss falls less has no descent */

/* How a test ended. */
typedef enum LrRangeEnd {
    LR_RANGE_RUNNING,   /* not yet */
    LR_RANGE_DONE,      /* every iteration of the schedule ran */
    LR_RANGE_DIVERGED,  /* the smoothed loss passed LR_RANGE_STOP_FACTOR x its best */
    LR_RANGE_NONFINITE, /* a loss was NaN or Inf */
    LR_RANGE_STOPPED,   /* the caller stopped it (a user's stop) */
} LrRangeEnd;

typedef struct LrRange {
    double start, end;             /* first and last rate of the schedule */
    int iters;                     /* iterations of the schedule (2 .. LR_RANGE_MAX) */
    double gamma;                  /* the exp policy's factor per iteration */
    int skip;                      /* the first tenth: points the suggestions and the stop skip */
    int n;                         /* points recorded; point i is iteration i */
    double lr[LR_RANGE_MAX];       /* rate of iteration i, as the solver used it */
    double loss[LR_RANGE_MAX];     /* its raw training loss */
    double smoothed[LR_RANGE_MAX]; /* lr_range_smooth of loss[0 .. i] */
    double best;                   /* lowest smoothed loss from skip on; INFINITY before */
    LrRangeEnd ended;
    int ended_iter;  /* the iteration it ended at (LR_RANGE_RUNNING: -1) */
    double ended_lr; /* the rate of that iteration */
    double ema;      /* the smoothing's running sum (not debiased) */
} LrRange;

/* Starts an empty test of iters iterations from start to end. ST_ARG when
 * not 0 < start < end (both finite) or iters outside 2 .. LR_RANGE_MAX. */
Status lr_range_init(LrRange *r, double start, double end, int iters, Error *err);
/* The schedule as Caffe's solver runs it: policy exp, base_lr start,
 * gamma, max_iter iters; the rest of s (type, momentum, decay, clipping,
 * iter_size) is left as it is. */
void lr_range_solver(const LrRange *r, SolverConfig *s);
/* The rate of iteration i of the schedule (solver_rate's exp policy). */
double lr_range_rate(const LrRange *r, int i);

/* Records the next iteration's rate and raw loss and returns how the test
 * stands: LR_RANGE_RUNNING to go on, else why it ended (then r->ended says
 * it too). A NaN or Inf loss is not recorded (LR_RANGE_NONFINITE). Adding
 * to an ended test changes nothing and returns r->ended. */
LrRangeEnd lr_range_add(LrRange *r, double lr, double loss);
/* Ends a test the caller saw end (a stop; the trainer's divergence) at
 * iteration iter with rate lr; nothing when it has ended already. */
void lr_range_finish(LrRange *r, LrRangeEnd why, int iter, double lr);
/* "every iteration ran", "the smoothed loss passed 4x its best", ... */
const char *lr_range_end_text(LrRangeEnd why);

/* The smoothed curve of n raw losses whose first skip points are the
 * skipped stretch: out[i] for i < skip is the debiased EMA of loss[0 .. i]
 * with weight beta; from skip on, the same EMA of the curve whose first
 * skip points are replaced by their median. lr_range_add keeps r->smoothed
 * equal to this, one point at a time. */
void lr_range_smooth(const double *loss, int n, int skip, double beta, double *out);

typedef enum LrSuggestKind {
    LR_SUGGEST_STEEPEST,
    LR_SUGGEST_VALLEY,
    LR_SUGGEST_MINIMUM,
} LrSuggestKind;

/* One suggested rate, with the rule that chose it in words. */
typedef struct LrSuggestion {
    LrSuggestKind kind;
    const char *name; /* "steepest", "valley", "min/10" */
    const char *rule; /* the rule, one sentence */
    int found;        /* 0: the curve has no such point (too short; it never falls) */
    int index;        /* the point the rule reads */
    double lr;        /* the suggested rate (min/10: a tenth of lr[index]) */
    double loss;      /* the smoothed loss at index */
} LrSuggestion;

/* The points the suggestions read: [*from, *to) of r's n, from the end of
 * the first tenth to the last point, less LR_RANGE_SKIP_END at the end of
 * a test that diverged or met a NaN. */
void lr_range_window(const LrRange *r, int *from, int *to);
/* The three suggestions of r (steepest, valley, min/10, in that order) on
 * its window. A window of fewer than LR_RANGE_MIN_WINDOW points finds none. */
void lr_range_suggest(const LrRange *r, LrSuggestion out[LR_RANGE_SUGGESTIONS]);
/* How far the smoothed loss falls over the window: 1 - its lowest / its
 * first (0 when it never falls below its first point, or the window is
 * empty). Below LR_RANGE_FLAT the curve shows no descent to read, and the
 * rules only read its noise (a model that has learned what it can at
 * these rates, or one that learns nothing in so few iterations). */
double lr_range_fall(const LrRange *r);
/* The same on any curve: rates lr and smoothed losses s, points [from, to). */
void lr_range_suggest_curve(const double *lr, const double *s, int from, int to,
                            LrSuggestion out[LR_RANGE_SUGGESTIONS]);

#endif
