/*
 * importance — which swept key mattered most: for each key of a sweep, the
 * runs are grouped by the key's value, each group's mean best test
 * accuracy taken, and the key's spread is the range of those means (the
 * tutorial's "resolution matters, dim barely does": 448 -> 224 moves the
 * mean by about 10 points, 8192 -> 1024 by little). Runs are given by
 * their sweep labels ("key=value, key=value", as status.ini's sweep), so
 * the Grid screen, `finelab compare` and `finelab show` feed it alike.
 * Pure functions of their inputs; any thread.
 */
#ifndef FINELAB_IMPORTANCE_H
#define FINELAB_IMPORTANCE_H

#include <stddef.h>

enum { IMPORTANCE_KEYS_MAX = 16 };

typedef struct ImportanceKey {
    char key[80];  /* "data.resolution" */
    double spread; /* max - min of the per-value mean best accuracy (fraction) */
    int n_values;  /* distinct values with an accuracy */
    char low[64];  /* the value with the lowest mean, and that mean */
    double low_mean;
    char high[64]; /* the value with the highest mean, and that mean */
    double high_mean;
} ImportanceKey;

/* Ranks the keys of n labels by spread, largest first, into out (at most
 * cap); returns how many. Runs whose best is negative or NaN are left out,
 * and keys with fewer than two values that have an accuracy. Never fails
 * (keys past IMPORTANCE_KEYS_MAX and values past 32 per key are ignored). */
int importance_rank(const char *const *labels, const double *best, int n, ImportanceKey *out,
                    int cap);

/* "data.resolution 9.8 points (224 70.3% .. 448 80.1%), model.bilinear_dim 0.7 points
 * (...)" for the k keys; "" when k is 0. */
void importance_format(const ImportanceKey *keys, int k, char *buf, size_t cap);

#endif
