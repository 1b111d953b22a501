/*
 * diagnosis — the rules over a run's curves. See diagnosis.h.
 *
 * The rows are split into two curves, train (the smoothed loss and the
 * accuracy of each display) and test. Train rows are noisy (a few batches
 * each), so a train value "at" an iteration is the mean of the
 * DIAGNOSIS_TRAIN_WINDOW rows up to it. Each rule is one function that
 * fills a finding and returns 1 when it fires, with one that writes the
 * finding's advice and fork; the table `rules` (at the end) says what each
 * waits for and which findings drop it, and diagnosis_run is one loop over
 * it, so the precedence is read off the table.
 */
#include "src/report/diagnosis.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/strbuf.h"
#include "src/report/curve.h"
#include "src/run/runner.h"

typedef struct Ctx {
    const DiagInput *in;
    Curve train, test;
    double last;      /* the last iteration with a row */
    int finished;     /* the run no longer trains */
    const char *held; /* the held-out curve's split in texts: "val" or "test" */
} Ctx;

static const char *const kind_names[DIAG_KIND_COUNT] = {
    [DIAG_DIVERGING] = "diverging",
    [DIAG_OVERFITTING] = "overfitting",
    [DIAG_UNDERTRAINED] = "under-trained",
    [DIAG_UNDERFITTING] = "underfitting",
    [DIAG_UNSTABLE] = "unstable",
    [DIAG_STILL_IMPROVING] = "still improving",
    [DIAG_WORSE_THAN_SIBLING] = "converged worse than a sibling",
    [DIAG_PLATEAU] = "plateau",
    [DIAG_NOT_ENOUGH_DATA] = "not enough data yet",
};

const char *diagnosis_kind_name(DiagKind k) {
    return k >= 0 && k < DIAG_KIND_COUNT ? kind_names[k] : "?";
}

/* --- train values ---------------------------------------------------------------------- */

/* Mean train loss (acc 0) or accuracy (acc 1) of the window ending at iter. */
static double train_at(const Ctx *x, double iter, int acc) {
    int k = curve_at(&x->train, iter);
    if (k < 0) k = 0;
    return curve_mean(acc ? x->train.acc : x->train.loss, k - DIAGNOSIS_TRAIN_WINDOW + 1, k);
}

/* --- advice helpers ---------------------------------------------------------------- */

static void fork_set(DiagFork *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fork_set(DiagFork *f, const char *fmt, ...) {
    if (f->n_set >= DIAG_SET_MAX) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->set[f->n_set++], sizeof f->set[0], fmt, ap);
    va_end(ap);
}

static const char *run_name(const Ctx *x) {
    return x->in->run_id && x->in->run_id[0] ? x->in->run_id : "this run";
}

static int mode_is(const Ctx *x, TransferMode m) {
    return x->in->preset && x->in->preset->transfer.mode == (int)m;
}

/* The learning rate ten times lower (or higher), as text. */
static void lr_fork(const Ctx *x, DiagFinding *f, double factor, const char *suffix) {
    if (!x->in->preset) return;
    snprintf(f->fork.suffix, sizeof f->fork.suffix, "%s", suffix);
    fork_set(&f->fork, "solver.base_lr=%g", x->in->preset->solver.base_lr * factor);
}

/* Stage 2 from this run: every layer, from its weights. */
static void stage2_fork(const Ctx *x, DiagFinding *f) {
    snprintf(f->fork.suffix, sizeof f->fork.suffix, "ft_all");
    fork_set(&f->fork, "transfer.mode=all");
    fork_set(&f->fork, "transfer.init_from=%s", run_name(x));
}

static void percent(double v, char *buf, size_t cap) {
    snprintf(buf, cap, v < 0 || isnan(v) ? "-" : "%.1f%%", 100 * v);
}

/* --- the rules --------------------------------------------------------------------- */

/* Whether the held-out loss fell from the first pass to the last by more
 * than its pass-to-pass noise. A train loss that rises while it does is not
 * a run coming apart: a stage 2 starts from a head that had fitted its
 * training images (train loss near 0) and gives up that fit as every layer
 * moves, while the held-out loss falls. */
static int heldout_loss_fell(const Ctx *x) {
    const Curve *t = &x->test;
    return t->n >= 2 && t->loss[t->n - 1] < (1 - DIAGNOSIS_TEST_LOSS_RISE) * t->loss[0];
}

/* Loss NaN or Inf, the diverged state, or a train loss that ends above
 * where it began or far above its lowest and is not falling
 * (unless the held-out loss fell). */
