/*
 * pair_pool — the batch driver of the two-input poolings. See pair_pool.h.
 */
#include "engine/nn/pair_pool.h"

#include <string.h>

#include "engine/base/fft.h"

Status pair_pool_init(PairPool *p, const PairPoolKind *kind, int c1, int c2, int hw, int d,
                      size_t scratch, Error *err) {
    memset(p, 0, sizeof *p);
    *p = (PairPool){.kind = kind, .c1 = c1, .c2 = c2, .hw = hw, .d = d, .scratch = scratch};
    if (scratch && !(p->scratch_of[0] = fft_alloc(scratch)))
        return error_set(err, ST_NOMEM, "%s: out of memory (%zu floats of scratch)", kind->name,
                         scratch);
    return ST_OK;
}

/* Threads that can run n samples of p now: parallel_threads() (any of
 * them may take a task), or 1 where a worker's scratch cannot be made. */
static int pair_pool_workers(PairPool *p, int n) {
    int t = parallel_threads();
    if (n < 2 || !p->scratch) return n < 2 ? 1 : t;
    for (int w = 1; w < t; w++)
        if (!p->scratch_of[w] && !(p->scratch_of[w] = fft_alloc(p->scratch))) return 1;
    return t;
}

typedef struct PairPoolRun {
    PairPool *p;
    const Tensor *a, *b, *dy;
    Tensor *y, *da, *db;
} PairPoolRun;

static void pair_pool_forward_task(void *ctx, int i, int worker) {
    const PairPoolRun *r = ctx;
    const Tensor *b = r->b ? r->b : r->a;
    r->p->kind->forward(r->p, tensor_sample(r->a, i), tensor_sample(b, i), tensor_sample(r->y, i),
                        r->p->scratch_of[worker]);
}

static void pair_pool_backward_task(void *ctx, int i, int worker) {
    const PairPoolRun *r = ctx;
    float *dai = r->da ? tensor_sample(r->da, i) : NULL;
    /* With a used twice, b's contribution lands in da on top of a's. */
    float *dbi = r->b ? (r->db ? tensor_sample(r->db, i) : NULL) : dai;
    r->p->kind->backward(r->p, tensor_sample(r->a, i), tensor_sample(r->b ? r->b : r->a, i),
                         tensor_sample(r->dy, i), dai, dbi, r->p->scratch_of[worker]);
}

/* Every sample of r through fn: side by side when the workers have
 * scratch, else in order on this thread. */
static void pair_pool_each(PairPoolRun *r, int n, ParallelTask fn) {
    if (pair_pool_workers(r->p, n) > 1) {
        parallel_run(n, fn, r);
        return;
    }
    for (int i = 0; i < n; i++) fn(r, i, 0);
}

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
    PairPoolRun r = {.p = p, .a = a, .b = b, .y = y};
    pair_pool_each(&r, a->n, pair_pool_forward_task);
}

void pair_pool_backward(PairPool *p, const Tensor *a, const Tensor *b, const Tensor *dy, Tensor *da,
                        Tensor *db) {
    pair_pool_check_inputs(p, a, b);
    CHECK(dy->n == a->n && dy->c == p->d && dy->h == 1 && dy->w == 1);
    CHECK(b || !db);
    pair_pool_check_grad(da, a);
    if (db) pair_pool_check_grad(db, b);
    if (!da && !db) return;
    PairPoolRun r = {.p = p, .a = a, .b = b, .dy = dy, .da = da, .db = db};
    pair_pool_each(&r, a->n, pair_pool_backward_task);
}

void pair_pool_free_scratch(PairPool *p) {
    for (int w = 0; w < PARALLEL_MAX; w++) {
        fft_free(p->scratch_of[w]);
        p->scratch_of[w] = NULL;
    }
}

void pair_pool_destroy(PairPool *p) {
    if (!p) return;
    pair_pool_free_scratch(p);
    if (p->kind->destroy) p->kind->destroy(p);
}

Status pair_pool_check_sizes(const char *name, int c1, int c2, int hw, int d, Error *err) {
    if (c1 < 1 || c2 < 1 || hw < 1 || d < 1)
        return error_set(err, ST_ARG,
                         "%s: channels, locations and dim must be >= 1 (got %d, %d, %d, %d)", name,
                         c1, c2, hw, d);
    return ST_OK;
}
