/*
 * conv_winograd_strip — the Winograd convolution's tiles for planes wide
 * enough for runs: up to 16 consecutive tiles of one tile row are one strip
 * of six input rows (four output rows), moved between the planes and the
 * lanes with vector shuffles, through a zero-padded strip buffer only at
 * the plane's edges.
 */
#include <string.h>

#include "engine/nn/conv_winograd.h"

/* A run of up to WINO_LANES consecutive tiles of the block that lie in one
 * tile row: image, tile row, first tile column and count. The transforms
 * work run by run, so that a run's patches are one strip of rows: they are
 * copied once into a zero-padded strip buffer and read from it at a fixed
 * stride, with no bounds checks per element. */
typedef struct TileRun {
    int img, ty, tx, n;
} TileRun;

enum { WINO_STRIP = 4 * WINO_LANES + 4 }; /* floats per strip row: 4n + 2 and slack */

/* Sixteen floats as one vector (GCC's vector extension: one AVX-512
 * register, or what the target has), for the strided reads below. */
typedef F16 V16;

/* Stores n lanes (a run) of the 36 positions v into X, laid out 36 x c x
 * ld (V or M), at channel ch from column g. */
__attribute__((always_inline)) static inline void
wino_store_run(const Wino *w, float *X, int c, int ch, int g, const Lanes *v, int n) {
    float *dst = X + (size_t)ch * w->ld + g;
    size_t step = (size_t)c * w->ld;
    if (n == WINO_LANES) /* a whole run: fixed-size stores, no call */
        for (int xi = 0; xi < WINO_POS; xi++) memcpy(dst + xi * step, v[xi], sizeof(Lanes));
    else
        for (int xi = 0; xi < WINO_POS; xi++)
            memcpy(dst + xi * step, v[xi], sizeof(float) * (size_t)n);
}

/* Zeroes channel ch's columns past the block's tiles in X (36 x c x ld). */
static inline void wino_zero_tail(const Wino *w, float *X, int c, int ch) {
    for (int xi = 0; xi < WINO_POS && w->tb < w->ld; xi++)
        memset(X + ((size_t)xi * c + ch) * w->ld + w->tb, 0,
               sizeof(float) * (size_t)(w->ld - w->tb));
}

/* out[q] = row[4q + p] for q < 16 (p in 0..3), from the 64 floats at row:
 * three two-vector shuffles instead of sixteen scalar loads. */
static inline void wino_phase(const float *row, int p, float *out) {
    V16 a, b, c, d;
    memcpy(&a, row, sizeof a);
    memcpy(&b, row + 16, sizeof b);
    memcpy(&c, row + 32, sizeof c);
    memcpy(&d, row + 48, sizeof d);
    I16 pick = {p, p + 4, p + 8, p + 12, 16 + p, 20 + p, 24 + p, 28 + p,
                p, p + 4, p + 8, p + 12, 16 + p, 20 + p, 24 + p, 28 + p};
    I16 halves = {0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23};
    V16 ab = __builtin_shuffle(a, b, pick), cd = __builtin_shuffle(c, d, pick);
    V16 r = __builtin_shuffle(ab, cd, halves);
    memcpy(out, &r, sizeof r);
}

static void wino_run(const Wino *w, int g, TileRun *r) {
    int t = w->t0 + g, per = w->th * w->tw;
    r->img = t / per;
    r->ty = t % per / w->tw;
    r->tx = t % w->tw;
    int n = w->tw - r->tx;
    if (n > WINO_LANES) n = WINO_LANES;
    if (n > w->tb - g) n = w->tb - g;
    r->n = n;
}

/* strip = row y of plane (H x W) from column x0, count values, zero where
 * the row or a column falls outside the plane. */
static void wino_strip_in(const float *plane, int H, int W, int y, int x0, int count,
                          float *strip) {
    if (y < 0 || y >= H) {
        memset(strip, 0, sizeof(float) * (size_t)count);
        return;
    }
    const float *row = plane + (size_t)y * W;
    int lo = x0 < 0 ? -x0 : 0, hi = W - x0 < count ? W - x0 : count;
    if (lo > 0) memset(strip, 0, sizeof(float) * (size_t)lo);
    if (hi > lo) memcpy(strip + lo, row + x0 + lo, sizeof(float) * (size_t)(hi - lo));
    if (hi < count)
        memset(strip + (hi > lo ? hi : lo), 0,
               sizeof(float) * (size_t)(count - (hi > lo ? hi : lo)));
}

/* out[4q + j] = v[j][q] + bias for q < 16, j < 4, rectified when relu: the
 * inverse of wino_phase, by two rounds of two-vector shuffles. */