static int rule_diverging(const Ctx *x, DiagFinding *f) {
    const DiagInput *in = x->in;
    for (int i = 0; i < in->n_rows; i++)
        if (!isfinite(in->rows[i].loss)) {
            f->iter = in->rows[i].iter;
            snprintf(f->text, sizeof f->text, "the %s loss became %s at iteration %d",
                     in->rows[i].heldout ? (in->rows[i].val ? "val" : "test") : "train",
                     isnan(in->rows[i].loss) ? "NaN" : "Inf", f->iter);
            return 1;
        }
    if (in->status && in->status->state == RUN_DIVERGED) {
        f->iter = in->status->iter;
        snprintf(f->text, sizeof f->text, "the run stopped as diverged at iteration %d", f->iter);
        return 1;
    }
    const Curve *c = &x->train;
    if (c->n < DIAGNOSIS_MIN_TRAIN_ROWS || heldout_loss_fell(x)) return 0;
    int t0 = curve_from(c, x->last * (1 - DIAGNOSIS_TAIL_FRACTION));
    if (t0 > c->n - 2) t0 = c->n - 2;
    double tail = curve_mean(c->loss, t0, c->n - 1), first = c->loss[0];
    if (tail > DIAGNOSIS_DIVERGE_ABOVE_START * first) {
        int k = 0;
        while (k < c->n && !(c->loss[k] > DIAGNOSIS_DIVERGE_ABOVE_START * first)) k++;
        f->iter = (int)c->iter[k < c->n ? k : 0];
        snprintf(f->text, sizeof f->text,
                 "the train loss ends at %.3g, above where it began (%.3g at iteration %.0f); "
                 "it first rose past %.3g at iteration %d",
                 tail, first, c->iter[0], DIAGNOSIS_DIVERGE_ABOVE_START * first, f->iter);
        return 1;
    }
    /* The lowest 3-row mean before the tail, against a tail that is not falling. */
    double lo = INFINITY;
    int at = -1;
    for (int i = 0; i + 2 < t0; i++) {
        double m = (c->loss[i] + c->loss[i + 1] + c->loss[i + 2]) / 3;
        if (m < lo) lo = m, at = i + 1;
    }
    int mid = (t0 + c->n - 1) / 2;
    if (at >= 0 && tail > DIAGNOSIS_DIVERGE_ABOVE_MIN * lo &&
        curve_mean(c->loss, mid + 1, c->n - 1) >= curve_mean(c->loss, t0, mid)) {
        f->iter = (int)c->iter[at];
        snprintf(f->text, sizeof f->text,
                 "the train loss has risen since iteration %d: %.3g then, %.3g over the last "
                 "quarter (%.1fx)",
                 f->iter, lo, tail, tail / lo);
        return 1;
    }
    return 0;
}

static void advise_diverging(const Ctx *x, DiagFinding *f) {
    const Preset *p = x->in->preset;
    if (p)
        snprintf(f->advice, sizeof f->advice,
                 "lower the learning rate: solver.base_lr %g -> %g (Adam and RMSProp fine-tune "
                 "near 0.0001); solver.clip_gradients also guards against a blow-up",
                 p->solver.base_lr, p->solver.base_lr / 10);
    else
        snprintf(f->advice, sizeof f->advice,
                 "lower the learning rate ten times (solver.base_lr); solver.clip_gradients "
                 "also guards against a blow-up");
    lr_fork(x, f, 0.1, "lower_lr");
}

/* Train accuracy or loss well past test, or test loss rising while train
 * loss falls. */
static int rule_overfitting(const Ctx *x, DiagFinding *f) {
    const Curve *t = &x->test;
    int L = t->n - 1, M = t->n / 2;
    double tr = train_at(x, t->iter[L], 1), gap = tr - t->acc[L];
    double gap_mid = train_at(x, t->iter[M], 1) - t->acc[M];
    double trl = train_at(x, t->iter[L], 0);
    StrBuf b = {0};
    int fired = 0;
    if (gap > DIAGNOSIS_OVERFIT_GAP) {
        double d = gap - gap_mid;
        strbuf_printf(&b,
                      "train accuracy %.1f%% vs %s %.1f%% at iteration %.0f: a gap of %.1f "
                      "points, %s (%.1f at iteration %.0f)",
                      100 * tr, x->held, 100 * t->acc[L], t->iter[L], 100 * gap,
                      d > 0.02    ? "widening"
                      : d < -0.02 ? "narrowing"
                                  : "steady",
                      100 * gap_mid, t->iter[M]);
        fired = 1;
    }
    int m = 0;
    for (int i = 1; i < L; i++)
        if (t->loss[i] < t->loss[m]) m = i;
    double trl_m = train_at(x, t->iter[m], 0);
    if (m < L && t->loss[L] > t->loss[m] * (1 + DIAGNOSIS_TEST_LOSS_RISE) && trl < trl_m) {
        strbuf_printf(&b,
                      "%s%s loss rose from %.3g (iteration %.0f) to %.3g while train loss fell "
                      "from %.3g to %.3g",
                      fired ? "; " : "", x->held, t->loss[m], t->iter[m], t->loss[L], trl_m, trl);
        if (!fired) f->iter = (int)t->iter[m];
        fired = 1;
    } else if (t->loss[L] > DIAGNOSIS_OVERFIT_LOSS_RATIO * trl && t->loss[L] - trl > 0.1) {
        strbuf_printf(&b, "%strain loss %.3g vs %s loss %.3g", fired ? "; " : "", trl, x->held,
                      t->loss[L]);
        fired = 1;
    }
    if (fired && f->iter < 0) f->iter = (int)t->iter[L];
    char *text = strbuf_take(&b);
    snprintf(f->text, sizeof f->text, "%s", text ? text : "");
    free(text);
    return fired;
}

