/*
 * random_maclaurin — compact bilinear pooling by Random Maclaurin, and the
 * "compact_rm" layer (one input used twice). See random_maclaurin.h.
 *
 * A sample is c x hw row-major, so the projections of a block of m
 * locations are one GEMM per input: P_k = W_k^T X[:, block] (d x m). The
 * pooled output is y[f] += (1/sqrt(d)) sum_j P1[f,j] P2[f,j]. Backward with
 * G = dL/dy: dP1 = (1/sqrt(d)) diag(G) P2, dP2 = (1/sqrt(d)) diag(G) P1, and
 * da = W1 dP1, db = W2 dP2, two more GEMMs per block. Blocks of up to
 * RM_CHUNK locations keep the scratch at 2 x d x RM_CHUNK floats whatever
 * H*W is, while the GEMMs stay wide enough to run near peak; backward
 * recomputes P1, P2 rather than keeping them for the whole batch.
 */
#include "engine/nn/random_maclaurin.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/blas.h"
#include "engine/base/rng.h"
#include "engine/nn/layers.h"

enum { RM_CHUNK = 128 }; /* locations per GEMM block */

struct RandomMaclaurin {
    int c[2]; /* channels of input 0 (a) and 1 (b) */
    int hw, d, chunk;
    float scale; /* 1/sqrt(d) */
    float *w[2]; /* c[k] x d, +1/-1 */
    float *p[2]; /* d x chunk: projections, then their gradients */
};

RandomMaclaurin *random_maclaurin_create(int c1, int c2, int hw, int d, uint64_t seed, Error *err) {
    if (c1 < 1 || c2 < 1 || hw < 1 || d < 1) {
        error_set(err, ST_ARG,
                  "random_maclaurin: channels, locations and dim must be >= 1 "
                  "(got %d, %d, %d, %d)",
                  c1, c2, hw, d);
        return NULL;
    }
    RandomMaclaurin *rm = calloc(1, sizeof *rm);
    if (!rm) goto nomem;
    *rm = (RandomMaclaurin){.c = {c1, c2}, .hw = hw, .d = d};
    rm->chunk = hw < RM_CHUNK ? hw : RM_CHUNK;
    rm->scale = (float)(1.0 / sqrt((double)d));
    Rng r;
    rng_seed(&r, seed);
    for (int k = 0; k < 2; k++) {
        size_t n = (size_t)rm->c[k] * (size_t)d;
        rm->w[k] = malloc(n * sizeof(float));
        rm->p[k] = malloc((size_t)d * (size_t)rm->chunk * sizeof(float));
        if (!rm->w[k] || !rm->p[k]) goto nomem;
        /* 64 signs per draw, branch-free: W has c x d entries (4M at c = 512,
         * d = 8192) and a random branch per entry would dominate setup. */
        for (size_t i = 0; i < n; i += 64) {
            uint64_t bits = rng_u64(&r);
            size_t e = n - i < 64 ? n - i : 64;
            for (size_t j = 0; j < e; j++) rm->w[k][i + j] = 1.0f - 2.0f * (float)((bits >> j) & 1);
        }
    }
    return rm;
nomem:
    error_set(err, ST_NOMEM, "random_maclaurin: out of memory (c %d/%d, d %d)", c1, c2, d);
    random_maclaurin_destroy(rm);
    return NULL;
}

void random_maclaurin_destroy(RandomMaclaurin *rm) {
    if (!rm) return;
    for (int k = 0; k < 2; k++) {
        free(rm->w[k]);
        free(rm->p[k]);
    }
    free(rm);
}

int random_maclaurin_dim(const RandomMaclaurin *rm) {
    return rm->d;
}

const float *random_maclaurin_weights(const RandomMaclaurin *rm, int input) {
    CHECK(input == 0 || input == 1);
    return rm->w[input];
}

/* p[k] (d x m) = W_k^T x[:, l0..l0+m-1] for one sample x (c[k] x hw). */
static void rm_project(RandomMaclaurin *rm, int k, const float *x, int l0, int m) {
    blas_gemm(1, 0, rm->d, m, rm->c[k], 1.0f, rm->w[k], rm->d, x + l0, rm->hw, 0.0f, rm->p[k], m);
}

static void rm_check_shapes(const RandomMaclaurin *rm, const Tensor *a, const Tensor *b) {
    CHECK(a->c == rm->c[0] && a->h * a->w == rm->hw);
    if (b)
        CHECK(b->n == a->n && b->c == rm->c[1] && b->h == a->h && b->w == a->w);
    else
        CHECK(rm->c[0] == rm->c[1]);
}

static void rm_forward_sample(RandomMaclaurin *rm, const float *a, const float *b, float *y) {
    memset(y, 0, (size_t)rm->d * sizeof(float));
    for (int l0 = 0; l0 < rm->hw; l0 += rm->chunk) {
        int m = rm->hw - l0 < rm->chunk ? rm->hw - l0 : rm->chunk;
        rm_project(rm, 0, a, l0, m);
        rm_project(rm, 1, b, l0, m);
        for (int f = 0; f < rm->d; f++) {
            const float *p = rm->p[0] + (size_t)f * m, *q = rm->p[1] + (size_t)f * m;
            float sum = 0.0f;
            for (int j = 0; j < m; j++) sum += p[j] * q[j];
            y[f] += rm->scale * sum;
        }
    }
}

