/*
 * importance — the spread of mean best accuracy along each swept key. See
 * importance.h. Labels are split at commas outside parentheses into
 * key=value items; one table of keys, each with its values' sums and
 * counts, is filled in one pass, and the keys are ranked before the cap.
 */
#include "src/report/importance.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { VALUES_MAX = 32 };

typedef struct KeyAcc {
    char key[80];
    int n_values;
    char value[VALUES_MAX][64];
    double sum[VALUES_MAX];
    int count[VALUES_MAX];
} KeyAcc;

static KeyAcc *key_slot(KeyAcc *t, int *n, const char *key) {
    for (int i = 0; i < *n; i++)
        if (strcmp(t[i].key, key) == 0) return &t[i];
    if (*n >= IMPORTANCE_KEYS_MAX) return NULL;
    KeyAcc *k = &t[(*n)++];
    memset(k, 0, sizeof *k);
    snprintf(k->key, sizeof k->key, "%.*s", (int)sizeof k->key - 1, key);
    return k;
}

static void key_add(KeyAcc *k, const char *value, double best) {
    int v = 0;
    while (v < k->n_values && strcmp(k->value[v], value) != 0) v++;
    if (v == k->n_values) {
        if (v >= VALUES_MAX) return;
        snprintf(k->value[k->n_values++], sizeof k->value[0], "%s", value);
    }
    k->sum[v] += best;
    k->count[v]++;
}

static int by_spread(const void *a, const void *b) {
    double x = ((const ImportanceKey *)a)->spread, y = ((const ImportanceKey *)b)->spread;
    return x < y   ? 1
           : x > y ? -1
                   : strcmp(((const ImportanceKey *)a)->key, ((const ImportanceKey *)b)->key);
}

/* The next "key=value" item of a label from *at, cut at a comma outside
 * parentheses (a list value is written "(100, 200)"); NULL at the end. */
static char *next_item(char **at) {
    char *tok = *at;
    if (!tok || !*tok) return NULL;
    int depth = 0;
    char *p = tok;
    for (; *p && !(*p == ',' && depth == 0); p++) depth += (*p == '(') - (*p == ')');
    *at = *p ? p + 1 : p;
    *p = '\0';
    while (*tok == ' ') tok++;
    return tok;
}

int importance_rank(const char *const *labels, const double *best, int n, ImportanceKey *out,
                    int cap) {
    KeyAcc *t = calloc(IMPORTANCE_KEYS_MAX, sizeof *t);
    ImportanceKey *all = calloc(IMPORTANCE_KEYS_MAX, sizeof *all);
    int nk = 0, m = 0;
    if (!t || !all) goto done;
    for (int r = 0; r < n; r++) {
        if (!labels[r] || !(best[r] >= 0)) continue;
        char buf[1024], *at = buf;
        snprintf(buf, sizeof buf, "%s", labels[r]);
        for (char *tok; (tok = next_item(&at));) {
            char *eq = strchr(tok, '=');
            if (!eq) continue;
            *eq = '\0';
            KeyAcc *k = key_slot(t, &nk, tok);
            if (k) key_add(k, eq + 1, best[r]);
        }
    }
    for (int i = 0; i < nk; i++) {
        const KeyAcc *k = &t[i];
        if (k->n_values < 2) continue;
        ImportanceKey *o = &all[m++];
        snprintf(o->key, sizeof o->key, "%s", k->key);
        o->n_values = k->n_values;
        int lo = 0, hi = 0;
        for (int v = 1; v < k->n_values; v++) {
            if (k->sum[v] / k->count[v] < k->sum[lo] / k->count[lo]) lo = v;
            if (k->sum[v] / k->count[v] > k->sum[hi] / k->count[hi]) hi = v;
        }
        o->low_mean = k->sum[lo] / k->count[lo];
        o->high_mean = k->sum[hi] / k->count[hi];
        o->spread = o->high_mean - o->low_mean;
        snprintf(o->low, sizeof o->low, "%s", k->value[lo]);
        snprintf(o->high, sizeof o->high, "%s", k->value[hi]);
    }
    /* Ranked before the cap, so that the cap keeps the largest spreads. */
    qsort(all, (size_t)m, sizeof *all, by_spread);
    if (m > cap) m = cap < 0 ? 0 : cap;
    memcpy(out, all, sizeof *out * (size_t)m);
done:
    free(t);
    free(all);
    return m;
}

void importance_format(const ImportanceKey *keys, int k, char *buf, size_t cap) {
    size_t n = 0;
    buf[0] = '\0';
    for (int i = 0; i < k && n < cap; i++) {
        const ImportanceKey *o = &keys[i];
        int w = snprintf(buf + n, cap - n, "%s%s %.1f points (%s %.1f%% .. %s %.1f%%)",
                         i ? ", " : "", o->key, 100 * o->spread, o->low, 100 * o->low_mean, o->high,
                         100 * o->high_mean);
        if (w < 0) break;
        n += (size_t)w;
    }
}