static inline void wino_interleave(const Lanes *v, float bias, int relu, float *out) {
    V16 y0, y1, y2, y3;
    memcpy(&y0, v[0], sizeof y0);
    memcpy(&y1, v[1], sizeof y1);
    memcpy(&y2, v[2], sizeof y2);
    memcpy(&y3, v[3], sizeof y3);
    y0 += bias, y1 += bias, y2 += bias, y3 += bias;
    if (relu) {
        V16 zero = {0}; /* keep the bits where y > 0 (the mask is all ones there) */
        y0 = (V16)((I16)y0 & (y0 > zero));
        y1 = (V16)((I16)y1 & (y1 > zero));
        y2 = (V16)((I16)y2 & (y2 > zero));
        y3 = (V16)((I16)y3 & (y3 > zero));
    }
    I16 lo = {0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23};
    I16 hi = {8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31};
    I16 lo2 = {0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23};
    I16 hi2 = {8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31};
    V16 a = __builtin_shuffle(y0, y1, lo), b = __builtin_shuffle(y0, y1, hi);
    V16 c = __builtin_shuffle(y2, y3, lo), d = __builtin_shuffle(y2, y3, hi);
    V16 o0 = __builtin_shuffle(a, c, lo2), o1 = __builtin_shuffle(a, c, hi2);
    V16 o2 = __builtin_shuffle(b, d, lo2), o3 = __builtin_shuffle(b, d, hi2);
    memcpy(out, &o0, sizeof o0);
    memcpy(out + 16, &o1, sizeof o1);
    memcpy(out + 32, &o2, sizeof o2);
    memcpy(out + 48, &o3, sizeof o3);
}

/* V[.][c][.] of the block for input channel c (task): V = B^T d B, run by
 * run; the columns past the block's tiles are zero. */
WINO_CLONES static void wino_strip_input(void *ctx, int c, int worker) {
    (void)worker;
    Wino *w = ctx;
    const Layer *l = w->l;
    int H = l->in.h, W = l->in.w, cin = l->in.c;
    float strip[6][WINO_STRIP];
    memset(strip, 0, sizeof strip);
    for (int g = 0; g < w->tb;) {
        TileRun r;
        wino_run(w, g, &r);
        const float *plane = tensor_sample(w->x, r.img) + (size_t)c * H * W;
        int y0 = 4 * r.ty - 1, x0 = 4 * r.tx - 1;
        /* The rows are read in place when the 68 floats from x0 lie inside
         * them; else through the zero-padded strip. */
        int direct = x0 >= 0 && x0 + WINO_STRIP <= W && y0 >= 0 && y0 + 6 <= H;
        Lanes d[WINO_POS], v[WINO_POS];
        for (int i = 0; i < 6; i++) {
            const float *row = plane + (size_t)(y0 + i) * W + x0;
            if (!direct) {
                wino_strip_in(plane, H, W, y0 + i, x0, 4 * r.n + 2, strip[i]);
                row = strip[i];
            }
            for (int j = 0; j < 4; j++) wino_phase(row, j, d[i * 6 + j]);
            for (int j = 4; j < 6; j++) wino_phase(row + 4, j - 4, d[i * 6 + j]);
        }
        WINO_2D(wino_bt, 6, 6, 6, 6, d, v);
        wino_store_run(w, w->V, cin, c, g, v, r.n);
        g += r.n;
    }
    wino_zero_tail(w, w->V, cin, c);
}

/* dX[.][c] += B dV B^T over the block's tiles, for input channel c (task):
 * each run's 6 rows are summed in a strip (neighbouring patches overlap by
 * two columns) and added to the plane. */
WINO_CLONES static void wino_strip_input_grad(void *ctx, int c, int worker) {
    (void)worker;
    Wino *w = ctx;
    const Layer *l = w->l;
    int H = l->in.h, W = l->in.w, cin = l->in.c;
    if (w->t0 == 0) wino_zero_planes(w->dx, c);
    for (int g = 0; g < w->tb;) {
        TileRun r;
        wino_run(w, g, &r);
        Lanes dv[WINO_POS], dd[WINO_POS];
        for (int xi = 0; xi < WINO_POS; xi++)
            memcpy(dv[xi], w->V + ((size_t)xi * cin + c) * w->ld + g, sizeof(Lanes));
        WINO_2D(wino_b, 6, 6, 6, 6, dv, dd);
        float *plane = tensor_sample(w->dx, r.img) + (size_t)c * H * W;
        int x0 = 4 * r.tx - 1, count = 4 * r.n + 2;
        for (int i = 0; i < 6; i++) {
            int y = 4 * r.ty - 1 + i;
            if (y < 0 || y >= H) continue;
            /* Columns 4q .. 4q+3 come from tile q alone; 4q+4 and 4q+5 add
             * tile q's overlap with tile q+1. Lanes from n on are zeroed. */
            Lanes rows[6];
            for (int j = 0; j < 6; j++)
                for (int q = 0; q < WINO_LANES; q++) rows[j][q] = q < r.n ? dd[i * 6 + j][q] : 0;
            Lanes tail[4] = {{0}};
            memcpy(tail[0], rows[4], sizeof(Lanes));
            memcpy(tail[1], rows[5], sizeof(Lanes));
            float strip[WINO_STRIP], over[4 * WINO_LANES];
            wino_interleave(rows, 0.0f, 0, strip);
            wino_interleave(tail, 0.0f, 0, over);
            strip[4 * WINO_LANES] = strip[4 * WINO_LANES + 1] = 0;
            for (int k = 0; k < 4 * WINO_LANES - 2; k++) strip[k + 4] += over[k];
            float *row = plane + (size_t)y * W;
            int lo = x0 < 0 ? -x0 : 0, hi = W - x0 < count ? W - x0 : count;
            for (int k = lo; k < hi; k++) row[x0 + k] += strip[k];
        }
        g += r.n;
    }
}

