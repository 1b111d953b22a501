/*
 * tpe — Tree-structured Parzen Estimator. See tpe.h.
 *
 * A range is modelled where it is uniform (log space for a loguniform
 * key, each whole number's bin widened by 0.5 for an integer one); a
 * Parzen estimator there is a mixture of normals truncated to the range,
 * one at each observation with the larger of its gaps to its neighbours as
 * its width (clipped to [range / min(100, components), range]), and the
 * prior: a normal at the middle as wide as the range. Mixture weights: 1
 * per observation (a ramp from 1/m for the oldest once m > 25) and 1 for
 * the prior, normalised. A category's estimator is its smoothed counts.
 */
#include "src/search/tpe.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { TPE_TRIALS_MAX = 1024, TPE_FLAT = 25, TPE_TRIES = 100 };

static const double PRIOR_WEIGHT = 1.0;

/* The bounds of d where it is modelled. */
static void tpe_bounds(const TpeDim *d, double *lo, double *hi) {
    double a = d->lo - (d->integer ? 0.5 : 0.0), b = d->hi + (d->integer ? 0.5 : 0.0);
    if (d->kind == TPE_LOGUNIFORM) {
        a = log(a);
        b = log(b);
    }
    *lo = a;
    *hi = b;
}

static double tpe_to_model(const TpeDim *d, double v) {
    return d->kind == TPE_LOGUNIFORM ? log(v) : v;
}

static double tpe_from_model(const TpeDim *d, double t) {
    double v = d->kind == TPE_LOGUNIFORM ? exp(t) : t;
    if (d->integer) v = fmin(fmax(round(v), d->lo), d->hi);
    return fmin(fmax(v, d->lo), d->hi);
}

/* Optuna's default_weights: 1 each, but for more than 25 observations a
 * ramp from 1/m up to 1 over all but the newest 25. */
static void tpe_weights(int m, double *w) {
    int ramp = m > TPE_FLAT ? m - TPE_FLAT : 0;
    for (int i = 0; i < m; i++)
        w[i] = i >= ramp ? 1.0 : ramp == 1 ? 1.0 / m : 1.0 / m + (1.0 - 1.0 / m) * i / (ramp - 1);
}

static double tpe_phi(double z) {
    return 0.5 * erfc(-z / sqrt(2.0));
}

/* A numeric estimator: m observations and the prior (component m). */
typedef struct Parzen {
    int m;
    double lo, hi;
    double mu[TPE_TRIALS_MAX + 1], sigma[TPE_TRIALS_MAX + 1], w[TPE_TRIALS_MAX + 1];
    double z[TPE_TRIALS_MAX + 1]; /* each component's mass inside [lo, hi] */
} Parzen;

static int tpe_cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void parzen_init(Parzen *p, const TpeDim *d, const double *obs, int m) {
    if (m > TPE_TRIALS_MAX) {
        obs += m - TPE_TRIALS_MAX;
        m = TPE_TRIALS_MAX;
    }
    p->m = m;
    tpe_bounds(d, &p->lo, &p->hi);
    double range = p->hi - p->lo;
    for (int i = 0; i < m; i++) p->mu[i] = tpe_to_model(d, obs[i]);
    p->mu[m] = 0.5 * (p->lo + p->hi);
    /* Each observation's width: the larger gap to its sorted neighbours
     * (the prior's mean among them, the bounds at the ends; the outermost
     * observations take their inner gap: Optuna's consider_endpoints off). */
    static _Thread_local double sorted[TPE_TRIALS_MAX + 3];
    sorted[0] = p->lo;
    memcpy(sorted + 1, p->mu, sizeof(double) * (size_t)(m + 1));
    qsort(sorted + 1, (size_t)(m + 1), sizeof(double), tpe_cmp_double);
    sorted[m + 2] = p->hi;
    double minsigma = range / fmin(100.0, 1.0 + (m + 1)), maxsigma = range;
    for (int i = 0; i < m; i++) {
        /* the position of mu[i] among the sorted (any equal one has its gaps) */
        int lo = 1, hi = m + 1;
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (sorted[mid] < p->mu[i])
                lo = mid + 1;
            else
                hi = mid;
        }
        int k = lo;
        double left = sorted[k] - sorted[k - 1], right = sorted[k + 1] - sorted[k];
        if (m + 1 >= 2 && k == 1) left = right;
        if (m + 1 >= 2 && k == m + 1) right = left;
        p->sigma[i] = fmin(fmax(fmax(left, right), minsigma), maxsigma);
    }
    p->sigma[m] = range;
    tpe_weights(m, p->w);
    p->w[m] = PRIOR_WEIGHT;
    double sum = 0;
    for (int i = 0; i <= m; i++) sum += p->w[i];
    for (int i = 0; i <= m; i++) {
        p->w[i] /= sum;
        p->z[i] =
            tpe_phi((p->hi - p->mu[i]) / p->sigma[i]) - tpe_phi((p->lo - p->mu[i]) / p->sigma[i]);
        if (p->z[i] < 1e-300) p->z[i] = 1e-300;
    }
}

