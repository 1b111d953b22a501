/*
 * axis — ticks, labels and ranges of a figure's axes. See axis.h.
 *
 * Linear ticks are Heckbert's "nice numbers" (Graphics Gems, 1990): the
 * step is 1, 2 or 5 times a power of ten nearest the range over the wanted
 * count, so labels stay short and round. Log ticks are the decades; with
 * fewer than three of them in view the 2s and 5s between are added, and a
 * range inside one decade falls back to linear steps, so every log axis
 * shows at least two labelled values.
 */
#include "src/plot/axis.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const double pad = 0.04; /* share of the range left free at each end */

void axis_fit(Axis *a, const double *v, int n, int log, int grow) {
    if (!grow) *a = (Axis){.min = INFINITY, .max = -INFINITY, .log = log};
    for (int i = 0; i < n; i++) {
        if (!isfinite(v[i]) || (log && v[i] <= 0)) continue;
        if (v[i] < a->min) a->min = v[i];
        if (v[i] > a->max) a->max = v[i];
    }
}

void axis_fit_done(Axis *a) {
    if (!(a->min <= a->max)) { /* no data */
        a->min = a->log ? 0.1 : 0;
        a->max = 1;
        return;
    }
    if (a->log) {
        double lo = log10(a->min), hi = log10(a->max);
        if (hi - lo < 1e-9) lo -= 0.5, hi += 0.5;
        double d = (hi - lo) * pad;
        a->min = pow(10, lo - d);
        a->max = pow(10, hi + d);
        return;
    }
    double lo = a->min, hi = a->max;
    if (hi - lo < 1e-12 * fmax(1, fabs(hi))) {
        double half = lo != 0 ? fabs(lo) * 0.1 : 0.5;
        lo -= half, hi += half;
    }
    double d = (hi - lo) * pad;
    a->min = a->min >= 0 && lo - d < 0 ? 0 : lo - d;
    a->max = hi + d;
}

void axis_categories(Axis *a, const char *const *labels, int n) {
    a->labels = labels;
    a->n_labels = n;
    a->log = 0;
    a->min = -0.5;
    a->max = (n > 0 ? n : 1) - 0.5;
}

/* 1, 2 or 5 times a power of ten, nearest raw. */
static double nice_step(double raw) {
    double mag = pow(10, floor(log10(raw)));
    double f = raw / mag;
    return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
}

static int linear_ticks(double lo, double hi, int target, double *t, int cap, double *step) {
    double s = nice_step((hi - lo) / (target > 1 ? target : 2));
    int n = 0;
    for (double k = ceil(lo / s - 1e-9); n < cap; k++) {
        double v = k * s;
        if (v > hi + s * 1e-9) break;
        t[n++] = fabs(v) < s * 1e-9 ? 0 : v; /* no "-0" */
    }
    *step = s;
    return n;
}

static int log_ticks(double lo, double hi, int target, double *t, int cap, double *step) {
    int first = (int)ceil(log10(lo) - 1e-9), last = (int)floor(log10(hi) + 1e-9);
    int decades = last - first + 1, every = 1;
    while (decades / every > (target > 2 ? target : 2)) every++;
    int n = 0;
    if (decades >= 3) {
        for (int k = first; k <= last && n < cap; k += every) t[n++] = pow(10, k);
        *step = pow(10, every);
        return n;
    }
    static const double mult[] = {1, 2, 5};
    for (int k = first - 1; k <= last && n < cap; k++)
        for (int m = 0; m < 3 && n < cap; m++) {
            double v = mult[m] * pow(10, k);
            if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) t[n++] = v;
        }
    *step = 2;
    if (n >= 2) return n;
    return linear_ticks(lo, hi, target, t, cap, step);
}

int axis_ticks(const Axis *a, int target, double *t, int cap, double *step) {
    if (cap > AXIS_TICKS_MAX) cap = AXIS_TICKS_MAX;
    *step = 1;
    if (cap <= 0) return 0;
    if (a->n_labels > 0) {
        int every = (a->n_labels + cap - 1) / cap, n = 0;
        for (int i = 0; i < a->n_labels && n < cap; i += every) t[n++] = i;
        *step = every;
        return n;
    }
    if (!(a->max > a->min)) return 0;
    if (a->log && a->min > 0) return log_ticks(a->min, a->max, target, t, cap, step);
    return linear_ticks(a->min, a->max, target, t, cap, step);
}

/* Drops trailing zeros after a decimal point ("0.500" -> "0.5"). */
static void trim_zeros(char *s) {
    if (!strchr(s, '.') || strchr(s, 'e')) return;
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == '0') s[--n] = '\0';
    if (n > 0 && s[n - 1] == '.') s[--n] = '\0';
}

void axis_label(double v, double step, int log, char *buf, size_t cap) {
    double m = fabs(v);
    int d = step > 0 ? (int)-floor(log10(step) + 1e-9) : 0;       /* the decimals the step needs */
    if (m >= 1e5 || (v != 0 && (log ? m < 1e-3 : step < 1e-3))) { /* "2.5e-04", "1e+06" */
        char tmp[32], *e;
        snprintf(tmp, sizeof tmp, "%.1e", v);
        if ((e = strstr(tmp, ".0e")) != NULL) memmove(e, e + 2, strlen(e + 2) + 1);
        snprintf(buf, cap, "%s", tmp);
    } else if (v == 0 && (log || d > 3)) { /* beside e-notation ticks */
        snprintf(buf, cap, "0");
    } else if (log) {
        snprintf(buf, cap, m >= 1 ? "%.2f" : "%.3f", v);
        trim_zeros(buf);
    } else {
        snprintf(buf, cap, "%.*f", d < 0 ? 0 : d, v);
    }
}

double axis_frac(const Axis *a, double v) {
    if (!isfinite(v) || (a->log && v <= 0)) return NAN;
    double f = a->log ? (log10(v) - log10(a->min)) / (log10(a->max) - log10(a->min))
                      : (v - a->min) / (a->max - a->min);
    return a->reverse ? 1 - f : f;
}