static void advise_overfitting(const Ctx *x, DiagFinding *f) {
    const Preset *p = x->in->preset;
    char wd[64] = "";
    if (p && p->solver.weight_decay == 0)
        snprintf(wd, sizeof wd, " 0 -> 0.0005");
    else if (p)
        snprintf(wd, sizeof wd, ", %g now", p->solver.weight_decay);
    int n = snprintf(f->advice, sizeof f->advice,
                     "more augmentation (data.train_crop=resized, data.rotate, "
                     "data.brightness/contrast/saturation) or more data, or weight decay "
                     "(solver.weight_decay%s)",
                     wd);
    if (mode_is(x, TRANSFER_LAST_LAYER) && n > 0 && (size_t)n < sizeof f->advice)
        snprintf(f->advice + n, sizeof f->advice - (size_t)n,
                 "; then fine-tune every layer from this run (transfer.mode=all, "
                 "transfer.init_from=%s): the tutorial's stage 2 took 74.5%% to 86.8%%",
                 run_name(x));
    if (!p) return;
    if (p->solver.weight_decay == 0) {
        snprintf(f->fork.suffix, sizeof f->fork.suffix, "wd");
        fork_set(&f->fork, "solver.weight_decay=0.0005");
    } else if (p->data.train_crop != TRAIN_CROP_RESIZED) {
        snprintf(f->fork.suffix, sizeof f->fork.suffix, "augment");
        fork_set(&f->fork, "data.train_crop=resized");
    } else {
        snprintf(f->fork.suffix, sizeof f->fork.suffix, "augment");
        fork_set(&f->fork, "data.rotate=15");
        fork_set(&f->fork, "data.brightness=0.2");
        fork_set(&f->fork, "data.contrast=0.2");
        fork_set(&f->fork, "data.saturation=0.2");
    }
}

/* The features the classifier reads (net_param_shapes' count from the
 * preset, as the run builds it) and the training vectors it is fitted to:
 * the cached views of each training image, or the images without the
 * cache. Returns 1 when the vectors are no more than the features: then a
 * linear head can separate every one of them (in general position). */
static int head_can_fit(const Ctx *x, long *dim, long *vectors, int *views) {
    const Preset *p = x->in->preset;
    if (!p || p->transfer.mode != TRANSFER_LAST_LAYER || x->in->train_images <= 0) return 0;
    TrainConfig tc;
    runner_config(p, NULL, &tc);
    NetParamShape shapes[NET_PARAMS];
    net_param_shapes(&tc.net, shapes);
    *dim = (long)shapes[NET_PARAMS - 2].shape[1];
    *views = tc.feature_cache ? tc.cache_views : 1;
    *vectors = x->in->train_images * *views;
    return *dim >= *vectors;
}

/* Index of the train row from which the loss is judged settled: the
 * learning rate's last decay (a row whose lr is below the row before)
 * when DIAGNOSIS_MIN_TRAIN_ROWS rows follow it (*after_decay 1), else the
 * first of the last quarter (a late decay, or a rate that decays every
 * row). -1 when the rate never decayed. */
static int settled_from(const Ctx *x, int *after_decay) {
    const Curve *c = &x->train;
    int k = -1;
    for (int i = 1; i < c->n; i++)
        if (c->lr[i] < c->lr[i - 1]) k = i;
    if (k < 0) return -1;
    *after_decay = c->n - k >= DIAGNOSIS_MIN_TRAIN_ROWS;
    return *after_decay ? k : curve_from(c, x->last * (1 - DIAGNOSIS_TAIL_FRACTION));
}

/* A finished run whose head could fit every training vector, with its
 * train accuracy near test and its train loss flat above ln 2 once the
 * learning rate had decayed: the schedule, not the model, stopped it. At
 * a constant rate the loss of a head that can fit keeps falling, so a flat
 * one there is the rate's noise, not a rate too low; and while the run
 * trains, a decay still to come may lower the loss. */
static int rule_undertrained(const Ctx *x, DiagFinding *f) {
    long dim, vectors;
    int views, decayed = 0;
    if (!x->finished || !head_can_fit(x, &dim, &vectors, &views)) return 0;
    const Curve *c = &x->train, *t = &x->test;
    int s = settled_from(x, &decayed), mid = (s + c->n) / 2;
    if (s < 0 || mid - s < 2 || c->n - mid < 2) return 0;
    double a = curve_mean(c->loss, s, mid - 1), z = curve_mean(c->loss, mid, c->n - 1);
    int L = t->n - 1;
    double tr = train_at(x, t->iter[L], 1);
    if (!((a - z) / a < DIAGNOSIS_UNDERTRAIN_FLAT) || !(z > DIAGNOSIS_UNDERTRAIN_LOSS) ||
        !(tr - t->acc[L] < DIAGNOSIS_UNDERTRAIN_GAP))
        return 0;
    f->iter = (int)c->iter[s];
    char per[48] = "";
    if (views > 1)
        snprintf(per, sizeof per, " (%ld images x %d views)", x->in->train_images, views);
    snprintf(f->text, sizeof f->text,
             "train accuracy %.1f%% vs %s %.1f%% at iteration %.0f, and the train loss flat %s "
             "%d (%.3g -> %.3g), though a linear head on %ld features can fit all %ld training "
             "vectors%s",
             100 * tr, x->held, 100 * t->acc[L], t->iter[L],
             decayed ? "after the last learning-rate decay at iteration"
                     : "over the last quarter, as the learning rate decayed, from iteration",
             f->iter, a, z, dim, vectors, per);
    return 1;
}

