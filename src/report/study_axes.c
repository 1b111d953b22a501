/*
 * study_axes — a trial's place on each swept key. See study_axes.h.
 */
#include "src/report/study_axes.h"

#include <math.h>
#include <stdio.h>

#include "src/preset/schema.h"

void study_axis_name(const SweepKey *k, char *buf, size_t cap) {
    const SchemaKey *sk = schema_at(k->key);
    snprintf(buf, cap, "%s.%s", sk ? sk->section : "?", sk ? sk->key : "?");
}

static double clamp01(double t) {
    return t < 0 ? 0 : t > 1 ? 1 : t;
}

/* A range's value x as a fraction of [lo, hi] (by log for loguniform). */
static double range_fraction(const SweepKey *k, double x) {
    if (k->dist == SWEEP_LOGUNIFORM && k->lo > 0 && x > 0)
        return clamp01(log(x / k->lo) / log(k->hi / k->lo));
    return k->hi > k->lo ? clamp01((x - k->lo) / (k->hi - k->lo)) : 0.5;
}

double study_axis_position(const SweepKey *k, double x) {
    if (k->dist != SWEEP_LIST) return range_fraction(k, x);
    return k->n_values > 1 ? clamp01(x / (k->n_values - 1)) : 0.5;
}

double study_axis_unit(const SweepKey *k, double x) {
    if (k->dist != SWEEP_LIST) return range_fraction(k, x);
    return clamp01((x + 0.5) / (k->n_values > 0 ? k->n_values : 1));
}

static void number_text(double v, char *buf, size_t cap) {
    snprintf(buf, cap, "%.3g", v);
}

void study_axis_label(const SweepKey *k, double t, char *buf, size_t cap) {
    t = clamp01(t);
    if (k->dist == SWEEP_LIST) {
        int i = k->n_values > 1 ? (int)lround(t * (k->n_values - 1)) : 0;
        snprintf(buf, cap, "%s", k->n_values ? k->values[i] : "");
    } else if (k->dist == SWEEP_LOGUNIFORM && k->lo > 0) {
        number_text(k->lo * pow(k->hi / k->lo, t), buf, cap);
    } else {
        number_text(k->lo + t * (k->hi - k->lo), buf, cap);
    }
}

void study_axis_value(const SweepKey *k, double x, char *buf, size_t cap) {
    if (k->dist == SWEEP_LIST) {
        int i = (int)lround(x);
        snprintf(buf, cap, "%s", i >= 0 && i < k->n_values ? k->values[i] : "?");
    } else {
        number_text(x, buf, cap);
    }
}