/* log of the estimator at t (model space); integers: the mass of the bin
 * of the whole number v. */
static double parzen_log(const Parzen *p, const TpeDim *d, double v) {
    double a = 0, b = 0, t = tpe_to_model(d, v);
    if (d->integer) {
        a = tpe_to_model(d, v - 0.5);
        b = tpe_to_model(d, v + 0.5);
    }
    double top = -INFINITY, terms[TPE_TRIALS_MAX + 1];
    for (int i = 0; i <= p->m; i++) {
        double s = p->sigma[i], e;
        if (d->integer) {
            double mass = tpe_phi((b - p->mu[i]) / s) - tpe_phi((a - p->mu[i]) / s);
            e = log(fmax(mass, 1e-300));
        } else {
            double u = (t - p->mu[i]) / s;
            e = -0.5 * u * u - log(s) - 0.5 * log(2 * M_PI);
        }
        terms[i] = log(p->w[i]) + e - log(p->z[i]);
        if (terms[i] > top) top = terms[i];
    }
    double sum = 0;
    for (int i = 0; i <= p->m; i++) sum += exp(terms[i] - top);
    return top + log(sum);
}

static double tpe_normal(Rng *r) {
    double u = rng_uniform_double(r), v = rng_uniform_double(r);
    return sqrt(-2.0 * log(1.0 - u)) * cos(2.0 * M_PI * v);
}

/* A component by weight. */
static int tpe_pick(const double *w, int n, Rng *r) {
    double u = rng_uniform_double(r), c = 0;
    for (int i = 0; i < n; i++)
        if (u < (c += w[i])) return i;
    return n - 1;
}

static double parzen_sample(const Parzen *p, const TpeDim *d, Rng *r) {
    int i = tpe_pick(p->w, p->m + 1, r);
    double t = p->mu[i];
    for (int k = 0; k < TPE_TRIES; k++) { /* truncated: draw until inside */
        double s = p->mu[i] + p->sigma[i] * tpe_normal(r);
        if (s >= p->lo && s <= p->hi) {
            t = s;
            break;
        }
    }
    return tpe_from_model(d, t);
}

/* A category's estimator: each observation's row puts 1 on its category
 * and prior_weight / (m + 1) on every one, the prior's row is uniform; the
 * rows mixed with the observation weights. */
static void tpe_categories(const TpeDim *d, const double *obs, int m, double *prob) {
    int n = d->n_choices;
    static _Thread_local double w[TPE_TRIALS_MAX + 1];
    if (m > TPE_TRIALS_MAX) {
        obs += m - TPE_TRIALS_MAX;
        m = TPE_TRIALS_MAX;
    }
    tpe_weights(m, w);
    w[m] = PRIOR_WEIGHT;
    double sum = 0, smooth = PRIOR_WEIGHT / (m + 1);
    for (int i = 0; i <= m; i++) sum += w[i];
    for (int c = 0; c < n; c++) prob[c] = w[m] / sum / n;
    for (int i = 0; i < m; i++) {
        int k = (int)obs[i];
        double row = w[i] / sum / (1.0 + n * smooth);
        for (int c = 0; c < n; c++) prob[c] += row * (smooth + (c == k));
    }
}

double tpe_log_density(const TpeDim *d, const double *obs, int m, double v) {
    if (d->kind == TPE_CATEGORICAL) {
        double prob[64];
        if (d->n_choices > 64) return -INFINITY;
        tpe_categories(d, obs, m, prob);
        int k = (int)v;
        return k >= 0 && k < d->n_choices ? log(prob[k]) : -INFINITY;
    }
    static _Thread_local Parzen p;
    parzen_init(&p, d, obs, m);
    return parzen_log(&p, d, v);
}

void tpe_random(const TpeDim *dims, int n_dims, Rng *r, double *x) {
    for (int j = 0; j < n_dims; j++) {
        const TpeDim *d = &dims[j];
        if (d->kind == TPE_CATEGORICAL) {
            x[j] = rng_below(r, (uint32_t)d->n_choices);
            continue;
        }
        double lo, hi;
        tpe_bounds(d, &lo, &hi);
        x[j] = tpe_from_model(d, lo + rng_uniform_double(r) * (hi - lo));
    }
}