static void advise_undertrained(const Ctx *x, DiagFinding *f) {
    snprintf(f->advice, sizeof f->advice,
             "the learning rate is too low for the head to fit its training images "
             "(solver.base_lr %g): run the learning-rate range test (finelab lr-find on this "
             "preset) and train at its suggestion",
             x->in->preset->solver.base_lr);
    snprintf(f->fork.suffix, sizeof f->fork.suffix, "lr_find");
    f->fork.lr_find = 1;
}

/* Train accuracy and test accuracy both poor, and the curves flat. */
static int rule_underfitting(const Ctx *x, DiagFinding *f) {
    const Curve *c = &x->train, *t = &x->test;
    double tr = train_at(x, x->last, 1);
    double best = -1;
    for (int i = 0; i < t->n; i++)
        if (t->acc[i] > best) best = t->acc[i];
    if (!(tr < DIAGNOSIS_UNDERFIT_ACC) || best >= DIAGNOSIS_UNDERFIT_ACC) return 0;
    int h = curve_from(c, x->last / 2), q = curve_from(c, x->last * 3 / 4);
    if (q - h < 2 || c->n - q < 2) return 0;
    double a = curve_mean(c->loss, h, q - 1), z = curve_mean(c->loss, q, c->n - 1);
    double drop = (a - z) / a;
    if (!(drop < DIAGNOSIS_FLAT_DROP)) return 0;
    double gain = 0;
    if (t->n >= DIAGNOSIS_MIN_TEST_POINTS) {
        int m = curve_at(t, x->last / 2);
        gain = t->acc[t->n - 1] - t->acc[m < 0 ? 0 : m];
        if (gain >= DIAGNOSIS_FLAT_GAIN) return 0;
    }
    char tp[16];
    percent(t->n ? t->acc[t->n - 1] : -1, tp, sizeof tp);
    f->iter = (int)c->iter[h];
    snprintf(f->text, sizeof f->text,
             "train accuracy %.1f%% and %s %s at the end, and the train loss moved only %.1f%% "
             "over the last half (%.3g -> %.3g)",
             100 * tr, x->held, tp, 100 * drop, a, z);
    return 1;
}

static void advise_underfitting(const Ctx *x, DiagFinding *f) {
    const Preset *p = x->in->preset;
    if (mode_is(x, TRANSFER_LAST_LAYER)) {
        snprintf(f->advice, sizeof f->advice,
                 "the frozen backbone's features are not enough: fine-tune every layer from this "
                 "run (transfer.mode=all, transfer.init_from=%s), or a higher data.resolution",
                 run_name(x));
        stage2_fork(x, f);
        return;
    }
    if (p)
        snprintf(f->advice, sizeof f->advice,
                 "the model does not fit even its training images: a higher learning rate "
                 "(solver.base_lr %g -> %g) or a higher resolution (data.resolution %d); a "
                 "plain head (model.pooling=avg) fits worse than bilinear pooling",
                 p->solver.base_lr, p->solver.base_lr * 10, p->data.resolution);
    else
        snprintf(f->advice, sizeof f->advice,
                 "the model does not fit even its training images: a higher learning rate "
                 "(solver.base_lr) or a higher resolution (data.resolution)");
    lr_fork(x, f, 10, "higher_lr");
}

/* The mean distance of v's steps over [from, to] from their mean step: a
 * curve that rises or falls steadily has none, one that zigzags has its
 * swing. */
static double swing(const double *v, int from, int to) {
    double mean = (v[to] - v[from]) / (to - from), s = 0;
    for (int i = from + 1; i <= to; i++) s += fabs(v[i] - v[i - 1] - mean);
    return s / (to - from);
}

/* The swing, as a share of its level, that sampling alone gives a train
 * loss averaged over the preset's average_loss x batch_size x iter_size
 * images when a share `err` of them is misclassified; 0 without a preset.
 * Such a loss is mostly its misclassified images': a Poisson count of them,
 * each with its own loss. A sum of that kind varies by sqrt((1 + cv^2) /
 * count) of itself, cv being the spread of one image's loss over its mean;
 * taken as 1 (an exponential spread, from just past ln 2 to several), that
 * is sqrt(2 / count). The mean absolute step between two independent rows
 * is 2/sqrt(pi) times it. A stage 2 at 96% train accuracy over 160 images
 * has about six errors a row and so swings about 60% with no fault in its
 * learning rate. */
