/*
 * fanova — a random forest's functional ANOVA. See fanova.h.
 *
 * The forest is scikit-learn's RandomForestRegressor as Optuna sets it up:
 * each tree is grown on a bootstrap of the trials, every key is considered
 * at every node, a node splits where the squared error falls most, at the
 * midpoint between two consecutive distinct values, until its accuracies
 * are all equal, it holds one draw, or it lies 64 splits deep. A node
 * tries its keys in an order drawn from the forest's seeded stream (so a
 * tie goes to a key at random), the lowest threshold of a key wins its
 * ties, and draws are sorted by value then trial, so the sums (and the
 * trees) are the same on every run.
 *
 * Each tree is decomposed as soon as it is grown, then dropped; only the
 * running sums of the shares and of the out-of-bag predictions stay. The
 * marginals are exact: the thresholds a tree uses on a key cut [0, 1] into
 * cells, a leaf's box covers whole cells of every key, so a marginal over
 * one key (or a pair) is constant on each cell (or pair of cells), the sum
 * over the leaves that cover it of the leaf's value times its box's width
 * along every other key. Leaves are kept as ranges of cell indices, which
 * makes "covers" an integer comparison.
 */
#include "src/report/fanova.h"

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/rng.h"

enum { DEPTH_MAX = 64 };

/* A tree node; key < 0 marks a leaf. x[key] <= threshold goes left. */
typedef struct Node {
    int key, left, right;
    double threshold, value;
} Node;

/* One draw at a node, along the key being tried: its value on the key, its
 * accuracy less the node's mean, and its trial (which breaks ties). */
typedef struct Draw {
    double v, y;
    int trial;
} Draw;

/* One tree's scratch, sized for n trials once and reused by every tree. */
typedef struct Work {
    const FanovaInput *in;
    int *sample; /* the tree's draws (trial indices); a node holds a range of it */
    int *part;   /* a node's range while it is partitioned */
    Draw *draws; /* a node's draws sorted along one key */
    Node *nodes; /* at most 2n - 1: every leaf holds a draw */
    int n_nodes;
    double *thr; /* key k's distinct thresholds, sorted: thr[k * n ..], n_thr[k] of them */
    int n_thr[FANOVA_KEYS_MAX];
    double *leaf_value; /* per leaf; its box is cells [lo, hi) of each key */
    int *leaf_lo, *leaf_hi;
    int n_leaves;
    double *cells; /* a marginal on its grid: (n_thr[a] + 1) x (n_thr[b] + 1) */
    size_t cells_cap;
    Rng rng; /* the forest's stream: each tree's bootstrap, then its nodes' key orders */
} Work;

/* The variances of one tree: total, each key's marginal, each pair's
 * beyond its two keys. */
typedef struct TreeVar {
    double total;
    double main[FANOVA_KEYS_MAX];
    double pair[FANOVA_KEYS_MAX][FANOVA_KEYS_MAX];
} TreeVar;

static Status check_input(const FanovaInput *in, Error *err) {
    if (!in || !in->x || !in->y)
        return error_set(err, ST_ARG, "fanova was given no trials (its input, x or y is NULL)");
    if (in->n < 2) return error_set(err, ST_ARG, "fanova needs 2 trials or more (got %d)", in->n);
    if (in->d < 1 || in->d > FANOVA_KEYS_MAX)
        return error_set(err, ST_ARG, "fanova takes 1 to %d keys (got %d)", FANOVA_KEYS_MAX, in->d);
    if (in->trees < 0 || in->trees > FANOVA_TREES_MAX)
        return error_set(err, ST_ARG, "fanova grows 1 to %d trees, 0 for %d (got %d)",
                         FANOVA_TREES_MAX, FANOVA_TREES_DEFAULT, in->trees);
    for (int t = 0; t < in->n; t++) {
        for (int k = 0; k < in->d; k++) {
            double v = in->x[(size_t)t * (size_t)in->d + (size_t)k];
            if (!(v >= 0 && v <= 1))
                return error_set(err, ST_ARG, "trial %d, key %d: x = %g is not in [0, 1]", t, k, v);
        }
        if (!isfinite(in->y[t]))
            return error_set(err, ST_ARG, "trial %d: y = %g is not finite", t, in->y[t]);
    }
    return ST_OK;
}

static void work_fini(Work *w) {
    free(w->sample);
    free(w->part);
    free(w->draws);
    free(w->nodes);
    free(w->thr);
    free(w->leaf_value);
    free(w->leaf_lo);
    free(w->leaf_hi);
    free(w->cells);
}

