/*
 * tensor_sketch — compact bilinear pooling by Tensor Sketch, one sample at
 * a time (pair_pool.c runs it over a batch). See tensor_sketch.h.
 *
 * Locations are processed in chunks of up to TS_CHUNK: the count sketches
 * of a chunk are scattered into padded rows (O(c) per location after an O(d)
 * clear), transformed with one batched real FFT per input, and their
 * spectra multiplied and summed into one accumulator row; a single inverse
 * FFT scaled by 1/d then gives y. Chunking keeps the scratch small (it does
 * not grow with H*W) and the rows in cache between the scatter, the FFT and
 * the product.
 *
 * Backward with G = dL/dy: dL/dpsi1(a_l) = G circularly correlated with
 * psi2(b_l), i.e. IFFT(FFT(G) conj(FFT(psi2(b_l)))) / d, and symmetrically for
 * psi2. FFT(G)/d is computed once per image; the sketches' spectra are
 * recomputed chunk by chunk instead of being kept from forward, which
 * would take H*W*d floats per image. The sketch gradients are gathered back
 * through the hashes: da[i] = s1[i] dpsi1[h1[i]].
 */
#include "engine/nn/tensor_sketch.h"

#include <stdlib.h>
#include <string.h>

#include "engine/base/fft.h"
#include "engine/base/rng.h"

/* Locations per batched FFT. Small is fastest: at d = 8192 a chunk of 4
 * keeps the rows in L2 (1, 4, 8, 16, 64 measured 49, 48, 52, 54, 76 ms per
 * image forward + backward at c = 512, 28 x 28). */
enum { TS_CHUNK = 4 };

typedef struct TensorSketch {
    PairPool pool; /* first: the kind and the shapes */
    int c[2];      /* channels of input 0 (a) and 1 (b), as pool.c1, pool.c2 */
    int hw, d, chunk;
    int *hash[2];
    float *sign[2];
    FftPlan *plan;
    size_t rs, cs; /* floats between real rows, complex rows */
} TensorSketch;

/* One thread's scratch, carved from its block (pair_pool.h), every part
 * 64-byte aligned as the FFT wants (rs and cs are multiples of 16). */
typedef struct TsScratch {
    float *sk[2]; /* chunk x rs: sketches, then their gradients */
    float *sp[2]; /* chunk x cs: spectra, then gradient spectra */
    float *acc;   /* cs: sum of spectrum products (forward), FFT(G)/d (backward) */
    float *row;   /* rs: one real row */
} TsScratch;

static size_t ts_scratch_floats(const TensorSketch *ts) {
    return 2 * (size_t)ts->chunk * (ts->rs + ts->cs) + ts->cs + ts->rs;
}

static TsScratch ts_scratch(const TensorSketch *ts, float *s) {
    TsScratch w;
    for (int k = 0; k < 2; k++) {
        w.sk[k] = s;
        s += (size_t)ts->chunk * ts->rs;
        w.sp[k] = s;
        s += (size_t)ts->chunk * ts->cs;
    }
    w.acc = s;
    w.row = s + ts->cs;
    return w;
}

static const PairPoolKind ts_kind;

static const TensorSketch *ts_of(const PairPool *pool) {
    CHECK(pool->kind == &ts_kind);
    return (const TensorSketch *)pool;
}

static Status ts_alloc(TensorSketch *ts, Error *err) {
    for (int k = 0; k < 2; k++) {
        ts->hash[k] = malloc((size_t)ts->c[k] * sizeof(int));
        ts->sign[k] = malloc((size_t)ts->c[k] * sizeof(float));
        if (!ts->hash[k] || !ts->sign[k])
            return error_set(err, ST_NOMEM, "tensor_sketch: out of memory (c %d/%d, d %d)",
                             ts->c[0], ts->c[1], ts->d);
    }
    return ST_OK;
}

static void ts_destroy(PairPool *pool) {
    TensorSketch *ts = (TensorSketch *)pool;
    pair_pool_free_scratch(pool);
    for (int k = 0; k < 2; k++) {
        free(ts->hash[k]);
        free(ts->sign[k]);
    }
    fft_plan_destroy(ts->plan);
    free(ts);
}