static double sampling_swing(const Ctx *x, double err) {
    const Preset *p = x->in->preset;
    if (!p) return 0;
    double n = (double)p->solver.average_loss * p->solver.batch_size * p->solver.iter_size;
    double count = err * n;
    return 2 / sqrt(M_PI) * sqrt(2 / (count > 2 ? count : 2));
}

/* Large iteration-to-iteration swings in the second half (around the
 * curve's trend), beyond what sampling the rows' images gives. */
static int rule_unstable(const Ctx *x, DiagFinding *f) {
    const Curve *c = &x->train, *t = &x->test;
    double half = x->last / 2;
    int t0 = curve_from(t, half);
    if (t->n - t0 >= 3) {
        double s = swing(t->acc, t0, t->n - 1);
        if (s > DIAGNOSIS_UNSTABLE_ACC_SWING) {
            f->iter = (int)t->iter[t0];
            snprintf(f->text, sizeof f->text,
                     "%s accuracy moves %.1f points from one pass to the next after iteration "
                     "%d (%d passes)",
                     x->held, 100 * s, f->iter, t->n - t0);
            return 1;
        }
    }
    int r0 = curve_from(c, half);
    if (c->n - r0 >= 4) {
        double s = swing(c->loss, r0, c->n - 1), level = curve_mean(c->loss, r0, c->n - 1);
        double noise = sampling_swing(x, 1 - curve_mean(c->acc, r0, c->n - 1));
        if (level > 0 && s / level > DIAGNOSIS_UNSTABLE_LOSS_SWING && s / level > noise) {
            f->iter = (int)c->iter[r0];
            int n = snprintf(f->text, sizeof f->text,
                             "train loss moves %.0f%% of its level (%.3g) from one row to the "
                             "next after iteration %d",
                             100 * s / level, level, f->iter);
            if (noise > 0 && n > 0 && (size_t)n < sizeof f->text)
                snprintf(f->text + n, sizeof f->text - (size_t)n,
                         ", where sampling its images would move it about %.0f%%", 100 * noise);
            return 1;
        }
    }
    return 0;
}

static void advise_unstable(const Ctx *x, DiagFinding *f) {
    const Preset *p = x->in->preset;
    snprintf(f->advice, sizeof f->advice,
             "a lower or decayed learning rate: solver.lr_policy=step (solver.stepsize, "
             "solver.gamma) or a lower solver.base_lr; a larger solver.batch_size or "
             "solver.iter_size averages more images per step");
    if (!p) return;
    if (p->solver.lr_policy == SOLVER_FIXED) {
        snprintf(f->fork.suffix, sizeof f->fork.suffix, "lr_step");
        fork_set(&f->fork, "solver.lr_policy=step");
        fork_set(&f->fork, "solver.stepsize=%d",
                 p->solver.max_iter / 3 > 0 ? p->solver.max_iter / 3 : 1);
        fork_set(&f->fork, "solver.gamma=0.1");
    } else {
        lr_fork(x, f, 0.1, "lower_lr");
    }
}

/* One standard error of a held-out accuracy p, sqrt(p (1 - p) / n), over the
 * held-out pass's images as status.ini records them; 0 when it does not.
 * A rise smaller than that is two or three images of a small validation
 * split, not a trend. */
static double heldout_se(const Ctx *x, double p) {
    const RunStatus *st = x->in->status;
    int n = !st ? 0 : runstatus_has_val(st) ? st->val_images : st->test_images;
    return n > 0 && p >= 0 && p <= 1 ? sqrt(p * (1 - p) / n) : 0;
}

/* Held-out accuracy still rising over the last quarter of a finished run, by
 * more than a point and more than its standard error. */
static int rule_still_improving(const Ctx *x, DiagFinding *f) {
    const Curve *t = &x->test;
    if (!x->finished) return 0;
    int L = t->n - 1, q = curve_at(t, x->last * (1 - DIAGNOSIS_TAIL_FRACTION));
    if (q < 0 || q >= L) q = L - 1;
    double gain = t->acc[L] - t->acc[q], se = heldout_se(x, t->acc[L]);
    if (!(gain > DIAGNOSIS_IMPROVING_GAIN) || !(gain > se)) return 0;
    f->iter = (int)t->iter[q];
    snprintf(f->text, sizeof f->text,
             "%s accuracy rose %.1f points over the end of the run (%.1f%% at iteration %.0f "
             "-> %.1f%% at %.0f)",
             x->held, 100 * gain, 100 * t->acc[q], t->iter[q], 100 * t->acc[L], t->iter[L]);
    return 1;
}

/* "a,b,c" of the step values scaled by k. */
static void steps_scaled(const Preset *p, int k, char *buf, size_t cap) {
    size_t n = 0;
    buf[0] = '\0';
    for (int i = 0; i < p->solver.n_stepvalue && n < cap; i++) {
        int w = snprintf(buf + n, cap - n, "%s%d", i ? "," : "", p->solver.stepvalue[i] * k);
        if (w < 0) break;
        n += (size_t)w;
    }
}