static Status work_init(Work *w, const FanovaInput *in, Error *err) {
    memset(w, 0, sizeof *w);
    w->in = in;
    rng_seed(&w->rng, (uint64_t)in->seed);
    size_t n = (size_t)in->n, d = (size_t)in->d;
    w->sample = malloc(n * sizeof *w->sample);
    w->part = malloc(n * sizeof *w->part);
    w->draws = malloc(n * sizeof *w->draws);
    w->nodes = malloc(2 * n * sizeof *w->nodes);
    w->thr = malloc(n * d * sizeof *w->thr);
    w->leaf_value = malloc(n * sizeof *w->leaf_value);
    w->leaf_lo = malloc(n * d * sizeof *w->leaf_lo);
    w->leaf_hi = malloc(n * d * sizeof *w->leaf_hi);
    if (!w->sample || !w->part || !w->draws || !w->nodes || !w->thr || !w->leaf_value ||
        !w->leaf_lo || !w->leaf_hi) {
        work_fini(w);
        return error_set(err, ST_NOMEM, "fanova: out of memory for a tree of %d trials", in->n);
    }
    return ST_OK;
}

static double x_at(const FanovaInput *in, int trial, int key) {
    return in->x[(size_t)trial * (size_t)in->d + (size_t)key];
}

static int draw_cmp(const void *pa, const void *pb) {
    const Draw *a = pa, *b = pb;
    if (a->v != b->v) return a->v < b->v ? -1 : 1;
    return (a->trial > b->trial) - (a->trial < b->trial);
}

static int double_cmp(const void *pa, const void *pb) {
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* The threshold between two consecutive distinct values a < b: their
 * midpoint, or a where the midpoint rounds up to b (b must go right). */
static double split_between(double a, double b) {
    double mid = (a + b) / 2;
    return mid < b ? mid : a;
}

/* The key order of one node, drawn from the tree's stream
 * (Fisher-Yates). */
static void node_key_order(Work *w, int *order) {
    int d = w->in->d;
    for (int k = 0; k < d; k++) order[k] = k;
    for (int k = d - 1; k > 0; k--) {
        int j = (int)rng_below(&w->rng, (uint32_t)k + 1), t = order[k];
        order[k] = order[j];
        order[j] = t;
    }
}

/* The best split of the node's draws sample[lo, hi) with accuracy mean
 * `mean`: the key and threshold that most reduce the squared error.
 * False when every key has one value there. Ties are common (two draws
 * are told apart equally well by every key on which they differ), so the
 * keys are tried in an order drawn for the node, as scikit-learn does, and
 * a split replaces the best only when it beats it by more than rounding:
 * a tie goes to a key at random, not always to the first key. */
static bool node_split(Work *w, int lo, int hi, double mean, int *key, double *threshold) {
    const FanovaInput *in = w->in;
    int m = hi - lo, order[FANOVA_KEYS_MAX];
    node_key_order(w, order);
    double sse = 0;
    for (int i = lo; i < hi; i++) {
        double c = in->y[w->sample[i]] - mean;
        sse += c * c;
    }
    double best = 0, slack = 16 * DBL_EPSILON * sse;
    bool found = false;
    for (int o = 0; o < in->d; o++) {
        int k = order[o];
        Draw *s = w->draws;
        for (int i = 0; i < m; i++) {
            int t = w->sample[lo + i];
            s[i] = (Draw){x_at(in, t, k), in->y[t] - mean, t};
        }
        qsort(s, (size_t)m, sizeof *s, draw_cmp);
        if (s[0].v == s[m - 1].v) continue;
        double total = 0, left = 0;
        for (int i = 0; i < m; i++) total += s[i].y;
        /* With centred accuracies, the squared error a split removes is
         * left^2 / nl + right^2 / nr less a constant of the node. */
        for (int i = 1; i < m; i++) {
            left += s[i - 1].y;
            if (s[i - 1].v == s[i].v) continue;
            double right = total - left;
            double score = left * left / i + right * right / (m - i);
            if (!found || score > best + slack) {
                best = score;
                *key = k;
                *threshold = split_between(s[i - 1].v, s[i].v);
                found = true;
            }
        }
    }
    return found;
}

/* Reorders sample[lo, hi) so the draws going left come first, each side
 * in its old order; returns where the right side starts. */
static int node_partition(Work *w, int lo, int hi, int key, double threshold) {
    int nl = 0, nr = 0, m = hi - lo;
    for (int i = lo; i < hi; i++)
        if (x_at(w->in, w->sample[i], key) <= threshold) w->part[nl++] = w->sample[i];
    for (int i = lo; i < hi; i++)
        if (!(x_at(w->in, w->sample[i], key) <= threshold)) w->part[nl + nr++] = w->sample[i];
    memcpy(w->sample + lo, w->part, (size_t)m * sizeof *w->part);
    return lo + nl;
}

/* Grows the subtree of draws sample[lo, hi) at depth `depth`; returns its
 * root's index in w->nodes. */
static int tree_grow(Work *w, int lo, int hi, int depth) {
    const double *y = w->in->y;
    CHECK(w->n_nodes < 2 * w->in->n);
    int id = w->n_nodes++;
    double sum = 0, ymin = y[w->sample[lo]], ymax = ymin;
    for (int i = lo; i < hi; i++) {
        double v = y[w->sample[i]];
        sum += v;
        ymin = v < ymin ? v : ymin;
        ymax = v > ymax ? v : ymax;
    }
    Node node = {.key = -1, .left = -1, .right = -1, .value = sum / (hi - lo)};
    int key = -1;
    double threshold = 0;
    if (hi - lo >= 2 && ymin != ymax && depth < DEPTH_MAX &&
        node_split(w, lo, hi, node.value, &key, &threshold)) {
        int mid = node_partition(w, lo, hi, key, threshold);
        CHECK(mid > lo && mid < hi);
        node.key = key;
        node.threshold = threshold;
        node.left = tree_grow(w, lo, mid, depth + 1);
        node.right = tree_grow(w, mid, hi, depth + 1);
    }
    w->nodes[id] = node;
    return id;
}

/* Grows a tree on the m draws in w->sample. */
static void tree_fit(Work *w, int m) {
    w->n_nodes = 0;
    tree_grow(w, 0, m, 0);
}

static double tree_predict(const Work *w, int trial) {
    const Node *nd = &w->nodes[0];
    while (nd->key >= 0)
        nd = &w->nodes[x_at(w->in, trial, nd->key) <= nd->threshold ? nd->left : nd->right];
    return nd->value;
}

/* Edge j of key k's cells: 0, the thresholds, 1. */
static double edge(const Work *w, int k, int j) {
    if (j == 0) return 0;
    if (j > w->n_thr[k]) return 1;
    return w->thr[(size_t)k * (size_t)w->in->n + (size_t)(j - 1)];
}

/* The edge index of one of key k's thresholds. */
static int edge_of(const Work *w, int k, double threshold) {
    const double *t = w->thr + (size_t)k * (size_t)w->in->n;
    int lo = 0, hi = w->n_thr[k];
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (t[mid] < threshold)
            lo = mid + 1;
        else
            hi = mid;
    }
    CHECK(lo < w->n_thr[k] && t[lo] == threshold);
    return lo + 1;
}

