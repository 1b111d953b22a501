/*
 * pair_pool — the batch driver of the two-input poolings. See pair_pool.h.
 */
#include "engine/nn/pair_pool.h"

static void pair_pool_check_inputs(const PairPool *p, const Tensor *a, const Tensor *b) {
    CHECK(a->c == p->c1 && a->h * a->w == p->hw);
    if (b)
        CHECK(b->n == a->n && b->c == p->c2 && b->h == a->h && b->w == a->w);
    else
        CHECK(p->c1 == p->c2);
}

/* g (when given) has a's sample shape and room for a's batch; sets its n. */
static void pair_pool_check_grad(Tensor *g, const Tensor *a) {
    if (!g) return;
    CHECK(tensor_sample_size(g) == tensor_sample_size(a));
    CHECK(tensor_capacity(g) >= tensor_count(a));
    g->n = a->n;
}

void pair_pool_forward(PairPool *p, const Tensor *a, const Tensor *b, Tensor *y) {
    pair_pool_check_inputs(p, a, b);
    CHECK(y->c == p->d && y->h == 1 && y->w == 1);
    CHECK(tensor_capacity(y) >= (size_t)a->n * (size_t)p->d);
    y->n = a->n;
    for (int i = 0; i < a->n; i++)
        p->kind->forward(p, tensor_sample(a, i), tensor_sample(b ? b : a, i), tensor_sample(y, i));
}

void pair_pool_backward(PairPool *p, const Tensor *a, const Tensor *b, const Tensor *dy, Tensor *da,
                        Tensor *db) {
    pair_pool_check_inputs(p, a, b);
    CHECK(dy->n == a->n && dy->c == p->d && dy->h == 1 && dy->w == 1);
    CHECK(b || !db);
    pair_pool_check_grad(da, a);
    if (db) pair_pool_check_grad(db, b);
    if (!da && !db) return;
    for (int i = 0; i < a->n; i++) {
        float *dai = da ? tensor_sample(da, i) : NULL;
        /* With a used twice, b's contribution lands in da on top of a's. */
        float *dbi = b ? (db ? tensor_sample(db, i) : NULL) : dai;
        p->kind->backward(p, tensor_sample(a, i), tensor_sample(b ? b : a, i), tensor_sample(dy, i),
                          dai, dbi);
    }
}

void pair_pool_destroy(PairPool *p) {
    if (p && p->kind->destroy) p->kind->destroy(p);
}

Status pair_pool_check_sizes(const char *name, int c1, int c2, int hw, int d, Error *err) {
    if (c1 < 1 || c2 < 1 || hw < 1 || d < 1)
        return error_set(err, ST_ARG,
                         "%s: channels, locations and dim must be >= 1 (got %d, %d, %d, %d)", name,
                         c1, c2, hw, d);
    return ST_OK;
}
