/*
 * random_maclaurin — compact bilinear pooling by Random Maclaurin, one
 * sample at a time (pair_pool.c runs it over a batch). See
 * random_maclaurin.h.
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

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/blas.h"
#include "engine/base/rng.h"

enum { RM_CHUNK = 128 }; /* locations per GEMM block */

typedef struct RandomMaclaurin {
    PairPool pool; /* first: the kind and the shapes */
    int c[2];      /* channels of input 0 (a) and 1 (b), as pool.c1, pool.c2 */
    int hw, d, chunk;
    float scale; /* 1/sqrt(d) */
    float *w[2]; /* c[k] x d, +1/-1 */
} RandomMaclaurin;

/* A thread's scratch (pair_pool.h) holds p[0], p[1], d x chunk each: the
 * projections of a block, then their gradients. */
static void rm_scratch(const RandomMaclaurin *rm, float *s, float *p[2]) {
    p[0] = s;
    p[1] = s + (size_t)rm->d * (size_t)rm->chunk;
}

static const PairPoolKind rm_kind;

static void rm_destroy(PairPool *pool) {
    RandomMaclaurin *rm = (RandomMaclaurin *)pool;
    pair_pool_free_scratch(pool);
    for (int k = 0; k < 2; k++) free(rm->w[k]);
    free(rm);
}

PairPool *random_maclaurin_create(int c1, int c2, int hw, int d, uint64_t seed, Error *err) {
    if (pair_pool_check_sizes("random_maclaurin", c1, c2, hw, d, err)) return NULL;
    RandomMaclaurin *rm = calloc(1, sizeof *rm);
    if (!rm) goto nomem;
    *rm = (RandomMaclaurin){.pool = {.kind = &rm_kind}, .c = {c1, c2}, .hw = hw, .d = d};
    rm->chunk = hw < RM_CHUNK ? hw : RM_CHUNK;
    if (pair_pool_init(&rm->pool, &rm_kind, c1, c2, hw, d, 2 * (size_t)d * (size_t)rm->chunk,
                       err)) {
        rm_destroy(&rm->pool);
        return NULL;
    }
    rm->scale = (float)(1.0 / sqrt((double)d));
    Rng r;
    rng_seed(&r, seed);
    for (int k = 0; k < 2; k++) {
        size_t n = (size_t)rm->c[k] * (size_t)d;
        rm->w[k] = malloc(n * sizeof(float));
        if (!rm->w[k]) goto nomem;
        /* 64 signs per draw, branch-free: W has c x d entries (4M at c = 512,
         * d = 8192) and a random branch per entry would dominate setup. */
        for (size_t i = 0; i < n; i += 64) {
            uint64_t bits = rng_u64(&r);
            size_t e = n - i < 64 ? n - i : 64;
            for (size_t j = 0; j < e; j++) rm->w[k][i + j] = 1.0f - 2.0f * (float)((bits >> j) & 1);
        }
    }
    return &rm->pool;
nomem:
    error_set(err, ST_NOMEM, "random_maclaurin: out of memory (c %d/%d, d %d)", c1, c2, d);
    if (rm) rm_destroy(&rm->pool);
    return NULL;
}

const float *random_maclaurin_weights(const PairPool *rm, int input) {
    CHECK(rm->kind == &rm_kind && (input == 0 || input == 1));
    return ((const RandomMaclaurin *)rm)->w[input];
}

/* p[k] (d x m) = W_k^T x[:, l0..l0+m-1] for one sample x (c[k] x hw). */
static void rm_project(const RandomMaclaurin *rm, int k, const float *x, int l0, int m, float *pk) {
    blas_gemm(1, 0, rm->d, m, rm->c[k], 1.0f, rm->w[k], rm->d, x + l0, rm->hw, 0.0f, pk, m);
}

static void rm_forward_sample(const PairPool *pool, const float *a, const float *b, float *y,
                              float *scratch) {
    const RandomMaclaurin *rm = (const RandomMaclaurin *)pool;
    float *pr[2];
    rm_scratch(rm, scratch, pr);
    memset(y, 0, (size_t)rm->d * sizeof(float));
    for (int l0 = 0; l0 < rm->hw; l0 += rm->chunk) {
        int m = rm->hw - l0 < rm->chunk ? rm->hw - l0 : rm->chunk;
        rm_project(rm, 0, a, l0, m, pr[0]);
        rm_project(rm, 1, b, l0, m, pr[1]);
        for (int f = 0; f < rm->d; f++) {
            const float *p = pr[0] + (size_t)f * m, *q = pr[1] + (size_t)f * m;
            float sum = 0.0f;
            for (int j = 0; j < m; j++) sum += p[j] * q[j];
            y[f] += rm->scale * sum;
        }
    }
}

/* Replaces the projections of a block (d x m) by their gradients, with
 * s = 1/sqrt(d): p[0] <- s G o p[1] when need0, p[1] <- s G o p[0] when need1. */
static void rm_grad_projections(const RandomMaclaurin *rm, float *const pr[2], const float *g,
                                int m, int need0, int need1) {
    for (int f = 0; f < rm->d; f++) {
        float *p = pr[0] + (size_t)f * m, *q = pr[1] + (size_t)f * m;
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
static void rm_backward_sample(const PairPool *pool, const float *a, const float *b,
                               const float *dy, float *da, float *db, float *scratch) {
    const RandomMaclaurin *rm = (const RandomMaclaurin *)pool;
    float *pr[2];
    rm_scratch(rm, scratch, pr);
    int need0 = da != NULL, need1 = db != NULL;
    for (int l0 = 0; l0 < rm->hw; l0 += rm->chunk) {
        int m = rm->hw - l0 < rm->chunk ? rm->hw - l0 : rm->chunk;
        /* dP1 needs only P2 and dP2 only P1. */
        if (need1) rm_project(rm, 0, a, l0, m, pr[0]);
        if (need0) rm_project(rm, 1, b, l0, m, pr[1]);
        rm_grad_projections(rm, pr, dy, m, need0, need1);
        if (need0)
            blas_gemm(0, 0, rm->c[0], m, rm->d, 1.0f, rm->w[0], rm->d, pr[0], m, 0.0f, da + l0,
                      rm->hw);
        if (need1)
            blas_gemm(0, 0, rm->c[1], m, rm->d, 1.0f, rm->w[1], rm->d, pr[1], m,
                      db == da ? 1.0f : 0.0f, db + l0, rm->hw);
    }
}

static const PairPoolKind rm_kind = {
    .name = "random_maclaurin",
    .forward = rm_forward_sample,
    .backward = rm_backward_sample,
    .destroy = rm_destroy,
};