/* Each key's distinct thresholds in the tree, sorted. */
static void tree_grid(Work *w) {
    size_t n = (size_t)w->in->n;
    memset(w->n_thr, 0, sizeof w->n_thr);
    for (int i = 0; i < w->n_nodes; i++) {
        const Node *nd = &w->nodes[i];
        if (nd->key >= 0) w->thr[(size_t)nd->key * n + (size_t)w->n_thr[nd->key]++] = nd->threshold;
    }
    for (int k = 0; k < w->in->d; k++) {
        double *t = w->thr + (size_t)k * n;
        qsort(t, (size_t)w->n_thr[k], sizeof *t, double_cmp);
        int u = 0;
        for (int i = 0; i < w->n_thr[k]; i++)
            if (u == 0 || t[i] != t[u - 1]) t[u++] = t[i];
        w->n_thr[k] = u;
    }
}

/* Collects the leaves under node id, whose box is cells [lo[k], hi[k]) of
 * each key k. */
static void tree_leaves_under(Work *w, int id, int *lo, int *hi) {
    const Node *nd = &w->nodes[id];
    int d = w->in->d;
    if (nd->key < 0) {
        CHECK(w->n_leaves < w->in->n);
        size_t at = (size_t)w->n_leaves * (size_t)d;
        w->leaf_value[w->n_leaves++] = nd->value;
        memcpy(w->leaf_lo + at, lo, (size_t)d * sizeof *lo);
        memcpy(w->leaf_hi + at, hi, (size_t)d * sizeof *hi);
        return;
    }
    int k = nd->key, j = edge_of(w, k, nd->threshold), keep = hi[k];
    hi[k] = j;
    tree_leaves_under(w, nd->left, lo, hi);
    hi[k] = keep;
    keep = lo[k];
    lo[k] = j;
    tree_leaves_under(w, nd->right, lo, hi);
    lo[k] = keep;
}