int tpe_finished(const TpeTrial *trials, int n) {
    int k = 0;
    for (int i = 0; i < n; i++) k += trials[i].state != TPE_RUNNING;
    return k;
}

/* Optuna's order: complete by value (best first), then pruned by rung
 * (latest first) and value there, then running. */
static _Thread_local const TpeTrial *tpe_sort_base;

static int tpe_cmp_rank(const void *a, const void *b) {
    const TpeTrial *x = &tpe_sort_base[*(const int *)a], *y = &tpe_sort_base[*(const int *)b];
    if (x->state != y->state) return x->state < y->state ? -1 : 1;
    if (x->state == TPE_PRUNED && x->step != y->step) return x->step > y->step ? -1 : 1;
    if (x->state != TPE_RUNNING && x->value != y->value) return x->value > y->value ? -1 : 1;
    return *(const int *)a - *(const int *)b;
}

static int tpe_cmp_int(const void *a, const void *b) {
    return *(const int *)a - *(const int *)b;
}

int tpe_in_space(const TpeDim *dims, int n_dims, const double *x) {
    for (int j = 0; j < n_dims; j++) {
        const TpeDim *d = &dims[j];
        double v = x[j];
        if (d->kind == TPE_CATEGORICAL ? !(v >= 0 && v < d->n_choices && v == floor(v))
                                       : !(v >= d->lo && v <= d->hi))
            return 0;
    }
    return 1;
}

int tpe_suggest(const TpeDim *dims, int n_dims, const TpeTrial *all, int n_all, Rng *r, double *x) {
    /* the trials whose points are in the space (a journal edited by hand
     * may hold others), the newest TPE_TRIALS_MAX of them, in order */
    static _Thread_local TpeTrial in[TPE_TRIALS_MAX];
    int n = 0;
    for (int i = n_all - 1; i >= 0 && n < TPE_TRIALS_MAX; i--)
        n += tpe_in_space(dims, n_dims, all[i].x);
    for (int i = n_all - 1, k = n; i >= 0 && k > 0; i--)
        if (tpe_in_space(dims, n_dims, all[i].x)) in[--k] = all[i];
    const TpeTrial *trials = in;
    if (tpe_finished(trials, n) < TPE_STARTUP) return 0;
    static _Thread_local int order[TPE_TRIALS_MAX];
    static _Thread_local double good[TPE_TRIALS_MAX], rest[TPE_TRIALS_MAX];
    static _Thread_local Parzen lp, gp;
    for (int i = 0; i < n; i++) order[i] = i;
    tpe_sort_base = trials; /* qsort has no context argument in C11 */
    qsort(order, (size_t)n, sizeof(int), tpe_cmp_rank);
    int n_good = (n + 9) / 10 < 25 ? (n + 9) / 10 : 25;
    /* each group in trial order, for the weights' ramp */
    qsort(order, (size_t)n_good, sizeof(int), tpe_cmp_int);
    qsort(order + n_good, (size_t)(n - n_good), sizeof(int), tpe_cmp_int);
    for (int j = 0; j < n_dims; j++) {
        const TpeDim *d = &dims[j];
        for (int i = 0; i < n_good; i++) good[i] = trials[order[i]].x[j];
        for (int i = n_good; i < n; i++) rest[i - n_good] = trials[order[i]].x[j];
        double best = -INFINITY, pick = 0;
        if (d->kind == TPE_CATEGORICAL) {
            double pl[64], pg[64];
            int nc = d->n_choices < 64 ? d->n_choices : 64;
            tpe_categories(d, good, n_good, pl);
            tpe_categories(d, rest, n - n_good, pg);
            for (int k = 0; k < TPE_CANDIDATES; k++) {
                int c = tpe_pick(pl, nc, r);
                double s = log(pl[c]) - log(pg[c]);
                if (s > best) best = s, pick = c;
            }
        } else {
            parzen_init(&lp, d, good, n_good);
            parzen_init(&gp, d, rest, n - n_good);
            for (int k = 0; k < TPE_CANDIDATES; k++) {
                double v = parzen_sample(&lp, d, r);
                double s = parzen_log(&lp, d, v) - parzen_log(&gp, d, v);
                if (s > best) best = s, pick = v;
            }
        }
        x[j] = pick;
    }
    return 1;
}