void random_maclaurin_forward(RandomMaclaurin *rm, const Tensor *a, const Tensor *b, Tensor *y) {
    rm_check_shapes(rm, a, b);
    CHECK(y->c == rm->d && y->h == 1 && y->w == 1);
    CHECK(tensor_capacity(y) >= (size_t)a->n * (size_t)rm->d);
    y->n = a->n;
    for (int i = 0; i < a->n; i++)
        rm_forward_sample(rm, tensor_sample(a, i), tensor_sample(b ? b : a, i),
                          tensor_sample(y, i));
}

/* Replaces the projections of a block (d x m) by their gradients, with
 * s = 1/sqrt(d): p[0] <- s G o p[1] when need0, p[1] <- s G o p[0] when need1. */
static void rm_grad_projections(RandomMaclaurin *rm, const float *g, int m, int need0, int need1) {
    for (int f = 0; f < rm->d; f++) {
        float *p = rm->p[0] + (size_t)f * m, *q = rm->p[1] + (size_t)f * m;
        float gs = g[f] * rm->scale;
        if (!need0) {
            for (int j = 0; j < m; j++) q[j] = gs * p[j];
        } else if (!need1) {
            for (int j = 0; j < m; j++) p[j] = gs * q[j];
        } else {
            for (int j = 0; j < m; j++) {
                float pj = p[j];
                p[j] = gs * q[j];
                q[j] = gs * pj;
            }
        }
    }
}

/* Gradients of one sample: da, db may be NULL (not wanted); db == da means
 * a is used twice and both contributions are summed into da. */
static void rm_backward_sample(RandomMaclaurin *rm, const float *a, const float *b, const float *dy,
                               float *da, float *db) {
    int need0 = da != NULL, need1 = db != NULL;
    for (int l0 = 0; l0 < rm->hw; l0 += rm->chunk) {
        int m = rm->hw - l0 < rm->chunk ? rm->hw - l0 : rm->chunk;
        /* dP1 needs only P2 and dP2 only P1. */
        if (need1) rm_project(rm, 0, a, l0, m);
        if (need0) rm_project(rm, 1, b, l0, m);
        rm_grad_projections(rm, dy, m, need0, need1);
        if (need0)
            blas_gemm(0, 0, rm->c[0], m, rm->d, 1.0f, rm->w[0], rm->d, rm->p[0], m, 0.0f, da + l0,
                      rm->hw);
        if (need1)
            blas_gemm(0, 0, rm->c[1], m, rm->d, 1.0f, rm->w[1], rm->d, rm->p[1], m,
                      db == da ? 1.0f : 0.0f, db + l0, rm->hw);
    }
}

void random_maclaurin_backward(RandomMaclaurin *rm, const Tensor *a, const Tensor *b,
                               const Tensor *dy, Tensor *da, Tensor *db) {
    rm_check_shapes(rm, a, b);
    CHECK(dy->n == a->n && dy->c == rm->d && dy->h == 1 && dy->w == 1);
    CHECK(b || !db);
    if (da) {
        CHECK(tensor_sample_size(da) == tensor_sample_size(a));
        CHECK(tensor_capacity(da) >= tensor_count(a));
        da->n = a->n;
    }
    if (db) {
        CHECK(tensor_sample_size(db) == tensor_sample_size(b));
        CHECK(tensor_capacity(db) >= tensor_count(b));
        db->n = b->n;
    }
    if (!da && !db) return;
    for (int i = 0; i < a->n; i++) {
        float *dai = da ? tensor_sample(da, i) : NULL;
        float *dbi = b ? (db ? tensor_sample(db, i) : NULL) : dai;
        rm_backward_sample(rm, tensor_sample(a, i), tensor_sample(b ? b : a, i),
                           tensor_sample(dy, i), dai, dbi);
    }
}

/* --- the compact_rm layer: a used twice ------------------------------------ */

static Status compact_rm_setup(Layer *l, const LayerSpec *spec, Error *err) {
    if (spec->dim < 1)
        return error_set(err, ST_ARG, "compact_rm %s: dim must be >= 1 (got %d)", l->name,
                         spec->dim);
    if ((long long)l->in.h * l->in.w > INT_MAX)
        return error_set(err, ST_SHAPE, "compact_rm %s: %dx%d input has too many locations",
                         l->name, l->in.h, l->in.w);
    Error inner = {0};
    RandomMaclaurin *rm =
        random_maclaurin_create(l->in.c, l->in.c, l->in.h * l->in.w, spec->dim, spec->seed, &inner);
    if (!rm) return error_set(err, inner.status, "compact_rm %s: %s", l->name, inner.msg);
    l->priv = rm;
    l->out = (Shape){l->in.n, spec->dim, 1, 1};
    return ST_OK;
}

static void compact_rm_forward(Layer *l, const Tensor *x, Tensor *y, float *ws) {
    (void)ws;
    random_maclaurin_forward(l->priv, x, NULL, y);
}

static void compact_rm_backward(Layer *l, const Tensor *x, const Tensor *y, const Tensor *dy,
                                Tensor *dx, float *ws) {
    (void)y;
    (void)ws;
    if (dx) random_maclaurin_backward(l->priv, x, NULL, dy, dx, NULL);
}

static void compact_rm_teardown(Layer *l) {
    random_maclaurin_destroy(l->priv);
}

const LayerOps compact_rm_ops = {
    .kind = "compact_rm",
    .setup = compact_rm_setup,
    .forward = compact_rm_forward,
    .backward = compact_rm_backward,
    .teardown = compact_rm_teardown,
};