static void tree_leaves(Work *w) {
    int lo[FANOVA_KEYS_MAX], hi[FANOVA_KEYS_MAX];
    for (int k = 0; k < w->in->d; k++) {
        lo[k] = 0;
        hi[k] = w->n_thr[k] + 1;
    }
    w->n_leaves = 0;
    tree_leaves_under(w, 0, lo, hi);
}

/* The width of cell i of key k. */
static double cell_width(const Work *w, int k, int i) {
    return edge(w, k, i + 1) - edge(w, k, i);
}

/* Leaf l's width along key k. */
static double leaf_width(const Work *w, int l, int k) {
    size_t at = (size_t)l * (size_t)w->in->d + (size_t)k;
    return edge(w, k, w->leaf_hi[at]) - edge(w, k, w->leaf_lo[at]);
}

/* The variance of the tree's marginal over key a, or over keys a and b
 * (b >= 0), under the uniform measure on the unit box. */
static double tree_marginal_var(const Work *w, int a, int b) {
    int d = w->in->d, na = w->n_thr[a] + 1, nb = b < 0 ? 1 : w->n_thr[b] + 1;
    double *cell = w->cells;
    memset(cell, 0, (size_t)na * (size_t)nb * sizeof *cell);
    for (int l = 0; l < w->n_leaves; l++) {
        double weight = w->leaf_value[l];
        for (int k = 0; k < d; k++)
            if (k != a && k != b) weight *= leaf_width(w, l, k);
        const int *lo = w->leaf_lo + (size_t)l * (size_t)d;
        const int *hi = w->leaf_hi + (size_t)l * (size_t)d;
        int b0 = b < 0 ? 0 : lo[b], b1 = b < 0 ? 1 : hi[b];
        for (int i = lo[a]; i < hi[a]; i++)
            for (int j = b0; j < b1; j++) cell[(size_t)i * (size_t)nb + (size_t)j] += weight;
    }
    double mean = 0, var = 0;
    for (int i = 0; i < na; i++)
        for (int j = 0; j < nb; j++)
            mean += cell_width(w, a, i) * (b < 0 ? 1 : cell_width(w, b, j)) *
                    cell[(size_t)i * (size_t)nb + (size_t)j];
    for (int i = 0; i < na; i++) {
        for (int j = 0; j < nb; j++) {
            double dev = cell[(size_t)i * (size_t)nb + (size_t)j] - mean;
            var += cell_width(w, a, i) * (b < 0 ? 1 : cell_width(w, b, j)) * dev * dev;
        }
    }
    return var;
}

/* Makes w->cells hold the largest grid of a pair of keys (or of one key
 * when d is 1). */
static Status tree_cells_reserve(Work *w, Error *err) {
    int big = 0, next = 0;
    for (int k = 0; k < w->in->d; k++) {
        if (w->n_thr[k] > big) {
            next = big;
            big = w->n_thr[k];
        } else if (w->n_thr[k] > next) {
            next = w->n_thr[k];
        }
    }
    size_t need = (size_t)(big + 1) * (size_t)(next + 1);
    if (need <= w->cells_cap) return ST_OK;
    double *c = realloc(w->cells, need * sizeof *c);
    if (!c) return error_set(err, ST_NOMEM, "fanova: out of memory for a grid of %zu cells", need);
    w->cells = c;
    w->cells_cap = need;
    return ST_OK;
}

/* Decomposes the grown tree into *v. */
static Status tree_variances(Work *w, TreeVar *v, Error *err) {
    tree_grid(w);
    tree_leaves(w);
    Status st = tree_cells_reserve(w, err);
    if (st != ST_OK) return st;
    int d = w->in->d;
    double mean = 0, square = 0;
    memset(v, 0, sizeof *v);
    for (int l = 0; l < w->n_leaves; l++) {
        double vol = 1;
        for (int k = 0; k < d; k++) vol *= leaf_width(w, l, k);
        mean += vol * w->leaf_value[l];
        square += vol * w->leaf_value[l] * w->leaf_value[l];
    }
    for (int l = 0; l < w->n_leaves; l++) {
        double vol = 1, dev = w->leaf_value[l] - mean;
        for (int k = 0; k < d; k++) vol *= leaf_width(w, l, k);
        v->total += vol * dev * dev;
    }
    /* Leaves whose means are equal but for rounding leave a variance of
     * rounding alone: such a tree is flat. */
    if (v->total <= 256 * DBL_EPSILON * DBL_EPSILON * square) {
        v->total = 0;
        return ST_OK;
    }
    for (int a = 0; a < d; a++) v->main[a] = w->n_thr[a] ? tree_marginal_var(w, a, -1) : 0;
    for (int a = 0; a < d; a++) {
        for (int b = a + 1; b < d; b++) {
            /* A key the tree never splits on adds nothing to a pair. */
            if (!w->n_thr[a] || !w->n_thr[b]) continue;
            double beyond = tree_marginal_var(w, a, b) - v->main[a] - v->main[b];
            v->pair[a][b] = v->pair[b][a] = beyond > 0 ? beyond : 0;
        }
    }
    return ST_OK;
}