static void advise_still_improving(const Ctx *x, DiagFinding *f) {
    const Preset *p = x->in->preset;
    if (!p) {
        snprintf(f->advice, sizeof f->advice, "train longer: a higher solver.max_iter");
        return;
    }
    snprintf(f->advice, sizeof f->advice,
             "train longer: solver.max_iter %d -> %d (the learning-rate steps scale with it)",
             p->solver.max_iter, 2 * p->solver.max_iter);
    snprintf(f->fork.suffix, sizeof f->fork.suffix, "longer");
    fork_set(&f->fork, "solver.max_iter=%d", 2 * p->solver.max_iter);
    if (p->solver.lr_policy == SOLVER_MULTISTEP && p->solver.n_stepvalue > 0) {
        char steps[150];
        steps_scaled(p, 2, steps, sizeof steps);
        fork_set(&f->fork, "solver.stepvalue=%s", steps);
    } else if (p->solver.lr_policy == SOLVER_STEP && p->solver.stepsize > 0) {
        fork_set(&f->fork, "solver.stepsize=%d", 2 * p->solver.stepsize);
    }
}

/* Where the test accuracy came within a point of its best, when that was
 * in the first half and it stayed there: *iter and the best *acc. Both
 * the plateau and the sibling rule read it. */
static int plateau_find(const Ctx *x, double *iter, double *acc) {
    const Curve *t = &x->test;
    int L = t->n - 1, best = 0;
    for (int i = 1; i < t->n; i++)
        if (t->acc[i] > t->acc[best]) best = i;
    int p = 0;
    while (t->acc[p] < t->acc[best] - DIAGNOSIS_PLATEAU_BAND) p++;
    for (int i = p; i < t->n; i++)
        if (t->acc[i] < t->acc[best] - 2 * DIAGNOSIS_PLATEAU_BAND) return 0; /* not flat */
    if (p >= L || t->iter[p] > DIAGNOSIS_PLATEAU_EARLY * x->last) return 0;
    *iter = t->iter[p];
    *acc = t->acc[best];
    return 1;
}

/* Test accuracy within a point of its best from the first half on. */
static int rule_plateau(const Ctx *x, DiagFinding *f) {
    double iter, acc;
    if (!plateau_find(x, &iter, &acc)) return 0;
    f->iter = (int)iter;
    snprintf(f->text, sizeof f->text,
             "%s accuracy was within %.0f point of its best (%.1f%%) by iteration %d, %.0f%% "
             "of the way, and stayed there",
             x->held, 100 * DIAGNOSIS_PLATEAU_BAND, 100 * acc, f->iter, 100 * iter / x->last);
    return 1;
}

static void advise_plateau(const Ctx *x, DiagFinding *f) {
    const Preset *p = x->in->preset;
    int stop = (int)(f->iter * 1.5);
    if (!p) {
        snprintf(f->advice, sizeof f->advice,
                 "fewer iterations (solver.max_iter) or a lower learning rate from iteration %d "
                 "on (solver.lr_policy=multistep, solver.stepvalue)",
                 f->iter);
        return;
    }
    snprintf(f->advice, sizeof f->advice,
             "fewer iterations (solver.max_iter %d -> %d) or a lower learning rate from "
             "iteration %d on (solver.lr_policy=multistep, solver.stepvalue=%d)",
             p->solver.max_iter, stop, f->iter, f->iter);
    if (p->solver.lr_policy == SOLVER_FIXED && f->iter > 0) {
        snprintf(f->fork.suffix, sizeof f->fork.suffix, "lr_decay");
        fork_set(&f->fork, "solver.lr_policy=multistep");
        fork_set(&f->fork, "solver.stepvalue=%d", f->iter);
        fork_set(&f->fork, "solver.gamma=0.1");
    } else if (stop > 0) {
        snprintf(f->fork.suffix, sizeof f->fork.suffix, "shorter");
        fork_set(&f->fork, "solver.max_iter=%d", stop);
    }
}

/* The sibling with the best test accuracy, or NULL. */
static const DiagRun *best_sibling(const Ctx *x) {
    const DiagInput *in = x->in;
    const DiagRun *s = NULL;
    for (int i = 0; i < in->n_siblings; i++)
        if (in->siblings[i].best >= 0 && (!s || in->siblings[i].best > s->best))
            s = &in->siblings[i];
    return s;
}

/* An early plateau below a sibling's best. */
static int rule_worse_than_sibling(const Ctx *x, DiagFinding *f) {
    const DiagRun *s = best_sibling(x);
    double iter, acc;
    if (!s || !plateau_find(x, &iter, &acc) || !(s->best - acc > DIAGNOSIS_SIBLING_GAP)) return 0;
    f->iter = (int)iter;
    snprintf(
        f->text, sizeof f->text,
        "converged by iteration %d to %.1f%%, %.1f points below the sibling %.120s (%.120s), which "
        "reached %.1f%%",
        f->iter, 100 * acc, 100 * (s->best - acc), s->id, s->label[0] ? s->label : "same preset",
        100 * s->best);
    return 1;
}