PairPool *tensor_sketch_create(int c1, int c2, int hw, int d, uint64_t seed, Error *err) {
    if (pair_pool_check_sizes("tensor_sketch", c1, c2, hw, d, err)) return NULL;
    TensorSketch *ts = calloc(1, sizeof *ts);
    if (!ts) {
        error_set(err, ST_NOMEM, "tensor_sketch: out of memory");
        return NULL;
    }
    *ts = (TensorSketch){.pool = {.kind = &ts_kind},
                         .c = {c1, c2},
                         .hw = hw,
                         .d = d,
                         .chunk = hw < TS_CHUNK ? hw : TS_CHUNK};
    Error ferr = {0};
    ts->plan = fft_plan_create(d, ts->chunk, &ferr);
    if (!ts->plan) {
        error_set(err, ferr.status, "tensor_sketch: %s", ferr.msg);
        goto fail;
    }
    ts->rs = fft_real_stride(ts->plan);
    ts->cs = fft_complex_stride(ts->plan);
    if (pair_pool_init(&ts->pool, &ts_kind, c1, c2, hw, d, ts_scratch_floats(ts), err) ||
        ts_alloc(ts, err))
        goto fail;
    Rng r;
    rng_seed(&r, seed);
    for (int k = 0; k < 2; k++) {
        for (int i = 0; i < ts->c[k]; i++) ts->hash[k][i] = (int)rng_below(&r, (uint32_t)d);
        for (int i = 0; i < ts->c[k]; i++) ts->sign[k][i] = rng_sign(&r);
    }
    return &ts->pool;
fail:
    ts_destroy(&ts->pool);
    return NULL;
}

const int *tensor_sketch_hash(const PairPool *pool, int input) {
    CHECK(input == 0 || input == 1);
    return ts_of(pool)->hash[input];
}

const float *tensor_sketch_sign(const PairPool *pool, int input) {
    CHECK(input == 0 || input == 1);
    return ts_of(pool)->sign[input];
}

/* Rows 0..m-1 of sk = count sketches (hash/sign k) of locations l0..l0+m-1
 * of one sample x (c x hw). */
static void ts_sketch(const TensorSketch *ts, const TsScratch *w, int k, const float *x, int l0,
                      int m) {
    float *sk = w->sk[k];
    size_t rs = ts->rs;
    for (int j = 0; j < m; j++) memset(sk + (size_t)j * rs, 0, (size_t)ts->d * sizeof(float));
    const int *h = ts->hash[k];
    const float *s = ts->sign[k];
    for (int ch = 0; ch < ts->c[k]; ch++) {
        const float *src = x + (size_t)ch * ts->hw + l0;
        float *dst = sk + h[ch];
        float sg = s[ch];
        for (int j = 0; j < m; j++) dst[(size_t)j * rs] += sg * src[j];
    }
}

/* dx (c x hw) at locations l0..l0+m-1 = (or += when add) the sketch
 * gradients in rows of sk[k] gathered through hash/sign k. */
static void ts_gather(const TensorSketch *ts, const TsScratch *w, int k, int l0, int m, float *dx,
                      int add) {
    const float *sk = w->sk[k];
    size_t rs = ts->rs;
    const int *h = ts->hash[k];
    const float *s = ts->sign[k];
    for (int ch = 0; ch < ts->c[k]; ch++) {
        float *dst = dx + (size_t)ch * ts->hw + l0;
        const float *src = sk + h[ch];
        float sg = s[ch];
        if (add)
            for (int j = 0; j < m; j++) dst[j] += sg * src[(size_t)j * rs];
        else
            for (int j = 0; j < m; j++) dst[j] = sg * src[(size_t)j * rs];
    }
}

/* Rows 0..m-1 of sp[k] = spectra of the count sketches (hash/sign k) of
 * locations l0..l0+m-1 of x. */
static void ts_transform(const TensorSketch *ts, const TsScratch *w, int k, const float *x, int l0,
                         int m) {
    ts_sketch(ts, w, k, x, l0, m);
    fft_forward(ts->plan, m, w->sk[k], w->sp[k]);
}