/* Adds the tree's shares into out's sums (divided by trees_used at the end). */
static void shares_add(FanovaResult *out, const TreeVar *v, int d) {
    if (v->total <= 0) return;
    out->trees_used++;
    for (int a = 0; a < d; a++) {
        out->main[a] += v->main[a] / v->total;
        for (int b = 0; b < d; b++) out->pair[a][b] += v->pair[a][b] / v->total;
    }
}

static void shares_mean(FanovaResult *out) {
    if (!out->trees_used) return;
    for (int a = 0; a < out->d; a++) {
        out->main[a] /= out->trees_used;
        for (int b = 0; b < out->d; b++) out->pair[a][b] /= out->trees_used;
    }
}

/* 1 - SSE/SST over the trials some tree left out of its bootstrap, from
 * their summed predictions; NaN without such trials or with SST 0. */
static double oob_r2(const FanovaInput *in, const double *pred, const int *count) {
    double mean = 0, sse = 0, sst = 0;
    int m = 0;
    for (int t = 0; t < in->n; t++) {
        if (!count[t]) continue;
        mean += in->y[t];
        m++;
    }
    if (!m) return NAN;
    mean /= m;
    for (int t = 0; t < in->n; t++) {
        if (!count[t]) continue;
        double e = in->y[t] - pred[t] / count[t], c = in->y[t] - mean;
        sse += e * e;
        sst += c * c;
    }
    return sst > 0 ? 1 - sse / sst : NAN;
}

Status fanova_run(const FanovaInput *in, FanovaResult *out, Error *err) {
    Status st = check_input(in, err);
    if (st != ST_OK) return st;
    Work w;
    st = work_init(&w, in, err);
    if (st != ST_OK) return st;
    int n = in->n, trees = in->trees ? in->trees : FANOVA_TREES_DEFAULT;
    double *pred = calloc((size_t)n, sizeof *pred);
    int *count = calloc((size_t)n, sizeof *count);
    unsigned char *drawn = malloc((size_t)n);
    TreeVar *v = malloc(sizeof *v);
    FanovaResult *r = calloc(1, sizeof *r);
    if (!pred || !count || !drawn || !v || !r) {
        st = error_set(err, ST_NOMEM, "fanova: out of memory for %d trials", n);
        goto done;
    }
    r->d = in->d;
    for (int tree = 0; tree < trees; tree++) {
        memset(drawn, 0, (size_t)n);
        for (int i = 0; i < n; i++) {
            w.sample[i] = (int)rng_below(&w.rng, (uint32_t)n);
            drawn[w.sample[i]] = 1;
        }
        tree_fit(&w, n);
        for (int t = 0; t < n; t++) {
            if (drawn[t]) continue;
            pred[t] += tree_predict(&w, t);
            count[t]++;
        }
        st = tree_variances(&w, v, err);
        if (st != ST_OK) goto done;
        shares_add(r, v, in->d);
    }
    shares_mean(r);
    r->oob_r2 = oob_r2(in, pred, count);
    *out = *r;
done:
    free(pred);
    free(count);
    free(drawn);
    free(v);
    free(r);
    work_fini(&w);
    return st;
}

Status fanova_tree_shares(const FanovaInput *in, FanovaResult *out, Error *err) {
    Status st = check_input(in, err);
    if (st != ST_OK) return st;
    Work w;
    st = work_init(&w, in, err);
    if (st != ST_OK) return st;
    TreeVar *v = malloc(sizeof *v);
    FanovaResult *r = calloc(1, sizeof *r);
    if (!v || !r) {
        st = error_set(err, ST_NOMEM, "fanova: out of memory for a tree of %d trials", in->n);
        goto done;
    }
    r->d = in->d;
    for (int t = 0; t < in->n; t++) w.sample[t] = t;
    tree_fit(&w, in->n);
    st = tree_variances(&w, v, err);
    if (st != ST_OK) goto done;
    shares_add(r, v, in->d);
    shares_mean(r);
    r->oob_r2 = NAN;
    *out = *r;
done:
    free(v);
    free(r);
    work_fini(&w);
    return st;
}