/* The sibling's assignments that differ from this run's sweep label. */
static void advise_worse_than_sibling(const Ctx *x, DiagFinding *f) {
    const DiagRun *s = best_sibling(x);
    const char *mine = x->in->status ? x->in->status->sweep : "";
    char buf[256];
    snprintf(buf, sizeof buf, "%s", s->label);
    snprintf(f->fork.suffix, sizeof f->fork.suffix, "like_sibling");
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ') tok++;
        if (strchr(tok, '=') && !strstr(mine, tok)) fork_set(&f->fork, "%s", tok);
    }
    char set[700];
    diagnosis_fork_text(&f->fork, set, sizeof set);
    snprintf(
        f->advice, sizeof f->advice,
        "use the sibling's setting (%.240s); the tutorial's weight decay 0.001 converged early "
        "to a worse model in the same way",
        set[0] ? set : s->label);
}

/* Too few train rows for any rule but divergence, or too few test points
 * for the rules on the test curve. */
static int rule_not_enough(const Ctx *x, DiagFinding *f) {
    if (x->train.n < DIAGNOSIS_MIN_TRAIN_ROWS) {
        snprintf(f->text, sizeof f->text, "%d train row%s so far: the checks wait for %d",
                 x->train.n, x->train.n == 1 ? "" : "s", DIAGNOSIS_MIN_TRAIN_ROWS);
        return 1;
    }
    if (x->test.n < DIAGNOSIS_MIN_TEST_POINTS) {
        snprintf(f->text, sizeof f->text,
                 "%d %s point%s: overfitting, plateau and still-improving wait for %d", x->test.n,
                 x->held, x->test.n == 1 ? "" : "s", DIAGNOSIS_MIN_TEST_POINTS);
        return 1;
    }
    return 0;
}

static void advise_not_enough(const Ctx *x, DiagFinding *f) {
    if (x->train.n < DIAGNOSIS_MIN_TRAIN_ROWS)
        snprintf(f->advice, sizeof f->advice,
                 "let it train (solver.display sets how often a row "
                 "is written)");
    else
        snprintf(f->advice, sizeof f->advice,
                 "test more often (a lower solver.test_interval) to see the test curve");
}

/* --- the rules as data ------------------------------------------------------------- */

/* What a rule waits for before it is tried. */
typedef enum RuleNeeds {
    NEEDS_NOTHING,
    NEEDS_ROWS,  /* DIAGNOSIS_MIN_TRAIN_ROWS train rows */
    NEEDS_TESTS, /* those and DIAGNOSIS_MIN_TEST_POINTS test points */
} RuleNeeds;

typedef struct Rule {
    DiagKind kind;
    RuleNeeds needs;
    int (*fires)(const Ctx *x, DiagFinding *f);   /* fills f's iter and text; 1: found */
    void (*advise)(const Ctx *x, DiagFinding *f); /* fills f's advice and fork */
    unsigned dropped_by;                          /* the kinds that, when found, drop this one */
} Rule;

#define KIND(k) (1u << (k))

/* One row per kind, in DiagKind order, which is also the order of the
 * findings. A row is dropped only by kinds above it, so one pass decides.
 * Divergence drops everything: the other rules would misread a broken
 * curve. A run that overfits is not under-trained (more learning rate
 * would widen its gap). A head that could fit its training set and does
 * not is under-trained, not short of features: that replaces the
 * underfitting (whose advice is stage 2) and the plateau (whose advice is
 * a lower rate). The flat test curve of a model that fits nothing is its
 * underfitting, not a plateau; the test accuracy of a run still improving
 * has not settled into one; and the sibling finding is the plateau seen
 * against a better sibling, so it replaces it. With too few train rows
 * only divergence is tried (the not-enough finding says so). */
static const Rule rules[DIAG_KIND_COUNT] = {
    {DIAG_DIVERGING, NEEDS_NOTHING, rule_diverging, advise_diverging, 0},
    {DIAG_OVERFITTING, NEEDS_TESTS, rule_overfitting, advise_overfitting, KIND(DIAG_DIVERGING)},
    {DIAG_UNDERTRAINED, NEEDS_TESTS, rule_undertrained, advise_undertrained,
     KIND(DIAG_DIVERGING) | KIND(DIAG_OVERFITTING)},
    {DIAG_UNDERFITTING, NEEDS_ROWS, rule_underfitting, advise_underfitting,
     KIND(DIAG_DIVERGING) | KIND(DIAG_UNDERTRAINED)},
    {DIAG_UNSTABLE, NEEDS_ROWS, rule_unstable, advise_unstable, KIND(DIAG_DIVERGING)},
    {DIAG_STILL_IMPROVING, NEEDS_TESTS, rule_still_improving, advise_still_improving,
     KIND(DIAG_DIVERGING)},
    {DIAG_WORSE_THAN_SIBLING, NEEDS_TESTS, rule_worse_than_sibling, advise_worse_than_sibling,
     KIND(DIAG_DIVERGING) | KIND(DIAG_UNDERFITTING) | KIND(DIAG_STILL_IMPROVING)},
    {DIAG_PLATEAU, NEEDS_TESTS, rule_plateau, advise_plateau,
     KIND(DIAG_DIVERGING) | KIND(DIAG_UNDERTRAINED) | KIND(DIAG_UNDERFITTING) |
         KIND(DIAG_STILL_IMPROVING) | KIND(DIAG_WORSE_THAN_SIBLING)},
    {DIAG_NOT_ENOUGH_DATA, NEEDS_NOTHING, rule_not_enough, advise_not_enough, KIND(DIAG_DIVERGING)},
};