static void ts_forward_sample(const PairPool *pool, const float *a, const float *b, float *y,
                              float *scratch) {
    const TensorSketch *ts = (const TensorSketch *)pool;
    TsScratch w = ts_scratch(ts, scratch);
    int nc = ts->d / 2 + 1;
    float *acc = w.acc;
    memset(acc, 0, ts->cs * sizeof(float));
    for (int l0 = 0; l0 < ts->hw; l0 += ts->chunk) {
        int m = ts->hw - l0 < ts->chunk ? ts->hw - l0 : ts->chunk;
        ts_transform(ts, &w, 0, a, l0, m);
        ts_transform(ts, &w, 1, b, l0, m);
        for (int j = 0; j < m; j++) {
            const float *p = w.sp[0] + (size_t)j * ts->cs, *q = w.sp[1] + (size_t)j * ts->cs;
            for (int f = 0; f < nc; f++) {
                float pr = p[2 * f], pi = p[2 * f + 1], qr = q[2 * f], qi = q[2 * f + 1];
                acc[2 * f] += pr * qr - pi * qi;
                acc[2 * f + 1] += pr * qi + pi * qr;
            }
        }
    }
    fft_inverse(ts->plan, 1, acc, w.row);
    float scale = 1.0f / (float)ts->d;
    for (int f = 0; f < ts->d; f++) y[f] = w.row[f] * scale;
}

/* dst = g conj(src) over nc complex values. */
static void ts_conj_mul(const float *g, const float *src, float *dst, int nc) {
    for (int f = 0; f < nc; f++) {
        float gr = g[2 * f], gi = g[2 * f + 1], sr = src[2 * f], si = src[2 * f + 1];
        dst[2 * f] = gr * sr + gi * si;
        dst[2 * f + 1] = gi * sr - gr * si;
    }
}

/* Replaces the spectra of a chunk by the gradient spectra, G = acc = FFT(dy)/d:
 * sp[0] <- G conj(sp[1]) when need0, sp[1] <- G conj(sp[0]) when need1. */
static void ts_grad_spectra(const TensorSketch *ts, const TsScratch *w, int m, int need0,
                            int need1) {
    int nc = ts->d / 2 + 1;
    const float *g = w->acc;
    for (int j = 0; j < m; j++) {
        float *p = w->sp[0] + (size_t)j * ts->cs, *q = w->sp[1] + (size_t)j * ts->cs;
        if (!need0) {
            ts_conj_mul(g, p, q, nc);
        } else if (!need1) {
            ts_conj_mul(g, q, p, nc);
        } else {
            for (int f = 0; f < nc; f++) {
                float gr = g[2 * f], gi = g[2 * f + 1];
                float pr = p[2 * f], pi = p[2 * f + 1], qr = q[2 * f], qi = q[2 * f + 1];
                p[2 * f] = gr * qr + gi * qi;
                p[2 * f + 1] = gi * qr - gr * qi;
                q[2 * f] = gr * pr + gi * pi;
                q[2 * f + 1] = gi * pr - gr * pi;
            }
        }
    }
}

/* Gradients of one sample: da, db may be NULL (not wanted); db == da means
 * a is used twice and both contributions are summed into da. */
static void ts_backward_sample(const PairPool *pool, const float *a, const float *b,
                               const float *dy, float *da, float *db, float *scratch) {
    const TensorSketch *ts = (const TensorSketch *)pool;
    TsScratch w = ts_scratch(ts, scratch);
    int need0 = da != NULL, need1 = db != NULL;
    memcpy(w.row, dy, (size_t)ts->d * sizeof(float));
    fft_forward(ts->plan, 1, w.row, w.acc);
    float scale = 1.0f / (float)ts->d;
    for (size_t f = 0; f < 2 * ((size_t)ts->d / 2 + 1); f++) w.acc[f] *= scale;
    for (int l0 = 0; l0 < ts->hw; l0 += ts->chunk) {
        int m = ts->hw - l0 < ts->chunk ? ts->hw - l0 : ts->chunk;
        /* dpsi1 needs only b's spectrum and dpsi2 only a's. */
        if (need1) ts_transform(ts, &w, 0, a, l0, m);
        if (need0) ts_transform(ts, &w, 1, b, l0, m);
        ts_grad_spectra(ts, &w, m, need0, need1);
        if (need0) {
            fft_inverse(ts->plan, m, w.sp[0], w.sk[0]);
            ts_gather(ts, &w, 0, l0, m, da, 0);
        }
        if (need1) {
            fft_inverse(ts->plan, m, w.sp[1], w.sk[1]);
            ts_gather(ts, &w, 1, l0, m, db, db == da);
        }
    }
}

static const PairPoolKind ts_kind = {
    .name = "tensor_sketch",
    .forward = ts_forward_sample,
    .backward = ts_backward_sample,
    .destroy = ts_destroy,
};
