/*
 * curve — one phase of a run's metrics.tsv rows, train or test, as arrays
 * (iteration, loss, accuracy, learning rate) in file order, and the reads
 * the diagnosis makes of one: the point at or before an iteration, the
 * first at or after one, the mean over a span of points.
 *
 * A Curve is caller storage whose arrays curve_split allocates; free them
 * with curve_fini. Pure functions otherwise; any thread.
 */
#ifndef FINELAB_CURVE_H
#define FINELAB_CURVE_H

#include "engine/base/error.h"
#include "src/run/runstore.h"

typedef struct Curve {
    int n;                          /* points */
    double *iter, *loss, *acc, *lr; /* n each */
} Curve;

/* Splits n rows into the train curve (test 0) and the test curve (test 1),
 * keeping their order. ST_NOMEM: both are then empty (curve_fini is safe). */
Status curve_split(const RunRow *rows, int n, Curve *train, Curve *test);
/* Frees c's arrays; c may be empty. */
void curve_fini(Curve *c);

/* Index of the last point at or before iter, or -1. */
int curve_at(const Curve *c, double iter);
/* Index of the first point at or after iter (c->n when none). */
int curve_from(const Curve *c, double iter);
/* Mean of the finite values of v over points [from, to] (from clamped at
 * 0); NAN when there are none. */
double curve_mean(const double *v, int from, int to);

#endif