/* y[.][o] of the block's tiles from M, plus the bias (and the fused ReLU),
 * for output channel o (task). */
WINO_CLONES static void wino_strip_output(void *ctx, int o, int worker) {
    (void)worker;
    Wino *w = ctx;
    int H = w->l->out.h, W = w->l->out.w, relu = ((const Conv *)w->l->priv)->relu;
    float bias = wino_bias(w->l, o);
    for (int g = 0; g < w->tb;) {
        TileRun r;
        wino_run(w, g, &r);
        Lanes y[16];
        wino_output_tiles(w, o, g, y);
        float *plane = tensor_sample(w->y, r.img) + (size_t)o * H * W;
        int x0 = 4 * r.tx, count = W - x0 < 4 * r.n ? W - x0 : 4 * r.n;
        for (int i = 0; i < 4; i++) {
            int yy = 4 * r.ty + i;
            if (yy >= H) break;
            float *dst = plane + (size_t)yy * W + x0;
            if (count == 4 * WINO_LANES) { /* a whole run: straight into the row */
                wino_interleave(y + 4 * i, bias, relu, dst);
                continue;
            }
            float strip[WINO_STRIP];
            wino_interleave(y + 4 * i, bias, relu, strip);
            memcpy(dst, strip, sizeof(float) * (size_t)count);
        }
        g += r.n;
    }
}

/* M[.][o] of the block = A dY A^T (dM), for output channel o (task); with
 * the fused ReLU, dY counts only where the forward's output is positive.
 * The columns past the block's tiles are zero. */
WINO_CLONES static void wino_strip_output_grad(void *ctx, int o, int worker) {
    (void)worker;
    Wino *w = ctx;
    const Layer *l = w->l;
    int H = l->out.h, W = l->out.w, cout = l->out.c;
    int relu = ((const Conv *)l->priv)->relu;
    float strip[4][WINO_STRIP];
    memset(strip, 0, sizeof strip);
    for (int g = 0; g < w->tb;) {
        TileRun r;
        wino_run(w, g, &r);
        size_t plane = (size_t)o * H * W;
        const float *src = tensor_sample(w->dy, r.img) + plane;
        const float *out = relu ? tensor_sample(w->y_in, r.img) + plane : NULL;
        int x0 = 4 * r.tx, count = 4 * r.n;
        int whole = count == 4 * WINO_LANES && x0 + count <= W; /* the run's columns all inside */
        for (int i = 0; i < 4; i++) {
            int yy = 4 * r.ty + i;
            if (whole && yy < H) { /* whole 16-float pieces, masked without a branch */
                for (int k = 0; k < count; k += WINO_LANES) {
                    F16 d;
                    memcpy(&d, src + (size_t)yy * W + x0 + k, sizeof d);
                    if (out) {
                        F16 y;
                        memcpy(&y, out + (size_t)yy * W + x0 + k, sizeof y);
                        d = (F16)((I16)d & (y > 0.0f));
                    }
                    memcpy(strip[i] + k, &d, sizeof d);
                }
                continue;
            }
            wino_strip_in(src, H, W, yy, x0, count, strip[i]);
            if (out && yy < H)
                for (int k = 0; k < count && x0 + k < W; k++)
                    if (!(out[(size_t)yy * W + x0 + k] > 0.0f)) strip[i][k] = 0.0f;
        }
        Lanes dy[16], dm[WINO_POS];
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++) wino_phase(strip[i], j, dy[i * 4 + j]);
        WINO_2D(wino_a, 4, 4, 6, 6, dy, dm);
        wino_store_run(w, w->M, cout, o, g, dm, r.n);
        g += r.n;
    }
    wino_zero_tail(w, w->M, cout, o);
}

const WinoTiles wino_strip = {
    .name = "strip",
    .input = wino_strip_input,
    .input_grad = wino_strip_input_grad,
    .output = wino_strip_output,
    .output_grad = wino_strip_output_grad,
};