/* --- the whole ------------------------------------------------------------------------ */

static void compare_note(const DiagInput *in, Diagnosis *d) {
    char mine[16], other[16];
    percent(in->status ? in->status->best_accuracy : -1, mine, sizeof mine);
    if (in->stage2 && in->n_stage2 <= 1) {
        percent(in->stage2->best, other, sizeof other);
        snprintf(d->compare, sizeof d->compare,
                 "the two-stage run of this preset (%.200s) reached %s; this run %s",
                 in->stage2->id, other, mine);
    } else if (in->stage2) {
        const DiagRun *b = in->stage2_best ? in->stage2_best : in->stage2;
        char best[16];
        percent(in->stage2->best, other, sizeof other);
        percent(b->best, best, sizeof best);
        if (strcmp(b->id, in->stage2->id) == 0)
            snprintf(d->compare, sizeof d->compare,
                     "stage 2 from this run, %d runs: the newest, also the best (%.100s%s%.100s), "
                     "reached %s; this run %s",
                     in->n_stage2, b->id, b->label[0] ? ": " : "", b->label, best, mine);
        else
            snprintf(d->compare, sizeof d->compare,
                     "stage 2 from this run, %d runs: the newest (%.100s%s%.100s) reached %s, the "
                     "best (%.100s%s%.100s) %s; this run %s",
                     in->n_stage2, in->stage2->id, in->stage2->label[0] ? ": " : "",
                     in->stage2->label, other, b->id, b->label[0] ? ": " : "", b->label, best,
                     mine);
    } else if (in->stage1) {
        percent(in->stage1->best, other, sizeof other);
        snprintf(d->compare, sizeof d->compare, "its stage 1 (%.200s) reached %s; this run %s",
                 in->stage1->id, other, mine);
    }
}

/* Whether the curves hold what a rule waits for. */
static int has_needs(const Ctx *x, RuleNeeds needs) {
    if (needs == NEEDS_NOTHING) return 1;
    if (x->train.n < DIAGNOSIS_MIN_TRAIN_ROWS) return 0;
    return needs == NEEDS_ROWS || x->test.n >= DIAGNOSIS_MIN_TEST_POINTS;
}

Status diagnosis_run(const DiagInput *in, Diagnosis *d) {
    memset(d, 0, sizeof *d);
    Ctx x = {.in = in, .held = in->status ? runstatus_heldout_name(in->status) : "test"};
    if (curve_split(in->rows, in->n_rows, &x.train, &x.test)) return ST_NOMEM;
    for (int i = 0; i < in->n_rows; i++)
        if (in->rows[i].iter > x.last) x.last = in->rows[i].iter;
    RunState st = in->status ? in->status->state : RUN_DONE;
    x.finished = st != RUN_RUNNING && st != RUN_QUEUED;
    compare_note(in, d);
    unsigned found = 0;
    for (int i = 0; i < DIAG_KIND_COUNT; i++) {
        const Rule *r = &rules[i];
        if ((r->dropped_by & found) || !has_needs(&x, r->needs)) continue;
        DiagFinding *f = &d->findings[d->n];
        *f = (DiagFinding){.kind = r->kind, .iter = -1};
        if (!r->fires(&x, f)) continue;
        r->advise(&x, f);
        d->n++;
        found |= KIND(r->kind);
    }
    curve_fini(&x.train);
    curve_fini(&x.test);
    return ST_OK;
}

const DiagFinding *diagnosis_find(const Diagnosis *d, DiagKind k) {
    for (int i = 0; i < d->n; i++)
        if (d->findings[i].kind == k) return &d->findings[i];
    return NULL;
}

void diagnosis_summary(const Diagnosis *d, char *buf, size_t cap) {
    size_t n = 0;
    buf[0] = '\0';
    if (d->n == 0) {
        snprintf(buf, cap, "no problem seen");
        return;
    }
    for (int i = 0; i < d->n && n < cap; i++) {
        int w = snprintf(buf + n, cap - n, "%s%s", i ? "; " : "",
                         diagnosis_kind_name(d->findings[i].kind));
        if (w < 0) break;
        n += (size_t)w;
    }
}

const DiagFinding *diagnosis_first_fork(const Diagnosis *d) {
    for (int i = 0; i < d->n; i++)
        if (d->findings[i].fork.n_set > 0 || d->findings[i].fork.lr_find) return &d->findings[i];
    return NULL;
}

void diagnosis_fork_text(const DiagFork *f, char *buf, size_t cap) {
    int w = snprintf(buf, cap, "%s", f->lr_find ? "solver.base_lr=<lr-find's suggestion>" : "");
    size_t n = w > 0 ? (size_t)w : 0;
    for (int i = 0; i < f->n_set && n < cap; i++) {
        w = snprintf(buf + n, cap - n, "%s%s", n ? ", " : "", f->set[i]);
        if (w < 0) break;
        n += (size_t)w;
    }
}
