/*
 * curve — a phase of a run's rows as arrays. See curve.h.
 *
 * Both curves are sized for all the rows (the split is not counted first):
 * a run's metrics.tsv holds a few thousand rows at most.
 */
#include "src/report/curve.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int curve_alloc(Curve *c, int n) {
    size_t bytes = sizeof(double) * (size_t)(n + 1);
    *c = (Curve){
        .iter = malloc(bytes), .loss = malloc(bytes), .acc = malloc(bytes), .lr = malloc(bytes)};
    return c->iter && c->loss && c->acc && c->lr ? 0 : -1;
}

Status curve_split(const RunRow *rows, int n, Curve *train, Curve *test) {
    int ok = curve_alloc(train, n) == 0;
    if (curve_alloc(test, n) || !ok) {
        curve_fini(train);
        curve_fini(test);
        return ST_NOMEM;
    }
    for (int i = 0; i < n; i++) {
        Curve *c = rows[i].heldout ? test : train;
        c->iter[c->n] = rows[i].iter;
        c->loss[c->n] = rows[i].loss;
        c->acc[c->n] = rows[i].accuracy;
        c->lr[c->n++] = rows[i].lr;
    }
    return ST_OK;
}

void curve_fini(Curve *c) {
    if (!c) return;
    free(c->iter);
    free(c->loss);
    free(c->acc);
    free(c->lr);
    memset(c, 0, sizeof *c);
}

int curve_at(const Curve *c, double iter) {
    int k = -1;
    for (int i = 0; i < c->n && c->iter[i] <= iter; i++) k = i;
    return k;
}

int curve_from(const Curve *c, double iter) {
    int i = 0;
    while (i < c->n && c->iter[i] < iter) i++;
    return i;
}

double curve_mean(const double *v, int from, int to) {
    double s = 0;
    int m = 0;
    for (int i = from < 0 ? 0 : from; i <= to; i++)
        if (isfinite(v[i])) s += v[i], m++;
    return m ? s / m : NAN;
}
